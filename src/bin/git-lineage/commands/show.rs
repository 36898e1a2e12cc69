use std::path::Path;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use git_lineage::params::ValueMap;
use git_lineage::record::{Artifact, Record};
use git_lineage::store::Store;

use crate::ui::{CommandError, Ui};

/// Show one record: a record id, a unique prefix of 4+ hex digits, or
/// name:NAME (the latest record of that name).
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The record to show.
    #[arg(value_name = "REF")]
    pub reference: String,
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
}

/// The registered model versions this record produced (its outputs, or
/// named as `produced_by`), from HEAD's registry; none when history cannot
/// be read (`show` still shows the record).
fn registrations(
    repo: &git_lineage::repo::Repo,
    id: &git_lineage::record::RecordId,
    record: &Record,
) -> Vec<git_lineage::graph::Registration> {
    let Ok(history) = git_lineage::history::History::load(repo, &Default::default()) else {
        return Vec::new();
    };
    let registry = git_lineage::registry::Registry::from_history(&history);
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
    let spec = git_lineage::refspec::parse(&args.reference).map_err(git_lineage::Error::from)?;
    let mut warnings = Vec::new();
    let (id, bytes, record) = match git_lineage::refspec::resolve(&store, &spec) {
        Ok(id) => {
            let (bytes, record) = store.read(&id).map_err(git_lineage::Error::from)?;
            (id, bytes, record)
        }
        // Not in the worktree: a record deleted since, or on another branch,
        // is still in history.
        Err(git_lineage::refspec::RefError::NotFound(_)) => {
            let history = super::load_history(ui, &repo, git_lineage::history::Revisions::All)?;
            warnings = history.read_warnings();
            let id = git_lineage::refspec::resolve_record(&history, &spec)
                .map_err(git_lineage::Error::from)?;
            let (bytes, record) = history
                .read_record(&repo, &id)
                .map_err(git_lineage::Error::from)?;
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
            (id, bytes, record)
        }
        Err(e) => return Err(git_lineage::Error::from(e).into()),
    };
    let registered = match args.format {
        ShowFormat::Yaml => Vec::new(),
        _ => registrations(&repo, &id, &record),
    };
    match args.format {
        ShowFormat::Yaml => ui.bytes(&bytes)?,
        ShowFormat::Json => ui.json(&super::WithWarnings {
            document: &Shown {
                id: id.as_str(),
                path: Store::record_rel_path(&id),
                record: &record,
                registered: &registered,
            },
            warnings: &warnings,
        })?,
        ShowFormat::Text => {
            for line in render(id.as_str(), &record) {
                ui.line(line)?;
            }
            for registration in &registered {
                ui.line(format!("registry {registration}"))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn render(id: &str, r: &Record) -> Vec<String> {
    let mut out = vec![format!("record   {id}")];
    out.push(format!("kind     {}", r.kind));
    out.push(format!("name     {}", r.name));
    out.push(format!("recorded {}", r.recorded));
    if let (Some(started), Some(ended)) = (r.started, r.ended) {
        let secs = (ended.unix_micros() - started.unix_micros()) as f64 / 1e6;
        out.push(format!("ran      {started} .. {ended} ({secs:.1}s)"));
    }
    if let Some(exit) = r.exit {
        out.push(format!("exit     {}", exit.shell_code()));
    }
    out.push(format!("agent    {} <{}>", r.agent.name, r.agent.email));
    let commit = r
        .code
        .commit
        .as_deref()
        .map_or("(no commit)", |c| &c[..c.len().min(12)]);
    let branch = r
        .code
        .branch
        .as_deref()
        .map(|b| format!(" on {b}"))
        .unwrap_or_default();
    let dirty = match r.code.changes {
        Some(changes) => format!(", dirty ({})", &changes.to_hex()[..12]),
        None => String::new(),
    };
    out.push(format!("code     {commit}{branch}{dirty}"));
    if let Some(remote) = &r.code.remote {
        out.push(format!("remote   {remote}"));
    }
    for (file, blob) in &r.code.files {
        out.push(format!("         {file} {}", &blob[..blob.len().min(12)]));
    }
    if !r.command.is_empty() {
        out.push(format!("command  {}", r.command.join(" ")));
    }
    if let Some(seed) = r.seed {
        out.push(format!("seed     {seed}"));
    }
    push_values(&mut out, "params", &r.params);
    push_artifacts(&mut out, "inputs", &r.inputs);
    push_artifacts(&mut out, "outputs", &r.outputs);
    push_values(&mut out, "metrics", &r.metrics);
    let env = &r.environment;
    out.push(format!("env      {}/{} {}", env.os, env.arch, env.tool));
    if let Some(image) = &env.image {
        out.push(format!("image    {image}"));
    }
    for (file, hash) in &env.lockfiles {
        out.push(format!("         {file} {}", short_hash(hash)));
    }
    for reference in &r.references {
        out.push(format!("refers   {reference}"));
    }
    if let Some(note) = &r.note {
        out.push(format!("note     {note}"));
    }
    out
}

fn short_hash(hash: &git_lineage::hash::ContentHash) -> String {
    format!("blake3:{}", &hash.to_hex()[..12])
}

fn push_values(out: &mut Vec<String>, title: &str, values: &ValueMap) {
    if values.is_empty() {
        return;
    }
    out.push(format!("{title}:"));
    for (key, value) in git_lineage::params::leaves(values) {
        out.push(format!("  {key} = {value}"));
    }
}

fn push_artifacts(out: &mut Vec<String>, title: &str, artifacts: &[Artifact]) {
    if artifacts.is_empty() {
        return;
    }
    out.push(format!("{title}:"));
    for a in artifacts {
        let role = a.role.as_deref().unwrap_or("-");
        let mut line = format!("  {role:<14} {}", a.locator());
        if let Some(version) = &a.version {
            line.push_str(&format!(" @{version}"));
        }
        if let Some(hash) = &a.hash {
            line.push_str(&format!("  {}", short_hash(hash)));
        }
        if let Some(size) = a.size {
            line.push_str(&format!("  {}", human_size(size)));
        }
        if let Some(files) = a.files {
            line.push_str(&format!("  {files} files"));
        }
        out.push(line);
    }
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
