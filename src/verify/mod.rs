//! `verify`: prove the records in the worktree are what they claim to be.
//!
//! Each file under `.lineage/records/` must sit at `<2 hex>/<64 hex>.yaml`,
//! hash to its name, parse under a known schema and reference only records
//! that exist (a foreign reference: one that the fetched history of its
//! lineage remote holds, with the bytes this record read); with `artifacts`, the most recent recording of each local path
//! must still hash the same (older recordings are superseded: information).
//! With `history`, every commit that edited, deleted or misnamed a record
//! file is reported too, and so is every model version registered twice and
//! every registry event that breaks the governance policy.
//! Problems are collected, never fatal: one bad record does not hide others.

pub mod cache;
pub mod render;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use self::cache::{CleanRecord, VERIFY_CACHE_FILE, VerifyCache};
use crate::cache::FileStat;

use crate::capture::Context;
use crate::hash::ContentHash;
use crate::pointer::{ContentId, PointerDigest};
use crate::record::{Artifact, ForeignReference, Record, RecordId};
use crate::repo::Repo;
use crate::store::{CONFIG_FILE, LINEAGE_DIR, RecordFile, Store, StoreError};
use crate::time::Timestamp;

/// What to check beyond the records themselves.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Re-hash recorded local files and directories.
    pub artifacts: bool,
    /// Also check git history: no committed record file was ever edited,
    /// deleted, misnamed or unreadable.
    pub history: Option<crate::history::Revisions>,
}

/// Which rule a problem broke; serialised as [`Check::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The file is not at `records/<2 hex>/<64 hex>.yaml`.
    Location,
    /// The bytes do not hash to the file name.
    Id,
    /// Not parseable, unknown schema, or an invalid field.
    Schema,
    /// A referenced record does not exist, or a foreign reference
    /// resolves to a different digest.
    Reference,
    /// A recorded artifact is missing or its bytes changed.
    Artifact,
    /// `.lineage/config.yaml` is invalid.
    Config,
    /// A commit changed the bytes of a committed record file.
    Edited,
    /// A commit deleted a committed record file.
    Deleted,
    /// A git object in history could not be read.
    Unreadable,
    /// Two records registered the same model version (branches merged), or a
    /// registry event breaks the governance policy.
    Registry,
    /// An expire record breaks the retention policy (`retention.expirers`).
    Expire,
    /// A stored profile is misplaced or its bytes do not hash to its name.
    Profile,
}

impl Check {
    /// The check's name as printed and serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Location => "location",
            Check::Id => "id",
            Check::Schema => "schema",
            Check::Reference => "reference",
            Check::Artifact => "artifact",
            Check::Config => "config",
            Check::Edited => "edited",
            Check::Deleted => "deleted",
            Check::Unreadable => "unreadable",
            Check::Registry => "registry",
            Check::Expire => "expire",
            Check::Profile => "profile",
        }
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Worktree-relative path of the record file.
    pub file: String,
    /// The record's id, when the file name gives one.
    pub record: Option<RecordId>,
    /// The rule broken.
    pub check: Check,
    /// What is wrong, in words.
    pub message: String,
    /// With `--history`: the commit that did it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<std::sync::Arc<crate::history::CommitInfo>>,
    /// With `--history --remotes`: the lineage remote whose history has
    /// the problem; absent for this repository's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<std::sync::Arc<crate::history::Repository>>,
}

/// A recorded artifact that a newer record of the same path superseded:
/// information, not a problem (the path's bytes are checked against the
/// newer record's hash instead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Superseded {
    /// Worktree-relative path of the record file that lists the old bytes.
    pub file: String,
    /// That record's id.
    pub record: RecordId,
    /// The artifact's path or `file://` URI as that record gave it.
    pub path: String,
    /// The hash (or, without the bytes, pointer digest) that record gave it.
    pub recorded: ContentId,
    /// The record that recorded the path most recently.
    pub by: RecordId,
    /// The hash the newer record gave it (the one checked).
    pub current: ContentId,
}

/// The outcome of `verify`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Record files examined.
    pub records: usize,
    /// Distinct local artifacts (path and recorded hash) re-hashed (0 without `artifacts`).
    pub artifacts: usize,
    /// Commits examined, when `history` was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits: Option<usize>,
    /// Everything found: the worktree's records in file order, then
    /// history's findings in history order.
    pub problems: Vec<Problem>,
    /// With `artifacts`: recordings superseded by a newer record of the same
    /// path, in record file order (information, not problems). Omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<Superseded>,
    /// With `artifacts`: recorded artifacts whose bytes are gone and a
    /// tombstone (`drop` record) says so, in record file order (information,
    /// not problems). Omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<DroppedArtifact>,
    /// Things to know about the check itself (a shallow clone).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A recorded artifact whose bytes are gone, as a tombstone says: reported
