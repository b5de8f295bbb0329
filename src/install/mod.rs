//! `backstop install` / `uninstall`: wiring backstop into git (and, later, agents) without
//! clobbering what is there.

pub mod agents;
pub mod git;
mod hookfile;
pub mod managers;
pub mod reach;
mod script;
