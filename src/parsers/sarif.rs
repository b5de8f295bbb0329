//! `parser = "sarif"`: SARIF 2.1.0 logs (semgrep, ruff, clippy-sarif, `CodeQL`, eslint's SARIF
//! formatter, biome...), every run of every log found in the output or the `report` file.
//!
//! A result is a diagnostic: its rule (`ruleId`, `rule.id`, or the rule at `ruleIndex`), its
//! level (else the rule's default, else `warning` as SARIF says), its message (`text`, or the
//! rule's message string, with `{0}` arguments and `[text](1)` links filled in), its first
//! location with the region's end, and its fixes. URIs are resolved through the run's
//! `originalUriBaseIds` and artifacts; `file://` URIs and percent escapes are undone. Results
//! that are suppressed or not failures (`kind` pass, notApplicable, informational) are left
//! out. Error notifications of the tool (a file it could not parse) are diagnostics too.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{Place, json_values};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};

/// `[text](1)`: a link to a related location, in the messages of `CodeQL`.
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\]]*)\]\(\d+\)").expect("a valid pattern"));

/// `{0}`: a placeholder for a message argument.
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{(\d+)\}").expect("a valid pattern"));

/// Every result of every run of every SARIF log in `text`.
pub fn parse(text: &str, place: &Place<'_>) -> Result<Vec<Diagnostic>, String> {
    let logs: Vec<Value> = json_values(text, '{')
        .into_iter()
        .filter(|v| v.get("runs").is_some_and(Value::is_array))
        .collect();
    if logs.is_empty() {
        return Err("no SARIF log (a JSON object with `runs`) was found".to_owned());
    }
    let mut found = Vec::new();
    for run in logs.iter().flat_map(|log| items(log.get("runs"))) {
        let run = Run::new(run, place);
        for result in items(run.value.get("results")) {
            if super::budget::exhausted() {
                return Ok(found);
            }
            if let Some(diagnostic) = run.result(result) {
                found.push(diagnostic);
            }
        }
        found.extend(run.notifications());
    }
    Ok(found)
}

/// The elements of a JSON array, or none.
fn items(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

fn text<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn count(value: &Value, key: &str) -> Option<u32> {
    value
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
}

/// A region read: its start line, and what else it gave.
struct Span {
    line: u32,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
}

/// One run, with what its results refer to.
struct Run<'a> {
    value: &'a Value,
    place: &'a Place<'a>,
    /// `originalUriBaseIds`: id → its URI, resolved.
    bases: HashMap<String, String>,
    /// The files regions count in, read once each (`None`: unreadable).
    sources: RefCell<HashMap<String, Option<Rc<Source>>>>,
}

/// A base id is followed at most this many links up (a log may chain them to no end).
const BASE_DEPTH: usize = 32;
/// A resolved base longer than this is no base (joined links could grow without bound).
const URI_LIMIT: usize = 4096;

/// `originalUriBaseIds` resolved: a base relative to another has the other's URI joined in
/// front. Each id is resolved once (memoised); a chain deeper than [`BASE_DEPTH`], a cycle, an
/// unknown parent or a URI longer than [`URI_LIMIT`] leaves the id unresolved.
fn bases(map: &serde_json::Map<String, Value>) -> HashMap<String, String> {
    let mut resolved: HashMap<&str, Option<String>> = HashMap::new();
    for id in map.keys() {
        // Up the chain to a resolved id or a root; `start` is what the chain's top joins onto.
        let mut chain: Vec<&str> = Vec::new();
        let mut current = id.as_str();
        let start: Option<String> = loop {
            if let Some(done) = resolved.get(current) {
                break done.clone();
            }
            let Some(location) = map.get(current) else {
                break None;
            };
            if chain.contains(&current) {
                break None;
            }
            if chain.len() >= BASE_DEPTH {
                // Too deep from here: only this id is given up (the chain may resolve from a
                // shorter start).
                chain.clear();
                resolved.insert(id.as_str(), None);
                break None;
            }
            chain.push(current);
            match text(location, "/uriBaseId") {
                None => break Some(String::new()),
                Some(parent) => current = parent,
            }
        };
        let mut value = start;
        for link in chain.iter().rev() {
            let uri = map
                .get(*link)
                .and_then(|l| text(l, "/uri"))
                .unwrap_or_default();
            value = value
                .map(|base| join(&base, uri))
                .filter(|joined| joined.len() <= URI_LIMIT);
            resolved.insert(link, value.clone());
        }
    }
    resolved
        .into_iter()
        .filter_map(|(id, uri)| Some((id.to_owned(), uri?)))
        .collect()
}

