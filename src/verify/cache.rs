//! `verify`'s cache of clean record files, `.git/lineage/verify-cache`: for
//! each record file once read and found clean (its bytes hash to its name and
//! parse), its stat data and the ids it references, so a later `verify` does
//! not read or parse it again while its stat data still matches.
//!
//! Invariants: an entry is written only for a file whose stat data was taken
//! before it was read, and that was last modified more than
//! [`RACY_WINDOW_NANOS`](crate::cache::RACY_WINDOW_NANOS) before the run began
//! (the stat cache's racy rule), so every stored entry can be trusted while the
//! stat data matches. What depends on other files (whether a reference
//! resolves) is never cached: the reference list is. The file is checksummed;
//! a damaged, foreign (another worktree, another version of the program) or
//! missing file reads as empty and is rewritten, so losing it costs only time.
//!
//! Format: `git-lineage verify-cache v1 <program version>\n`, the worktree root
//! (u32 length + bytes), the entry count (u32), then per entry the record id
//! (32 bytes), its [`FileStat`] and its references (u32 count + 32 bytes
//! each), and a BLAKE3 checksum (32 bytes) of everything before it. Numbers
//! are little-endian; entries are in id order, which is the record files' path
//! order.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use crate::cache::FileStat;
use crate::hash::ContentHash;
use crate::record::RecordId;

/// The bytes of an entry without references.
const ENTRY_MIN_LEN: usize = 32 + FileStat::ENCODED_LEN + 4;

/// The cache's file name under `.git/lineage/`.
pub const VERIFY_CACHE_FILE: &str = "verify-cache";

/// What a clean record file was found to be, keyed by the id its name claims
/// (which, for a well-named record file, is its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanRecord {
    stat: FileStat,
    references: Vec<ContentHash>,
}

impl CleanRecord {
    /// A record file with stat data `stat` (taken before it was read) whose
    /// bytes were clean and referenced `references`.
    pub fn new(stat: FileStat, references: &[RecordId]) -> CleanRecord {
        CleanRecord {
            stat,
            references: references.iter().filter_map(key).collect(),
        }
    }

    /// The ids the record references, in the record's order.
    pub fn references(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.references
            .iter()
            .filter_map(|hash| RecordId::parse(&hash.to_hex()))
    }
}

/// A record id as the 32 bytes it spells.
fn key(id: &RecordId) -> Option<ContentHash> {
    ContentHash::from_hex(id.as_str())
}

/// The cache as loaded: lookups during one `verify`, then [`VerifyCache::save`]
/// with that run's clean files.
#[derive(Debug)]
pub struct VerifyCache {
    file: PathBuf,
    header: Vec<u8>,
    /// The checksum of the file as read (when it was valid), to skip
    /// rewriting an unchanged cache.
    loaded: Option<[u8; 32]>,
    entries: Entries,
}

/// Entries by record id. Ids are BLAKE3 digests, so their first bytes are
/// already a good hash: no need to hash them again.
type Entries = HashMap<ContentHash, CleanRecord, BuildHasherDefault<IdHasher>>;

/// A [`Hasher`] that takes the first 8 bytes written (an id's own bits).
#[derive(Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(17) ^ u64::from_le_bytes(word);
    }
}

impl VerifyCache {
    /// Load the cache file at `file`, made for the worktree at `root`; a
    /// missing, foreign or damaged file gives an empty cache.
    pub fn load(file: &Path, root: &Path) -> VerifyCache {
        let header = header(root);
        let bytes = std::fs::read(file).unwrap_or_default();
        let (entries, loaded) = match decode(&bytes, &header) {
            Some(entries) => (entries, bytes.last_chunk::<32>().copied()),
            None => (Entries::default(), None),
        };
        VerifyCache {
            file: file.to_path_buf(),
            header,
            loaded,
            entries,
        }
    }

    /// The clean result for the record file named `id` if it was cached for
    /// exactly this version of the file (`stat`, its stat data now).
    pub fn lookup(&self, id: &RecordId, stat: &FileStat) -> Option<&CleanRecord> {
        let entry = self.entries.get(&key(id)?)?;
        (entry.stat == *stat).then_some(entry)
    }

