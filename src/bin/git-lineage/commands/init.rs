use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::store::Store;

use crate::ui::{CommandError, Format, Ui};

/// Create `.lineage/` with a commented `config.yaml`. Running it again is harmless.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_init(ui: &mut Ui, cwd: &Path, args: &InitArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let store = Store::new(repo.root());
    let outcome = store.init()?;
    match args.format {
        Format::Json => ui.json(&outcome)?,
        Format::Text if outcome.created => {
            ui.line(format!("created {}", outcome.config.display()))?
        }
        Format::Text => ui.line(format!(
            "already initialised: {} (left unchanged)",
            outcome.config.display()
        ))?,
    }
    Ok(ExitCode::SUCCESS)
}
