//! `registry`: the model registry's subcommands. Every event command writes
//! one `registry-*` record (like `record`, `--commit` commits it); `list`,
//! `show` and `resolve` fold history (docs/registry.md).

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use git_lineage::capture::Recorded;
use git_lineage::history::ReadWarning;
use git_lineage::registry::{self, EventOptions, Model, Registry};

use super::record::print_recorded;
use crate::ui::{CommandError, Format, Ui};

/// The model registry: register model versions, review them, move them
/// through stages, and resolve `NAME@STAGE` for inference. Every event is an
/// immutable record in git history (docs/registry.md).
#[derive(Debug, Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    pub command: RegistryCommand,
}

/// The registry subcommands.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    Register(RegisterArgs),
    Approve(ApproveArgs),
    Reject(RejectArgs),
    Promote(PromoteArgs),
    Rollback(RollbackArgs),
    Deprecate(DeprecateArgs),
    List(ListArgs),
    Show(ShowArgs),
    Resolve(ResolveArgs),
}

/// What every event command takes.
#[derive(Debug, Args)]
pub struct EventArgs {
    #[command(flatten)]
    pub commit: super::CommitArgs,
    /// Output format: the record id, or the whole record as JSON.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

impl EventArgs {
    fn options(&self, cwd: &Path) -> EventOptions {
        EventOptions {
            commit: self.commit.commit,
            commit_options: self.commit.options(),
            cwd: cwd.to_path_buf(),
        }
    }
}

/// Register a new version of model NAME (v1, v2, … in history order),
/// pointing at the artifact's hash and the record that produced it.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The model name.
    pub name: String,
    /// The model file or directory, or blake3:HASH of a recorded output.
    #[arg(long, value_name = "PATH|blake3:HASH")]
    pub artifact: String,
    /// The record that produced the artifact; found by its hash when omitted.
    #[arg(long, value_name = "REF")]
    pub from: Option<String>,
    /// Free text kept with the version.
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub event: EventArgs,
}

/// Approve NAME@vN; the record keeps who (git config) and when.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The version, NAME@vN.
    #[arg(value_name = "NAME@vN")]
    pub version: String,
    /// Why.
    #[arg(long)]
    pub comment: Option<String>,
    #[command(flatten)]
    pub event: EventArgs,
}

/// Reject NAME@vN with a reason; a rejected version cannot be promoted.
#[derive(Debug, Args)]
pub struct RejectArgs {
    /// The version, NAME@vN.
    #[arg(value_name = "NAME@vN")]
    pub version: String,
    /// Why (required).
    #[arg(long)]
    pub comment: String,
    #[command(flatten)]
    pub event: EventArgs,
}

/// Move a stage (from .lineage/config.yaml) to NAME@vN; one version per stage.
/// Refused (exit 2) when the stage's `policy:` is not met: promoter,
/// approvals that count, signatures (docs/registry.md, "Governance policy").
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The version, NAME@vN.
    #[arg(value_name = "NAME@vN")]
    pub version: String,
    /// The stage: staging, production, … as configured.
    #[arg(long)]
    pub stage: String,
    #[command(flatten)]
    pub event: EventArgs,
}

/// Move a stage of NAME back to the version it held before (its own event).
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The model name.
    pub name: String,
    /// The stage to roll back.
    #[arg(long)]
    pub stage: String,
    #[command(flatten)]
    pub event: EventArgs,
}

/// Mark NAME@vN deprecated; it can no longer be promoted.
#[derive(Debug, Args)]
pub struct DeprecateArgs {
    /// The version, NAME@vN.
    #[arg(value_name = "NAME@vN")]
    pub version: String,
    #[command(flatten)]
    pub event: EventArgs,
}