    /// Number of entries loaded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replace the cache by `entries` (this run's clean record files, in
    /// path order; borrowed ones were looked up here): written atomically,
    /// and only when it differs from the file loaded (deleted files drop
    /// out, new ones come in). A failure only costs time next run.
    pub fn save<'a, 'c: 'a>(
        &self,
        entries: impl IntoIterator<Item = (&'a RecordId, &'a Cow<'c, CleanRecord>)> + Clone,
    ) -> std::io::Result<()> {
        let mut count = 0;
        let all_loaded = entries.clone().into_iter().all(|(_, entry)| {
            count += 1;
            matches!(entry, Cow::Borrowed(_))
        });
        // Every entry loaded was looked up again, and nothing is new.
        if all_loaded && count == self.entries.len() && self.loaded.is_some() {
            return Ok(());
        }
        let bytes = encode(&self.header, entries.into_iter().map(|(id, e)| (id, &**e)));
        if bytes.last_chunk::<32>() == self.loaded.as_ref() {
            return Ok(()); // the same checksum: the same entries
        }
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Not synced: a torn file fails its checksum and is rebuilt.
        crate::cache::write_parts_atomically(&self.file, &[&bytes], false)
    }
}

/// The first bytes of a cache that this program may use for the worktree at `root`.
fn header(root: &Path) -> Vec<u8> {
    let mut header = format!(
        "git-lineage verify-cache v1 {}\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes();
    let root = root.to_string_lossy();
    header.extend_from_slice(&(root.len() as u32).to_le_bytes());
    header.extend_from_slice(root.as_bytes());
    header
}

fn encode<'a>(
    header: &[u8],
    entries: impl IntoIterator<Item = (&'a RecordId, &'a CleanRecord)>,
) -> Vec<u8> {
    let mut body = Vec::new();
    let mut count: u32 = 0;
    for (id, entry) in entries {
        let (Some(id), Ok(refs)) = (key(id), u32::try_from(entry.references.len())) else {
            continue;
        };
        body.extend_from_slice(id.as_bytes());
        entry.stat.encode(&mut body);
        body.extend_from_slice(&refs.to_le_bytes());
        for reference in &entry.references {
            body.extend_from_slice(reference.as_bytes());
        }
        count += 1;
    }
    let mut bytes = Vec::with_capacity(header.len() + 4 + body.len() + 32);
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&count.to_le_bytes());
    bytes.extend_from_slice(&body);
    let checksum = ContentHash::of_bytes(&bytes);
    bytes.extend_from_slice(checksum.as_bytes());
    bytes
}

