//! One module per subcommand: `XxxArgs` (its doc comment is the help) and
//! `cmd_xxx(ui, cwd, args)`.

pub mod demo;
pub mod init;
pub mod record;
pub mod run;
pub mod show;
pub mod verify;

use std::path::Path;

use git_lineage::repo::Repo;

use crate::ui::CommandError;

/// Find the repository containing `cwd`.
pub fn open_repo(cwd: &Path) -> Result<Repo, CommandError> {
    Repo::discover(cwd).map_err(|e| git_lineage::Error::from(e).into())
}