/// `dropped by <id>` instead of missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedArtifact {
    /// Worktree-relative path of the record file that lists it.
    pub file: String,
    /// That record's id.
    pub record: RecordId,
    /// The artifact's path or `file://` URI as that record gave it.
    pub path: String,
    /// The hash that record gave it.
    pub recorded: ContentHash,
    /// The tombstone.
    pub dropped_by: RecordId,
}

impl VerifyReport {
    /// True when no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verify every record file in the worktree of `repo`.
pub fn verify(repo: &Repo, options: VerifyOptions) -> crate::Result<VerifyReport> {
    crate::history::trace_mark("verify started");
    let store = Store::new(repo.root());
    let mut report = VerifyReport::default();
    // The config only matters for re-hashing directories; a broken config is
    // a finding, and the records are still checked.
    let ctx = match Context::new(repo) {
        Ok(ctx) => Some(ctx),
        Err(crate::Error::Store(StoreError::Config { source, .. })) => {
            report.problems.push(Problem {
                file: format!("{LINEAGE_DIR}/{CONFIG_FILE}"),
                record: None,
                check: Check::Config,
                commit: None,
                repository: None,
                message: if options.artifacts {
                    format!("{source}; artifacts were not checked")
                } else {
                    source.to_string()
                },
            });
            None
        }
        Err(e) => return Err(e),
    };
    // Taken before any record file is looked at: a file modified less than
    // the racy window before this is checked but not cached.
    let run_start = crate::cache::nanos_since_epoch(std::time::SystemTime::now());
    let files = store.list_with_stat()?;
    crate::history::trace_mark("records listed");
    // Record files are listed in id order, so this sort only confirms it.
    let mut named: Vec<&RecordId> = files
        .iter()
        .filter_map(|(f, _)| f.named_id.as_ref())
        .collect();
    named.sort_unstable();
    // Each (path, recorded hash) is hashed once; its finding is reported for
    // every record that lists it.
    let mut artifact_findings: HashMap<(PathBuf, Option<ContentId>), Option<String>> =
        HashMap::new();
    // With `artifacts`: the records read, in file order, and each path's
    // most recent recording among them.
    let mut parsed: Vec<(String, RecordId, Record)> = Vec::new();
    let mut latest = LatestRecordings::default();
    let mut tombstones = crate::retention::model::Tombstones::default();

    let cache = VerifyCache::load(&repo.cache_dir().join(VERIFY_CACHE_FILE), repo.root());
    crate::history::trace_mark("verify cache loaded");
    // The artifact checks need every record's inputs and outputs, so with
    // `artifacts` every file is read (the cache is only refreshed).
    let keep_records = options.artifacts && ctx.is_some();
    let lookup = (!options.artifacts).then_some(&cache);
    let checked: Vec<FileCheck<'_>> = files
        .par_iter()
        .map(|(file, stat)| check_file(file, *stat, lookup, keep_records, run_start))
        .collect();
    let hits = checked
        .iter()
        .filter(|c| matches!(c.clean, Some(Cow::Borrowed(_))))
        .count();
    crate::history::trace_mark(&format!(
        "records checked ({hits} of {} from the verify cache)",
        checked.len()
    ));
    // Failing to save only costs time next run.
    let _ = cache.save(
        files
            .iter()
            .zip(&checked)
            .filter_map(|((file, _), checked)| {
                Some((file.named_id.as_ref()?, checked.clean.as_ref()?))
            }),
    );
    crate::history::trace_mark("verify cache saved");
    // A record deleted from the worktree still exists in history (its
    // deletion is a finding of its own), so references to it resolve: only
    // those references, and the registry's events, are read from history.
    let elsewhere: BTreeSet<&RecordId> = checked
        .iter()
        .flat_map(|c| &c.references)
        .filter(|id| named.binary_search(id).is_err())
        .collect();
    let history = match &options.history {
        Some(revisions) => Some(load_history(repo, revisions, elsewhere)?),
        None => None,
    };
    let known = |id: &RecordId| {
        named.binary_search(&id).is_ok() || history.as_ref().is_some_and(|h| h.get(id).is_some())
    };

    let mut importers: Vec<Importer> = Vec::new();
    for ((file, _), mut checked) in files.iter().zip(checked) {
        report.records += 1;
        if !checked.imports.is_empty() {
            importers.push(Importer {
                file: file.rel.clone(),
                record: file.named_id.clone(),
                imports: std::mem::take(&mut checked.imports),
                inputs: std::mem::take(&mut checked.import_inputs),
            });
        }
        let problem = |check: Check, message: String| Problem {
            file: file.rel.clone(),
            record: file.named_id.clone(),
            check,
            message,
            commit: None,
            repository: None,
        };
        for (check, message) in checked.problems {
            report.problems.push(problem(check, message));
        }
        for reference in &checked.references {
            if !known(reference) {
                report.problems.push(problem(
                    Check::Reference,
                    format!("references record {reference}, which does not exist"),
                ));
            }
        }
        if let (Some(record), Some(id)) = (checked.record, &file.named_id) {
            if crate::retention::model::is_retention_kind(&record.kind) {
                tombstones.add(id, &record.inputs);
                continue;
            }
            latest.add(
                &store,
                (record.recorded, parsed.len()),
                &record.inputs,
                &record.outputs,
            );
            parsed.push((file.rel.clone(), id.clone(), *record));
        }
    }
    if let Some(ctx) = ctx.as_ref().filter(|_| options.artifacts) {
        // Only after every record is read is each path's latest recording known.
        for (rel, id, record) in &parsed {
            for artifact in record.inputs.iter().chain(&record.outputs) {
                let Some(local) = local_path(&store, artifact) else {
                    continue;
                };
                let content = ContentId::of(artifact.hash, artifact.pointer.as_ref());
                let pointer = artifact.pointer.as_ref().map(|p| &p.digest);
                // The same content recorded once by its bytes and once by its
                // pointer alone is not superseded.
                let same = |newest: &Latest| {
                    (artifact.hash.is_some() && artifact.hash == newest.hash)
                        || (pointer.is_some() && pointer == newest.pointer.as_ref())
                };
                if let (Some(hash), Some(newest)) = (content.clone(), latest.get(&local))
                    && !same(newest)
                {
                    report.superseded.push(Superseded {
                        file: rel.clone(),
                        record: id.clone(),
                        path: artifact.locator().to_string(),
                        recorded: hash,
                        by: parsed[newest.order.1].1.clone(),
                        current: newest.id.clone(),
                    });
                    continue;
                }
                let finding = artifact_findings
                    .entry((local.clone(), content))
                    .or_insert_with(|| check_artifact(ctx, &local, artifact));
                // Bytes gone that a tombstone names are dropped, not missing;
                // bytes that reappear count as present again.
                if let Some(hash) = artifact.hash
                    && let Some(dropped_by) = tombstones.dropped_by(&hash)
                    && finding.is_some()
                    && !local.exists()
                {
                    report.dropped.push(DroppedArtifact {
                        file: rel.clone(),
                        record: id.clone(),
                        path: artifact.locator().to_string(),
                        recorded: hash,
                        dropped_by: dropped_by.clone(),
                    });
                    continue;
                }
                if let Some(message) = finding {
                    report.problems.push(Problem {
                        file: rel.clone(),
                        record: Some(id.clone()),
                        check: Check::Artifact,
                        message: message.clone(),
                        commit: None,
                        repository: None,
                    });
                }
            }
        }
    }
    add_profile_findings(repo.root(), &mut report);
    add_foreign_findings(repo, &store, &importers, &mut report);
    // Artifact problems were found after all files were read: put them back
    // with their file's other problems (a stable sort keeps each file's order;
    // the config file sorts first).
    report.problems.sort_by(|a, b| a.file.cmp(&b.file));
    report.artifacts = artifact_findings.len();
    if let Some(history) = history {
        let registries = registries_by_repository(&history);
        add_policy_findings(repo, &store, &history, &registries, &mut report);
        let covered = add_expire_findings(repo, &store, &history, &mut report);
        add_history_findings(history, &registries, &covered, &mut report);
    }
    if let Some(ctx) = &ctx {
        ctx.save_cache();
    }
    Ok(report)
}

/// What one record file's bytes say, before its references are resolved.
#[derive(Default)]
struct FileCheck<'c> {
    /// Problems found in the file alone (location, id, schema), in check order.
    problems: Vec<(Check, String)>,
    /// The ids the record references (empty when it did not parse).
    references: Vec<RecordId>,
    /// Its foreign references (`imports`) and, when it has some, its inputs
    /// (what the records it imports should have written).
    imports: Vec<ForeignReference>,
    /// The inputs, kept only for a record with `imports`.
    import_inputs: Vec<Artifact>,
    /// Its clean result, from the cache or to be cached (`None` when the file
    /// has a problem, could not be stat'ed, or was modified too recently).
    clean: Option<Cow<'c, CleanRecord>>,
    /// The parsed record, when the caller keeps them.
    record: Option<Box<Record>>,
}

