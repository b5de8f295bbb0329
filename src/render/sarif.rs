//! SARIF 2.1.0 as GitHub code scanning accepts it: one run; a rule per gate, per tool rule a
//! gate reported (`<gate>/<rule>`) and per protected finding kind (`protected/<kind>`); results
//! with repository-relative URIs under `SRCROOT` and fingerprints that survive line shifts.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::problems::{self, Problem};
use crate::config::FILE_NAME;
use crate::finding::FindingKind;
use crate::report::{Fix, Report, Severity};

/// The SARIF schema the output declares.
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base every result URI is relative to: the repository root.
pub const SRCROOT: &str = "SRCROOT";

/// The report as a SARIF log, pretty-printed with a final newline.
pub fn render(report: &Report) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&log(report)).expect("SARIF is plain JSON");
    bytes.push(b'\n');
    bytes
}

/// The SARIF log as JSON.
pub fn log(report: &Report) -> Value {
    let problems = problems::problems(report);
    let rules = rules(report, &problems);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let results: Vec<Value> = problems
        .iter()
        .map(|problem| {
            let identity = identity(problem);
            let ordinal = seen.entry(identity.clone()).or_default();
            *ordinal += 1;
            result(
                problem,
                index[problem.rule_id.as_str()],
                &format!("{identity}\0{ordinal}"),
            )
        })
        .collect();
    let mut driver = json!({
        "name": "backstop",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules.iter().map(Rule::to_json).collect::<Vec<_>>(),
    });
    // Only a real address: the crate has none until it is published.
    if let Some(uri) = option_env!("CARGO_PKG_REPOSITORY").filter(|u| !u.is_empty()) {
        driver["informationUri"] = json!(uri);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "results": results,
        }],
    })
}

/// A rule of the driver.
struct Rule {
    id: String,
    short: String,
    full: String,
    help_uri: Option<String>,
    level: Severity,
}

impl Rule {
    fn to_json(&self) -> Value {
        let mut rule = json!({
            "id": self.id,
            "shortDescription": {"text": self.short},
            "fullDescription": {"text": self.full},
            "help": {"text": self.full},
            "defaultConfiguration": {"level": level_name(self.level)},
            "properties": {"tags": ["backstop"]},
        });
        if let Some(uri) = &self.help_uri {
            rule["helpUri"] = json!(uri);
        }
        rule
    }
}

/// Every gate of the report, each tool rule of its diagnostics in order of appearance, then
/// each protected kind found: every `ruleId` of the results is declared.
fn rules(report: &Report, problems: &[Problem<'_>]) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for gate in &report.gates {
        rules.push(Rule {
            id: gate.name.clone(),
            short: format!("backstop gate `{}`", gate.name),
            full: format!(
                "The gate `{}` of {FILE_NAME} runs `{}` and passes on exit 0.",
                gate.name,
                gate.command.trim()
            ),
            help_uri: None,
            level: Severity::Error,
        });
        for diagnostic in &gate.diagnostics {
            let Some(rule) = &diagnostic.rule else {
                continue;
            };
            let id = format!("{}/{rule}", gate.name);
            if rules.iter().any(|r| r.id == id) {
                continue;
            }
            rules.push(Rule {
                short: format!("{rule}, reported by the gate `{}`", gate.name),
                full: format!(
                    "The tool run by the gate `{}` reported `{rule}`.",
                    gate.name
                ),
                help_uri: help_uri(rule),
                level: diagnostic.severity.unwrap_or(Severity::Error),
                id,
            });
        }
    }
    for problem in problems {
        if let Some(finding) = problem.finding
            && !rules.iter().any(|r| r.id == problem.rule_id)
        {
            rules.push(Rule {
                id: problem.rule_id.clone(),
                short: format!("protected: {}", problems::kind_name(finding)),
                full: kind_description(finding.kind).to_owned(),
                help_uri: None,
                level: Severity::Error,
            });
        }
    }
    rules
}

fn result(problem: &Problem<'_>, rule_index: usize, fingerprint_input: &str) -> Value {
    let mut physical = json!({
        "artifactLocation": {
            "uri": uri(problem.file.unwrap_or(FILE_NAME)),
            "uriBaseId": SRCROOT,
        },
    });
    if problem.file.is_some()
        && let Some(line) = problem.line
    {
        let mut region = json!({"startLine": line});
        if let Some(column) = problem.column {
            region["startColumn"] = json!(column);
        }
        if let Some(end) = problem.end_line {
            region["endLine"] = json!(end);
            if let Some(column) = problem.end_column {
                region["endColumn"] = json!(column);
            }
        }
        physical["region"] = region;
    }
    let mut properties = json!({});
    if let Some(gate) = problem.gate {
        properties["gate"] = json!(gate.name);
        properties["gateStatus"] = json!(gate.status.as_str());
    }
    if problem.file.is_none() {
        // GitHub code scanning needs a location: a problem without one is shown on the
        // config that defines the gate.
        properties["unlocated"] = json!(true);
    }
    let mut result = json!({
        "ruleId": problem.rule_id,
        "ruleIndex": rule_index,
        "level": level_name(problem.level),
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"backstop/v1": fingerprint(fingerprint_input)},
        "properties": properties,
    });
    if !problem.fixes.is_empty() {
        result["fixes"] = problem.fixes.iter().map(fix).collect();
    }
    result
}

