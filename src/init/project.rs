//! Where projects are looked for (the root, its direct subdirectories, workspace members at any
//! depth) and what init knows about each directory's surroundings: the root's workspaces, the
//! package manager of the lockfile, and what the project's own scripts and hooks run.

use std::path::{Path, PathBuf};

/// Directories no project detection looks into.
const SKIPPED: [&str; 7] = [
    "node_modules",
    "target",
    "vendor",
    "dist",
    "build",
    "venv",
    "testdata",
];

/// The directories to look at, relative to `root` (`""` first), sorted and unique.
pub fn directories(root: &Path) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root) {
        dirs.extend(
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|name| visible(name)),
        );
    }
    dirs.extend(node_workspace_members(root));
    dirs.extend(go_work_members(root));
    dirs.sort();
    dirs.dedup();
    dirs.retain(|d| !d.is_empty());
    dirs.insert(0, String::new());
    dirs
}

/// A directory name tools treat as part of the project (go and npm skip `.x` and `_x`).
fn visible(name: &str) -> bool {
    !name.starts_with('.') && !name.starts_with('_') && !SKIPPED.contains(&name)
}

/// The root's npm/yarn `workspaces` (a list, or `{ "packages": [...] }`) and pnpm's
/// `pnpm-workspace.yaml` `packages`, as glob patterns.
fn node_workspace_patterns(root: &Path) -> Vec<String> {
    let mut patterns: Vec<String> = read_json(&root.join("package.json"))
        .and_then(|manifest| {
            let workspaces = manifest.get("workspaces")?.clone();
            workspaces
                .get("packages")
                .cloned()
                .unwrap_or(workspaces)
                .as_array()
                .cloned()
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    if let Ok(text) = std::fs::read_to_string(root.join("pnpm-workspace.yaml"))
        && let Ok(doc) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&text)
        && let Some(list) = doc.get("packages").and_then(|p| p.as_sequence())
    {
        patterns.extend(list.iter().filter_map(|p| p.as_str().map(str::to_owned)));
    }
    patterns
}

/// The directories (with a package.json) that the root's workspace patterns name.
fn node_workspace_members(root: &Path) -> Vec<String> {
    let patterns = node_workspace_patterns(root);
    let (include, exclude): (Vec<&String>, Vec<&String>) =
        patterns.iter().partition(|p| !p.starts_with('!'));
    let matcher = |list: &[&String]| {
        let mut builder = globset::GlobSetBuilder::new();
        for p in list {
            let p = p
                .trim_start_matches('!')
                .trim_start_matches("./")
                .trim_end_matches('/');
            if let Ok(glob) = globset::GlobBuilder::new(p).literal_separator(true).build() {
                builder.add(glob);
            }
        }
        builder.build().ok()
    };
    let (Some(include), Some(exclude)) = (matcher(&include), matcher(&exclude)) else {
        return Vec::new();
    };
    let mut members = Vec::new();
    walk(root, root, 0, &mut |relative| {
        if include.is_match(relative)
            && !exclude.is_match(relative)
            && root.join(relative).join("package.json").is_file()
        {
            members.push(relative.to_string_lossy().into_owned());
        }
    });
    members
}

/// Calls `found` with every directory below `root` (relative), four levels deep at most.
fn walk(root: &Path, dir: &Path, depth: usize, found: &mut dyn FnMut(&Path)) {
    if depth >= 4 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !entry.file_type().is_ok_and(|t| t.is_dir()) || !visible(&name) {
            continue;
        }
        let path = entry.path();
        if let Ok(relative) = path.strip_prefix(root) {
            found(relative);
        }
        walk(root, &path, depth + 1, found);
    }
}

/// The modules a `go.work` at the root uses.
fn go_work_members(root: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(root.join("go.work")) else {
        return Vec::new();
    };
    let mut members = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        let entry = if in_block {
            if line == ")" {
                in_block = false;
                continue;
            }
            line
        } else if let Some(rest) = line.strip_prefix("use") {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
                continue;
            }
            rest
        } else {
            continue;
        };
        let dir = entry
            .trim_matches('"')
            .trim_start_matches("./")
            .trim_end_matches('/');
        if !dir.is_empty() && dir != "." && !dir.starts_with("..") {
            members.push(dir.to_owned());
        }
    }
    members
}

/// What a directory's detection needs to know about the repository around it.
pub struct Context {
    root: PathBuf,
    dir: String,
}

impl Context {
    /// The context of `dir` (relative to `root`).
    pub fn new(root: &Path, dir: &str) -> Context {
        Context {
            root: root.to_path_buf(),
            dir: dir.to_owned(),
        }
    }