/// A file's text with what finding a place in it needs: where each line starts, and (unless
/// it is ASCII) where every [`MARK_EVERY`]th character starts, so an offset or a column is a
/// binary search and a short walk, not a walk from the top of the file.
struct Source {
    text: String,
    /// Byte offset where each line starts (the first is 0).
    lines: Vec<usize>,
    /// Byte offset of characters 0, `MARK_EVERY`, 2 × `MARK_EVERY`...; empty when ASCII.
    marks: Vec<usize>,
    /// Characters in the text.
    chars: usize,
}

const MARK_EVERY: usize = 64;

impl Source {
    fn new(text: String) -> Source {
        let lines = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let (marks, chars) = if text.is_ascii() {
            (Vec::new(), text.len())
        } else {
            let mut marks = Vec::new();
            let mut chars = 0;
            for (i, (at, _)) in text.char_indices().enumerate() {
                if i % MARK_EVERY == 0 {
                    marks.push(at);
                }
                chars = i + 1;
            }
            (marks, chars)
        };
        Source {
            text,
            lines,
            marks,
            chars,
        }
    }

    /// The byte where character `n` starts (the end, for `n` = the character count).
    fn byte_of_char(&self, n: usize) -> Option<usize> {
        if n > self.chars {
            return None;
        }
        if self.marks.is_empty() || n == self.chars {
            return Some(if n == self.chars { self.text.len() } else { n });
        }
        let mark = *self.marks.get(n / MARK_EVERY)?;
        let (at, _) = self.text[mark..].char_indices().nth(n % MARK_EVERY)?;
        Some(mark + at)
    }

    /// Characters before `byte` (a character boundary).
    fn chars_before(&self, byte: usize) -> usize {
        if self.marks.is_empty() {
            return byte;
        }
        let k = self.marks.partition_point(|m| *m <= byte).saturating_sub(1);
        let mark = self.marks.get(k).copied().unwrap_or(0);
        k * MARK_EVERY + self.text.get(mark..byte).map_or(0, |t| t.chars().count())
    }

    /// The 1-based line and column of an offset, counted in characters or bytes.
    fn position(&self, offset: u32, characters: bool) -> Option<(u32, u32)> {
        let offset = usize::try_from(offset).ok()?;
        let byte = if characters {
            self.byte_of_char(offset)?
        } else {
            (offset <= self.text.len() && self.text.is_char_boundary(offset)).then_some(offset)?
        };
        let line = self.lines.partition_point(|start| *start <= byte);
        let line_start = self.lines[line - 1];
        let column = if characters {
            self.chars_before(byte) - self.chars_before(line_start) + 1
        } else {
            byte - line_start + 1
        };
        Some((u32::try_from(line).ok()?, u32::try_from(column).ok()?))
    }

    /// Characters in `line` (1-based), without its line break.
    fn line_length(&self, line: u32) -> Option<u32> {
        let index = usize::try_from(line.checked_sub(1)?).ok()?;
        let start = *self.lines.get(index)?;
        if start >= self.text.len() {
            return None;
        }
        let mut end = self
            .lines
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        if end > start && self.text.as_bytes()[end - 1] == b'\r' && end < self.text.len() {
            end -= 1;
        }
        u32::try_from(self.chars_before(end) - self.chars_before(start)).ok()
    }
}

