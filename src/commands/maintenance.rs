//! The small commands: `cache clear`, `recover`, `config check`, `config schema`, and the
//! hidden baseline worker.

use anyhow::{Context as _, Result};

use crate::error::EXIT_OK;
use crate::settings::{GlobalOptions, Workspace};

/// `backstop cache clear`: forgets every stored pass.
pub fn clear_cache(global: &GlobalOptions) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let removed = crate::runner::cache::clear(workspace.repo.common_dir())
        .context("cannot delete the result cache; check the permissions of .git/backstop")?;
    let records = crate::baseline::clear(workspace.repo.common_dir())
        .context("cannot delete the baseline records; check the permissions of .git/backstop")?;
    crate::say!("cache cleared: {removed} stored passes and {records} baseline records removed");
    Ok(EXIT_OK)
}

/// `backstop baseline-worker BASE` (hidden): what `SessionStart` starts in the background.
pub fn baseline_worker(global: &GlobalOptions, base: &str) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let config = workspace.load_config()?;
    crate::baseline::worker(&workspace.repo, &config, base)
}

/// `backstop recover`: puts back work that an interrupted run set aside.
pub fn recover(global: &GlobalOptions) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    match crate::setaside::recover(&workspace.repo)? {
        None => crate::say!("nothing to recover in {}", workspace.repo.root().display()),
        Some(restored) => {
            crate::setaside::report_kept(&restored);
            crate::say!(
                "recovered: the set-aside changes are back in {}",
                workspace.repo.root().display()
            );
        }
    }
    Ok(EXIT_OK)
}

/// `backstop config check`: validates gates.toml and says what it holds.
pub fn check_config(global: &GlobalOptions) -> Result<u8> {
    let workspace = Workspace::open(global)?;
    let config = workspace.load_config()?;
    crate::say!(
        "{}: ok ({} gates{})",
        workspace.config_path.display(),
        config.gates.len(),
        if config.protect.is_some() {
            ", [protect]"
        } else {
            ""
        }
    );
    Ok(EXIT_OK)
}

/// `backstop config schema`: prints the JSON Schema of gates.toml.
pub fn print_schema() -> Result<u8> {
    crate::say!(
        "{}",
        serde_json::to_string_pretty(&crate::config::json_schema())?
    );
    Ok(EXIT_OK)
}
