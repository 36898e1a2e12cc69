//! Assembly: commits, parents first, become history entries and findings.
//! A record is introduced by the first commit that adds it; edits,
//! deletions, misnamed, invalid and unreadable files are each reported once.

use std::collections::HashSet as StdHashSet;
use std::sync::Arc;

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};

use super::index::{BlobData, CommitData, Index};
use super::model::{CommitInfo, Entry, Finding, FindingKind, History};
use super::summary::SummaryCell;
use crate::record::RecordId;
use crate::render::short_id;

/// Build entries and findings from the index for the commits reachable from
/// `include`, skipping what was introduced by a `hidden` commit.
pub(super) fn assemble(
    mut index: Index,
    include: &[ObjectId],
    hidden: &HashSet<ObjectId>,
) -> History {
    let order = topological(&index, include);
    let mut assembler = Assembler::default();
    for id in order {
        // Each commit is assembled once, so its data moves out of the index.
        if let Some(data) = index.commits.remove(&id) {
            assembler.add(id, data, &mut index.blobs, !hidden.contains(&id));
        }
    }
    assembler.history
}

/// Turns commits, parents first, into entries and findings: a record is
/// introduced by the first commit that adds it, and each finding is
/// reported once.
#[derive(Default)]
pub(super) struct Assembler {
    pub(super) history: History,
    introduced: StdHashSet<RecordId>,
    /// Positions of assembled commits in `history.commits`.
    position: HashMap<ObjectId, u32>,
    /// Content ids of blobs whose summaries moved into entries.
    taken: HashMap<ObjectId, RecordId>,
    reported: StdHashSet<(FindingKind, String, Option<ObjectId>)>,
}

impl Assembler {
    /// Continue from an assembled history (without uncommitted records).
    pub(super) fn resume(history: History) -> Assembler {
        let mut assembler = Assembler::default();
        for entry in &history.entries {
            assembler.introduced.insert(entry.id.clone());
            if let Some(blob) = entry.blob {
                assembler.taken.insert(blob, entry.id.clone());
            }
        }
        for finding in &history.findings {
            assembler
                .reported
                .insert((finding.kind, finding.path.clone(), finding.blob));
        }
        for (i, id) in history.commits.ids.iter().enumerate() {
            assembler.position.insert(*id, i as u32);
        }
        assembler.history = history;
        assembler
    }

    /// Continue after a history known only by what `introduced` (the
    /// records it introduced that the new commits name), `reported` (its
    /// findings) and `latest` say: the new commits' entries and findings
    /// come out alone.
    pub(super) fn continuing(
        introduced: StdHashSet<RecordId>,
        reported: StdHashSet<(FindingKind, String, Option<ObjectId>)>,
        latest: Option<(i64, ObjectId)>,
    ) -> Assembler {
        let mut assembler = Assembler {
            introduced,
            reported,
            ..Assembler::default()
        };
        assembler.history.latest = latest;
        assembler
    }

