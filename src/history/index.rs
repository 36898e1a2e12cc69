//! The derived history index at `.git/lineage/history-v1.idx`: what was
//! learned about each commit (parents, author, the record files it changed)
//! and each record blob (its summary), keyed by object id.
//!
//! Commits and blobs are immutable, so entries never go stale: moving a ref
//! backwards (reset, rebase) only changes which commits are reachable, and the
//! walk starts from the current refs every time. New knowledge is appended as
//! a checksummed segment; a torn or corrupt segment ends the load and the
//! next save rewrites the file. Deleting the file only costs speed.

use gix::hashtable::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use gix::ObjectId;

use super::codec::{Reader, Writer};
use super::summary::{Summary, read_summary, write_summary};
use crate::hash::ContentHash;
use crate::record::{Agent, RecordId};

/// The file name under `.git/lineage/`.
pub const FILE_NAME: &str = "history-v1.idx";
const MAGIC: &[u8] = b"git-lineage history index v4\n";
/// More segments than this and the next save rewrites the file as one.
const MAX_SEGMENTS: usize = 32;

/// A record file that differs between a commit and its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The path relative to `.lineage/records/`.
    pub path: String,
    /// The blob before (`None`: added).
    pub old: Option<ObjectId>,
    /// The blob after (`None`: deleted).
    pub new: Option<ObjectId>,
}

/// What the index knows about one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitData {
    /// Parents that are present (a shallow boundary has none).
    pub parents: Vec<ObjectId>,
    /// True when the commit's parents are missing (shallow clone boundary).
    pub boundary: bool,
    /// The id of its `.lineage/records` tree.
    pub records_tree: Option<ObjectId>,
    /// The commit's author.
    pub author: Agent,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The first line of the message.
    pub message: String,
    /// Record files changed against the first parent.
    pub changes: Vec<Change>,
    /// Why its trees could not be read, if they could not.
    pub problem: Option<String>,
}

/// What the index knows about one blob found at a record path.
#[derive(Debug, Clone, PartialEq)]
pub enum BlobData {
    /// A valid record.
    Record {
        /// BLAKE3 of the bytes.
        content: RecordId,
        /// Its summary.
        summary: Box<Summary>,
    },
    /// Bytes that are not a valid record.
    Invalid {
        /// BLAKE3 of the bytes.
        content: RecordId,
        /// Why.
        message: String,
    },
    /// The object could not be read.
    Unreadable(String),
}

/// The index in memory.
#[derive(Default)]
pub struct Index {
    /// Commits by id.
    pub commits: HashMap<ObjectId, CommitData>,
    /// Record blobs by id.
    pub blobs: HashMap<ObjectId, BlobData>,
    segments: usize,
    new_commits: Vec<ObjectId>,
    new_blobs: Vec<ObjectId>,
    /// Set when the file on disk could not be used as it is.
    rewrite: bool,
}

impl Index {
    /// Load the index at `path`; a missing, foreign or damaged file gives
    /// whatever valid prefix it has (possibly nothing).
    pub fn load(path: &Path) -> Index {
        let mut index = Index::default();
        let Ok(bytes) = std::fs::read(path) else {
            return index;
        };
        let Some(mut rest) = bytes.strip_prefix(MAGIC) else {
            index.rewrite = true;
            return index;
        };
        while !rest.is_empty() {
            match read_segment(rest, &mut index) {
                Some(next) => {
                    rest = next;
                    index.segments += 1;
                }
                None => {
                    index.rewrite = true;
                    break;
                }
            }
        }
        index
    }

    /// Remember a commit learned in this run.
    pub fn add_commit(&mut self, id: ObjectId, data: CommitData) {
        // Trees that could not be read may be readable later, like blobs.
        if data.problem.is_none() {
            self.new_commits.push(id);
        }
        self.commits.insert(id, data);
    }

    /// Remember a blob learned in this run.
    pub fn add_blob(&mut self, id: ObjectId, data: BlobData) {
        // An unreadable object may be readable later (a fetch completes it).
        if !matches!(data, BlobData::Unreadable(_)) {
            self.new_blobs.push(id);
        }
        self.blobs.insert(id, data);
    }

    /// True when this run learned something worth saving.
    pub fn is_dirty(&self) -> bool {
        !self.new_commits.is_empty() || !self.new_blobs.is_empty() || self.rewrite
    }

