//! Text rendering of one [`Record`] for `git lineage show`: one labelled
//! line per field, then its params, inputs, outputs, metrics and environment.

use std::io;

use super::{Artifact, Record};
use crate::params::ValueMap;
use crate::render::{human_size, short_hash, short_id};

/// The record `id` as `show` prints it.
pub fn write_show(out: &mut impl io::Write, id: &str, r: &Record) -> io::Result<()> {
    writeln!(out, "record   {id}")?;
    writeln!(out, "kind     {}", r.kind)?;
    writeln!(out, "name     {}", r.name)?;
    writeln!(out, "recorded {}", r.recorded)?;
    if let (Some(started), Some(ended)) = (r.started, r.ended) {
        let secs = (ended.unix_micros() - started.unix_micros()) as f64 / 1e6;
        writeln!(out, "ran      {started} .. {ended} ({secs:.1}s)")?;
    }
    if let Some(exit) = r.exit {
        writeln!(out, "exit     {}", exit.shell_code())?;
    }
    writeln!(out, "agent    {} <{}>", r.agent.name, r.agent.email)?;
    let commit = r.code.commit.as_deref().map_or("(no commit)", short_id);
    let branch = r
        .code
        .branch
        .as_deref()
        .map(|b| format!(" on {b}"))
        .unwrap_or_default();
    let dirty = match &r.code.changes {
        Some(changes) => format!(", dirty ({})", short_id(&changes.to_hex())),
        None => String::new(),
    };
    writeln!(out, "code     {commit}{branch}{dirty}")?;
    if let Some(remote) = &r.code.remote {
        writeln!(out, "remote   {remote}")?;
    }
    for (file, blob) in &r.code.files {
        writeln!(out, "         {file} {}", short_id(blob))?;
    }
    if !r.command.is_empty() {
        writeln!(out, "command  {}", r.command.join(" "))?;
    }
    if let Some(seed) = r.seed {
        writeln!(out, "seed     {seed}")?;
    }
    write_values(out, "params", &r.params)?;
    write_artifacts(out, "inputs", &r.inputs)?;
    write_artifacts(out, "outputs", &r.outputs)?;
    write_values(out, "metrics", &r.metrics)?;
    let env = &r.environment;
    writeln!(out, "env      {}/{} {}", env.os, env.arch, env.tool)?;
    if let Some(image) = &env.image {
        writeln!(out, "image    {image}")?;
    }
    for (file, hash) in &env.lockfiles {
        writeln!(out, "         {file} {}", short_hash(hash))?;
    }
    for reference in &r.references {
        writeln!(out, "refers   {reference}")?;
    }
    // Another repository's record: `REMOTE:<id>`, as a qualified REF names it.
    for import in &r.imports {
        writeln!(
            out,
            "refers   {}:{} ({})",
            import.repository, import.record, import.url
        )?;
    }
    if let Some(note) = &r.note {
        writeln!(out, "note     {note}")?;
    }
    Ok(())
}

fn write_values(out: &mut impl io::Write, title: &str, values: &ValueMap) -> io::Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    writeln!(out, "{title}:")?;
    for (key, value) in crate::params::leaves(values) {
        writeln!(out, "  {key} = {value}")?;
    }
    Ok(())
}

fn write_artifacts(
    out: &mut impl io::Write,
    title: &str,
    artifacts: &[Artifact],
) -> io::Result<()> {
    if artifacts.is_empty() {
        return Ok(());
    }
    writeln!(out, "{title}:")?;
    for a in artifacts {
        let role = a.role.as_deref().unwrap_or("-");
        write!(out, "  {role:<14} {}", a.locator())?;
        if let Some(version) = &a.version {
            write!(out, " @{version}")?;
        }
        if let Some(hash) = &a.hash {
            write!(out, "  {}", short_hash(hash))?;
        }
        if let Some(pointer) = &a.pointer {
            let id = crate::pointer::ContentId::Pointer(pointer.digest.clone());
            write!(out, "  {} {}", pointer.kind, id.short())?;
        }
        if let Some(size) = a.size {
            write!(out, "  {}", human_size(size))?;
        }
        if let Some(files) = a.files {
            write!(out, "  {files} files")?;
        }
        if let Some(profile) = &a.profile {
            write!(out, "  profile {}", short_hash(profile))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