    /// Whether a project of `kind` here is covered by the root's own gates: a member of the
    /// root's Cargo workspace (`cargo clippy`/`cargo test` at the root build every member).
    pub fn covered_by_root(&self, kind: &str) -> bool {
        if kind != "rust" || self.dir.is_empty() {
            return false;
        }
        let members: Vec<String> = std::fs::read_to_string(self.root.join("Cargo.toml"))
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|manifest| {
                let members = manifest
                    .get("workspace")?
                    .get("members")?
                    .as_array()?
                    .clone();
                Some(
                    members
                        .iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect(),
                )
            })
            .unwrap_or_default();
        members.iter().any(|m| {
            globset::Glob::new(m.trim_start_matches("./").trim_end_matches('/'))
                .is_ok_and(|g| g.compile_matcher().is_match(&self.dir))
        })
    }

    /// The package manager whose lockfile is here or at the root: `(exec prefix, name)`.
    pub fn package_manager(&self, dir: &Path) -> (&'static str, &'static str) {
        for place in [dir, self.root.as_path()] {
            if place.join("pnpm-lock.yaml").exists() {
                return ("pnpm exec", "pnpm");
            }
            if place.join("yarn.lock").exists() {
                return ("yarn", "yarn");
            }
            if place.join("bun.lockb").exists() || place.join("bun.lock").exists() {
                return ("bunx", "bun");
            }
            if place.join("package-lock.json").exists() {
                return ("npx --no-install", "npm");
            }
        }
        ("npx --no-install", "npm")
    }

    /// What the project's own scripts and hooks run, as text to search for tool names: the
    /// package.json scripts here and at the root, lint-staged configs, husky's hook files and
    /// lefthook's config.
    pub fn evidence(&self, dir: &Path) -> String {
        let mut text = String::new();
        for place in [dir, self.root.as_path()] {
            if let Some(manifest) = read_json(&place.join("package.json")) {
                for key in ["scripts", "lint-staged"] {
                    if let Some(value) = manifest.get(key) {
                        text.push_str(&value.to_string());
                        text.push('\n');
                    }
                }
            }
            for name in [
                ".lintstagedrc",
                ".lintstagedrc.json",
                ".lintstagedrc.yaml",
                ".lintstagedrc.yml",
                ".lintstagedrc.js",
                ".lintstagedrc.mjs",
                ".lintstagedrc.cjs",
                "lint-staged.config.js",
                "lint-staged.config.mjs",
                "lint-staged.config.cjs",
                "lint-staged.config.ts",
                "lefthook.yml",
                ".lefthook.yml",
                "lefthook.yaml",
            ] {
                if let Ok(more) = std::fs::read_to_string(place.join(name)) {
                    text.push_str(&more);
                    text.push('\n');
                }
            }
        }
        if let Ok(entries) = std::fs::read_dir(self.root.join(".husky")) {
            for entry in entries.flatten() {
                if let Ok(more) = std::fs::read_to_string(entry.path()) {
                    text.push_str(&more);
                    text.push('\n');
                }
            }
        }
        text
    }
}

/// The gate-name prefix of a directory: letters, digits, `-`, `_`, `.`; others become `-`.
pub fn prefix(dir: &str) -> String {
    let prefix: String = dir
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '_')
        .to_owned();
    if prefix.is_empty() {
        "sub".to_owned()
    } else {
        prefix
    }
}

/// A JSON file, with the comments and trailing commas that tsconfig and biome allow.
pub fn read_json(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text)
        .ok()
        .or_else(|| serde_json::from_str(&strip_jsonc(&text)).ok())
}

/// JSON with `//` and `/* */` comments and trailing commas, as plain JSON.
fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for next in chars.by_ref() {
                    if last == '*' && next == '/' {
                        break;
                    }
                    last = next;
                }
            }
            _ => out.push(c),
        }
    }
    // Trailing commas: `,` followed by whitespace and `}` or `]`.
    let mut cleaned = String::with_capacity(out.len());
    let bytes: Vec<char> = out.chars().collect();
    let mut in_string = false;
    for (i, c) in bytes.iter().enumerate() {
        if *c == '"' && (i == 0 || bytes[i - 1] != '\\') {
            in_string = !in_string;
        }
        if *c == ',' && !in_string {
            let next = bytes[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        cleaned.push(*c);
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_reads_like_json() {
        let text = "{\n  // a comment\n  \"a\": \"http://x\", /* b */\n  \"c\": [1, 2,],\n}\n";
        let value: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).unwrap();
        assert_eq!(value, serde_json::json!({"a": "http://x", "c": [1, 2]}));
    }
}
