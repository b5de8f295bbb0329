//! The committed JSON Schemas match the types; `BACKSTOP_UPDATE_SCHEMAS=1` rewrites them.

use std::path::Path;

fn check(committed: &str, generated: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(committed);
    let text = serde_json::to_string_pretty(generated).unwrap() + "\n";
    if std::env::var_os("BACKSTOP_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{committed} is stale: run `BACKSTOP_UPDATE_SCHEMAS=1 cargo test --test it schema` and commit it"
    );
}

#[test]
fn gates_schema_is_current() {
    check("schema/gates.schema.json", &backstop::config::json_schema());
}

#[test]
fn report_schema_is_current() {
    check(
        "schema/report.schema.json",
        &backstop::report::json_schema(),
    );
}

#[test]
fn report_schema_requires_every_field() {
    // SPEC §7: every field is always present, null when unknown.
    let schema = backstop::report::json_schema();
    let mut objects = vec![&schema];
    objects.extend(schema["$defs"].as_object().unwrap().values());
    let mut checked = 0;
    for object in objects {
        if let Some(properties) = object.get("properties").and_then(|p| p.as_object()) {
            let required: Vec<&str> = object["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            for key in properties.keys() {
                assert!(
                    required.contains(&key.as_str()),
                    "`{key}` is not required in the report schema"
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "expected the report, gate, diagnostic and finding objects"
    );
}

#[test]
fn cli_prints_the_committed_config_schema() {
    let output = assert_cmd::Command::cargo_bin("backstop")
        .unwrap()
        .args(["config", "schema"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, backstop::config::json_schema());
}
