//! End to end on real projects: each project under `examples/` (a Rust crate, a TypeScript web
//! app with Playwright, a Python package, a Go module) is copied into a temporary git
//! repository with backstop's git and Claude hooks, and broken one gate at a time with the
//! real tools (see `case.rs` for what each defect must do).
//!
//! These tests need the projects' tools (cargo, Node with `npm ci` run in examples/web,
//! Debian's Chromium, a venv in examples/python, Go), so they are `#[ignore]`d in a plain
//! `cargo test`; `.ci/run` installs the tools and runs them:
//! `cargo test --test e2e -- --ignored --test-threads=1`.

mod baseline;
mod case;
mod go;
mod project;
mod python;
mod rust;
mod web;