impl<'a> Run<'a> {
    fn new(value: &'a Value, place: &'a Place<'a>) -> Run<'a> {
        let bases = value
            .get("originalUriBaseIds")
            .and_then(Value::as_object)
            .map(bases)
            .unwrap_or_default();
        Run {
            value,
            place,
            bases,
            sources: RefCell::new(HashMap::new()),
        }
    }

    /// The rule a result names: by index (in the driver or the extension it names), else by id.
    fn rule(&self, result: &Value, id: Option<&str>) -> Option<&'a Value> {
        let tool = self.value.get("tool")?;
        let component = match result
            .pointer("/rule/toolComponent/index")
            .and_then(Value::as_u64)
        {
            Some(index) => tool.get("extensions")?.get(usize::try_from(index).ok()?)?,
            None => tool.get("driver")?,
        };
        let index = result
            .get("ruleIndex")
            .or_else(|| result.pointer("/rule/index"))
            .and_then(Value::as_u64)
            .and_then(|i| usize::try_from(i).ok());
        if let Some(rule) = index.and_then(|i| component.get("rules")?.get(i)) {
            return Some(rule);
        }
        let id = id?;
        std::iter::once(tool.get("driver"))
            .chain(items(tool.get("extensions")).map(Some))
            .flatten()
            .flat_map(|c| items(c.get("rules")))
            .find(|rule| text(rule, "/id") == Some(id))
    }

    fn result(&self, result: &Value) -> Option<Diagnostic> {
        let kind = text(result, "/kind").unwrap_or("fail");
        if matches!(kind, "pass" | "notApplicable" | "informational") || suppressed(result) {
            return None;
        }
        let id = text(result, "/ruleId").or_else(|| text(result, "/rule/id"));
        let rule = self.rule(result, id);
        let id = id.or_else(|| rule.and_then(|r| text(r, "/id")));
        let level = text(result, "/level")
            .or_else(|| rule.and_then(|r| text(r, "/defaultConfiguration/level")))
            .unwrap_or("warning");
        let message = message(result.get("message"), rule);
        let diagnostic = Diagnostic::new(Some(severity(level)), message).rule(id);
        let fixes: Vec<Fix> = items(result.get("fixes"))
            .filter_map(|fix| self.fix(fix))
            .collect();
        let location = items(result.get("locations")).next();
        Some(self.locate(diagnostic, location).fixes(fixes))
    }

    /// Error notifications of the tool (eslint's parse errors, an extractor's failures).
    fn notifications(&self) -> Vec<Diagnostic> {
        items(self.value.get("invocations"))
            .flat_map(|invocation| {
                items(invocation.get("toolExecutionNotifications"))
                    .chain(items(invocation.get("toolConfigurationNotifications")))
            })
            .filter(|n| text(n, "/level") == Some("error"))
            .map(|n| {
                let diagnostic =
                    Diagnostic::new(Some(Severity::Error), message(n.get("message"), None))
                        .rule(text(n, "/descriptor/id"));
                self.locate(diagnostic, items(n.get("locations")).next())
            })
            .collect()
    }

    /// Pins the diagnostic to a location's file and region.
    fn locate(&self, diagnostic: Diagnostic, location: Option<&Value>) -> Diagnostic {
        let Some(physical) = location.and_then(|l| l.get("physicalLocation")) else {
            return diagnostic;
        };
        let Some(file) = physical.get("artifactLocation").and_then(|a| self.path(a)) else {
            return diagnostic;
        };
        let Some(region) = physical
            .get("region")
            .and_then(|r| self.region(r, &file, false))
        else {
            return diagnostic.at(self.place, &file, None, None);
        };
        diagnostic
            .at(self.place, &file, Some(region.line), region.column)
            .until(region.end_line, region.end_column)
    }

