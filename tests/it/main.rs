//! The one integration test binary: the real `backstop` binary in temporary git repositories.

mod agent_stops;
mod agents;
mod architecture;
mod base;
mod builtin;
mod cache;
mod commit;
mod commit_gate;
mod config;
mod example;
mod files;
mod formats;
mod init;
mod install;
mod machine;
mod managers;
mod migrate;
mod parsers;
mod protected;
mod protected_corpus;
pub mod report;
mod run;
mod schema;
mod shards;
mod snapshots;
mod support;
mod wall;
