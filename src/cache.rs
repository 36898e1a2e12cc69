//! The stat cache under `.git/lineage/stat-cache`: remembers a file's BLAKE3
//! hash keyed by its stat data (size, mtime, ctime, inode, device), so an
//! unchanged dataset is not read again. Racily clean entries are never trusted.
//!
//! Invariant: an entry is used only when every stat field matches and the file
//! was last modified more than [`RACY_WINDOW_NANOS`] before it was hashed (as
//! git does with the index timestamp). Losing or corrupting the cache only costs
//! speed: unreadable lines are ignored and the file is rewritten atomically.

use std::collections::HashMap;
use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::hash::{ContentHash, HashMemo};

/// A file modified less than this long before it was hashed may have changed
/// again within the filesystem's timestamp granularity: re-hash it next time.
pub const RACY_WINDOW_NANOS: i128 = 2_000_000_000;

const HEADER: &str = "git-lineage stat-cache v2";
/// The last line: `blake3 <hex>` of every byte before it. A damaged file is
/// ignored whole (it only costs hashing again), never trusted in part.
const TRAILER: &str = "blake3 ";

/// Stat data that identifies one version of a file without reading it:
/// the key of the stat cache and of `verify`'s cache of checked records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
    dev: u64,
}

impl FileStat {
    /// Bytes taken by [`FileStat::encode`].
    pub const ENCODED_LEN: usize = 8 + 16 + 16 + 8 + 8;

    /// The stat data of `meta`.
    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> FileStat {
        use std::os::unix::fs::MetadataExt;
        FileStat {
            size: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }

    /// The stat data of `meta`.
    #[cfg(not(unix))]
    pub fn of(meta: &Metadata) -> FileStat {
        FileStat {
            size: meta.len(),
            mtime_ns: meta.modified().map(nanos_since_epoch).unwrap_or(0),
            ctime_ns: 0,
            ino: 0,
            dev: 0,
        }
    }

    /// True when what was learned from this version of the file at
    /// `checked_at_ns` (nanoseconds since the epoch, taken before the file
    /// was read) can be trusted later: the file was last modified more than
    /// [`RACY_WINDOW_NANOS`] earlier, so a change made within the same
    /// timestamp tick would have moved its mtime.
    pub fn trusted_at(&self, checked_at_ns: i128) -> bool {
        self.mtime_ns + RACY_WINDOW_NANOS < checked_at_ns
    }

    /// Append the stat data to `out` ([`FileStat::ENCODED_LEN`] bytes, little-endian).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.mtime_ns.to_le_bytes());
        out.extend_from_slice(&self.ctime_ns.to_le_bytes());
        out.extend_from_slice(&self.ino.to_le_bytes());
        out.extend_from_slice(&self.dev.to_le_bytes());
    }

    /// Read what [`FileStat::encode`] wrote from the start of `bytes`;
    /// `None` when `bytes` is too short.
    pub fn decode(bytes: &[u8]) -> Option<FileStat> {
        let bytes = bytes.get(..Self::ENCODED_LEN)?;
        let u64_at =
            |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
        let i128_at =
            |at: usize| i128::from_le_bytes(bytes[at..at + 16].try_into().unwrap_or_default());
        Some(FileStat {
            size: u64_at(0),
            mtime_ns: i128_at(8),
            ctime_ns: i128_at(24),
            ino: u64_at(40),
            dev: u64_at(48),
        })
    }
}

/// True when two stats of the same path describe the same file version.
pub fn same_stat(a: &Metadata, b: &Metadata) -> bool {
    FileStat::of(a) == FileStat::of(b)
}

/// `time` in nanoseconds since the Unix epoch (negative before it).
pub fn nanos_since_epoch(time: SystemTime) -> i128 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Looked up or inserted by this process (not persisted).
    used: bool,
    stat: FileStat,
    hash: ContentHash,
    hashed_at_ns: i128,
}

impl HashMemo for StatCache {
    fn lookup(&self, path: &Path, meta: &Metadata) -> Option<ContentHash> {
        StatCache::lookup(self, path, meta)
    }

    fn insert(&self, path: &Path, meta: &Metadata, hash: ContentHash, hashed_at: SystemTime) {
        StatCache::insert(self, path, meta, hash, hashed_at);
    }

    fn same_version(&self, before: &Metadata, after: &Metadata) -> bool {
        same_stat(before, after)
    }
}

/// An in-memory view of the stat cache file, safe to share across threads.
#[derive(Debug)]
pub struct StatCache {
    file: PathBuf,
    entries: Mutex<HashMap<PathBuf, Entry>>,
    changed: AtomicBool,
}

impl StatCache {
    /// Load the cache file at `file`; a missing or unreadable file gives an empty cache.
    pub fn load(file: &Path) -> StatCache {
        let entries = std::fs::read(file)
            .map(|bytes| parse(&bytes))
            .unwrap_or_default();
        StatCache {
            file: file.to_path_buf(),
            entries: Mutex::new(entries),
            changed: AtomicBool::new(false),
        }
    }

