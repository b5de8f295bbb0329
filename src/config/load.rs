//! Reading gates.toml: TOML and serde errors turned into located, key-named errors with hints.

use std::path::Path;

use super::locate::Locator;
use super::{ConfigError, ConfigErrors, GatesConfig};

/// Reads, parses and validates a gates.toml file. `display_path` is how errors name it.
/// `root`, when known, lets paths in the config (`cwd`) be checked against the worktree.
pub fn load_file(
    path: &Path,
    display_path: &Path,
    root: Option<&Path>,
) -> Result<GatesConfig, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: display_path.to_path_buf(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read the config: {e}"),
            hint: Some(
                "create one with `backstop init`, or name another with `--config FILE`".to_owned(),
            ),
        }])
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
