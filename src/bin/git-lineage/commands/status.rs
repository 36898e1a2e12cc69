//! `git lineage status`: changed tracked artifacts and what is stale downstream.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use git_lineage::graph::RecordInfo;
use git_lineage::hash::ContentHash;
use git_lineage::status::{Cause, Change, StatusOptions, status};

use super::{HistoryArgs, count};
use crate::ui::{CommandError, EXIT_PROBLEMS, Format, Ui};

/// Show tracked local artifacts whose bytes on disk differ from the hash
/// they were most recently recorded with, and every record and output
/// downstream that is now stale because of it. Unchanged files are not read
/// again (the stat cache in .git/lineage/). Exits 0 when clean, 1 when
/// something changed.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output format: text, or JSON (docs/json.md).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn cmd_status(ui: &mut Ui, cwd: &Path, args: &StatusArgs) -> Result<ExitCode, CommandError> {
    let repo = super::open_repo(cwd)?;
    let report = status(
        &repo,
        &StatusOptions {
            revisions: args.history.revisions(),
        },
    )?;
    for warning in &report.warnings {
        ui.note(format!("warning: {warning}"));
    }
    match args.format {
        Format::Json => ui.json(&report)?,
        Format::Text if report.is_clean() => {
            ui.line(format!(
                "clean: {} unchanged",
                count(report.tracked, "tracked artifact")
            ))?;
        }
        Format::Text => {
            for changed in &report.changed {
                let now = match (changed.change, changed.current) {
                    (Change::Modified, Some(hash)) => short_hash(hash),
                    _ => "missing".to_string(),
                };
                ui.line(format!(
                    "changed: {} (recorded {} in {}, now {now})",
                    changed.path,
                    short_hash(changed.recorded),
                    record_label(&changed.record),
                ))?;
            }
            let mut written = std::collections::BTreeSet::new();
            for output in &report.stale_outputs {
                let by = match &output.record {
                    Some(record) => {
                        written.insert(record.id.clone());
                        format!(" ({} {} {})", record.kind, record.name, commit_of(record))
                    }
                    None => String::new(),
                };
                let kind = output.record.as_ref().map_or("", |r| r.kind.as_str());
                ui.line(format!(
                    "stale: {}{by} — {}",
                    output.locator,
                    because(kind, &output.causes)
                ))?;
            }
            // Records that wrote no stale output (a deploy, a registry event).
            for stale in &report.stale_records {
                if written.contains(&stale.record.id) {
                    continue;
                }
                ui.line(format!(
                    "stale: record {} — {}",
                    record_label(&stale.record),
                    because(&stale.record.kind, &stale.causes)
                ))?;
            }
            ui.line(format!(
                "{} of {} changed; {} and {} stale downstream",
                report.changed.len(),
                count(report.tracked, "tracked artifact"),
                count(report.stale_records.len(), "record"),
                count(report.stale_outputs.len(), "output"),
            ))?;
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    })
}

/// `blake3:` and 12 hex digits.
fn short_hash(hash: ContentHash) -> String {
    format!("blake3:{}", &hash.to_hex()[..12])
}

/// The introducing commit's short id, or `uncommitted`.
fn commit_of(record: &RecordInfo) -> &str {
    record.commit_short().unwrap_or("uncommitted")
}

/// `<record short> <kind> <name> (commit <short>)`.
fn record_label(record: &RecordInfo) -> String {
    format!(
        "{} {} {} (commit {})",
        record.id.short(),
        record.kind,
        record.name,
        commit_of(record)
    )
}

/// `trained on data/train.csv, which changed since`; for a cause further
/// up, `downstream of data/raw.csv, which changed since`.
fn because(kind: &str, causes: &[Cause]) -> String {
    let verb = match kind {
        "train" => "trained on",
        "evaluate" => "evaluated on",
        "process" | "feature-pipeline" => "processed from",
        "query" => "queried from",
        _ => "made from",
    };
    let paths = |direct: bool| {
        let paths: Vec<&str> = causes
            .iter()
            .filter(|c| c.direct == direct)
            .map(|c| c.path.as_str())
            .collect();
        paths.join(" and ")
    };
    let parts: Vec<String> = [(true, verb), (false, "downstream of")]
        .into_iter()
        .map(|(direct, how)| (how, paths(direct)))
        .filter(|(_, paths)| !paths.is_empty())
        .map(|(how, paths)| format!("{how} {paths}"))
        .collect();
    let which = if causes.len() == 1 {
        "which"
    } else {
        "which all"
    };
    format!("{}, {which} changed since", parts.join(" and "))
}