/// A worktree record with foreign references (`imports`).
struct Importer {
    /// Worktree-relative path of its file.
    file: String,
    /// Its id, from the file name.
    record: Option<RecordId>,
    /// Its foreign references.
    imports: Vec<ForeignReference>,
    /// What it read.
    inputs: Vec<Artifact>,
}

/// Check each foreign reference in the fetched history of the remote it
/// names (docs/multi-repo.md, "Foreign references"). One that cannot be
/// resolved yet (the remote is not declared or not fetched, or its fetched
/// history does not have the record) is a warning; one that resolves to a
/// different digest is a `reference` problem: the record file at that id in
/// the remote's history was edited or does not hash to it, or the foreign
/// record wrote a file of the same name as one of this record's inputs and
/// none of its outputs has that input's content.
fn add_foreign_findings(
    repo: &Repo,
    store: &Store,
    importers: &[Importer],
    report: &mut VerifyReport,
) {
    use crate::history::{FindingKind, History, HistoryError, HistoryOptions, Revisions};
    if importers.is_empty() {
        return;
    }
    // A broken config is a finding of its own; its remotes are then unknown.
    let remotes = store.config().map(|c| c.remotes).unwrap_or_default();
    let mut histories: BTreeMap<&str, Result<History, HistoryError>> = BTreeMap::new();
    for importer in importers {
        for import in &importer.imports {
            let name = import.repository.as_str();
            let about = format!(
                "refers to record {} of repository {name} ({})",
                import.record.short(),
                import.url
            );
            let label = format!("{} {about}", importer.file);
            if !remotes.contains_key(name) {
                report.warnings.push(format!(
                    "{label}, which is not a lineage remote here, so it was not checked: declare it with `git lineage remote add {name} {}`, then `git lineage fetch {name}`",
                    import.url
                ));
                continue;
            }
            let history = histories.entry(name).or_insert_with(|| {
                History::load(
                    repo,
                    &HistoryOptions {
                        revisions: Revisions::remote_only(name),
                        worktree: false,
                        use_index: true,
                    },
                )
            });
            let history = match history {
                Ok(history) => history,
                Err(HistoryError::NotFetched { .. }) => {
                    report.warnings.push(format!(
                        "{label}, which has not been fetched yet, so it was not checked: run `git lineage fetch {name}`"
                    ));
                    continue;
                }
                Err(e) => {
                    report.warnings.push(format!(
                        "{label}, whose fetched history cannot be read, so it was not checked: {e}"
                    ));
                    continue;
                }
            };
            let problem = |message: String| Problem {
                file: importer.file.clone(),
                record: importer.record.clone(),
                check: Check::Reference,
                message: format!("{about}: {message}"),
                commit: None,
                repository: None,
            };
            if let Some(finding) = history.findings.iter().find(|f| {
                f.record.as_ref() == Some(&import.record)
                    && matches!(f.kind, FindingKind::Edited | FindingKind::Misnamed)
            }) {
                report.problems.push(problem(format!(
                    "in that history its record file does not hash to that id ({}, commit {})",
                    finding.message,
                    finding.commit.short()
                )));
                continue;
            }
            let Some(entry) = history.get(&import.record) else {
                report.warnings.push(format!(
                    "{label}, which is not in its fetched history (refs/lineage/{name}/), so it was not checked: run `git lineage fetch {name}`; if it is still missing, that repository's branches no longer have it"
                ));
                continue;
            };
            let outputs = entry.summary.outputs.clone();
            for (input, output) in different_outputs(&importer.inputs, &outputs) {
                report.problems.push(problem(format!(
                    "this record read '{}' as {}, but that record wrote '{}' as {}: the data this step read is not what it produced",
                    input.locator(),
                    content_text(input),
                    output.locator(),
                    content_text(output)
                )));
            }
        }
    }
}