/// The entries of a cache file, or `None` when it is not one this program
/// made for this worktree, or is damaged.
fn decode(bytes: &[u8], header: &[u8]) -> Option<Entries> {
    let (content, checksum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if ContentHash::of_bytes(content).as_bytes() != checksum {
        return None;
    }
    let mut rest = content.strip_prefix(header)?;
    let count = take_u32(&mut rest)?;
    let mut entries = Entries::with_capacity_and_hasher(
        (count as usize).min(rest.len() / ENTRY_MIN_LEN),
        Default::default(),
    );
    for _ in 0..count {
        let id = take_hash(&mut rest)?;
        let stat = FileStat::decode(rest)?;
        rest = &rest[FileStat::ENCODED_LEN..];
        let refs = take_u32(&mut rest)?;
        let references = (0..refs)
            .map(|_| take_hash(&mut rest))
            .collect::<Option<Vec<_>>>()?;
        entries.insert(id, CleanRecord { stat, references });
    }
    rest.is_empty().then_some(entries)
}

fn take_u32(rest: &mut &[u8]) -> Option<u32> {
    let (head, tail) = rest.split_first_chunk::<4>()?;
    *rest = tail;
    Some(u32::from_le_bytes(*head))
}

fn take_hash(rest: &mut &[u8]) -> Option<ContentHash> {
    let (head, tail) = rest.split_first_chunk::<32>()?;
    *rest = tail;
    Some(ContentHash::from_bytes(*head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::Metadata;

    fn id(text: &str) -> RecordId {
        RecordId::of_bytes(text.as_bytes())
    }

    /// A file in `dir` and its stat data.
    fn file(dir: &Path, name: &str, text: &str) -> (PathBuf, Metadata) {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        (path, meta)
    }

    #[test]
    fn entries_survive_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let (_, meta_a) = file(dir.path(), "a", "record a");
        let (_, meta_b) = file(dir.path(), "b", "record b");
        let cache_file = dir.path().join("lineage/verify-cache");
        let cache = VerifyCache::load(&cache_file, dir.path());
        assert!(cache.is_empty());
        let a = CleanRecord::new(FileStat::of(&meta_a), &[]);
        let b = CleanRecord::new(FileStat::of(&meta_b), &[id("a"), id("x")]);
        cache
            .save([
                (&id("a"), &Cow::Owned(a.clone())),
                (&id("b"), &Cow::Owned(b.clone())),
            ])
            .unwrap();

        let reloaded = VerifyCache::load(&cache_file, dir.path());
        assert_eq!(reloaded.len(), 2);
        assert_eq!(reloaded.lookup(&id("a"), &FileStat::of(&meta_a)), Some(&a));
        let found = reloaded.lookup(&id("b"), &FileStat::of(&meta_b)).unwrap();
        assert_eq!(found.references().collect::<Vec<_>>(), [id("a"), id("x")]);
        assert_eq!(
            reloaded.lookup(&id("b"), &FileStat::of(&meta_a)),
            None,
            "stat differs"
        );
        assert_eq!(
            reloaded.lookup(&id("c"), &FileStat::of(&meta_a)),
            None,
            "not cached"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_unchanged_cache_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let (_, meta) = file(dir.path(), "a", "record a");
        let cache_file = dir.path().join("verify-cache");
        let entry = CleanRecord::new(FileStat::of(&meta), &[]);
        VerifyCache::load(&cache_file, dir.path())
            .save([(&id("a"), &Cow::Owned(entry.clone()))])
            .unwrap();
        // A rewrite (temporary file + rename) gives the file a new inode.
        let ino = || {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(&cache_file).unwrap().ino()
        };
        let before = ino();
        let cache = VerifyCache::load(&cache_file, dir.path());
        cache
            .save([(&id("a"), &Cow::Owned(entry.clone()))])
            .unwrap();
        assert_eq!(ino(), before, "the same entry, found anew: not written");
        let found = cache.lookup(&id("a"), &FileStat::of(&meta)).unwrap();
        cache.save([(&id("a"), &Cow::Borrowed(found))]).unwrap();
        assert_eq!(ino(), before, "every entry looked up: not written");
        let none: [(&RecordId, &Cow<'_, CleanRecord>); 0] = [];
        cache.save(none).unwrap();
        assert_ne!(ino(), before, "an entry dropped: written");
        assert!(VerifyCache::load(&cache_file, dir.path()).is_empty());
    }

    #[test]
    fn damaged_truncated_or_foreign_files_load_empty() {
        let dir = tempfile::tempdir().unwrap();
        let (_, meta) = file(dir.path(), "a", "record a");
        let cache_file = dir.path().join("verify-cache");
        let entry = CleanRecord::new(FileStat::of(&meta), &[id("b")]);
        VerifyCache::load(&cache_file, dir.path())
            .save([(&id("a"), &Cow::Owned(entry.clone()))])
            .unwrap();
        let good = std::fs::read(&cache_file).unwrap();
        assert_eq!(VerifyCache::load(&cache_file, dir.path()).len(), 1);

        // Another worktree's cache is not used.
        assert!(VerifyCache::load(&cache_file, &dir.path().join("other")).is_empty());
        // Any flipped byte fails the checksum, truncation too.
        for at in [0, good.len() / 2, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            std::fs::write(&cache_file, &bad).unwrap();
            assert!(
                VerifyCache::load(&cache_file, dir.path()).is_empty(),
                "byte {at} flipped"
            );
        }
        for len in [0, 10, good.len() - 33, good.len() - 1] {
            std::fs::write(&cache_file, &good[..len]).unwrap();
            assert!(
                VerifyCache::load(&cache_file, dir.path()).is_empty(),
                "truncated to {len}"
            );
        }
        // A well-checksummed file whose content is garbage.
        let mut garbage = b"not a cache".to_vec();
        let sum = ContentHash::of_bytes(&garbage);
        garbage.extend_from_slice(sum.as_bytes());
        std::fs::write(&cache_file, &garbage).unwrap();
        assert!(VerifyCache::load(&cache_file, dir.path()).is_empty());
    }
}
