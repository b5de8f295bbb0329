//! Go: gofmt on the changed files, go vet and go test for a module.

use std::path::Path;

use super::{GateDraft, SLOW, draft};
use crate::config::ParserKind;

/// The gates of the Go module in `dir`, if there is one.
pub fn gates(dir: &Path, _relative: &str) -> Option<Vec<GateDraft>> {
    if !dir.join("go.mod").exists() {
        return None;
    }
    let mut fmt = draft(
        "gofmt",
        r#"out=$(xargs -0 -r gofmt -l < "$BACKSTOP_FILES"); [ -z "$out" ] || { printf 'not gofmt-formatted (run gofmt -w):\n%s\n' "$out"; exit 1; }"#,
        &["*.go"],
    );
    fmt.gate.fix = Some("gofmt -w .".to_owned());
    let mut vet = draft("go-vet", "go vet ./...", &["*.go", "go.mod", "go.sum"]);
    vet.gate.parser = Some(ParserKind::Go);
    let mut test = draft("go-test", "go test -v ./...", &["*.go", "go.mod", "go.sum"]);
    test.gate.on = Some(SLOW.to_vec());
    test.gate.parser = Some(ParserKind::Go);
    Some(vec![fmt, vet, test])
}