/// A suggested fix: its edits grouped by file, in the order the tool gave them.
fn fix(fix: &Fix) -> Value {
    let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
    for edit in &fix.edits {
        let replacement = json!({
            "deletedRegion": {
                "startLine": edit.line,
                "startColumn": edit.column,
                "endLine": edit.end_line,
                "endColumn": edit.end_column,
            },
            "insertedContent": {"text": edit.text},
        });
        match changes.iter_mut().find(|(file, _)| *file == edit.file) {
            Some((_, replacements)) => replacements.push(replacement),
            None => changes.push((&edit.file, vec![replacement])),
        }
    }
    let mut value = json!({
        "artifactChanges": changes
            .into_iter()
            .map(|(file, replacements)| json!({
                "artifactLocation": {"uri": uri(file), "uriBaseId": SRCROOT},
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
    });
    if let Some(description) = &fix.description {
        value["description"] = json!({"text": description});
    }
    value
}

/// What makes a problem the same problem in the next run: its rule, file and message, never
/// its line (code above it moves) nor a failed gate's output (it has timings).
fn identity(problem: &Problem<'_>) -> String {
    if problem.gate_failure {
        return format!("{}\0gate-failed", problem.rule_id);
    }
    format!(
        "{}\0{}\0{}",
        problem.rule_id,
        problem.file.unwrap_or_default(),
        problem.message
    )
}

/// 64-bit FNV-1a, hex: stable across runs, platforms and Rust versions.
fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn level_name(level: Severity) -> &'static str {
    match level {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A relative path as a URI reference: each byte outside the unreserved set and `/` escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Documentation of a tool rule, where the name alone says which tool it is.
fn help_uri(rule: &str) -> Option<String> {
    rule.strip_prefix("clippy::")
        .map(|lint| format!("https://rust-lang.github.io/rust-clippy/master/index.html#{lint}"))
}

/// One sentence per finding kind (SPEC §5).
fn kind_description(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::DeletedTestFile => "A test file was removed.",
        FindingKind::DeletedTest => "A test that existed in the base no longer exists anywhere.",
        FindingKind::RemovedAssertion => "A test has fewer assertions than in the base.",
        FindingKind::SkippedTest => {
            "A test was newly skipped, ignored, marked todo, xfail or focused, or commented out."
        }
        FindingKind::WeakenedAssertion => {
            "An assertion was made trivially true or looser, or a test now returns early."
        }
        FindingKind::SnapshotChanged => "A snapshot file changed.",
        FindingKind::ProtectedPath => "A file listed in protect.paths changed.",
        FindingKind::GateWeakened => {
            "gates.toml changed in a way that is not provably stricter (a lost gate, narrowed `on` or `files`, a changed `run`, `cwd`, `pass_files`, `env`, `settings`...)."
        }
        FindingKind::CheckoutConversion => {
            "git converts this file on its way to disk (line endings, ident, a filter, re-encoding), so the gates read other bytes than git stores."
        }
        FindingKind::TestNotRun => {
            "A test that passed at the base no longer runs or passes, and the diff did not delete it."
        }
        FindingKind::TestConfigWeakened => {
            "A test runner, build or CI configuration now runs fewer tests or stops failing on them."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_is_not_a_plain_path() {
        assert_eq!(uri("src/lib.rs"), "src/lib.rs");
        assert_eq!(uri("my dir/ünï#1.rs"), "my%20dir/%C3%BCn%C3%AF%231.rs");
    }

    #[test]
    fn fingerprints_are_fixed_values() {
        // FNV-1a test vectors: a change of hash function would orphan every alert.
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
        assert_eq!(fingerprint("foobar"), "85944171f73967e8");
    }

    #[test]
    fn help_for_clippy_lints_only() {
        assert_eq!(
            help_uri("clippy::needless_return").as_deref(),
            Some("https://rust-lang.github.io/rust-clippy/master/index.html#needless_return")
        );
        // `E0308` could be rustc's or pylint's: no guessing.
        assert_eq!(help_uri("E0308"), None);
    }
}
