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
    /// REMOTE:REF names a record of lineage remote REMOTE's fetched history.
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
///
/// With --remotes or --remote NAME, also the registries of lineage remotes,
/// each model named with its repository (a registry belongs to the
/// repository whose history holds its events).
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub remote: super::RemoteArgs,
}

/// Show a model: every version with its reviews, current stages, and the
/// full event history with commit, author and time.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The model name; REMOTE:NAME for a model of lineage remote REMOTE's
    /// registry.
    pub name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Print the artifact path, hash, version and version id (the register
/// record) of NAME@STAGE or NAME@vN, for inference code.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// NAME@STAGE or NAME@vN; REMOTE:NAME@STAGE in lineage remote REMOTE's
    /// registry.
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

/// Which models' versions name the repository of a producer that is
/// another repository's ([`registry::name_foreign_producers`], which reads
/// their register events).
#[derive(Clone, Copy)]
enum Producers<'a> {
    /// None: the output does not show producers.
    Unnamed,
    /// Model NAME's.
    Of(&'a str),
    /// Every model's.
    All,
}

/// The registry folded from HEAD's history (or, with `remote`, from that
/// lineage remote's fetched history), and the record files that history
/// could not read (printed already; JSON carries them).
fn load(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    remote: Option<&str>,
    producers: Producers<'_>,
) -> Result<(Registry, Vec<ReadWarning>), CommandError> {
    // Only the registry's events are read, when a catalog has them.
    let question = git_lineage::catalog::Question {
        registry: true,
        ..Default::default()
    };
    let revisions = match remote {
        Some(name) => git_lineage::history::Revisions::remote_only(name),
        None => git_lineage::history::Revisions::Head,
    };
    let focused = super::load_focused(ui, repo, revisions, Some(&question))?;
    let mut registry = Registry::from_history(&focused.history);
    let models = registry.models.values_mut();
    match producers {
        Producers::Unnamed => {}
        Producers::Of(name) => registry::name_foreign_producers(
            repo,
            &focused.history,
            models.filter(|m| m.name == name),
        ),
        Producers::All => registry::name_foreign_producers(repo, &focused.history, models),
    }
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
    if args.remote.any() {
        return cmd_list_across(ui, repo, args);
    }
    let producers = match args.format {
        Format::Json => Producers::All,
        _ => Producers::Unnamed,
    };
    let (registry, warnings) = load(ui, repo, None, producers)?;
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

/// `registry list --remotes`: this repository's registry, then each
/// fetched remote's, every model named with its repository.
fn cmd_list_across(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    args: &ListArgs,
) -> Result<ExitCode, CommandError> {
    #[derive(serde::Serialize)]
    struct Source {
        name: String,
        url: String,
    }
    #[derive(serde::Serialize)]
    struct Listed {
        #[serde(flatten)]
        model: Model,
        #[serde(skip_serializing_if = "Option::is_none")]
        repository: Option<std::sync::Arc<Source>>,
    }
    // --remotes: every declared remote fetched so far; --remote NAME: those
    // named, an error for one not fetched (as every history command gives).
    let declared = git_lineage::remote::list(repo)?;
    let mut sources: Vec<Option<Source>> = vec![None];
    if args.remote.remotes {
        sources.extend(
            declared
                .into_iter()
                .filter(|r| !r.fetched.is_empty())
                .map(|r| {
                    Some(Source {
                        name: r.name,
                        url: r.url,
                    })
                }),
        );
    } else {
        for name in &args.remote.remote_names {
            let url = declared
                .iter()
                .find(|r| &r.name == name)
                .map(|r| r.url.clone())
                .unwrap_or_default();
            sources.push(Some(Source {
                name: name.clone(),
                url,
            }));
        }
    }
    let mut listed = Vec::new();
    let mut warnings = Vec::new();
    for source in sources {
        let producers = match args.format {
            Format::Json => Producers::All,
            _ => Producers::Unnamed,
        };
        let (registry, read_warnings) = load(
            ui,
            repo,
            source.as_ref().map(|s| s.name.as_str()),
            producers,
        )?;
        warnings.extend(read_warnings);
        let source = source.map(std::sync::Arc::new);
        listed.extend(
            registry
                .models
                .into_values()
                .filter(|m| !m.versions.is_empty())
                .map(|model| Listed {
                    model,
                    repository: source.clone(),
                }),
        );
    }
    if args.format == Format::Json {
        #[derive(serde::Serialize)]
        struct Models {
            models: Vec<Listed>,
        }
        ui.json(&super::WithWarnings {
            document: &Models { models: listed },
            warnings: &warnings,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if listed.is_empty() {
        ui.note("no registered models");
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<(Option<&str>, &Model)> = listed
        .iter()
        .map(|l| (l.repository.as_deref().map(|s| s.name.as_str()), &l.model))
        .collect();
    registry::render::write_list_across(ui.out(), &rows)?;
    Ok(ExitCode::SUCCESS)
}

fn cmd_show(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    args: &ShowArgs,
) -> Result<ExitCode, CommandError> {
    let (remote, name) = match git_lineage::remote::split_qualified(repo, &args.name) {
        Some((remote, name)) => (Some(remote), name),
        None => (None, args.name.as_str()),
    };
    let (registry, warnings) = load(ui, repo, remote, Producers::Of(name))?;
    let model = registry.model(name)?;
    let events: Vec<&registry::Event> =
        registry.events.iter().filter(|e| e.model == name).collect();
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
    let (remote, target) = match git_lineage::remote::split_qualified(repo, &args.target) {
        Some((remote, target)) => (Some(remote), target),
        None => (None, args.target.as_str()),
    };
    let model = registry::parse_selector(target).map(|(name, _)| name);
    let producers = model.as_deref().map_or(Producers::Unnamed, Producers::Of);
    let (registry, warnings) = load(ui, repo, remote, producers)?;
    let resolved = registry::resolve(&registry, target)?;
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
