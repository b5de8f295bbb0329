//! backstop: deterministic quality gates for code written by people and by coding agents.
//!
//! Data flows one way: [`cli`] → [`settings`] → [`git`] / [`snapshot`] → [`plan`] →
//! [`runner`] → [`gates`] (with [`parsers`]) → [`report`] → [`render`] → exit status ([`app`]).

pub mod agent;
pub mod app;
pub mod baseline;
pub mod builtin;
pub mod capture;
pub mod ci;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod finding;
pub mod fsio;
pub mod gates;
pub mod git;
pub mod glob;
pub mod hook;
pub mod init;
pub mod install;
pub mod parsers;
pub mod pipeline;
pub mod plan;
pub mod process;
pub mod protected;
pub mod render;
pub mod report;
pub mod runner;
pub mod setaside;
pub mod settings;
pub mod snapshot;
pub mod test_result;
pub mod trigger;