    /// Append what this run learned to `path` (or rewrite it whole when it
    /// was damaged or has many segments). Best effort: the index is derived
    /// data, so a failure to write only costs speed next time.
    pub fn save(&mut self, path: &Path) -> std::io::Result<()> {
        if !self.is_dirty() {
            return Ok(());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if self.rewrite || self.segments + 1 > MAX_SEGMENTS || !path.exists() {
            let mut commits: Vec<&ObjectId> = self
                .commits
                .iter()
                .filter(|(_, data)| data.problem.is_none())
                .map(|(id, _)| id)
                .collect();
            commits.sort();
            let mut blobs: Vec<&ObjectId> = self
                .blobs
                .iter()
                .filter(|(_, data)| !matches!(data, BlobData::Unreadable(_)))
                .map(|(id, _)| id)
                .collect();
            blobs.sort();
            let segment = self.segment(commits.into_iter(), blobs.into_iter());
            crate::cache::write_parts_atomically(path, &[MAGIC, &segment], false)?;
            self.segments = 1;
        } else {
            let segment = self.segment(self.new_commits.iter(), self.new_blobs.iter());
            let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
            // One write call: concurrent appenders do not interleave inside it.
            file.write_all(&segment)?;
            self.segments += 1;
        }
        self.new_commits.clear();
        self.new_blobs.clear();
        self.rewrite = false;
        Ok(())
    }

    fn segment<'a>(
        &self,
        commits: impl Iterator<Item = &'a ObjectId>,
        blobs: impl Iterator<Item = &'a ObjectId>,
    ) -> Vec<u8> {
        // Room for the length and checksum, filled in at the end.
        let mut w = Writer { buf: vec![0; 16] };
        let commits: Vec<_> = commits
            .filter_map(|id| self.commits.get(id).map(|c| (id, c)))
            .collect();
        w.uint(commits.len() as u64);
        for (id, commit) in commits {
            w.oid(id);
            write_commit(&mut w, commit);
        }
        let blobs: Vec<_> = blobs
            .filter_map(|id| self.blobs.get(id).map(|b| (id, b)))
            .collect();
        w.uint(blobs.len() as u64);
        for (id, blob) in blobs {
            w.oid(id);
            write_blob(&mut w, blob);
        }
        let mut out = w.buf;
        let len = (out.len() - 16) as u64;
        let checksum = ContentHash::of_bytes(&out[16..]);
        out[..8].copy_from_slice(&len.to_le_bytes());
        out[8..16].copy_from_slice(&checksum.as_bytes()[..8]);
        out
    }
}

/// Where the index of a repository lives.
pub fn path_in(cache_dir: &Path) -> PathBuf {
    cache_dir.join(FILE_NAME)
}

fn read_segment<'a>(bytes: &'a [u8], index: &mut Index) -> Option<&'a [u8]> {
    let len = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?) as usize;
    let checksum = bytes.get(8..16)?;
    let payload = bytes.get(16..16usize.checked_add(len)?)?;
    if &ContentHash::of_bytes(payload).as_bytes()[..8] != checksum {
        return None;
    }
    let mut r = Reader { buf: payload };
    let mut commits = Vec::new();
    for _ in 0..r.uint()? {
        let id = r.oid()?;
        commits.push((id, read_commit(&mut r)?));
    }
    let mut blobs = Vec::new();
    for _ in 0..r.uint()? {
        let id = r.oid()?;
        blobs.push((id, read_blob(&mut r)?));
    }
    if !r.buf.is_empty() {
        return None;
    }
    index.commits.extend(commits);
    index.blobs.extend(blobs);
    Some(&bytes[16 + len..])
}

fn write_commit(w: &mut Writer, c: &CommitData) {
    w.uint(c.parents.len() as u64);
    for p in &c.parents {
        w.oid(p);
    }
    w.byte(u8::from(c.boundary));
    w.opt_oid(c.records_tree.as_ref());
    w.str(&c.author.name);
    w.str(&c.author.email);
    w.int(c.time);
    w.str(&c.message);
    w.uint(c.changes.len() as u64);
    for change in &c.changes {
        w.str(&change.path);
        w.opt_oid(change.old.as_ref());
        w.opt_oid(change.new.as_ref());
    }
    w.opt_str(c.problem.as_deref());
}

fn read_commit(r: &mut Reader<'_>) -> Option<CommitData> {
    let parents = (0..r.uint()?).map(|_| r.oid()).collect::<Option<_>>()?;
    let boundary = r.byte()? != 0;
    let records_tree = r.opt_oid()?;
    let author = Agent {
        name: r.str()?,
        email: r.str()?,
    };
    let time = r.int()?;
    let message = r.str()?;
    let mut changes = Vec::new();
    for _ in 0..r.uint()? {
        changes.push(Change {
            path: r.str()?,
            old: r.opt_oid()?,
            new: r.opt_oid()?,
        });
    }
    let problem = r.opt_str()?;
    Some(CommitData {
        parents,
        boundary,
        records_tree,
        author,
        time,
        message,
        changes,
        problem,
    })
}

fn write_blob(w: &mut Writer, blob: &BlobData) {
    match blob {
        BlobData::Record { content, summary } => {
            w.byte(0);
            w.record_id(content);
            write_summary(w, summary);
        }
        BlobData::Invalid { content, message } => {
            w.byte(1);
            w.record_id(content);
            w.str(message);
        }
        BlobData::Unreadable(message) => {
            w.byte(2);
            w.str(message);
        }
    }
}

