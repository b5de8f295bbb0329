//! The commands people type, one file each; each resolves its settings and calls into the
//! pipeline or the module that owns the work.

pub mod approve;
pub mod doctor;
pub mod doctor_tools;
pub mod install;
pub mod list;
pub mod maintenance;
pub mod report;
pub mod run;