/// Each input of `inputs` that no output of `outputs` has the content of,
/// paired with an output of the same file name (last path component), when
/// there is one: what a step read under the name another step wrote, with
/// other bytes.
fn different_outputs<'a>(
    inputs: &'a [Artifact],
    outputs: &'a [Artifact],
) -> Vec<(&'a Artifact, &'a Artifact)> {
    let same = |a: &Artifact, b: &Artifact| {
        (a.hash.is_some() && a.hash == b.hash)
            || (a.pointer.is_some()
                && a.pointer.as_ref().map(|p| &p.digest) == b.pointer.as_ref().map(|p| &p.digest))
    };
    let file_name = |a: &Artifact| a.locator().rsplit('/').next().unwrap_or("").to_string();
    let has_content = |a: &Artifact| a.hash.is_some() || a.pointer.is_some();
    inputs
        .iter()
        .filter(|input| has_content(input) && !outputs.iter().any(|o| same(input, o)))
        .filter_map(|input| {
            outputs
                .iter()
                .find(|o| has_content(o) && file_name(o) == file_name(input))
                .map(|output| (input, output))
        })
        .collect()
}

/// An artifact's content as messages show it: the short hash, else the
/// pointer digest.
fn content_text(artifact: &Artifact) -> String {
    ContentId::of(artifact.hash, artifact.pointer.as_ref())
        .map(|id| id.short())
        .unwrap_or_else(|| "no recorded content".to_string())
}