    /// A region as (line, column, end line, end column): line and column numbers, or byte
    /// and character offsets counted in the file. With `whole`, a region without columns is
    /// its whole lines (a fix's deleted region), so the end needs the file's line length.
    fn region(&self, region: &Value, file: &str, whole: bool) -> Option<Span> {
        if let Some(line) = count(region, "startLine") {
            // SARIF: a missing end line is the start line; a missing end column, the line's end.
            let end_line = count(region, "endLine");
            let end_column = match count(region, "endColumn") {
                Some(column) => Some(column),
                None if whole => Some(
                    self.source(file)?
                        .line_length(end_line.unwrap_or(line))?
                        .checked_add(1)?,
                ),
                None => None,
            };
            let end_line = end_line.or(end_column.map(|_| line));
            return Some(Span {
                line,
                column: count(region, "startColumn").or(whole.then_some(1)),
                end_line,
                end_column,
            });
        }
        let (offset, length) = match (count(region, "charOffset"), count(region, "byteOffset")) {
            (Some(offset), _) => (offset, count(region, "charLength").unwrap_or(0)),
            (None, Some(offset)) => (offset, count(region, "byteLength").unwrap_or(0)),
            (None, None) => return None,
        };
        let characters = region.get("charOffset").is_some();
        let source = self.source(file)?;
        let start = source.position(offset, characters)?;
        let end = source.position(offset.checked_add(length)?, characters)?;
        Some(Span {
            line: start.0,
            column: Some(start.1),
            end_line: Some(end.0),
            end_column: Some(end.1),
        })
    }

    fn fix(&self, fix: &Value) -> Option<Fix> {
        let mut edits = Vec::new();
        for change in items(fix.get("artifactChanges")) {
            let file = change.get("artifactLocation").and_then(|a| self.path(a))?;
            let relative = self.place.relative(&file)?;
            for replacement in items(change.get("replacements")) {
                let span = replacement
                    .get("deletedRegion")
                    .and_then(|r| self.region(r, &file, true))?;
                // A fix with an edit that cannot be placed is left out whole.
                edits.push(Edit::new(
                    relative.clone(),
                    (span.line, span.column?),
                    (span.end_line?, span.end_column?),
                    text(replacement, "/insertedContent/text")
                        .unwrap_or_default()
                        .to_owned(),
                )?);
            }
        }
        Some(Fix {
            description: fix
                .get("description")
                .map(|d| message(Some(d), None))
                .filter(|d| !d.is_empty()),
            edits,
        })
    }

    /// An artifact location's path as the tool meant it: a base id's URI joined in front, the
    /// run's artifact at `index` when the location has no URI, percent escapes undone.
    /// The index is followed once: an artifact's own location is read for its URI only (a
    /// log whose artifacts name each other by index must not send the reader round forever).
    fn path(&self, artifact: &Value) -> Option<String> {
        let artifact = if text(artifact, "/uri").is_some() {
            artifact
        } else {
            let index = usize::try_from(artifact.get("index")?.as_u64()?).ok()?;
            self.value.get("artifacts")?.get(index)?.get("location")?
        };
        let uri = text(artifact, "/uri")?;
        let uri = uri.to_owned();
        let uri = match text(artifact, "/uriBaseId").and_then(|id| self.bases.get(id)) {
            Some(base) => join(base, &uri),
            None => uri,
        };
        let path = decode(local(&uri)?);
        (!path.is_empty()).then_some(path)
    }

    /// The file a region counts in, read once per run.
    fn source(&self, file: &str) -> Option<Rc<Source>> {
        let relative = self.place.relative(file)?;
        let mut sources = self.sources.borrow_mut();
        sources
            .entry(relative)
            .or_insert_with_key(|relative| {
                let text = self.place.files.read(&self.place.root.join(relative))?;
                Some(Rc::new(Source::new(text)))
            })
            .clone()
    }
}

/// Whether a suppression applies: one that is accepted (or says nothing of its status).
fn suppressed(result: &Value) -> bool {
    items(result.get("suppressions")).any(|s| matches!(text(s, "/status"), None | Some("accepted")))
}

/// A SARIF level as a severity; `none` (informational) is a note.
fn severity(level: &str) -> Severity {
    match level {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Note,
    }
}

