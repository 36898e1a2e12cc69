//! `export`: lineage in formats other tools read — OpenLineage run events,
//! W3C PROV-JSON, in-toto/SLSA provenance, and the graph as DOT, Mermaid or
//! JSON. Every format is a pure function of a [`Selection`]; output is
//! deterministic (stable order, sorted keys) so exports can be diffed.

pub mod intoto;
pub mod openlineage;
pub mod prov;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::graph::{Direction, EdgeKind, Graph, NodeIndex, NodeKey, TraverseOptions, render};
use crate::history::{Entry, History, HistoryOptions, ReadWarning, Revisions};
use crate::record::{ForeignReference, RecordId};
use crate::refspec::{self, NodeOptions};
use crate::repo::Repo;

/// The formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// OpenLineage 2-0-2 RunEvents, one JSON document per line.
    OpenLineage,
    /// One W3C PROV-JSON document.
    Prov,
    /// in-toto Statements v1 with SLSA v1 provenance, one per line.
    InToto,
    /// The graph of the selection as Graphviz DOT.
    Dot,
    /// The graph of the selection as a Mermaid flowchart.
    Mermaid,
    /// The graph of the selection as `graph --format json` prints it.
    Json,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The format.
    pub format: ExportFormat,
    /// REFs whose upstream lineage (themselves included) is exported; empty
    /// for every record.
    pub refs: Vec<String>,
    /// The history read: HEAD, every ref (`All`), and lineage remotes
    /// (`Lineage`). A REF qualified by a remote (`NAME:REF`) adds that
    /// remote.
    pub revisions: Revisions,
    /// The namespace naming this repository in OpenLineage; `None` for the
    /// remote URL (credentials stripped), or the worktree as a `file://` URI.
    pub namespace: Option<String>,
    /// Where relative path REFs are resolved.
    pub cwd: PathBuf,
    /// Export even when record files in history cannot be read (the export
    /// then lacks their records, and [`Exported::warnings`] names them);
    /// otherwise that is an error ([`crate::history::HistoryError::Incomplete`]).
    pub allow_incomplete: bool,
}

/// What [`export`] wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The document's bytes.
    pub bytes: Vec<u8>,
    /// Record files in history that could not be read, so the export lacks
    /// their records (empty unless [`ExportOptions::allow_incomplete`]).
    pub warnings: Vec<ReadWarning>,
}

/// The records an export describes, and where they came from.
pub struct Selection<'a> {
    /// The selected records, in history order (oldest first).
    pub entries: Vec<&'a Entry>,
    /// The whole history they were selected from.
    pub history: &'a History,
    /// The graph of that history.
    pub graph: &'a Graph,
    /// The fetched histories of the lineage remotes that records' `imports`
    /// name, each read the first time one of its records is asked about
    /// ([`Selection::imported`]); `None` for one that cannot be read.
    remotes: RefCell<BTreeMap<String, Option<History>>>,
}

impl Selection<'_> {
    /// The kind and name of the record a foreign reference names: from the
    /// history read when it holds that record (`--remotes`, a qualified
    /// REF), else from the fetched history of the lineage remote the
    /// reference names. `None` when neither has it (the remote is not
    /// declared, not fetched, or its branches no longer have the record).
    pub fn imported(&self, repo: &Repo, import: &ForeignReference) -> Option<(String, String)> {
        if let Some(entry) = self.history.get(&import.record) {
            return Some((entry.summary.kind.clone(), entry.summary.name.clone()));
        }
        let mut remotes = self.remotes.borrow_mut();
        let history = remotes
            .entry(import.repository.clone())
            .or_insert_with(|| {
                History::load(
                    repo,
                    &HistoryOptions {
                        revisions: Revisions::remote_only(&import.repository),
                        worktree: false,
                        use_index: true,
                    },
                )
                .ok()
            })
            .as_ref()?;
        let entry = history.get(&import.record)?;
        Some((entry.summary.kind.clone(), entry.summary.name.clone()))
    }
}

/// Facts every format needs besides the records.
#[derive(Debug, Clone)]
pub struct Context {
    /// The repository's namespace (see [`ExportOptions::namespace`]).
    pub namespace: String,
    /// A URI naming git-lineage and its version, for `producer` fields.
    pub producer: String,
    /// The worktree root (local artifacts are hashed from here).
    pub root: PathBuf,
    /// The lineage remotes `.lineage/config.yaml` declares: name to URL as
    /// declared (see [`Context::import_namespace`]).
    pub remotes: BTreeMap<String, String>,
}

