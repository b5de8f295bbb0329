//! Five public repositories nobody here wrote, from `git clone` to green (issue 13):
//! dtolnay/semver, go-chi/chi, pallets/click, uuidjs/uuid and remeda/remeda, each a small git
//! bundle at a pinned commit (`bundles/`, see `bundles/README.md`). For each: the project's own
//! documented setup from the package registries, `backstop init` (gates that pass on the
//! untouched project, hook configs migrated), `backstop install`, a lint error refused by
//! `git commit`, a failing test committed with `--no-verify` caught by the Stop hook with no
//! `SessionStart` record, and the project's hook manager reinstalling itself without switching
//! backstop off.
//!
//! They need network to the registries and the tools (cargo, Go, Python 3 with venv, Node and
//! npm), so they are `#[ignore]`d in a plain `cargo test`; `.ci/run` runs them:
//! `cargo test --test real -- --ignored --test-threads=1`.

mod chi;
mod click;
mod managers;
mod remeda;
mod repo;
mod semver;
mod uuid;