/// Check every file under `.lineage/profiles/`: at `<2 hex>/<64 hex>.json`
/// and its bytes hashing to its name.
fn add_profile_findings(root: &std::path::Path, report: &mut VerifyReport) {
    use crate::profile::stored::{self, PROFILES_DIR};
    let dir = root.join(LINEAGE_DIR).join(PROFILES_DIR);
    let Ok(shards) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut files: Vec<(String, String, std::path::PathBuf)> = Vec::new();
    for shard in shards.flatten() {
        let shard_name = shard.file_name().to_string_lossy().into_owned();
        match std::fs::read_dir(shard.path()) {
            Ok(entries) => files.extend(entries.flatten().map(|e| {
                (
                    shard_name.clone(),
                    e.file_name().to_string_lossy().into_owned(),
                    e.path(),
                )
            })),
            Err(_) => files.push((shard_name, String::new(), shard.path())),
        }
    }
    files.sort();
    for (shard, name, _) in files {
        let rel = if name.is_empty() {
            format!("{LINEAGE_DIR}/{PROFILES_DIR}/{shard}")
        } else {
            format!("{LINEAGE_DIR}/{PROFILES_DIR}/{shard}/{name}")
        };
        let id = name
            .strip_suffix(".json")
            .and_then(ContentHash::from_hex)
            .filter(|id| id.to_hex()[..2] == shard);
        let message = match id {
            None => Some(
                "not a stored profile: profiles are at .lineage/profiles/<2 hex>/<64 hex>.json"
                    .to_string(),
            ),
            Some(id) => stored::check(root, &id).map(|e| e.to_string()),
        };
        if let Some(message) = message {
            report.problems.push(Problem {
                file: rel,
                record: None,
                check: Check::Profile,
                message,
                commit: None,
                repository: None,
            });
        }
    }
}

/// Check one record file, whose stat data `stat` was taken before it is
/// read: from `cache` when it holds this version of the file, else by
/// reading it (`keep`: hand over the parsed record).
fn check_file<'c>(
    file: &RecordFile,
    stat: Option<FileStat>,
    cache: Option<&'c VerifyCache>,
    keep: bool,
    run_start: i128,
) -> FileCheck<'c> {
    let mut out = FileCheck::default();
    let Some(id) = &file.named_id else {
        out.problems.push((
            Check::Location,
            "not a record file: records live at .lineage/records/<first 2 hex>/<64 hex>.yaml"
                .into(),
        ));
        return out;
    };
    if let Some(entry) = cache
        .zip(stat)
        .and_then(|(cache, stat)| cache.lookup(id, &stat))
    {
        out.references = entry.references().collect();
        out.clean = Some(Cow::Borrowed(entry));
        return out;
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            out.problems.push((Check::Id, format!("cannot read: {e}")));
            return out;
        }
    };
    let actual = RecordId::of_bytes(&bytes);
    if actual != *id {
        out.problems.push((
            Check::Id,
            format!(
                "the file was edited: its bytes hash to {} but its name says {}",
                actual.short(),
                id.short()
            ),
        ));
    }
    let mut record = match Record::parse(&bytes) {
        Ok(record) => record,
        Err(e) => {
            out.problems.push((Check::Schema, e.to_string()));
            return out;
        }
    };
    // A record with foreign references is never cached: what they resolve
    // to changes with every fetch, so it is checked on every run.
    if out.problems.is_empty()
        && record.imports.is_empty()
        && let Some(stat) = stat.filter(|stat| stat.trusted_at(run_start))
    {
        out.clean = Some(Cow::Owned(CleanRecord::new(stat, &record.references)));
    }
    out.references = std::mem::take(&mut record.references);
    if !record.imports.is_empty() {
        out.imports = std::mem::take(&mut record.imports);
        out.import_inputs = record.inputs.clone();
    }
    if keep {
        out.record = Some(Box::new(record));
    }
    out
}

/// The committed history `verify --history` checks, as much of it as it
/// needs: the records `references` name, every registry event, and every
/// finding (all of it without a catalog). The catalog of HEAD with the
/// worktree is used, and the uncommitted records dropped, so `verify` and
/// the other commands share one catalog.
fn load_history<'a>(
    repo: &Repo,
    revisions: &crate::history::Revisions,
    references: impl IntoIterator<Item = &'a RecordId>,
) -> crate::Result<crate::history::History> {
    let question = crate::catalog::Question {
        seeds: references
            .into_iter()
            .map(|id| crate::catalog::Seed::Id(id.clone()))
            .chain([crate::catalog::Seed::Kind(
                crate::retention::model::EXPIRE.to_string(),
            )])
            .collect(),
        registry: true,
        ..Default::default()
    };
    let options = crate::history::HistoryOptions {
        revisions: revisions.clone(),
        worktree: true,
        use_index: true,
    };
    let focused = crate::catalog::load(repo, &options, &question)?;
    Ok(focused.history.without_uncommitted())
}