    /// Assemble one commit whose parents were assembled before it. Valid
    /// record summaries move out of `blobs`; `shown: false` (a hidden
    /// commit of a range) records what it did without listing it.
    pub(super) fn add(
        &mut self,
        id: ObjectId,
        data: CommitData,
        blobs: &mut HashMap<ObjectId, BlobData>,
        shown: bool,
    ) {
        let CommitData {
            parents,
            author,
            time,
            message,
            changes,
            problem,
            records_tree,
            ..
        } = data;
        let parent_positions: Vec<u32> = parents
            .iter()
            .filter_map(|p| self.position.get(p).copied())
            .collect();
        self.position
            .insert(id, self.history.commits.ids.len() as u32);
        let key = (time, id);
        if self.history.latest.is_none_or(|latest| latest < key) {
            self.history.latest = Some(key);
        }
        self.history
            .commits
            .push(id, &parent_positions, records_tree);
        if changes.is_empty() && problem.is_none() {
            return;
        }
        let commit = Arc::new(CommitInfo::new(id, author, time, message));
        let (reported, findings) = (&mut self.reported, &mut self.history.findings);
        let mut finding = |kind: FindingKind,
                           path: String,
                           record: Option<RecordId>,
                           blob: Option<ObjectId>,
                           message: String| {
            if reported.insert((kind, path.clone(), blob)) && shown {
                findings.push(Finding {
                    kind,
                    path,
                    record,
                    commit: commit.clone(),
                    message,
                    blob,
                    repository: None,
                });
            }
        };
        if let Some(problem) = &problem {
            finding(
                FindingKind::Unreadable,
                ".lineage/records".into(),
                None,
                Some(id),
                format!(
                    "the records of commit {} could not be read: {problem}",
                    short_id(&id.to_string())
                ),
            );
        }
        let mut added: Vec<Entry> = Vec::new();
        for change in &changes {
            let path = format!(
                "{}/{}/{}",
                crate::store::LINEAGE_DIR,
                crate::store::RECORDS_DIR,
                change.path
            );
            let named = record_id_of_path(&change.path);
            match (change.old, change.new) {
                (None, Some(blob)) => {
                    let Some(named) = named else {
                        finding(
                            FindingKind::NotARecord,
                            path,
                            None,
                            Some(blob),
                            "not a record file: records live at .lineage/records/<first 2 hex>/<64 hex>.yaml".into(),
                        );
                        continue;
                    };
                    if self.introduced.contains(&named) {
                        continue;
                    }
                    let valid = matches!(
                        blobs.get(&blob),
                        Some(BlobData::Record { content, .. }) if *content == named
                    );
                    if valid {
                        self.introduced.insert(named.clone());
                        // Each blob is introduced once (its bytes are its
                        // id), so its summary can move out of the index.
                        self.taken.insert(blob, named.clone());
                        if let (true, Some(BlobData::Record { summary, .. })) =
                            (shown, blobs.remove(&blob))
                        {
                            added.push(Entry {
                                id: named,
                                path,
                                commit: Some(commit.clone()),
                                blob: Some(blob),
                                repository: None,
                                summary: SummaryCell::ready(*summary),
                            });
                        }
                        continue;
                    }
                    // Bytes that hash to another id: as read now, or (the
                    // same bytes as a record introduced earlier) as taken.
                    let content = match blobs.get(&blob) {
                        Some(
                            BlobData::Record { content, .. } | BlobData::Invalid { content, .. },
                        ) => Some(content),
                        None => self.taken.get(&blob),
                        Some(BlobData::Unreadable(_)) => None,
                    };
                    if let Some(content) = content.filter(|c| **c != named) {
                        let message = format!(
                            "added with bytes that hash to {}, not to its name {}",
                            content.short(),
                            named.short()
                        );
                        finding(
                            FindingKind::Misnamed,
                            path,
                            Some(named),
                            Some(blob),
                            message,
                        );
                        continue;
                    }
                    match blobs.get(&blob) {
                        Some(BlobData::Invalid { message, .. }) => finding(
                            FindingKind::Invalid,
                            path,
                            Some(named),
                            Some(blob),
                            format!("not a valid record: {message}"),
                        ),
                        Some(BlobData::Unreadable(message)) => finding(
                            FindingKind::Unreadable,
                            path,
                            Some(named),
                            Some(blob),
                            message.clone(),
                        ),
                        // Valid records were taken above; every added blob
                        // is read before assembly.
                        Some(BlobData::Record { .. }) | None => {}
                    }
                }
                (Some(old), Some(new)) => finding(
                    FindingKind::Edited,
                    path,
                    named,
                    Some(new),
                    format!(
                        "the record file was edited: its bytes changed (blob {} → {}); records are immutable",
                        short_id(&old.to_string()),
                        short_id(&new.to_string())
                    ),
                ),
                (Some(old), None) => finding(
                    FindingKind::Deleted,
                    path,
                    named,
                    Some(old),
                    "the record file was deleted; records are never deleted".into(),
                ),
                (None, None) => {}
            }
        }
        added.sort_by(|a, b| (a.summary.recorded, &a.id).cmp(&(b.summary.recorded, &b.id)));
        for entry in added {
            self.history.push(entry);
        }
    }
}

/// The record id a path below `.lineage/records/` names: `<2 hex>/<64 hex>.yaml`.
pub(super) fn record_id_of_path(path: &str) -> Option<RecordId> {
    let (shard, file) = path.split_once('/')?;
    let id = RecordId::parse(file.strip_suffix(".yaml")?)?;
    (id.shard() == shard).then_some(id)
}

/// Commits reachable from `tips`, parents before children; among commits
/// whose parents are all placed, the oldest (committer time) goes first, so
/// reversed it reads like `git log`. Unknown parents are skipped.
fn topological(index: &Index, tips: &[ObjectId]) -> Vec<ObjectId> {
    let mut reachable: HashSet<ObjectId> = HashSet::default();
    let mut stack: Vec<ObjectId> = tips
        .iter()
        .filter(|t| index.commits.contains_key(*t))
        .copied()
        .collect();
    while let Some(id) = stack.pop() {
        if let Some(data) = index.commits.get(&id)
            && reachable.insert(id)
        {
            stack.extend(data.parents.iter().copied());
        }
    }
    let all: Vec<ObjectId> = reachable.iter().copied().collect();
    order_indexed(index, &all, &reachable)
}

