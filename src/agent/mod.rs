//! Coding agents: their hook protocols, the stop gate, the bypass guard.

pub mod guard;
pub mod shell;