/// One repository's registry events, as a history of their own: `None` for
/// this repository, else the lineage remote they came from.
type RepositoryEvents = (
    Option<std::sync::Arc<crate::history::Repository>>,
    crate::history::History,
);

/// The registry events of `history`, one history per repository (this
/// repository's first, then each lineage remote's by name): a registry
/// belongs to the repository whose history holds its events, so each is
/// folded and judged on its own.
fn registries_by_repository(history: &crate::history::History) -> Vec<RepositoryEvents> {
    type Events = (
        Option<std::sync::Arc<crate::history::Repository>>,
        Vec<crate::history::Entry>,
    );
    let mut by_name: BTreeMap<Option<&str>, Events> = BTreeMap::new();
    for entry in &history.entries {
        if !entry.summary.kind.starts_with("registry-") {
            continue;
        }
        let name = entry.repository.as_ref().map(|r| r.name.as_str());
        let (repository, entries) = by_name.entry(name).or_default();
        // The newest entry's repository: its fetched tip holds the policy.
        repository.clone_from(&entry.repository);
        entries.push(entry.clone());
    }
    by_name
        .into_values()
        .map(|(repository, entries)| {
            (
                repository,
                crate::history::History::partial(
                    entries,
                    Vec::new(),
                    Vec::new(),
                    crate::history::Stats::default(),
                ),
            )
        })
        .collect()
}

/// Add registry events that break the governance policy of the repository
/// that holds them: `.lineage/config.yaml` of this worktree for this
/// repository's events (a broken config is already a finding of its own),
/// the config committed at a lineage remote's fetched tip for its events.
fn add_policy_findings(
    repo: &Repo,
    store: &Store,
    history: &crate::history::History,
    registries: &[RepositoryEvents],
    report: &mut VerifyReport,
) {
    let mut verified: HashMap<String, Result<(), crate::repo::SignatureError>> = HashMap::new();
    let cache = std::cell::RefCell::new(&mut verified);
    let signed = |c: &crate::history::CommitInfo| {
        cache
            .borrow_mut()
            .entry(c.id.clone())
            .or_insert_with(|| crate::registry::verify_commit_signature(repo, &c.id))
            .clone()
    };
    for (repository, events) in registries {
        let config = match repository {
            None => match store.config() {
                Ok(config) => config,
                Err(_) => continue,
            },
            Some(remote) => match remote_config(repo, remote) {
                Ok(config) => config,
                Err(message) => {
                    report.problems.push(Problem {
                        file: format!("{LINEAGE_DIR}/{CONFIG_FILE}"),
                        record: None,
                        check: Check::Config,
                        message,
                        commit: None,
                        repository: Some(remote.clone()),
                    });
                    continue;
                }
            },
        };
        for finding in crate::registry::policy_findings(events, &config, &signed) {
            report.problems.push(record_problem(
                history,
                finding.record,
                Check::Registry,
                finding.message,
                finding.commit,
            ));
        }
    }
}