/// [`order_new_commits`] for commits whose data is in `index`.
pub(super) fn order_indexed(
    index: &Index,
    new: &[ObjectId],
    new_set: &HashSet<ObjectId>,
) -> Vec<ObjectId> {
    let parents_of = |id: &ObjectId| {
        index
            .commits
            .get(id)
            .map(|d| d.parents.clone())
            .unwrap_or_default()
    };
    order_new_commits(new, new_set, &parents_of, |id| {
        index.commits.get(id).map_or(0, |d| d.time)
    })
}

/// `new` commits, parents before children; among commits whose parents are
/// all placed, the oldest (committer time, then id) goes first. Parents
/// outside `new_set` count as placed.
pub(super) fn order_new_commits(
    new: &[ObjectId],
    new_set: &HashSet<ObjectId>,
    parents_of: &dyn Fn(&ObjectId) -> Vec<ObjectId>,
    time_of: impl Fn(&ObjectId) -> i64,
) -> Vec<ObjectId> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut waiting: HashMap<ObjectId, usize> = HashMap::default();
    let mut children: HashMap<ObjectId, Vec<ObjectId>> = HashMap::default();
    for id in new {
        let parents: Vec<ObjectId> = parents_of(id)
            .into_iter()
            .filter(|p| new_set.contains(p))
            .collect();
        waiting.insert(*id, parents.len());
        for parent in parents {
            children.entry(parent).or_default().push(*id);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId)>> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| Reverse((time_of(id), *id)))
        .collect();
    let mut order = Vec::with_capacity(new.len());
    while let Some(Reverse((_, id))) = ready.pop() {
        order.push(id);
        for child in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
            if let Some(n) = waiting.get_mut(child) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse((time_of(child), *child)));
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{index, snapshot, walk};

    use crate::record::Agent;

    fn oid(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn commit(parents: Vec<ObjectId>, changes: Vec<index::Change>) -> CommitData {
        CommitData {
            parents,
            boundary: false,
            records_tree: None,
            author: Agent {
                name: "Jane".into(),
                email: "jane@example.com".into(),
            },
            time: 0,
            message: "m".into(),
            changes,
            problem: None,
        }
    }

    /// A record blob and the path its id names.
    fn record(index: &mut Index, blob: ObjectId, name: &str) -> (String, RecordId) {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/records/train.yaml"
        ))
        .unwrap()
        .replace("name: fraud-model\n", &format!("name: {name}\n"));
        let BlobData::Record { content, summary } = walk::parse_record_bytes(text.as_bytes())
        else {
            panic!("the fixture parses");
        };
        index.blobs.insert(
            blob,
            BlobData::Record {
                content: content.clone(),
                summary,
            },
        );
        (format!("{}/{content}.yaml", content.shard()), content)
    }

    fn added(path: &str, blob: ObjectId) -> index::Change {
        index::Change {
            path: path.into(),
            old: None,
            new: Some(blob),
        }
    }

    #[test]
    fn merges_attribute_records_to_their_side_branch_and_report_edits_once() {
        let mut index = Index::default();
        let (path_a, id_a) = record(&mut index, oid(10), "a");
        let (path_b, id_b) = record(&mut index, oid(11), "b");
        let (root, main, side, merge) = (oid(1), oid(2), oid(3), oid(4));
        index
            .commits
            .insert(root, commit(vec![], vec![added(&path_a, oid(10))]));
        // main edits A; side adds B; the merge (first parent main) shows B
        // as added, as a first-parent diff does.
        let edit = index::Change {
            path: path_a.clone(),
            old: Some(oid(10)),
            new: Some(oid(12)),
        };
        index.commits.insert(main, commit(vec![root], vec![edit]));
        index
            .commits
            .insert(side, commit(vec![root], vec![added(&path_b, oid(11))]));
        index.commits.insert(
            merge,
            commit(vec![main, side], vec![added(&path_b, oid(11))]),
        );

        let history = assemble(index, &[merge], &HashSet::default());
        let commit_of = |id: &RecordId| {
            history
                .get(id)
                .and_then(|e| e.commit.as_ref())
                .map(|c| c.id.clone())
        };
        assert_eq!(commit_of(&id_a), Some(root.to_string()));
        assert_eq!(commit_of(&id_b), Some(side.to_string()));
        assert_eq!(history.entries.len(), 2);
        assert_eq!(history.findings.len(), 1);
        assert_eq!(history.findings[0].kind, FindingKind::Edited);
        assert_eq!(history.findings[0].commit.id, main.to_string());
        assert_eq!(
            history.entries[1].summary.name, "b",
            "parents come before children"
        );
        assert_eq!(history.descendants_of(&side).len(), 2, "side and the merge");
    }

    #[test]
    fn a_snapshot_round_trips_and_is_only_used_for_its_key() {
        let mut index = Index::default();
        let (path_a, id_a) = record(&mut index, oid(10), "a");
        let (path_b, _) = record(&mut index, oid(11), "b");
        index
            .commits
            .insert(oid(1), commit(vec![], vec![added(&path_a, oid(10))]));
        let edit = index::Change {
            path: path_a.clone(),
            old: Some(oid(10)),
            new: Some(oid(12)),
        };
        index.commits.insert(
            oid(2),
            commit(vec![oid(1)], vec![added(&path_b, oid(11)), edit]),
        );
        let mut history = assemble(index, &[oid(2)], &HashSet::default());
        history.warnings.push("a warning".into());
        history.stats.commits = 2;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(snapshot::FILE_NAME);
        let key = snapshot::Key {
            selection: 0,
            tips: vec![oid(2)],
            shallow: [0; 32],
            scope: [0; 32],
        };
        let state: snapshot::WorktreeState = vec![(String::new(), 1)];
        snapshot::save(&path, &key, Some(&state), &history).unwrap();

        let (loaded, current) =
            snapshot::load(&path, dir.path(), &key, Some(&state)).expect("same key loads");
        assert!(current);
        assert_eq!(loaded.entries.len(), 2);
        for (a, b) in history.entries.iter().zip(&loaded.entries) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.path, b.path);
            assert_eq!(a.blob, b.blob);
            assert_eq!(a.commit, b.commit);
            assert_eq!(a.summary.kind, b.summary.kind);
            assert_eq!(
                *a.summary, *b.summary,
                "the lazily decoded summary is the same"
            );
        }
        assert_eq!(loaded.findings.len(), 1);
        assert_eq!(loaded.findings[0].kind, FindingKind::Edited);
        assert_eq!(loaded.findings[0].commit.id, oid(2).to_string());
        assert_eq!(loaded.warnings, vec!["a warning".to_string()]);
        assert_eq!(loaded.stats.commits, 2);
        assert_eq!(
            loaded.get(&id_a).map(|e| e.summary.name.as_str()),
            Some("a")
        );
        assert_eq!(loaded.descendants_of(&oid(1)).len(), 2);

        // Another tip, another worktree state, or a flipped byte: not used as is.
        let moved = snapshot::Key {
            tips: vec![oid(3)],
            ..key.clone()
        };
        assert!(snapshot::load(&path, dir.path(), &moved, Some(&state)).is_none());
        let (_, current) =
            snapshot::load(&path, dir.path(), &key, Some(&vec![(String::new(), 2)])).unwrap();
        assert!(
            !current,
            "a changed records directory means a fresh look at the worktree"
        );
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(snapshot::load(&path, dir.path(), &key, Some(&state)).is_none());
    }

    #[test]
    fn hidden_commits_hide_what_they_introduced() {
        let mut index = Index::default();
        let (path_a, _) = record(&mut index, oid(10), "a");
        let (path_b, id_b) = record(&mut index, oid(11), "b");
        index
            .commits
            .insert(oid(1), commit(vec![], vec![added(&path_a, oid(10))]));
        index
            .commits
            .insert(oid(2), commit(vec![oid(1)], vec![added(&path_b, oid(11))]));
        let hidden: HashSet<ObjectId> = [oid(1)].into_iter().collect();
        let history = assemble(index, &[oid(2)], &hidden);
        assert_eq!(history.entries.len(), 1);
        assert_eq!(history.entries[0].id, id_b);
    }

    #[test]
    fn record_paths_must_be_sharded_by_their_id() {
        let id = "ab".to_string() + &"c".repeat(62);
        assert_eq!(
            record_id_of_path(&format!("ab/{id}.yaml")).map(|i| i.to_string()),
            Some(id.clone())
        );
        assert_eq!(record_id_of_path(&format!("cd/{id}.yaml")), None);
        assert_eq!(record_id_of_path(&format!("{id}.yaml")), None);
        assert_eq!(record_id_of_path("ab/notes.txt"), None);
    }
}
