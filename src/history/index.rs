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

use super::model::Summary;
use crate::hash::ContentHash;
use crate::params::{Value, ValueMap};
use crate::record::{Agent, Artifact, RecordId};
use crate::time::Timestamp;

/// The file name under `.git/lineage/`.
pub const FILE_NAME: &str = "history-v1.idx";
const MAGIC: &[u8] = b"git-lineage history index v1\n";
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
        let checksum = blake3::hash(&out[16..]);
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
    if &blake3::hash(payload).as_bytes()[..8] != checksum {
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

pub(super) fn write_summary(w: &mut Writer, s: &Summary) {
    w.str(&s.kind);
    w.str(&s.name);
    w.int(s.recorded.unix_micros());
    w.str(&s.agent.name);
    w.str(&s.agent.email);
    w.byte(u8::from(s.failed));
    w.opt_str(s.code_commit.as_deref());
    for list in [&s.inputs, &s.outputs] {
        w.uint(list.len() as u64);
        for a in list {
            write_artifact(w, a);
        }
    }
    w.uint(s.references.len() as u64);
    for id in &s.references {
        w.record_id(id);
    }
    write_map(w, &s.params);
    write_map(w, &s.metrics);
}

/// Decode one summary written by the index codec (the whole slice).
pub fn decode_summary(bytes: &[u8]) -> Option<Summary> {
    let mut r = Reader { buf: bytes };
    let summary = read_summary(&mut r)?;
    r.buf.is_empty().then_some(summary)
}

/// Decode a summary without its `params` and `metrics` (left empty): what
/// the graph needs, at a fraction of the allocations.
pub fn decode_summary_links(bytes: &[u8]) -> Option<Summary> {
    read_summary_parts(&mut Reader { buf: bytes }, false)
}

fn read_summary(r: &mut Reader<'_>) -> Option<Summary> {
    read_summary_parts(r, true)
}

fn read_summary_parts(r: &mut Reader<'_>, values: bool) -> Option<Summary> {
    let kind = r.str()?;
    let name = r.str()?;
    let recorded = Timestamp::from_unix_micros(r.int()?);
    let agent = Agent {
        name: r.str()?,
        email: r.str()?,
    };
    let failed = r.byte()? != 0;
    let code_commit = r.opt_str()?;
    let inputs = (0..r.uint()?)
        .map(|_| read_artifact(r))
        .collect::<Option<_>>()?;
    let outputs = (0..r.uint()?)
        .map(|_| read_artifact(r))
        .collect::<Option<_>>()?;
    let references = (0..r.uint()?)
        .map(|_| r.record_id())
        .collect::<Option<_>>()?;
    let (params, metrics) = if values {
        (read_map(r, 0)?, read_map(r, 0)?)
    } else {
        (ValueMap::new(), ValueMap::new())
    };
    Some(Summary {
        kind,
        name,
        recorded,
        agent,
        failed,
        code_commit,
        inputs,
        outputs,
        references,
        params,
        metrics,
    })
}

fn write_artifact(w: &mut Writer, a: &Artifact) {
    w.opt_str(a.path.as_deref());
    w.opt_str(a.uri.as_deref());
    w.opt_str(a.role.as_deref());
    w.opt_str(a.version.as_deref());
    match &a.hash {
        Some(hash) => {
            w.byte(1);
            w.buf.extend(hash.as_bytes());
        }
        None => w.byte(0),
    }
    for n in [a.size, a.files] {
        match n {
            Some(n) => {
                w.byte(1);
                w.uint(n);
            }
            None => w.byte(0),
        }
    }
}

fn read_artifact(r: &mut Reader<'_>) -> Option<Artifact> {
    let path = r.opt_str()?;
    let uri = r.opt_str()?;
    let role = r.opt_str()?;
    let version = r.opt_str()?;
    let hash = match r.byte()? {
        0 => None,
        _ => Some(ContentHash::from_bytes(r.take(32)?.try_into().ok()?)),
    };
    let mut numbers = [None, None];
    for n in &mut numbers {
        *n = match r.byte()? {
            0 => None,
            _ => Some(r.uint()?),
        };
    }
    Some(Artifact {
        path,
        uri,
        role,
        version,
        hash,
        size: numbers[0],
        files: numbers[1],
    })
}

fn write_map(w: &mut Writer, map: &ValueMap) {
    w.uint(map.len() as u64);
    for (key, value) in map {
        w.str(key);
        write_value(w, value);
    }
}

/// Nesting deeper than this is treated as damage (records are shallow).
const MAX_DEPTH: usize = 64;

fn read_map(r: &mut Reader<'_>, depth: usize) -> Option<ValueMap> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut map = ValueMap::new();
    for _ in 0..r.uint()? {
        let key = r.str()?;
        let value = read_value(r, depth + 1)?;
        map.insert(key, value);
    }
    Some(map)
}

fn write_value(w: &mut Writer, value: &Value) {
    match value {
        Value::Null => w.byte(0),
        Value::Bool(b) => {
            w.byte(1);
            w.byte(u8::from(*b));
        }
        Value::Int(i) => {
            w.byte(2);
            w.int(*i);
        }
        Value::Float(f) => {
            w.byte(3);
            w.buf.extend(f.to_bits().to_le_bytes());
        }
        Value::String(s) => {
            w.byte(4);
            w.str(s);
        }
        Value::List(items) => {
            w.byte(5);
            w.uint(items.len() as u64);
            for item in items {
                write_value(w, item);
            }
        }
        Value::Map(map) => {
            w.byte(6);
            write_map(w, map);
        }
    }
}

fn read_value(r: &mut Reader<'_>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    Some(match r.byte()? {
        0 => Value::Null,
        1 => Value::Bool(r.byte()? != 0),
        2 => Value::Int(r.int()?),
        3 => Value::Float(f64::from_bits(u64::from_le_bytes(
            r.take(8)?.try_into().ok()?,
        ))),
        4 => Value::String(r.str()?),
        5 => Value::List(
            (0..r.uint()?)
                .map(|_| read_value(r, depth + 1))
                .collect::<Option<_>>()?,
        ),
        6 => Value::Map(read_map(r, depth + 1)?),
        _ => return None,
    })
}