fn read_blob(r: &mut Reader<'_>) -> Option<BlobData> {
    Some(match r.byte()? {
        0 => BlobData::Record {
            content: r.record_id()?,
            summary: Box::new(read_summary(r)?),
        },
        1 => BlobData::Invalid {
            content: r.record_id()?,
            message: r.str()?,
        },
        2 => BlobData::Unreadable(r.str()?),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Value;

    fn oid(n: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[n; 20])
    }

    fn sample() -> Index {
        let mut index = Index::default();
        let record = crate::record::Record::parse(
            &std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/records/train.yaml"
            ))
            .unwrap(),
        )
        .unwrap();
        let mut summary = Summary::of(&record);
        summary.params.insert(
            "nested".into(),
            Value::Map(
                [(
                    "list".to_string(),
                    Value::List(vec![Value::Null, Value::Float(-0.5), Value::Bool(true)]),
                )]
                .into_iter()
                .collect(),
            ),
        );
        index.add_commit(
            oid(1),
            CommitData {
                parents: vec![oid(2), oid(3)],
                boundary: false,
                records_tree: Some(oid(4)),
                author: Agent {
                    name: "Jane Doe".into(),
                    email: "jane@example.com".into(),
                },
                time: -5,
                message: "train: fraud-model ✓".into(),
                changes: vec![Change {
                    path: "ce/x.yaml".into(),
                    old: None,
                    new: Some(oid(5)),
                }],
                problem: None,
            },
        );
        index.add_blob(
            oid(5),
            BlobData::Record {
                content: RecordId::of_bytes(b"x"),
                summary: Box::new(summary),
            },
        );
        index.add_blob(
            oid(6),
            BlobData::Invalid {
                content: RecordId::of_bytes(b"y"),
                message: "bad".into(),
            },
        );
        index
    }

    #[test]
    fn round_trips_through_the_file_and_appends_segments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lineage").join(FILE_NAME);
        let mut index = sample();
        index.save(&path).unwrap();
        let loaded = Index::load(&path);
        assert_eq!(loaded.commits, index.commits);
        assert_eq!(loaded.blobs, index.blobs);
        assert!(!loaded.is_dirty());

        // A second run appends only what it learned.
        let mut second = Index::load(&path);
        let size_before = std::fs::metadata(&path).unwrap().len();
        second.add_blob(
            oid(7),
            BlobData::Invalid {
                content: RecordId::of_bytes(b"z"),
                message: "m".into(),
            },
        );
        second.save(&path).unwrap();
        let third = Index::load(&path);
        assert_eq!(third.segments, 2);
        assert_eq!(third.blobs.len(), 3);
        assert!(std::fs::metadata(&path).unwrap().len() - size_before < 200);
    }

    #[test]
    fn a_damaged_tail_keeps_the_valid_prefix_and_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut index = sample();
        index.save(&path).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(b"\x05\x00\x00\x00\x00\x00\x00\x00garbage");
        std::fs::write(&path, &bytes).unwrap();
        let mut loaded = Index::load(&path);
        assert_eq!(loaded.commits.len(), 1);
        assert!(loaded.is_dirty());
        loaded.save(&path).unwrap();
        assert!(!Index::load(&path).is_dirty());

        std::fs::write(&path, b"something else").unwrap();
        let foreign = Index::load(&path);
        assert!(foreign.commits.is_empty() && foreign.is_dirty());
    }

    #[test]
    fn read_failures_are_not_kept_so_they_are_read_and_reported_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut index = sample();
        let mut broken = index.commits[&oid(1)].clone();
        broken.problem = Some("tree 04… cannot be read".into());
        index.add_commit(oid(8), broken);
        index.add_blob(oid(9), BlobData::Unreadable("blob 09… is missing".into()));
        index.save(&path).unwrap();
        let loaded = Index::load(&path);
        assert!(loaded.commits.contains_key(&oid(1)));
        assert!(!loaded.commits.contains_key(&oid(8)));
        assert!(loaded.blobs.contains_key(&oid(5)));
        assert!(!loaded.blobs.contains_key(&oid(9)));

        // Appended segments leave them out too.
        let mut second = Index::load(&path);
        let mut broken = second.commits[&oid(1)].clone();
        broken.problem = Some("again".into());
        second.add_commit(oid(10), broken);
        second.add_blob(oid(11), BlobData::Unreadable("gone".into()));
        second.save(&path).unwrap();
        let third = Index::load(&path);
        assert!(!third.commits.contains_key(&oid(10)));
        assert!(!third.blobs.contains_key(&oid(11)));
    }

    #[test]
    fn flipped_bytes_fail_the_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        sample().save(&path).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        assert!(Index::load(&path).commits.is_empty());
    }
}
