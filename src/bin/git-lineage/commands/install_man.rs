//! `git lineage install-man`: man pages generated from the command-line
//! definition, written where `man` finds them, so that `git lineage --help`
//! and `git help lineage` (which git turns into `man git-lineage`) work.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::ui::{CommandError, Format, Ui};

/// Write the man pages: git-lineage(1) and one page per command
/// (git-lineage-record(1), git-lineage-registry-promote(1), …), generated
/// from this binary's own help texts. By default they go to `share/man/man1`
/// next to the directory holding the binary (`~/.cargo/share/man/man1` after
/// `cargo install`), where `man` looks for every directory on PATH; after
/// that, `git lineage --help`, `git help lineage` and `man git-lineage-graph`
/// open them. Run it again after an upgrade.
#[derive(Debug, Args)]
pub struct InstallManArgs {
    /// Install under DIR instead (the pages go to DIR/man1; DIR must be on
    /// your MANPATH, e.g. ~/.local/share/man).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// What `install-man --format json` prints.
#[derive(Debug, serde::Serialize)]
struct Installed {
    /// The `man1` directory the pages were written to.
    dir: PathBuf,
    /// The pages written, file names only, sorted.
    pages: Vec<String>,
}

pub fn cmd_install_man(
    ui: &mut Ui,
    cwd: &Path,
    args: &InstallManArgs,
) -> Result<ExitCode, CommandError> {
    let root = match &args.dir {
        Some(dir) => cwd.join(dir),
        None => default_man_dir()?,
    };
    let man1 = root.join("man1");
    std::fs::create_dir_all(&man1).map_err(|e| {
        CommandError::usage(format!("cannot create '{}': {e}", man1.display()))
            .with_hint("choose a writable directory on your MANPATH with --dir DIR")
    })?;
    let mut pages = Vec::new();
    let mut command = crate::cli_command().disable_help_subcommand(true);
    command.build();
    write_pages(&command, &man1, &mut pages)?;
    pages.sort();
    match args.format {
        Format::Json => ui.json(&Installed { dir: man1, pages })?,
        Format::Text => {
            ui.line(format!(
                "installed {} man pages in {}",
                pages.len(),
                man1.display()
            ))?;
            ui.line("`git lineage --help`, `git help lineage` and `man git-lineage-COMMAND` now open them")?;
            if args.dir.is_some() {
                ui.line(format!(
                    "(if `man git-lineage` does not find them, add {} to MANPATH)",
                    root.display()
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `<dir of the binary>/../share/man`: man-db and macOS `man` search
/// `../share/man` of every `bin` directory on PATH.
fn default_man_dir() -> Result<PathBuf, CommandError> {
    let exe = std::env::current_exe().map_err(|e| {
        CommandError::usage(format!("cannot find where git-lineage is installed: {e}"))
            .with_hint("name the man directory with --dir DIR, e.g. --dir ~/.local/share/man")
    })?;
    let bin = exe.parent().and_then(Path::parent).ok_or_else(|| {
        CommandError::usage(format!(
            "'{}' has no parent directory to put share/man in",
            exe.display()
        ))
        .with_hint("name the man directory with --dir DIR, e.g. --dir ~/.local/share/man")
    })?;
    Ok(bin.join("share").join("man"))
}

/// One page for `command` and each visible subcommand, recursively; the
/// file names are the built display names (`git-lineage-registry-promote.1`).
fn write_pages(
    command: &clap::Command,
    man1: &Path,
    pages: &mut Vec<String>,
) -> Result<(), CommandError> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, man1, pages)?;
    }
    let man = clap_mangen::Man::new(command.clone()).manual("git-lineage manual");
    let name = man.get_filename();
    let path = man1.join(&name);
    let mut bytes = Vec::new();
    man.render(&mut bytes)?;
    std::fs::write(&path, bytes).map_err(|e| {
        CommandError::usage(format!("cannot write '{}': {e}", path.display()))
            .with_hint("choose a writable directory on your MANPATH with --dir DIR")
    })?;
    pages.push(name);
    Ok(())
}
