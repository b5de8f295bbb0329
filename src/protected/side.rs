//! One side (base or target) of the changed test files: their tests, helpers and sources,
//! with the tables built once per side (helpers, setup values, constants and skip aliases per
//! language family; line starts per file), so that judging each test stays linear.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::analysis::{Analysis, Context, analyse, skip_in};
use super::extract::{FileTests, TestCase};
use super::lexer::{Language, Token};

/// The tables of one language family on one side.
#[derive(Default)]
struct Family {
    helpers: HashMap<String, Vec<Token>>,
    setup: HashMap<String, Vec<Token>>,
    constants: HashMap<String, f64>,
    aliases: HashSet<String>,
}

/// One side (base or target) of the changed test files.
#[derive(Default)]
pub struct Side {
    /// Tests and helpers per file.
    pub files: HashMap<PathBuf, (Language, FileTests)>,
    /// Source text per file, for the lines a finding shows.
    sources: HashMap<PathBuf, String>,
    /// Byte offset of each line start, per file.
    line_starts: HashMap<PathBuf, Vec<usize>>,
    /// Per language family, built once.
    families: OnceCell<HashMap<u8, Family>>,
    /// Files by name and by directory, and the hashes of every source, built once.
    places: OnceCell<Places>,
}

/// Where files are, for finding where a deleted file went.
#[derive(Default)]
struct Places {
    by_name: HashMap<std::ffi::OsString, Vec<PathBuf>>,
    by_parent: HashMap<PathBuf, Vec<PathBuf>>,
    contents: HashSet<u64>,
}

fn hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Languages whose tests can move into each other's files (JS/TS, Java/Kotlin).
pub fn family(language: Language) -> u8 {
    match language {
        Language::Rust => 0,
        Language::Python => 1,
        Language::Js => 2,
        Language::Go => 3,
        Language::Java | Language::Kotlin => 4,
    }
}

impl Side {
    /// Adds a file read on this side.
    pub fn add(&mut self, path: PathBuf, language: Language, found: FileTests, source: String) {
        let mut starts = vec![0];
        starts.extend(
            source
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(at, _)| at + 1),
        );
        self.line_starts.insert(path.clone(), starts);
        self.sources.insert(path.clone(), source);
        self.files.insert(path, (language, found));
    }

    /// The source of a file on this side.
    pub fn source(&self, path: &Path) -> Option<&str> {
        self.sources.get(path).map(String::as_str)
    }

    fn places(&self) -> &Places {
        self.places.get_or_init(|| {
            let mut places = Places::default();
            for (path, source) in &self.sources {
                if let Some(name) = path.file_name() {
                    places
                        .by_name
                        .entry(name.to_owned())
                        .or_default()
                        .push(path.clone());
                }
                places
                    .by_parent
                    .entry(path.parent().map(Path::to_path_buf).unwrap_or_default())
                    .or_default()
                    .push(path.clone());
                places.contents.insert(hash(source));
            }
            places
        })
    }

    /// Files with the same name or in the same directory as `file` (a few), with their text.
    pub fn near(&self, file: &Path) -> Vec<(&PathBuf, &str)> {
        let places = self.places();
        let same_name = file
            .file_name()
            .and_then(|n| places.by_name.get(n))
            .into_iter()
            .flatten();
        let same_dir = places
            .by_parent
            .get(file.parent().unwrap_or(Path::new("")))
            .into_iter()
            .flatten();
        same_name
            .chain(same_dir)
            .filter(|p| p.as_path() != file)
            .take(10)
            .filter_map(|p| self.sources.get(p).map(|s| (p, s.as_str())))
            .collect()
    }

    /// Whether some file on this side has exactly this text.
    pub fn has_source(&self, text: &str) -> bool {
        self.places().contents.contains(&hash(text))
    }

    /// Every test with its language, by file and line.
    pub fn tests(&self) -> Vec<(&TestCase, Language)> {
        let mut all: Vec<(&TestCase, Language)> = self
            .files
            .values()
            .flat_map(|(l, f)| f.tests.iter().map(move |t| (t, *l)))
            .collect();
        all.sort_by(|a, b| (&a.0.file, a.0.start_line).cmp(&(&b.0.file, b.0.start_line)));
        all
    }

    fn families(&self) -> &HashMap<u8, Family> {
        self.families.get_or_init(|| {
            // Helpers of any changed file of the same family count: assertions moved into
            // `tests/common/mod.rs` still belong to the test.
            let mut all: HashMap<u8, Family> = HashMap::new();
            for (l, file) in self.files.values() {
                let tables = all.entry(family(*l)).or_default();
                for (name, body) in &file.helpers {
                    tables
                        .helpers
                        .entry(name.clone())
                        .or_insert_with(|| body.clone());
                }
                for (name, value) in &file.setup {
                    tables
                        .setup
                        .entry(name.clone())
                        .or_insert_with(|| value.clone());
                }
                for (name, value) in &file.constants {
                    tables.constants.entry(name.clone()).or_insert(*value);
                }
                tables.aliases.extend(file.skip_aliases.iter().cloned());
            }
            all
        })
    }

    /// What a test checks, with the helpers, setup values and constants of its family.
    pub fn analyse(&self, test: &TestCase, language: Language) -> Analysis {
        let empty = Family::default();
        let tables = self.families().get(&family(language)).unwrap_or(&empty);
        let empty_constants = HashMap::new();
        // The file's own constants win over another file's of the same name.
        let own = self
            .files
            .get(&test.file)
            .map_or(&empty_constants, |(_, f)| &f.constants);
        let constants = [own, &tables.constants];
        let context = Context::new(&tables.helpers, &tables.setup, constants, language);
        let mut analysis = analyse(&test.body, &context);
        analysis.assertions.extend(test.declared.iter().cloned());
        analysis
    }

    /// The test's skip markers, decorations that name a skip alias of its family included.
    pub fn markers(&self, test: &TestCase, language: Language) -> Vec<(String, u32)> {
        let mut markers = test.markers.clone();
        if let Some(tables) = self.families().get(&family(language)) {
            for (name, line) in &test.decorations {
                // A pytest fixture the test asks for that skips.
                if let Some(fixture) = name.strip_prefix("fixture ") {
                    if let Some(skip) = tables
                        .helpers
                        .get(fixture)
                        .and_then(|body| skip_in(body, language))
                    {
                        markers.push((format!("fixture `{fixture}` calls {skip}"), *line));
                    }
                    continue;
                }
                if tables.aliases.contains(name) {
                    let marker = format!("@{name}");
                    if !markers.iter().any(|(m, _)| *m == marker) {
                        markers.push((marker, *line));
                    }
                }
            }
        }
        markers
    }

    /// Lines `from..=to` (1-based) of a file.
    pub fn lines(&self, file: &Path, from: u32, to: u32) -> Vec<String> {
        let (Some(source), Some(starts)) = (self.sources.get(file), self.line_starts.get(file))
        else {
            return Vec::new();
        };
        let first = from.saturating_sub(1) as usize;
        let last = (to as usize).min(starts.len());
        if first >= last {
            return Vec::new();
        }
        let end = starts.get(last).copied().unwrap_or(source.len());
        source[starts[first]..end]
            .lines()
            .map(str::to_owned)
            .collect()
    }
}