/// A message's text: its own, or the rule's message string it names by id; arguments put
/// in for `{0}`..., links to related locations reduced to their text.
fn message(message: Option<&Value>, rule: Option<&Value>) -> String {
    let Some(message) = message else {
        return String::new();
    };
    let template = text(message, "/text")
        .or_else(|| {
            let id = text(message, "/id")?;
            rule?.get("messageStrings")?.get(id)?.get("text")?.as_str()
        })
        .or_else(|| text(message, "/markdown"))
        .unwrap_or_default();
    let arguments: Vec<&str> = items(message.get("arguments"))
        .filter_map(Value::as_str)
        .collect();
    let filled = PLACEHOLDER.replace_all(template, |c: &regex::Captures<'_>| {
        c[1].parse::<usize>()
            .ok()
            .and_then(|i| arguments.get(i))
            .map_or_else(|| c[0].to_owned(), |a| (*a).to_owned())
    });
    LINK.replace_all(&filled, "$1").trim().to_owned()
}

/// `base` and a relative `uri` joined (`file:///src/` and `a/b.py`); an absolute `uri` stays.
fn join(base: &str, uri: &str) -> String {
    if uri.contains("://") || uri.starts_with('/') {
        return uri.to_owned();
    }
    if base.is_empty() || base.ends_with('/') {
        format!("{base}{uri}")
    } else {
        format!("{base}/{uri}")
    }
}

/// A URI as a local path (still escaped): without its query and fragment; a `file:` URI's
/// path when its host is empty or `localhost` (`file://host/abs` is another machine's file,
/// not `host/abs` in the repository); `None` for those.
fn local(uri: &str) -> Option<&str> {
    let uri = uri.split(['?', '#']).next().unwrap_or_default();
    let Some(rest) = uri.strip_prefix("file://") else {
        return Some(uri.strip_prefix("file:").unwrap_or(uri));
    };
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    (host.is_empty() || host.eq_ignore_ascii_case("localhost")).then_some(path)
}

