//! `backstop install` / `uninstall`: wiring backstop into git (and, later, agents) without
//! clobbering what is there.

pub mod agents;
pub mod git;
pub mod managers;
pub mod reach;
mod script;
