use std::path::Path;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use git_lineage::record::Record;
use git_lineage::store::Store;

use crate::ui::{CommandError, Ui};

/// Show one record: by id, prefix, name:NAME, model:NAME@STAGE, or the
/// record that produced an artifact.
///
/// REF is a record id, a unique prefix of 4+ hex digits, name:NAME (the
/// latest record of that name that did work), model:NAME@STAGE, or an
/// artifact (a path, also one no longer on disk, blake3:HASH or a URI: the
/// latest record that produced it). REMOTE:REF (an id, prefix, name:NAME
/// or model:NAME@STAGE) is a record of lineage remote REMOTE, found in its
/// fetched history (docs/multi-repo.md). With --remotes or --remote NAME,
/// REF is resolved over this repository's history and theirs together.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The record to show.
    #[arg(value_name = "REF")]
    pub reference: String,
    #[command(flatten)]
    pub remote: super::RemoteArgs,
    /// Output format: text, json (docs/json.md) or yaml (the stored bytes).
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

/// Formats `show` can print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Human-readable summary.
    Text,
    /// `{id, path, record}`.
    Json,
    /// The record file's exact bytes.
    Yaml,
}

#[derive(serde::Serialize)]
struct Shown<'a> {
    id: &'a str,
    path: String,
    record: &'a Record,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    registered: &'a [git_lineage::graph::Registration],
    /// For a record of a lineage remote (`NAME:REF`): which.
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a git_lineage::history::Repository>,
}

/// The registered model versions this record produced (its outputs, or
/// named as `produced_by`), from HEAD's registry.
fn registrations(
    history: &git_lineage::history::History,
    id: &git_lineage::record::RecordId,
    record: &Record,
) -> Vec<git_lineage::graph::Registration> {
    let registry = git_lineage::registry::Registry::from_history(history);
    let mut found = registry.registrations(None, Some(id));
    for output in &record.outputs {
        if let Some(hash) = &output.hash {
            found.extend(registry.registrations(Some(hash), None));
        }
    }
    found.sort();
    found.dedup();
    found
}