    /// The cached hash of `path` if its stat data still matches and the entry is not racy.
    pub fn lookup(&self, path: &Path, meta: &Metadata) -> Option<ContentHash> {
        let stat = FileStat::of(meta);
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get_mut(path)?;
        entry.used = true;
        let trusted = entry.stat == stat && stat.trusted_at(entry.hashed_at_ns);
        trusted.then_some(entry.hash)
    }

    /// Remember that `path`, with stat `meta`, hashed to `hash` when read at `hashed_at`.
    pub fn insert(&self, path: &Path, meta: &Metadata, hash: ContentHash, hashed_at: SystemTime) {
        if path.to_str().is_none_or(|p| p.contains('\n')) {
            return;
        }
        let entry = Entry {
            used: true,
            stat: FileStat::of(meta),
            hash,
            hashed_at_ns: nanos_since_epoch(hashed_at),
        };
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(path.to_path_buf(), entry);
            self.changed.store(true, Ordering::Relaxed);
        }
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// True when the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Write the cache back if anything was added: temp file + rename, so a
    /// concurrent reader sees the old or the new file, never half of one.
    pub fn save(&self) -> std::io::Result<()> {
        if !self.changed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let Ok(mut entries) = self.entries.lock() else {
            return Ok(());
        };
        // Forget files that no longer exist, so the cache does not grow forever.
        entries.retain(|path, entry| entry.used || path.symlink_metadata().is_ok());
        let mut text = String::with_capacity(entries.len() * 160);
        text.push_str(HEADER);
        text.push('\n');
        let mut sorted: Vec<_> = entries.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (path, e) in sorted {
            let Some(path) = path.to_str() else { continue };
            text.push_str(&format!(
                "{} {} {} {} {} {} {} {}\n",
                e.hash.to_hex(),
                e.stat.size,
                e.stat.mtime_ns,
                e.stat.ctime_ns,
                e.stat.ino,
                e.stat.dev,
                e.hashed_at_ns,
                path
            ));
        }
        let sum = ContentHash::of_bytes(text.as_bytes()).to_hex();
        text.push_str(TRAILER);
        text.push_str(&sum);
        text.push('\n');
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomically(&self.file, text.as_bytes())
    }
}

fn parse(bytes: &[u8]) -> HashMap<PathBuf, Entry> {
    let mut entries = HashMap::new();
    // `…\nblake3 <64 hex>\n`: the checksum covers everything before it.
    let Some(body_len) = bytes.len().checked_sub(TRAILER.len() + 64 + 1) else {
        return entries;
    };
    let (body, trailer) = bytes.split_at(body_len);
    let expected = format!("{TRAILER}{}\n", ContentHash::of_bytes(body).to_hex());
    if trailer != expected.as_bytes() {
        return entries;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return entries;
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return entries;
    }
    for line in lines {
        if let Some((path, entry)) = parse_line(line) {
            entries.insert(path, entry);
        }
    }
    entries
}

fn parse_line(line: &str) -> Option<(PathBuf, Entry)> {
    let mut fields = line.splitn(8, ' ');
    let hash = ContentHash::from_hex(fields.next()?)?;
    let size = fields.next()?.parse().ok()?;
    let mtime_ns = fields.next()?.parse().ok()?;
    let ctime_ns = fields.next()?.parse().ok()?;
    let ino = fields.next()?.parse().ok()?;
    let dev = fields.next()?.parse().ok()?;
    let hashed_at_ns = fields.next()?.parse().ok()?;
    let path = PathBuf::from(fields.next()?);
    Some((
        path,
        Entry {
            used: false,
            stat: FileStat {
                size,
                mtime_ns,
                ctime_ns,
                ino,
                dev,
            },
            hash,
            hashed_at_ns,
        },
    ))
}

/// Write `bytes` to `path` through a uniquely named temporary file in the same
/// directory and a rename, so readers never see a partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_parts_atomically(path, &[bytes], true)
}