/// The config committed at a lineage remote's fetched tip (the default
/// config when it has none), or why it cannot be read.
fn remote_config(
    repo: &Repo,
    remote: &crate::history::Repository,
) -> Result<crate::config::Config, String> {
    let rel = format!("{LINEAGE_DIR}/{CONFIG_FILE}");
    match crate::history::file_bytes_at(repo, &remote.commit, &rel) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{rel} at commit {} is not UTF-8", remote.commit))?;
            crate::config::Config::parse(&text)
                .map_err(|e| format!("{rel} at commit {}: {e}", remote.commit))
        }
        Err(crate::history::HistoryError::NotInRevision { .. }) => {
            Ok(crate::config::Config::default())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// A problem found with a record of `history`: named by its file and, for
/// another repository's record, that repository.
fn record_problem(
    history: &crate::history::History,
    record: RecordId,
    check: Check,
    message: String,
    commit: Option<std::sync::Arc<crate::history::CommitInfo>>,
) -> Problem {
    Problem {
        file: history
            .get(&record)
            .map(|e| e.path.clone())
            .unwrap_or_default(),
        repository: repository_of(history, &record),
        record: Some(record),
        check,
        message,
        commit,
    }
}

/// Add expire records that break the retention policy; return the record
/// ids whose deletion authorized expire records cover.
fn add_expire_findings(
    repo: &Repo,
    store: &Store,
    history: &crate::history::History,
    report: &mut VerifyReport,
) -> std::collections::HashSet<RecordId> {
    let config = store.config().unwrap_or_default();
    let signed =
        |c: &crate::history::CommitInfo| crate::registry::verify_commit_signature(repo, &c.id);
    let (covered, findings) =
        crate::retention::model::authorized_expirations(history, &config.retention, &signed);
    for finding in findings {
        report.problems.push(record_problem(
            history,
            finding.record,
            Check::Expire,
            finding.message,
            finding.commit,
        ));
    }
    covered
}

/// The lineage remote record `id` came from (`--remotes`), if any.
fn repository_of(
    history: &crate::history::History,
    id: &RecordId,
) -> Option<std::sync::Arc<crate::history::Repository>> {
    history.get(id).and_then(|e| e.repository.clone())
}

/// Add history's integrity findings to `report`; deletions of the records
/// in `expired` (authorized expire records) are not findings.
fn add_history_findings(
    history: crate::history::History,
    registries: &[RepositoryEvents],
    expired: &std::collections::HashSet<RecordId>,
    report: &mut VerifyReport,
) {
    use crate::history::FindingKind;
    report.commits = Some(history.stats.commits);
    let conflicts = registries
        .iter()
        .flat_map(|(_, events)| crate::registry::Registry::from_history(events).conflicts);
    for conflict in conflicts {
        let file = history
            .get(&conflict.second)
            .map(|e| e.path.clone())
            .unwrap_or_default();
        let commit = history.get(&conflict.second).and_then(|e| e.commit.clone());
        let repository = repository_of(&history, &conflict.second);
        report.problems.push(Problem {
            file,
            record: Some(conflict.second.clone()),
            check: Check::Registry,
            message: format!(
                "{}@v{} is registered twice: by {} and by {} (branches that each registered it were merged); the first in history order is used, so register a new version to supersede both",
                conflict.model, conflict.version, conflict.first, conflict.second
            ),
            commit,
            repository,
        });
    }
    for finding in history.findings {
        if finding.kind == FindingKind::Deleted
            && finding
                .record
                .as_ref()
                .is_some_and(|id| expired.contains(id))
        {
            continue;
        }
        let check = match finding.kind {
            FindingKind::Edited => Check::Edited,
            FindingKind::Deleted => Check::Deleted,
            FindingKind::Misnamed => Check::Id,
            FindingKind::NotARecord => Check::Location,
            FindingKind::Invalid => Check::Schema,
            FindingKind::Unreadable => Check::Unreadable,
        };
        report.problems.push(Problem {
            file: finding.path,
            record: finding.record,
            check,
            message: finding.message,
            commit: Some(finding.commit),
            repository: finding.repository,
        });
    }
    report.warnings.extend(history.warnings);
}

/// The most recent recording of one local path (see [`LatestRecordings`]).
#[derive(Debug, Clone)]
pub struct Latest {
    /// (time recorded, position of the record in the caller's order): what
    /// "most recent" orders by.
    pub order: (Timestamp, usize),
    /// The path or `file://` URI as that record gave it.
    pub locator: String,
    /// The hash that record gave it; `None` for a pointer recorded without its bytes.
    pub hash: Option<ContentHash>,
    /// The pointer digest that record gave it, for a large-file pointer.
    pub pointer: Option<PointerDigest>,
    /// What identifies the recorded content: the hash, else the pointer digest.
    pub id: ContentId,
}

/// The rule `status` and `verify --artifacts` share: for every local path
/// with a recorded hash, only its most recent recording counts — the record
/// with the latest `recorded` time (then the latest position), outputs after
/// inputs (a step that rewrote a file in place recorded the bytes it wrote
/// last). An older recording of the same path is superseded, not wrong.
#[derive(Debug, Clone, Default)]
pub struct LatestRecordings {
    by_path: BTreeMap<PathBuf, Latest>,
}

impl LatestRecordings {
    /// Take the inputs and outputs of the record at `order` into account.
    pub fn add(
        &mut self,
        store: &Store,
        order: (Timestamp, usize),
        inputs: &[Artifact],
        outputs: &[Artifact],
    ) {
        for artifact in inputs.iter().chain(outputs) {
            let Some(path) = local_path(store, artifact) else {
                continue;
            };
            let Some(id) = ContentId::of(artifact.hash, artifact.pointer.as_ref()) else {
                continue;
            };
            if self
                .by_path
                .get(&path)
                .is_none_or(|seen| order >= seen.order)
            {
                self.by_path.insert(
                    path,
                    Latest {
                        order,
                        locator: artifact.locator().to_string(),
                        hash: artifact.hash,
                        pointer: artifact.pointer.as_ref().map(|p| p.digest.clone()),
                        id,
                    },
                );
            }
        }
    }

    /// The most recent recording of `path`.
    pub fn get(&self, path: &std::path::Path) -> Option<&Latest> {
        self.by_path.get(path)
    }

    /// Every path with its most recent recording, by path.
    pub fn iter(&self) -> impl Iterator<Item = (&PathBuf, &Latest)> {
        self.by_path.iter()
    }

    /// How many paths are tracked.
    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    /// True when no path is tracked.
    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }
}