/// List the registered models: latest version and stages.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Show a model: every version with its reviews, current stages, and the
/// full event history with commit, author and time.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The model name.
    pub name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Print the artifact path, hash, version and version id (the register
/// record) of NAME@STAGE or NAME@vN, for inference code.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// NAME@STAGE or NAME@vN.
    #[arg(value_name = "NAME@STAGE|NAME@vN")]
    pub target: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_registry(
    ui: &mut Ui,
    cwd: &Path,
    args: &RegistryArgs,
) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let written: (Recorded, &EventArgs) = match &args.command {
        RegistryCommand::Register(a) => {
            let request = registry::RegisterRequest {
                name: a.name.clone(),
                artifact: a.artifact.clone(),
                from: a.from.clone(),
                description: a.description.clone(),
            };
            (
                registry::register(&repo, &request, &a.event.options(cwd))?,
                &a.event,
            )
        }
        RegistryCommand::Approve(a) => (
            registry::review(
                &repo,
                &a.version,
                true,
                a.comment.as_deref(),
                &a.event.options(cwd),
            )?,
            &a.event,
        ),
        RegistryCommand::Reject(a) => (
            registry::review(
                &repo,
                &a.version,
                false,
                Some(&a.comment),
                &a.event.options(cwd),
            )?,
            &a.event,
        ),
        RegistryCommand::Promote(a) => (
            registry::promote(&repo, &a.version, &a.stage, &a.event.options(cwd))?,
            &a.event,
        ),
        RegistryCommand::Rollback(a) => (
            registry::rollback(&repo, &a.name, &a.stage, &a.event.options(cwd))?,
            &a.event,
        ),
        RegistryCommand::Deprecate(a) => (
            registry::deprecate(&repo, &a.version, &a.event.options(cwd))?,
            &a.event,
        ),
        RegistryCommand::List(a) => return cmd_list(ui, &repo, a),
        RegistryCommand::Show(a) => return cmd_show(ui, &repo, a),
        RegistryCommand::Resolve(a) => return cmd_resolve(ui, &repo, a),
    };
    let (recorded, event) = written;
    print_recorded(ui, &recorded, event.format)?;
    Ok(ExitCode::SUCCESS)
}

/// The registry folded from HEAD's history, and the record files that
/// history could not read (printed already; JSON carries them).
fn load(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
) -> Result<(Registry, Vec<ReadWarning>), CommandError> {
    // Only the registry's events are read, when a catalog has them.
    let question = git_lineage::catalog::Question {
        registry: true,
        ..Default::default()
    };
    let focused = super::load_focused(
        ui,
        repo,
        git_lineage::history::Revisions::Head,
        Some(&question),
    )?;
    let registry = Registry::from_history(&focused.history);
    let warnings = focused.history.read_warnings();
    for conflict in &registry.conflicts {
        ui.note(format!(
            "warning: {}@v{} is registered twice ({} and {}); `git lineage verify --history` reports it",
            conflict.model,
            conflict.version,
            conflict.first.short(),
            conflict.second.short()
        ));
    }
    super::exit_without_freeing(focused);
    Ok((registry, warnings))
}

fn cmd_list(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    args: &ListArgs,
) -> Result<ExitCode, CommandError> {
    let (registry, warnings) = load(ui, repo)?;
    let models: Vec<&Model> = registry
        .models
        .values()
        .filter(|m| !m.versions.is_empty())
        .collect();
    if args.format == Format::Json {
        #[derive(serde::Serialize)]
        struct Models<'a> {
            models: Vec<&'a Model>,
        }
        ui.json(&super::WithWarnings {
            document: &Models { models },
            warnings: &warnings,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if models.is_empty() {
        ui.note("no registered models");
        return Ok(ExitCode::SUCCESS);
    }
    registry::render::write_list(ui.out(), &models)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_show(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    args: &ShowArgs,
) -> Result<ExitCode, CommandError> {
    let (registry, warnings) = load(ui, repo)?;
    let model = registry.model(&args.name)?;
    let events: Vec<&registry::Event> = registry
        .events
        .iter()
        .filter(|e| e.model == args.name)
        .collect();
    if args.format == Format::Json {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            model: &'a Model,
            events: Vec<&'a registry::Event>,
        }
        ui.json(&super::WithWarnings {
            document: &Shown { model, events },
            warnings: &warnings,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    registry::render::write_show(ui.out(), model, &events)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_resolve(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    args: &ResolveArgs,
) -> Result<ExitCode, CommandError> {
    let (registry, warnings) = load(ui, repo)?;
    let resolved = registry::resolve(&registry, &args.target)?;
    if args.format == Format::Json {
        ui.json(&super::WithWarnings {
            document: &resolved,
            warnings: &warnings,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    registry::render::write_resolved(ui.out(), &resolved)?;
    Ok(ExitCode::SUCCESS)
}