/// Undoes `%XX` escapes (invalid ones stay as they are).
fn decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = uri
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{Fixture, lines_with_fixes};
    use super::*;

    fn read(name: &str, cwd: &str) -> Vec<String> {
        let fixture = Fixture::in_dir("sarif", cwd);
        lines_with_fixes(&parse(&fixture.output(name), &fixture.place()).unwrap())
    }

    #[test]
    fn ruff_with_end_positions_and_fixes() {
        // `file://` URIs; whole-line deletions; a fix of two edits.
        assert_eq!(
            read("ruff.sarif", ""),
            [
                "error pkg/app.py:1:8-1:10 [F401] `os` imported but unused",
                "  fix: Remove unused import: `os` (delete 1:1-2:1)",
                "error pkg/app.py:3:8-3:11 [F401] `sys` imported but unused",
                "  fix: Remove unused import: `sys` (delete 3:1-4:1)",
                "error pkg/app.py:6:23-6:25 [B006] Do not use mutable data structures for argument defaults",
                "  fix: Replace with `None`; initialize within function (replace 6:23-6:25 with \"None\"; insert \"    if args is None:\\n        args = []\\n\" at 7:1)",
                "error pkg/app.py:11:5-11:11 [E722] Do not use bare `except`",
                "error pkg/app.py:11:5-12:13 [S110] `try`-`except`-`pass` detected, consider logging the exception",
                "error pkg/app.py:13:11-13:18 [F541] f-string without any placeholders",
                "  fix: Remove extraneous `f` prefix (replace 13:11-13:18 with \"\\\"done\\\"\")",
            ]
        );
    }

    #[test]
    fn semgrep_levels_from_the_rules() {
        // Results without a level take their rule's default (INFO is a note).
        assert_eq!(
            read("semgrep.sarif", ""),
            [
                "note pkg/app.py:6:1-13:19 [mutable-default-argument] the default list of args is shared between calls",
                "error pkg/app.py:8:16-8:52 [subprocess-shell-true] subprocess.call with shell=True runs command through a shell",
                "warning pkg/app.py:10:16-10:29 [eval-call] eval() runs whatever code it is given",
            ]
        );
    }

    #[test]
    fn eslint_results_and_its_parse_error_notification() {
        assert_eq!(
            read("eslint.sarif", ""),
            [
                "error src/app.js:1:7-1:13 [no-unused-vars] 'unused' is assigned a value but never used.",
                "error src/app.js:4:13-4:15 [eqeqeq] Expected '===' and instead saw '=='.",
                "error src/app.js:5:5-5:12 [no-undef] 'console' is not defined.",
                "warning src/app.js:5:5-5:16 [no-console] Unexpected console statement.",
                "error src/app.js:7:10-7:24 [no-undef] 'undefinedThing' is not defined.",
                // eslint's SARIF formatter reports a file it cannot parse as a notification.
                "error src/syntax.js:2:3 [ESL0999] Parsing error: Unexpected keyword 'return'",
            ]
        );
    }

    #[test]
    fn biome_among_its_own_text() {
        assert_eq!(
            read("biome.sarif", ""),
            [
                "warning src/app.js:1:7-1:13 [lint/correctness/noUnusedVariables] This variable unused is unused.",
                "error src/syntax.js:2:10-2:11 [parse] expected `:` but instead found `1`",
                "error src/syntax.js:2:11-2:12 [parse] expected `:` but instead found `;`",
                "error src/syntax.js:3:1-3:2 [parse] Expected a statement but instead found '}'.",
            ]
        );
    }

    #[test]
    fn clippy_sarif_relative_to_the_gates_cwd() {
        assert_eq!(
            read("clippy.sarif", "crate"),
            [
                "warning crate/src/lib.rs:2:9-2:15 [unused_variables] unused variable: `unused`",
                "warning crate/src/lib.rs:1:8-1:13 [clippy::must_use_candidate] this function could have a `#[must_use]` attribute",
                "warning crate/src/lib.rs:7:5-7:15 [clippy::needless_return] unneeded `return` statement",
                "warning crate/src/lib.rs:1:22-1:31 [clippy::ptr_arg] writing `&Vec` instead of `&[_]` involves a new object where a slice will do",
                "warning crate/src/lib.rs:4:14-4:29 [clippy::needless_range_loop] the loop variable `i` is only used to index `values`",
            ]
        );
    }

    /// What `CodeQL` writes and the captured tools do not: rules in an extension named by
    /// `toolComponent`, a message string with arguments and links, a base id resolved through
    /// `originalUriBaseIds`, an artifact by index, suppressed and passing results. (`CodeQL`'s
    /// CLI comes only as a release bundle, which cannot be installed here: the log follows
    /// SARIF 2.1.0 and the documented output of `CodeQL`.)
    #[test]
    fn rules_in_extensions_message_strings_bases_and_suppressions() {
        let fixture = Fixture::new("sarif");
        let log = serde_json::json!({
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {"name": "CodeQL", "rules": []},
                    "extensions": [{
                        "name": "codeql/python-queries",
                        "rules": [{
                            "id": "py/command-line-injection",
                            "defaultConfiguration": {"level": "error"},
                            "messageStrings": {"default": {"text": "This command depends on a {0}."}}
                        }]
                    }]
                },
                "originalUriBaseIds": {
                    "ROOT": {"uri": "file:///tmp/backstop-capture/sarif/"},
                    "PKG": {"uri": "pkg/", "uriBaseId": "ROOT"}
                },
                "artifacts": [{"location": {"uri": "app.py", "uriBaseId": "PKG"}}],
                "results": [
                    {
                        "rule": {"id": "py/command-line-injection", "index": 0, "toolComponent": {"index": 0}},
                        "message": {"id": "default", "arguments": ["[user-provided value](1)"]},
                        "locations": [{"physicalLocation": {
                            "artifactLocation": {"index": 0},
                            "region": {"startLine": 8, "startColumn": 32, "endColumn": 39}
                        }}]
                    },
                    {
                        "ruleId": "py/command-line-injection",
                        "message": {"text": "suppressed"},
                        "suppressions": [{"kind": "inSource"}],
                        "locations": []
                    },
                    {
                        "ruleId": "py/command-line-injection",
                        "kind": "pass",
                        "message": {"text": "passed"}
                    }
                ]
            }]
        });
        assert_eq!(
            lines_with_fixes(&parse(&log.to_string(), &fixture.place()).unwrap()),
            [
                "error pkg/app.py:8:32-8:39 [py/command-line-injection] This command depends on a user-provided value."
            ]
        );
    }

    #[test]
    fn fixes_by_offsets_and_whole_lines() {
        // clippy-sarif and others give byte offsets; a region without columns is whole lines.
        let fixture = Fixture::new("sarif");
        let log = serde_json::json!({"runs": [{"results": [{
            "ruleId": "r",
            "level": "warning",
            "message": {"text": "m"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "pkg/app.py"},
                "region": {"byteOffset": 10, "byteLength": 6}
            }}],
            "fixes": [{"artifactChanges": [{
                "artifactLocation": {"uri": "pkg/app.py"},
                "replacements": [
                    {"deletedRegion": {"startLine": 2}},
                    {"deletedRegion": {"charOffset": 0, "charLength": 6}, "insertedContent": {"text": "from"}}
                ]
            }]}]
        }]}]});
        assert_eq!(
            lines_with_fixes(&parse(&log.to_string(), &fixture.place()).unwrap()),
            [
                "warning pkg/app.py:2:1-2:7 [r] m",
                "  fix: delete 2:1-2:18; replace 1:1-1:7 with \"from\"",
            ]
        );
    }

    #[test]
    fn a_log_that_is_not_there_is_an_error() {
        let fixture = Fixture::new("sarif");
        assert!(parse("error: no such rule file\n", &fixture.place()).is_err());
        assert_eq!(
            parse("{\"version\": \"2.1.0\", \"runs\": []}", &fixture.place()),
            Ok(Vec::new())
        );
    }

    /// One file behind every region, counting its reads.
    struct Counted {
        text: String,
        reads: std::cell::Cell<usize>,
    }

    impl crate::parsers::Files for Counted {
        fn exists(&self, path: &std::path::Path) -> bool {
            path.ends_with("f.py")
        }
        fn read(&self, path: &std::path::Path) -> Option<String> {
            self.reads.set(self.reads.get() + 1);
            self.exists(path).then(|| self.text.clone())
        }
        fn modified(&self, _: &std::path::Path) -> Option<std::time::SystemTime> {
            None
        }
    }

    /// Review A2: every offset region and whole-line fix read the file again and walked it
    /// from the top (1,100 results against a 2 MB file: 220 s). Now each file is read once
    /// and a place is a binary search.
    #[test]
    fn a_file_is_read_once_however_many_regions_count_in_it() {
        let line = "x = 'é' + 1\n";
        let files = Counted {
            text: line.repeat(500),
            reads: std::cell::Cell::new(0),
        };
        let root = std::path::Path::new("/r");
        let place = Place {
            root,
            cwd: root,
            files: &files,
        };
        let results: Vec<Value> = (0..300u32)
            .map(|i| {
                serde_json::json!({
                    "ruleId": "r", "level": "error", "message": {"text": "m"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "f.py"},
                        "region": {"charOffset": i * 12 + 4, "charLength": 3}}}],
                    "fixes": [{"artifactChanges": [{"artifactLocation": {"uri": "f.py"},
                        "replacements": [{"deletedRegion": {"startLine": i + 1}}]}]}]
                })
            })
            .collect();
        let log = serde_json::json!({"runs": [{"results": results}]});
        let found = lines_with_fixes(&parse(&log.to_string(), &place).unwrap());
        assert_eq!(files.reads.get(), 1);
        assert_eq!(found.len(), 600);
        assert_eq!(found[0], "error f.py:1:5-1:8 [r] m");
        assert_eq!(found[1], "  fix: delete 1:1-1:12");
        assert_eq!(found[598], "error f.py:300:5-300:8 [r] m");
    }

    /// Review A2: a chain of bases was resolved in up to n rounds over n ids (an 8,000-link
    /// chain: 147 s, 1.3 GB). Each id is resolved once, at most `BASE_DEPTH` links deep.
    #[test]
    fn base_chains_are_resolved_once_and_only_so_deep() {
        let mut map = serde_json::Map::new();
        // Listed leaf first: the order that took the old resolver n rounds.
        for i in (0..2000).rev() {
            let location = if i == 0 {
                serde_json::json!({"uri": "file:///r/"})
            } else {
                serde_json::json!({"uri": "d/", "uriBaseId": format!("B{}", i - 1)})
            };
            map.insert(format!("B{i}"), location);
        }
        map.insert(
            "LOOP".to_owned(),
            serde_json::json!({"uri": "x/", "uriBaseId": "LOOP"}),
        );
        let resolved = bases(&map);
        assert_eq!(resolved["B0"], "file:///r/");
        assert_eq!(resolved["B2"], "file:///r/d/d/");
        assert!(resolved.contains_key(&format!("B{}", BASE_DEPTH - 1)));
        assert!(!resolved.contains_key(&format!("B{}", BASE_DEPTH + 1)));
        assert!(!resolved.contains_key("B1999"));
        assert!(!resolved.contains_key("LOOP"));
    }

    #[test]
    fn places_in_a_file_match_a_walk_from_the_top() {
        let text = "ab\r\nçé€\n\n😀x\ny".repeat(40);
        let source = Source::new(text.clone());
        for (i, (byte, _)) in text.char_indices().chain([(text.len(), ' ')]).enumerate() {
            let before = &text[..byte];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |n| n + 1);
            let column = before[start..].chars().count() + 1;
            let wanted = Some((u32::try_from(line).unwrap(), u32::try_from(column).unwrap()));
            let offset = u32::try_from(i).unwrap();
            assert_eq!(source.position(offset, true), wanted, "char {i}");
            let byte = u32::try_from(byte).unwrap();
            assert_eq!(
                source.position(byte, false).map(|p| p.0),
                wanted.map(|p| p.0)
            );
        }
        for (n, line) in text.lines().enumerate() {
            let n = u32::try_from(n + 1).unwrap();
            let chars = u32::try_from(line.chars().count()).unwrap();
            assert_eq!(source.line_length(n), Some(chars), "line {n}");
        }
        assert_eq!(
            source.line_length(u32::try_from(text.lines().count() + 1).unwrap()),
            None
        );
        assert_eq!(
            source.position(u32::try_from(text.len() + 1).unwrap(), false),
            None
        );
    }

    /// Review A7: `file://host/abs/path` was read as the repository path `host/abs/path`, and
    /// a `#fragment` was kept in the path.
    #[test]
    fn file_uris_of_other_hosts_are_no_place_and_fragments_go() {
        assert_eq!(local("file:///r/a.py"), Some("/r/a.py"));
        assert_eq!(local("file://localhost/r/a.py"), Some("/r/a.py"));
        assert_eq!(local("file://host/abs/path.py"), None);
        assert_eq!(local("src/a.py#L3"), Some("src/a.py"));
        assert_eq!(local("src/a.py?x=1"), Some("src/a.py"));
        assert_eq!(local("file:/r/a.py"), Some("/r/a.py"));
    }

    #[test]
    fn percent_escapes_and_bases() {
        assert_eq!(decode("my%20dir/%C3%BCn%231.py"), "my dir/ün#1.py");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(join("file:///repo/", "src/a.py"), "file:///repo/src/a.py");
        assert_eq!(join("file:///repo", "/abs.py"), "/abs.py");
        let position = |text: &str, offset, characters| {
            Source::new(text.to_owned()).position(offset, characters)
        };
        assert_eq!(position("ab\ncd", 4, false), Some((2, 2)));
        assert_eq!(position("é\nx", 2, true), Some((2, 1)));
    }
}
