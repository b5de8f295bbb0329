//! gates.toml.example is a valid config and names every key of the config types, so it cannot
//! go stale when a key is added.

use std::path::Path;

use crate::support::TestRepo;

fn example_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("gates.toml.example");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The property names of the schema object that `schema` refers to, following `$ref` into
/// `$defs` and through `anyOf` (an optional table is `anyOf: [{$ref}, {type: null}]`).
fn properties_of(root: &serde_json::Value, schema: &serde_json::Value) -> Vec<String> {
    if let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) {
        let name = reference
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        return properties_of(root, &root["$defs"][name]);
    }
    if let Some(choices) = schema.get("anyOf").and_then(|a| a.as_array()) {
        return choices
            .iter()
            .flat_map(|choice| properties_of(root, choice))
            .collect();
    }
    schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The keys of each table kind: `settings`, `gates` (the properties of one gate), `protect`.
fn schema_keys() -> Vec<(&'static str, Vec<String>)> {
    let schema = backstop::config::json_schema();
    let top = &schema["properties"];
    let sections = vec![
        ("settings", properties_of(&schema, &top["settings"])),
        (
            "gates",
            properties_of(&schema, &top["gates"]["additionalProperties"]),
        ),
        ("protect", properties_of(&schema, &top["protect"])),
    ];
    for (section, keys) in &sections {
        assert!(
            !keys.is_empty(),
            "found no properties for [{section}] in the schema; did its shape change?\n{schema:#}"
        );
    }
    sections
}

/// Whether the text has `key =` at the start of a line, possibly commented out with `# `.
fn documents_key(text: &str, key: &str) -> bool {
    text.lines().any(|line| {
        let line = line.strip_prefix("# ").unwrap_or(line);
        line.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    })
}

#[test]
fn example_passes_config_check() {
    let repo = TestRepo::new();
    repo.write("gates.toml.example", example_text());
    // The example's pytest gate works in a `python/` directory, which must exist.
    let missing = repo.run(&["config", "check", "--config", "gates.toml.example"]);
    missing.expect_code(2);
    assert!(
        missing.stderr().contains("`gates.pytest.cwd`"),
        "{}",
        missing.stderr()
    );
    repo.write("python/.keep", "");
    let run = repo.run(&["config", "check", "--config", "gates.toml.example"]);
    run.expect_code(0);
    assert!(
        run.stdout().contains(": ok (") && run.stdout().contains("[protect]"),
        "unexpected output: {}",
        run.stdout()
    );
}

#[test]
fn example_documents_every_schema_key() {
    let text = example_text();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (section, keys) in schema_keys() {
        for key in keys {
            checked += 1;
            if !documents_key(&text, &key) {
                missing.push(format!("{section}.{key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "gates.toml.example does not document: {}",
        missing.join(", ")
    );
    // settings 8 + gate 13 + protect 4 when this was written; fewer means the walk broke.
    assert!(checked >= 25, "only {checked} keys found in the schema");
}

#[test]
fn example_sets_every_schema_key_somewhere() {
    // Documenting a key only in a comment is not enough: each must be set in a live table, so
    // `config check` validates an example of it.
    let example: toml::Value = toml::from_str(&example_text()).unwrap();
    let mut missing = Vec::new();
    for (section, keys) in schema_keys() {
        let tables: Vec<&toml::Table> = match section {
            "gates" => example["gates"]
                .as_table()
                .unwrap()
                .values()
                .map(|gate| gate.as_table().unwrap())
                .collect(),
            _ => vec![example[section].as_table().unwrap()],
        };
        for key in keys {
            if !tables.iter().any(|table| table.contains_key(&key)) {
                missing.push(format!("{section}.{key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "gates.toml.example never sets: {}",
        missing.join(", ")
    );
}

#[test]
fn key_detection_needs_the_key_at_line_start() {
    assert!(documents_key("run = \"x\"\n", "run"));
    assert!(documents_key("# pattern = '...'\n", "pattern"));
    assert!(!documents_key("# the run = thing\n", "run"));
    assert!(!documents_key("runner = 1\n", "run"));
}
