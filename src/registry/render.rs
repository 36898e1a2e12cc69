//! Text rendering of the registry for `git lineage registry list`, `show`
//! and `resolve`: a model's stages on one line, the per-version and
//! per-event lines of `show`, and a resolved target.

use std::io;

use super::Resolved;
use super::model::{Event, Model};
use crate::history::CommitInfo;
use crate::record::{Agent, ForeignReference, RecordId};
use crate::render::short_date;

/// The stages a model's versions hold now, like `production=v2 staging=v3`;
/// `-` when none.
pub fn stages_text(model: &Model) -> String {
    let held: Vec<String> = model
        .stages
        .iter()
        .filter_map(|(stage, s)| s.current.map(|v| format!("{stage}=v{v}")))
        .collect();
    if held.is_empty() {
        "-".into()
    } else {
        held.join(" ")
    }
}

/// `git lineage registry list`: a `MODEL LATEST STAGES` header and one row
/// per model (nothing for no models).
pub fn write_list(out: &mut impl io::Write, models: &[&Model]) -> io::Result<()> {
    if models.is_empty() {
        return Ok(());
    }
    let width = models
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(0)
        .max(5);
    writeln!(out, "{:<width$}  LATEST  STAGES", "MODEL")?;
    for model in models {
        writeln!(
            out,
            "{:<width$}  {:<6}  {}",
            model.name,
            format!("v{}", model.latest()),
            stages_text(model)
        )?;
    }
    Ok(())
}

/// `git lineage registry list --remotes`: [`write_list`]'s table with the
/// repository of each model first (`.` for this one).
pub fn write_list_across(
    out: &mut impl io::Write,
    rows: &[(Option<&str>, &Model)],
) -> io::Result<()> {
    let repo_width = rows
        .iter()
        .map(|(r, _)| r.map_or(1, str::len))
        .max()
        .unwrap_or(0)
        .max("REPOSITORY".len());
    let width = rows
        .iter()
        .map(|(_, m)| m.name.len())
        .max()
        .unwrap_or(0)
        .max(5);
    writeln!(
        out,
        "{:<repo_width$}  {:<width$}  LATEST  STAGES",
        "REPOSITORY", "MODEL"
    )?;
    for (repository, model) in rows {
        writeln!(
            out,
            "{:<repo_width$}  {:<width$}  {:<6}  {}",
            repository.unwrap_or("."),
            model.name,
            format!("v{}", model.latest()),
            stages_text(model)
        )?;
    }
    Ok(())
}

/// `git lineage registry resolve`: the model, version, stage, artifact and
/// the records behind it, one labelled line each.
pub fn write_resolved(out: &mut impl io::Write, resolved: &Resolved) -> io::Result<()> {
    writeln!(out, "model:    {}", resolved.model)?;
    writeln!(out, "version:  {}", resolved.version)?;
    if let Some(stage) = &resolved.stage {
        writeln!(out, "stage:    {stage}")?;
    }
    writeln!(out, "path:     {}", resolved.path.as_deref().unwrap_or("-"))?;
    writeln!(
        out,
        "hash:     {}",
        resolved.hash.map_or("-".to_string(), |h| h.to_string())
    )?;
    writeln!(out, "record:   {}", resolved.record)?;
    if let Some(producer) = &resolved.produced_by {
        writeln!(
            out,
            "produced: {}",
            producer_text(producer, resolved.produced_in.as_ref())
        )?;
    }
    Ok(())
}

/// `git lineage registry show NAME`: the model's stages, every version
/// with its artifact, producer and reviews, then `events` (the model's
/// registry events in history order).
pub fn write_show(out: &mut impl io::Write, model: &Model, events: &[&Event]) -> io::Result<()> {
    writeln!(out, "model {}", model.name)?;
    writeln!(out, "stages: {}", stages_text(model))?;
    writeln!(out)?;
    for version in model.versions.values() {
        let mut flags = Vec::new();
        if version.deprecated {
            flags.push("deprecated".to_string());
        }
        for (stage, held) in &model.stages {
            if held.current == Some(version.number) {
                flags.push(stage.clone());
            }
        }
        writeln!(
            out,
            "v{}  {}{}",
            version.number,
            version.register,
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        )?;
        writeln!(
            out,
            "    artifact:    {} {}",
            version.path.as_deref().unwrap_or("-"),
            version.artifact.map(|h| h.to_string()).unwrap_or_default()
        )?;
        writeln!(
            out,
            "    produced by: {}",
            version.produced_by.as_ref().map_or("-".to_string(), |id| {
                producer_text(id, version.produced_in.as_ref())
            })
        )?;
        if let Some(d) = &version.description {
            writeln!(out, "    description: {d}")?;
        }
        for (label, reviews) in [
            ("approved by", &version.approvals),
            ("rejected by", &version.rejections),
        ] {
            for review in reviews {
                writeln!(
                    out,
                    "    {label}: {} at {}{}",
                    who(&review.who, review.commit.as_deref()),
                    review.when,
                    review
                        .comment
                        .as_deref()
                        .map(|c| format!(": {c}"))
                        .unwrap_or_default()
                )?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "events:")?;
    for event in events {
        let what = match (event.version, &event.stage) {
            (Some(v), Some(stage)) => format!("v{v} {stage}"),
            (Some(v), None) => format!("v{v}"),
            (None, Some(stage)) => stage.clone(),
            (None, None) => String::new(),
        };
        let date = event.commit.as_ref().map_or(event.recorded, |c| c.date);
        writeln!(
            out,
            "  {}  {:<19}  {:<14}  {}  {}",
            event.id.short(),
            event.kind,
            what,
            short_date(date),
            who(&event.agent, event.commit.as_deref())
        )?;
    }
    Ok(())
}

/// A producing record: its id, or for another repository's record
/// `REPOSITORY:<id> (URL)`, a qualified REF `show` takes.
fn producer_text(id: &RecordId, foreign: Option<&ForeignReference>) -> String {
    match foreign {
        Some(import) => format!("{}:{id} ({})", import.repository, import.url),
        None => id.to_string(),
    }
}

/// `Name <email> (commit <short> by Author <email>)`, as `registry show` writes it.
fn who(agent: &Agent, commit: Option<&CommitInfo>) -> String {
    match commit {
        Some(c) => format!(
            "{} <{}> (commit {} by {} <{}>)",
            agent.name,
            agent.email,
            c.short(),
            c.author.name,
            c.author.email
        ),
        None => format!("{} <{}> (uncommitted)", agent.name, agent.email),
    }
}
