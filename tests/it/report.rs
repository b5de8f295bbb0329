//! The JSON report validates against the committed schema, for every gate status.

use crate::support::{TestRepo, gate};

/// Panics with every schema violation of `report`.
pub fn assert_valid(report: &serde_json::Value) {
    let errors: Vec<String> = validator()
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/report.schema.json"
    ))
    .unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

#[test]
fn report_with_every_status_matches_the_committed_schema() {
    let repo = TestRepo::new();
    repo.config(
        "[gates.pass]\nrun = \"echo ok\"\n[gates.fail]\nrun = \"exit 4\"\n[gates.skip]\nrun = \"true\"\nfiles = [\"*.none\"]\n[gates.slow]\nrun = \"sleep 30\"\ntimeout = \"200ms\"\n[gates.broken]\nrun = \"true\"\ncwd = \"web\"\n",
    )
    .write("web/a", "a");
    let (run, report) = repo.report(&["run"]);
    run.expect_code(1);
    let statuses: Vec<&str> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["passed", "failed", "skipped", "timed_out", "passed"]
    );
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    assert_eq!(gate(&report, "slow")["exit_code"], serde_json::Value::Null);
}

#[test]
fn the_schema_rejects_a_report_missing_a_field() {
    // The validation above could pass vacuously; prove the schema has teeth.
    let repo = TestRepo::new();
    repo.config("[gates.pass]\nrun = \"true\"\n")
        .write("a", "a");
    let (_, mut report) = repo.report(&["run"]);
    assert!(validator().is_valid(&report));
    report["gates"][0]
        .as_object_mut()
        .unwrap()
        .remove("exit_code");
    assert!(!validator().is_valid(&report));
    report["gates"][0]["exit_code"] = serde_json::json!(0);
    report["gates"][0]["status"] = serde_json::json!("green");
    assert!(!validator().is_valid(&report));
}