/// Appends the codec's primitives to a buffer.
#[derive(Default)]
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
}

impl Writer {
    pub(super) fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// LEB128.
    pub(super) fn uint(&mut self, mut n: u64) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.buf.push(low);
                return;
            }
            self.buf.push(low | 0x80);
        }
    }

    /// Zig-zag, then LEB128.
    pub(super) fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    pub(super) fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.buf.extend(s.as_bytes());
    }

    pub(super) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
            None => self.byte(0),
        }
    }

    pub(super) fn oid(&mut self, id: &ObjectId) {
        self.buf.extend(id.as_bytes());
    }

    pub(super) fn opt_oid(&mut self, id: Option<&ObjectId>) {
        match id {
            Some(id) => {
                self.byte(1);
                self.oid(id);
            }
            None => self.byte(0),
        }
    }

    pub(super) fn record_id(&mut self, id: &RecordId) {
        // 32 bytes instead of 64 hex digits.
        for pair in id.as_str().as_bytes().chunks(2) {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            self.buf.push(hex(pair[0]) << 4 | hex(pair[1]));
        }
    }
}

/// Reads the codec's primitives from a slice; `None` on damage.
pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    pub(super) fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub(super) fn uint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub(super) fn int(&mut self) -> Option<i64> {
        let n = self.uint()?;
        Some(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    pub(super) fn str(&mut self) -> Option<String> {
        let len = usize::try_from(self.uint()?).ok()?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    pub(super) fn opt_str(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            _ => self.str().map(Some),
        }
    }

    pub(super) fn oid(&mut self) -> Option<ObjectId> {
        ObjectId::try_from(self.take(20)?).ok()
    }

    pub(super) fn opt_oid(&mut self) -> Option<Option<ObjectId>> {
        match self.byte()? {
            0 => Some(None),
            _ => self.oid().map(Some),
        }
    }

    pub(super) fn record_id(&mut self) -> Option<RecordId> {
        let bytes = self.take(32)?;
        RecordId::parse(&ContentHash::from_bytes(bytes.try_into().ok()?).to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