impl Context {
    /// The context of `entry`'s events: a record of a lineage remote is
    /// named in that repository's namespace, its declared URL without
    /// credentials (or its name when it is no longer declared).
    pub fn of(&self, entry: &Entry) -> std::borrow::Cow<'_, Context> {
        match &entry.repository {
            None => std::borrow::Cow::Borrowed(self),
            Some(repository) => std::borrow::Cow::Owned(Context {
                namespace: repository
                    .url
                    .as_deref()
                    .map_or_else(|| repository.name.clone(), crate::repo::public_url),
                ..self.clone()
            }),
        }
    }

    /// The namespace of the repository a foreign reference (`imports`)
    /// names: the lineage remote's declared URL without credentials, or the
    /// URL stored in the reference when that remote is no longer declared.
    pub fn import_namespace(&self, import: &ForeignReference) -> String {
        self.remotes
            .get(&import.repository)
            .map_or_else(|| import.url.clone(), |url| crate::repo::public_url(url))
    }
}

/// The `producer` URI of this build.
pub fn producer() -> String {
    format!(
        "https://github.com/git-lineage/git-lineage/tree/v{}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The namespace of `repo`: the given name, the remote URL, or the
/// worktree as a `file://` URI.
pub fn namespace(repo: &Repo, given: Option<&str>) -> String {
    given
        .map(str::to_string)
        .or_else(|| repo.remote_url())
        .unwrap_or_else(|| format!("file://{}", repo.root().display()))
}

/// Export as `options` say: the bytes to write, and what history could not
/// read. Unless `allow_incomplete`, a history with unreadable record files
/// is an error rather than an export that silently lacks them.
pub fn export(repo: &Repo, options: &ExportOptions) -> crate::Result<Exported> {
    let (bytes, warnings) =
        with_selection(
            repo,
            options,
            |selection, context, warnings| match options.format {
                ExportFormat::OpenLineage => openlineage::write(repo, selection, context),
                ExportFormat::Prov => prov::write(repo, selection, context),
                ExportFormat::InToto => intoto::write(repo, selection, context),
                ExportFormat::Dot | ExportFormat::Mermaid | ExportFormat::Json => {
                    graph_export(selection, options.format, warnings)
                }
            },
        )?;
    Ok(Exported { bytes, warnings })
}

/// One OpenLineage RunEvent of [`openlineage_events`].
#[derive(Debug, Clone)]
pub struct Event {
    /// The record the event describes.
    pub record: RecordId,
    /// Its OpenLineage run id ([`openlineage::run_id`]).
    pub run_id: String,
    /// The event as one compact JSON document (the line `export --format
    /// openlineage` writes, without its newline).
    pub json: Vec<u8>,
}

/// The OpenLineage events `export --format openlineage` writes for
/// `options` (whose `format` is taken as OpenLineage), one per record in
/// history order, and what history could not read.
pub fn openlineage_events(
    repo: &Repo,
    options: &ExportOptions,
) -> crate::Result<(Vec<Event>, Vec<ReadWarning>)> {
    let options = ExportOptions {
        format: ExportFormat::OpenLineage,
        ..options.clone()
    };
    with_selection(repo, &options, |selection, context, _| {
        selection
            .entries
            .iter()
            .map(|entry| {
                Ok(Event {
                    record: entry.id.clone(),
                    run_id: openlineage::run_id(&entry.id),
                    json: openlineage::event(repo, entry, selection, context)?,
                })
            })
            .collect()
    })
}

/// Load the history `options` name, select its records, and hand the
/// selection to `write`; with what history could not read. Unless
/// `allow_incomplete`, a history with unreadable record files is an error
/// rather than an export that silently lacks them.
fn with_selection<T>(
    repo: &Repo,
    options: &ExportOptions,
    write: impl FnOnce(&Selection<'_>, &Context, &[ReadWarning]) -> crate::Result<T>,
) -> crate::Result<(T, Vec<ReadWarning>)> {
    // A REF qualified by a lineage remote is resolved in its history now,
    // and that history is read beside the rest.
    let mut revisions = options.revisions.clone();
    let mut specs = Vec::new();
    for text in &options.refs {
        match crate::remote::split_qualified(repo, text) {
            Some((remote, rest)) => {
                let id = refspec::resolve_in_remote(repo, remote, &refspec::parse(rest)?)?;
                specs.push(refspec::RefSpec::Id(id));
                revisions = revisions.with_remote(remote);
            }
            None => specs.push(refspec::parse(text)?),
        }
    }
    let history = History::load(
        repo,
        &HistoryOptions {
            revisions,
            ..Default::default()
        },
    )?;
    if !options.allow_incomplete {
        history.require_complete()?;
    }
    let mut warnings = history.read_warnings();
    let graph = Graph::build(&history.entries);
    let mut entries = select(repo, &history, &graph, &specs, &options.cwd)?;
    if options.allow_incomplete
        && !matches!(
            options.format,
            ExportFormat::Dot | ExportFormat::Mermaid | ExportFormat::Json
        )
    {
        // A record known from the derived index whose object has gone
        // since: leave it out and say so, as for one never read. (Without
        // the flag, the format's own read fails and names it.)
        entries.retain(|entry| match history.read_record(repo, &entry.id) {
            Ok(_) => true,
            Err(e) => {
                warnings.push(ReadWarning {
                    commit: entry
                        .commit
                        .as_ref()
                        .map(|c| c.id.clone())
                        .unwrap_or_default(),
                    path: entry.path.clone(),
                    message: e.to_string(),
                });
                false
            }
        });
    }
    let selection = Selection {
        entries,
        history: &history,
        graph: &graph,
        remotes: RefCell::default(),
    };
    // An unreadable config names no remotes: imports keep the URL they store.
    let remotes = crate::store::Store::new(repo.root())
        .config()
        .map(|config| {
            config
                .remotes
                .into_iter()
                .map(|(name, remote)| (name, remote.url))
                .collect()
        })
        .unwrap_or_default();
    let context = Context {
        namespace: namespace(repo, options.namespace.as_deref()),
        producer: producer(),
        root: repo.root().to_path_buf(),
        remotes,
    };
    let written = write(&selection, &context, &warnings)?;
    Ok((written, warnings))
}

/// The records upstream of (and including) each REF, or every record.
fn select<'a>(
    repo: &Repo,
    history: &'a History,
    graph: &Graph,
    refs: &[refspec::RefSpec],
    cwd: &Path,
) -> crate::Result<Vec<&'a Entry>> {
    if refs.is_empty() {
        return Ok(history.entries.iter().collect());
    }
    let mut starts = Vec::new();
    for spec in refs {
        for node in refspec::resolve_nodes(repo, history, graph, spec, cwd, NodeOptions::default())?
        {
            starts.extend(made_from(graph, node));
        }
    }
    let upstream = graph.traverse(&starts, &TraverseOptions::new(Direction::Up));
    let wanted: BTreeSet<RecordId> = upstream
        .nodes
        .iter()
        .filter_map(|n| match graph.get(n.index).key() {
            NodeKey::Record(id) => Some(id),
            _ => None,
        })
        .collect();
    Ok(history
        .entries
        .iter()
        .filter(|e| wanted.contains(&e.id))
        .collect())
}

/// The records a REF's node stands for: a code commit stands for the
/// records made from it (nothing is upstream of a commit), anything else for
/// itself.
fn made_from(graph: &Graph, node: NodeIndex) -> Vec<NodeIndex> {
    if !matches!(graph.get(node).key(), NodeKey::Commit(_)) {
        return vec![node];
    }
    graph
        .edges()
        .filter(|&(from, _, kind)| from == node && kind == EdgeKind::Code)
        .map(|(_, to, _)| to)
        .collect()
}

/// DOT, Mermaid or JSON of the selected records and the artifacts and
/// commits around them, through the `graph` renderers.
/// The JSON graph carries `warnings` as `graph --format json` does.
fn graph_export(
    selection: &Selection<'_>,
    format: ExportFormat,
    warnings: &[ReadWarning],
) -> crate::Result<Vec<u8>> {
    let graph = selection.graph;
    let starts: Vec<_> = selection
        .entries
        .iter()
        .filter_map(|e| graph.node(&NodeKey::Record(e.id.clone())))
        .collect();
    // One hop each way: every record with its inputs, outputs and code,
    // without the records outside the selection that one hop also reaches.
    let mut subgraph = graph.traverse(
        &starts,
        &TraverseOptions::new(Direction::Both).with_depth(1),
    );
    subgraph.nodes.retain(|n| {
        !matches!(graph.get(n.index).key(), NodeKey::Record(_)) || starts.contains(&n.index)
    });
    let kept: BTreeSet<&str> = subgraph.nodes.iter().map(|n| n.id.as_str()).collect();
    let edges = std::mem::take(&mut subgraph.edges);
    subgraph.edges = edges
        .into_iter()
        .filter(|e| kept.contains(e.from.as_str()) && kept.contains(e.to.as_str()))
        .collect();
    Ok(match format {
        ExportFormat::Dot => {
            let mut out = Vec::new();
            // Writing to a Vec cannot fail.
            let _ = render::write_dot(&mut out, &subgraph);
            out
        }
        ExportFormat::Mermaid => render::mermaid(&subgraph).into_bytes(),
        _ => {
            #[derive(serde::Serialize)]
            struct Document<'a> {
                #[serde(flatten)]
                graph: &'a crate::graph::Subgraph,
                #[serde(skip_serializing_if = "<[_]>::is_empty")]
                warnings: &'a [ReadWarning],
            }
            let document = Document {
                graph: &subgraph,
                warnings,
            };
            let mut bytes = serde_json::to_vec_pretty(&document).map_err(|e| {
                crate::Error::InvalidArgument {
                    field: "export",
                    problem: format!("cannot write JSON: {e}"),
                }
            })?;
            bytes.push(b'\n');
            bytes
        }
    })
}