/// Like [`write_atomically`], for a file made of several parts (no copy
/// into one buffer). Without `durable` the data is not synced to disk
/// before the rename: for derived files whose readers verify a checksum and
/// rebuild them when a crash left them empty or torn.
pub fn write_parts_atomically(path: &Path, parts: &[&[u8]], durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = unique_temp_path(dir, name);
    let result = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        for part in parts {
            out.write_all(part)?;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        if durable {
            file.sync_all()?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Write `bytes` to `path` through a temporary file in `temp_dir` (for
/// records: `.git/lineage/tmp/`, where `git add` never looks) and a rename,
/// synced first. When `temp_dir` is on another file system than `path` (the
/// rename fails with `EXDEV`), falls back to [`write_atomically`], whose
/// temporary `.<name>.<pid>.<n>.<nanos>.tmp` sits beside `path`.
pub fn write_atomically_via(path: &Path, bytes: &[u8], temp_dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(temp_dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = unique_temp_path(temp_dir, name);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            if e.kind() == std::io::ErrorKind::CrossesDevices {
                write_atomically(path, bytes)
            } else {
                Err(e)
            }
        }
    }
}

/// A temporary file name beside `name` in `dir` that no other process or
/// thread will choose: `.<name>.<pid>.<counter>.tmp`.
pub fn unique_temp_path(dir: &Path, name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = nanos_since_epoch(SystemTime::now());
    dir.join(format!(".{name}.{}.{n}.{nanos}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn atomic_writes_via_a_temp_dir_leave_nothing_beside_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("records/ab/x.yaml");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let temp = dir.path().join("git/lineage/tmp");
        write_atomically_via(&target, b"record", &temp).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"record");
        let beside: Vec<_> = std::fs::read_dir(target.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside, vec![std::ffi::OsString::from("x.yaml")]);
        assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    }

    #[test]
    fn entries_survive_a_save_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"payload").unwrap();
        let meta = std::fs::metadata(&data).unwrap();
        let hash = ContentHash::of_bytes(b"payload");
        let cache_file = dir.path().join("cache/stat-cache");

        let cache = StatCache::load(&cache_file);
        let later = SystemTime::now() + Duration::from_secs(10);
        cache.insert(&data, &meta, hash, later);
        cache.save().unwrap();

        let reloaded = StatCache::load(&cache_file);
        assert_eq!(reloaded.len(), 1);
        assert_eq!(reloaded.lookup(&data, &meta), Some(hash));
    }

    #[test]
    fn racily_clean_entries_are_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"payload").unwrap();
        let meta = std::fs::metadata(&data).unwrap();
        let cache = StatCache::load(&dir.path().join("stat-cache"));
        // Hashed at the same instant the file was written: racy.
        cache.insert(
            &data,
            &meta,
            ContentHash::of_bytes(b"payload"),
            meta.modified().unwrap(),
        );
        assert_eq!(cache.lookup(&data, &meta), None);
    }

    #[test]
    fn a_changed_file_misses() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"payload").unwrap();
        let meta = std::fs::metadata(&data).unwrap();
        let cache = StatCache::load(&dir.path().join("stat-cache"));
        cache.insert(
            &data,
            &meta,
            ContentHash::of_bytes(b"payload"),
            SystemTime::now() + Duration::from_secs(10),
        );
        std::fs::write(&data, b"payload, longer").unwrap();
        let changed = std::fs::metadata(&data).unwrap();
        assert_eq!(cache.lookup(&data, &changed), None);
    }

    #[test]
    fn entries_of_deleted_files_are_dropped_on_save() {
        let dir = tempfile::tempdir().unwrap();
        let cache_file = dir.path().join("stat-cache");
        let later = SystemTime::now() + Duration::from_secs(10);
        let cache = StatCache::load(&cache_file);
        for name in ["kept", "deleted"] {
            let path = dir.path().join(name);
            std::fs::write(&path, name).unwrap();
            let meta = std::fs::metadata(&path).unwrap();
            cache.insert(&path, &meta, ContentHash::of_bytes(name.as_bytes()), later);
        }
        cache.save().unwrap();
        std::fs::remove_file(dir.path().join("deleted")).unwrap();

        // A later process adds an unrelated entry and saves.
        let next = StatCache::load(&cache_file);
        assert_eq!(next.len(), 2);
        let other = dir.path().join("other");
        std::fs::write(&other, b"o").unwrap();
        next.insert(
            &other,
            &std::fs::metadata(&other).unwrap(),
            ContentHash::of_bytes(b"o"),
            later,
        );
        next.save().unwrap();
        let reloaded = StatCache::load(&cache_file);
        assert_eq!(
            reloaded.len(),
            2,
            "the deleted file's entry is gone, the others stay"
        );
        let kept = dir.path().join("kept");
        assert!(
            reloaded
                .lookup(&kept, &std::fs::metadata(&kept).unwrap())
                .is_some()
        );
    }

    #[test]
    fn garbage_cache_files_load_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("stat-cache");
        std::fs::write(&file, b"\xff\xfe not a cache").unwrap();
        assert!(StatCache::load(&file).is_empty());
        std::fs::write(&file, format!("{HEADER}\nnot a line\n")).unwrap();
        assert!(StatCache::load(&file).is_empty());
    }

    #[test]
    fn a_damaged_cache_file_is_ignored_whole() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.bin");
        std::fs::write(&data, b"bytes").unwrap();
        let meta = std::fs::metadata(&data).unwrap();
        let file = dir.path().join("stat-cache");
        let cache = StatCache::load(&file);
        let hash = ContentHash::of_bytes(b"bytes");
        cache.insert(
            &data,
            &meta,
            hash,
            SystemTime::now() + Duration::from_secs(5),
        );
        cache.save().unwrap();
        assert_eq!(StatCache::load(&file).lookup(&data, &meta), Some(hash));
        // One hex digit of the hash changed: the line still parses, but the
        // file's checksum no longer matches.
        let text = std::fs::read_to_string(&file).unwrap();
        let hex = hash.to_hex();
        let flipped = format!("{}{}", if &hex[..1] == "0" { "1" } else { "0" }, &hex[1..]);
        std::fs::write(&file, text.replacen(&hex, &flipped, 1)).unwrap();
        assert!(StatCache::load(&file).is_empty());
    }
}
