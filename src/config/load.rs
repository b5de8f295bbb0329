//! Reading gates.toml: TOML and serde errors turned into located, key-named errors with hints.

use std::path::Path;

use super::locate::Locator;
use super::{ConfigError, ConfigErrors, GatesConfig};

/// Reads, parses and validates a gates.toml file. `display_path` is how errors name it.
/// `root`, when known, lets paths in the config (`cwd`) be checked against the worktree.
/// The read is bounded ([`super::MAX_BYTES`]) and refuses anything but a regular file, so a
/// FIFO or a link to `/dev/zero` is an error at once, never a hang or a runaway read.
pub fn load_file(
    path: &Path,
    display_path: &Path,
    root: Option<&Path>,
) -> Result<GatesConfig, ConfigErrors> {
    let unreadable = |message: String, hint: &str| {
        ConfigErrors(vec![ConfigError {
            file: display_path.to_path_buf(),
            line: 0,
            column: 0,
            key: String::new(),
            message,
            hint: Some(hint.to_owned()),
        }])
    };
    let bytes = crate::fsio::read_regular(path, super::MAX_BYTES).map_err(|e| match e {
        crate::fsio::ReadError::NotRegular { kind, .. } => unreadable(
            format!("the config is not a regular file (it is {kind})"),
            "make gates.toml a regular file (`backstop init` writes one), or name another with `--config FILE`",
        ),
        crate::fsio::ReadError::TooLarge { limit, .. } => unreadable(
            format!(
                "the config is larger than {}, more than any gates.toml needs",
                crate::fsio::size(limit)
            ),
            "move long commands into scripts the gates run, and keep gates.toml small",
        ),
        crate::fsio::ReadError::Io { source, .. } => unreadable(
            format!("cannot read the config: {source}"),
            "create one with `backstop init`, or name another with `--config FILE`",
        ),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        unreadable(
            "the config is not UTF-8".to_owned(),
            "save gates.toml as UTF-8",
        )
    })?;
    parse_in(&text, display_path, root)
}

/// Parses and validates gates.toml text, without a worktree to check paths against.
pub fn parse_str(text: &str, display_path: &Path) -> Result<GatesConfig, ConfigErrors> {
    parse_in(text, display_path, None)
}

/// Parses and validates gates.toml text, checking paths against the worktree `root`.
pub fn parse_in(
    text: &str,
    display_path: &Path,
    root: Option<&Path>,
) -> Result<GatesConfig, ConfigErrors> {
    let locator = Locator::new(text, display_path);
    let config: GatesConfig =
        toml::from_str(text).map_err(|e| ConfigErrors(vec![locator.locate_toml_error(&e)]))?;
    let errors = super::validate::validate(&config, &locator, root);
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(errors))
    }
}
