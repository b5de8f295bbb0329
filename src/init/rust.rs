//! Rust: rustfmt, clippy and cargo test for a crate or a workspace (which covers its members).

use std::path::Path;

use super::{GateDraft, SLOW, draft};
use crate::config::ParserKind;

/// The gates of the Cargo project in `dir`, if there is one. A cargo-fuzz crate is not: it is
/// built by `cargo fuzz` on nightly, not by the usual cargo commands.
pub fn gates(dir: &Path) -> Option<Vec<GateDraft>> {
    let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()?
        .parse()
        .ok()?;
    if !manifest.contains_key("package") && !manifest.contains_key("workspace") {
        return None;
    }
    let fuzz = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("cargo-fuzz"))
        .and_then(toml::Value::as_bool)
        == Some(true);
    if fuzz {
        return None;
    }
    let rs = ["*.rs", "Cargo.toml", "Cargo.lock"];
    let mut fmt = draft("rustfmt", "cargo fmt --all -- --check", &["*.rs"]);
    fmt.gate.fix = Some("cargo fmt --all".to_owned());
    let mut clippy = draft("clippy", "cargo clippy --all-targets -- -D warnings", &rs);
    clippy.gate.parser = Some(ParserKind::Cargo);
    let mut test = draft("cargo-test", "cargo test", &rs);
    test.gate.on = Some(SLOW.to_vec());
    test.gate.parser = Some(ParserKind::Cargo);
    Some(vec![fmt, clippy, test])
}
