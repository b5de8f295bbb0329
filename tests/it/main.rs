//! The one integration test binary: the real `backstop` binary in temporary git repositories.

mod agents;
mod architecture;
mod baseline;
mod cache;
mod commit;
mod config;
mod example;
mod files;
mod formats;
mod init;
mod install;
mod protected;
mod protected_corpus;
pub mod report;
mod run;
mod schema;
mod snapshots;
mod support;
