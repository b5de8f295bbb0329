//! Hook entries: what git (and, later, agents) call. They sit beside the main flow and call
//! into it.

pub mod agent;
pub mod commit_gate;
pub mod git;
pub mod stop_once;
pub mod stop_scope;
