//! Places in gates.toml: key paths mapped to line and column, and serde's and TOML's errors
//! turned into located, key-named errors with hints.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::ConfigError;
use super::error::{line_column, nearest};

/// Maps between key paths and places in the source text.
pub(super) struct Locator<'a> {
    text: &'a str,
    file: &'a Path,
    doc: Option<DeTable<'a>>,
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step<'p> {
    Key(&'p str),
    Index(usize),
}

impl<'a> Locator<'a> {
    /// A locator for gates.toml `text`, shown as `file` in errors.
    pub(super) fn new(text: &'a str, file: &'a Path) -> Locator<'a> {
        Locator {
            text,
            file,
            doc: DeTable::parse(text).ok().map(toml::Spanned::into_inner),
        }
    }

    /// An error at `path` (its value, or its key when `at_key`), with message and hint.
    pub(super) fn error(
        &self,
        path: &[Step<'_>],
        at_key: bool,
        message: String,
        hint: Option<String>,
    ) -> ConfigError {
        let span = self
            .doc
            .as_ref()
            .and_then(|doc| find_span(doc, path, at_key));
        let (line, column) = span.map_or((0, 0), |s| line_column(self.text, s.start));
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key: render_path(path),
            message,
            hint,
        }
    }

    pub(super) fn locate_toml_error(&self, error: &toml::de::Error) -> ConfigError {
        let span = error.span();
        let (line, column) = span
            .clone()
            .map_or((0, 0), |s| line_column(self.text, s.start));
        let key = match (&self.doc, &span) {
            (Some(doc), Some(span)) => path_at(doc, span).unwrap_or_default(),
            _ => String::new(),
        };
        let (message, hint) = explain(error.message(), &key);
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            message,
            hint: Some(hint),
        }
    }
}

/// Rewrites serde's wording into ours and finds the fix: the nearest valid key or value.
fn explain(message: &str, key: &str) -> (String, String) {
    let ticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let schema_hint = "see gates.toml.example or `backstop config schema` for every key".to_owned();
    if message.starts_with("unknown field ") {
        let (typo, expected) = ticked.split_first().map_or(("", &[][..]), |(t, e)| (*t, e));
        let hint = match nearest(typo, expected.iter().copied()) {
            Some(fix) => format!("did you mean `{fix}`?"),
            None if !expected.is_empty() => format!("valid keys here: {}", expected.join(", ")),
            None => schema_hint,
        };
        return (format!("unknown key `{typo}`"), hint);
    }
    if message.starts_with("unknown variant ") {
        let (typo, expected) = ticked.split_first().map_or(("", &[][..]), |(t, e)| (*t, e));
        let hint = match nearest(typo, expected.iter().copied()) {
            Some(fix) => format!("did you mean `{fix}`?"),
            None => format!("valid values: {}", expected.join(", ")),
        };
        return (format!("unknown value `{typo}`"), hint);
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        let field = field.trim_matches('`');
        let hint = if field == "run" {
            format!("give `{key}` a command: run = \"...\"")
        } else {
            schema_hint
        };
        return (format!("missing key `{field}`"), hint);
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        return (message.trim().to_owned(), schema_hint);
    }
    (
        format!("not valid TOML: {}", message.trim()),
        "fix the syntax; gates.toml is TOML (https://toml.io)".to_owned(),
    )
}

fn render_path(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn find_span(table: &DeTable<'_>, path: &[Step<'_>], at_key: bool) -> Option<Range<usize>> {
    let (Step::Key(first), rest) = path.split_first()? else {
        return None;
    };
    let (key, value) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *first)?;
    if rest.is_empty() {
        return Some(if at_key { key.span() } else { value.span() });
    }
    find_in_value(value.get_ref(), value.span(), rest, at_key)
}

fn find_in_value(
    value: &DeValue<'_>,
    own_span: Range<usize>,
    path: &[Step<'_>],
    at_key: bool,
) -> Option<Range<usize>> {
    match (value, path.first()) {
        (_, None) => Some(own_span),
        (DeValue::Table(table), Some(Step::Key(_))) => find_span(table, path, at_key),
        (DeValue::Array(items), Some(Step::Index(i))) => {
            let item = items.get(*i)?;
            find_in_value(item.get_ref(), item.span(), &path[1..], at_key)
        }
        _ => None,
    }
}

/// The dotted path of the deepest key whose key or value contains `span`.
fn path_at(table: &DeTable<'_>, span: &Range<usize>) -> Option<String> {
    let mut best: Option<Vec<String>> = None;
    walk(table, &mut Vec::new(), span.start, &mut best);
    best.map(|steps| {
        steps.iter().fold(String::new(), |mut out, step| {
            if !out.is_empty() && !step.starts_with('[') {
                out.push('.');
            }
            out.push_str(step);
            out
        })
    })
}

fn walk(table: &DeTable<'_>, prefix: &mut Vec<String>, at: usize, best: &mut Option<Vec<String>>) {
    for (key, value) in table {
        prefix.push(key.get_ref().to_string());
        let hit = key.span().contains(&at) || value.span().contains(&at);
        if hit && best.as_ref().is_none_or(|b| b.len() <= prefix.len()) {
            *best = Some(prefix.clone());
        }
        walk_value(value.get_ref(), prefix, at, best);
        prefix.pop();
    }
}

fn walk_value(
    value: &DeValue<'_>,
    prefix: &mut Vec<String>,
    at: usize,
    best: &mut Option<Vec<String>>,
) {
    match value {
        DeValue::Table(table) => walk(table, prefix, at, best),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                prefix.push(format!("[{i}]"));
                if item.span().contains(&at)
                    && best.as_ref().is_none_or(|b| b.len() <= prefix.len())
                {
                    *best = Some(prefix.clone());
                }
                walk_value(item.get_ref(), prefix, at, best);
                prefix.pop();
            }
        }
        _ => {}
    }
}