/// Where a recorded artifact lives on disk, if it is local (a path, or a `file://` URI).
pub fn local_path(store: &Store, artifact: &Artifact) -> Option<PathBuf> {
    if let Some(path) = &artifact.path {
        return Some(store.root().join(path));
    }
    artifact
        .uri
        .as_deref()
        .and_then(|uri| uri.strip_prefix("file://"))
        .filter(|_| artifact.hash.is_some())
        .map(PathBuf::from)
}

fn check_artifact(
    ctx: &Context<'_>,
    path: &std::path::Path,
    artifact: &Artifact,
) -> Option<String> {
    let recorded = ContentId::of(artifact.hash, artifact.pointer.as_ref())?;
    let pointer = artifact.pointer.as_ref().map(|p| &p.digest);
    let hasher = ctx.hasher();
    match content_now(
        ctx.repo(),
        &hasher,
        artifact.path.as_deref(),
        path,
        artifact.hash,
        pointer,
    ) {
        Ok(Some(now)) if now.matches(artifact.hash, pointer) => None,
        Ok(Some(now)) => Some(format!(
            "'{}' changed since it was recorded: recorded {}, now {}",
            artifact.locator(),
            now.recorded_as(artifact.hash, pointer).unwrap_or(recorded),
            now
        )),
        Ok(None) => Some(format!(
            "'{}' was recorded with {} but no longer exists",
            artifact.locator(),
            recorded
        )),
        Err(e) => Some(format!("'{}' cannot be checked: {e}", artifact.locator())),
    }
}

/// What `path` (the worktree path `rel`, for a recorded path) holds now, as
/// comparable with a recording of `recorded_hash` and `recorded_pointer`:
/// the BLAKE3 hash when the bytes are here and were recorded, else the
/// large-file pointer's digest (so a clone without the bytes can still be
/// checked). `None` when nothing is there; an error when what is there
/// cannot be compared (read errors, or a pointer without its bytes for a
/// recording that has only a hash).
pub fn content_now(
    repo: &Repo,
    hasher: &crate::hash::Hasher<'_>,
    rel: Option<&str>,
    path: &std::path::Path,
    recorded_hash: Option<ContentHash>,
    recorded_pointer: Option<&PointerDigest>,
) -> Result<Option<ContentId>, String> {
    let absent = crate::pointer::detect::absent_pointer(path);
    if let (Some(rel), true) = (rel, recorded_pointer.is_some() || absent.is_some()) {
        let found = crate::pointer::detect::detect(repo, rel).map_err(|e| e.to_string())?;
        if let Some(found) = found.filter(|f| !(f.present && recorded_hash.is_some())) {
            if !found.present && recorded_pointer.is_none() {
                return Err(format!(
                    "its bytes are not here (a {} pointer) and it was recorded by BLAKE3 only; fetch them to compare",
                    found.kind
                ));
            }
            match (found.pointer, found.present) {
                (Some(pointer), _) => return Ok(Some(ContentId::Pointer(pointer.digest))),
                (None, false) => {
                    return Err(found.warning.unwrap_or_else(|| {
                        format!("its {} pointer names no content", found.kind)
                    }));
                }
                // Bytes without a pointer identity: compare them by hash.
                (None, true) => {}
            }
        }
    }
    match hasher.hash_path(path) {
        Ok(digest) => Ok(Some(ContentId::Hash(digest.hash()))),
        Err(crate::hash::HashError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, bytes: &[u8]) -> Artifact {
        Artifact {
            path: Some(path.into()),
            hash: Some(ContentHash::of_bytes(bytes)),
            ..Artifact::default()
        }
    }

    #[test]
    fn an_input_differs_only_from_a_same_named_output_with_other_bytes() {
        let outputs = [file("out/features.csv", b"f"), file("out/stats.json", b"s")];
        // The same bytes under any name, and a name the other step never
        // wrote, are not compared.
        let fine = [
            file("features.csv", b"f"),
            file("copy/of-stats.json", b"s"),
            file("train.csv", b"t"),
        ];
        assert!(different_outputs(&fine, &outputs).is_empty());
        let read = [
            file("data/features.csv", b"other"),
            file("stats.json", b"s"),
        ];
        let found = different_outputs(&read, &outputs);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].0.locator(), found[0].1.locator()),
            ("data/features.csv", "out/features.csv")
        );
        assert_eq!(
            content_text(found[0].1),
            crate::render::short_hash(&ContentHash::of_bytes(b"f"))
        );
        // A URI without content is never compared.
        let uri = Artifact {
            uri: Some("s3://bucket/features.csv".into()),
            ..Artifact::default()
        };
        assert!(different_outputs(&[uri], &outputs).is_empty());
    }
}