pub fn cmd_show(ui: &mut Ui, cwd: &Path, args: &ShowArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let store = Store::new(repo.root());
    if let Some((remote, rest)) = git_lineage::remote::split_qualified(&repo, &args.reference) {
        return show_in_remote(ui, &repo, remote, rest, args.format);
    }
    if args.remote.any() {
        return show_across(ui, &repo, cwd, args);
    }
    let spec = git_lineage::refspec::parse(&args.reference)?;
    // HEAD's history, as much of it as the REF and the registry need (all
    // of it without a catalog), read at most once and only when needed.
    let question = git_lineage::catalog::Question::for_ref(&repo, cwd, &spec, None);
    let load_head = || -> Result<git_lineage::catalog::Focused, CommandError> {
        let options = git_lineage::history::HistoryOptions::default();
        Ok(match &question {
            Some(question) => git_lineage::catalog::load(&repo, &options, question)?,
            None => git_lineage::history::History::load(&repo, &options)?.into(),
        })
    };
    let mut head: Option<git_lineage::catalog::Focused> = None;
    // An artifact (a path, also one not on disk: what was recorded at it;
    // blake3:; a URI) shows the latest record that produced it.
    let spec = match spec {
        git_lineage::refspec::RefSpec::Path(_)
        | git_lineage::refspec::RefSpec::Hash(_)
        | git_lineage::refspec::RefSpec::Uri { .. } => {
            let focused = load_head()?;
            let graph = focused.graph();
            let id = git_lineage::refspec::resolve_reference_in(
                &repo,
                &focused.history,
                &graph,
                &spec,
                cwd,
            )?;
            head = Some(focused);
            ui.note(format!(
                "note: record {} is the latest that produced {}",
                id.short(),
                args.reference
            ));
            git_lineage::refspec::RefSpec::Id(id)
        }
        spec => spec,
    };
    let mut warnings = Vec::new();
    // `name:` is decided over history: the worktree's files alone do not
    // say which of records recorded in the same instant came last.
    let from_store = match &spec {
        git_lineage::refspec::RefSpec::Name(text) => Err(git_lineage::refspec::RefError::NotFound(
            format!("name:{text}"),
        )),
        _ => git_lineage::refspec::resolve(&store, &spec),
    };
    let (id, bytes, record) = match from_store {
        Ok(id) => {
            let (bytes, record) = store.read(&id)?;
            (id, bytes, record)
        }
        // Not in the worktree: a record deleted since, or on another branch,
        // is still in history.
        Err(git_lineage::refspec::RefError::NotFound(_)) => {
            // A name is the latest on this branch (and the worktree); other
            // branches only when it has none.
            let focused = match head.take() {
                Some(focused) => focused,
                None => load_head()?,
            };
            super::print_history_warnings(ui, &focused.history);
            let (focused, of_head) = match &spec {
                git_lineage::refspec::RefSpec::Name(text) if focused.named(text).is_err() => (
                    super::load_history(ui, &repo, git_lineage::history::Revisions::All)?.into(),
                    false,
                ),
                _ => (focused, true),
            };
            let history = &focused.history;
            warnings = history.read_warnings();
            let id = git_lineage::refspec::resolve_record(history, &spec)?;
            if let git_lineage::refspec::RefSpec::Name(text) = &spec
                && let Some(note) = focused.named(text).ok().and_then(|choice| choice.note())
            {
                ui.note(note);
            }
            let (bytes, record) = history.read_record(&repo, &id)?;
            if let Some(commit) = history
                .get(&id)
                .and_then(|e| e.commit.as_ref())
                .filter(|_| !store.record_path(&id).is_file())
            {
                ui.note(format!(
                    "note: record {} is not in the worktree; read from commit {}",
                    id.short(),
                    commit.short()
                ));
            }
            // The registry below is HEAD's.
            if of_head {
                head = Some(focused);
            }
            (id, bytes, record)
        }
        Err(e) => return Err(e.into()),
    };
    let registered = match args.format {
        ShowFormat::Yaml => Vec::new(),
        // `show` still shows the record when history cannot be read.
        _ => match head.map_or_else(load_head, Ok) {
            Ok(focused) => registrations(&focused.history, &id, &record),
            Err(_) => Vec::new(),
        },
    };
    match args.format {
        ShowFormat::Yaml => ui.bytes(&bytes)?,
        ShowFormat::Json => ui.json(&super::WithWarnings {
            document: &Shown {
                id: id.as_str(),
                path: Store::record_rel_path(&id),
                record: &record,
                registered: &registered,
                repository: None,
            },
            warnings: &warnings,
        })?,
        ShowFormat::Text => {
            git_lineage::record::render::write_show(ui.out(), id.as_str(), &record)?;
            // The registry is above the record's own renderer: its lines follow.
            for registration in &registered {
                ui.line(format!("registry {registration}"))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `show NAME:REF`: a record of lineage remote NAME, resolved and read
/// within its fetched history only, with that repository's registry.
fn show_in_remote(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    remote: &str,
    text: &str,
    format: ShowFormat,
) -> Result<ExitCode, CommandError> {
    let spec = git_lineage::refspec::parse(text)?;
    let history = super::load_history(
        ui,
        repo,
        git_lineage::history::Revisions::remote_only(remote),
    )?;
    let id = git_lineage::refspec::resolve_in(&history, remote, &spec)?;
    show_from(ui, repo, &history, &id, format)
}

/// `show REF --remotes` / `--remote NAME`: REF resolved over every branch
/// of this repository and the remotes' fetched histories together.
fn show_across(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    cwd: &Path,
    args: &ShowArgs,
) -> Result<ExitCode, CommandError> {
    use git_lineage::refspec::{self, RefSpec};
    let spec = refspec::parse(&args.reference)?;
    let revisions = args.remote.widen(git_lineage::history::Revisions::All);
    let focused = git_lineage::catalog::Focused::from(super::load_history(ui, repo, revisions)?);
    let id = match &spec {
        RefSpec::Path(_) | RefSpec::Hash(_) | RefSpec::Uri { .. } => {
            let graph = focused.graph();
            let id = refspec::resolve_reference_in(repo, &focused.history, &graph, &spec, cwd)?;
            ui.note(format!(
                "note: record {} is the latest that produced {}",
                id.short(),
                args.reference
            ));
            id
        }
        _ => refspec::resolve_record(&focused.history, &spec)?,
    };
    show_from(ui, repo, &focused.history, &id, args.format)
}

/// Print record `id` of `history` (a remote's, or one read with remotes),
/// naming its repository when it is not this one.
fn show_from(
    ui: &mut Ui,
    repo: &git_lineage::repo::Repo,
    history: &git_lineage::history::History,
    id: &git_lineage::record::RecordId,
    format: ShowFormat,
) -> Result<ExitCode, CommandError> {
    let (bytes, record) = history.read_record(repo, id)?;
    let registered = registrations(history, id, &record);
    let repository = history.get(id).and_then(|e| e.repository.clone());
    match format {
        ShowFormat::Yaml => ui.bytes(&bytes)?,
        ShowFormat::Json => ui.json(&super::WithWarnings {
            document: &Shown {
                id: id.as_str(),
                path: Store::record_rel_path(id),
                record: &record,
                registered: &registered,
                repository: repository.as_deref(),
            },
            warnings: &history.read_warnings(),
        })?,
        ShowFormat::Text => {
            if let Some(repository) = &repository {
                ui.note(format!(
                    "note: record {} of repository {} ({}), read from its commit {}",
                    id.short(),
                    repository.name,
                    repository.url.as_deref().unwrap_or("no longer declared"),
                    history
                        .get(id)
                        .and_then(|e| e.commit.as_ref())
                        .map_or("-", |c| c.short())
                ));
            }
            git_lineage::record::render::write_show(ui.out(), id.as_str(), &record)?;
            for registration in &registered {
                ui.line(format!("registry {registration}"))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
