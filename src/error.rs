//! Errors for people: `error: ...`, then `caused by: ...`, then `hint: ...` with the fix.

use std::fmt;

use crate::config::ConfigErrors;

/// Exit status: all gates passed or were skipped.
pub const EXIT_OK: u8 = 0;
/// Exit status: a gate failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: usage, config or environment error.
pub const EXIT_ERROR: u8 = 2;

/// A mistake in how backstop was called or set up, with the fix.
#[derive(Debug, thiserror::Error)]
pub struct UsageError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// An error that says what is wrong and how to fix it.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UsageError {
        message: message.into(),
        hint: Some(hint.into()),
    }
    .into()
}

/// Prints an error chain for a person.
pub fn print(error: &anyhow::Error) {
    let mut text = String::new();
    if let Some(config) = error.downcast_ref::<ConfigErrors>() {
        text.push_str(&format!("error: {config}\n"));
    } else {
        text.push_str(&format!("error: {error}\n"));
        for cause in error.chain().skip(1) {
            text.push_str(&format!("caused by: {cause}\n"));
        }
        if let Some(hint) = error
            .chain()
            .find_map(|e| e.downcast_ref::<UsageError>())
            .and_then(|u| u.hint.as_ref())
        {
            text.push_str(&format!("hint: {hint}\n"));
        }
    }
    eprint!("{text}");
}
