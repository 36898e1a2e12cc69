//! Content hashing: bytes, files and directories become `blake3:<64 hex>`.
//!
//! The only module that talks to blake3. A file hash is plain BLAKE3 of its bytes
//! (what `b3sum` prints); a directory hash is BLAKE3 of the canonical listing
//! described in `docs/hashing.md` and built by [`Hasher::dir_listing`].

use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use globset::GlobSet;
use rayon::prelude::*;

mod listing;

pub use listing::{
    ListingEntry, ListingKind, listing_bytes, needs_quoting, parse_listing, read_listing_path,
    write_listing_path,
};

/// The textual prefix of every content hash.
pub const PREFIX: &str = "blake3:";

/// Files at least this large are memory-mapped and hashed on all cores.
pub const MMAP_THRESHOLD: u64 = 4 * 1024 * 1024;

/// A BLAKE3 digest, written `blake3:<64 lowercase hex>`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    /// Hash a byte string.
    pub fn of_bytes(bytes: &[u8]) -> ContentHash {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }

    /// Wrap raw digest bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> ContentHash {
        ContentHash(bytes)
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 lowercase hex digits, without the `blake3:` prefix.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0f));
        }
        out
    }

    /// Parse 64 lowercase hex digits (no prefix).
    pub fn from_hex(hex: &str) -> Option<ContentHash> {
        if hex.len() != 64 || !is_lower_hex(hex) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            out[i] = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(ContentHash(out))
    }
}

/// True when `text` is non-empty and consists only of `0-9a-f`.
pub fn is_lower_hex(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble)])
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", self.to_hex())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A string that is not `blake3:<64 lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid content hash '{0}': expected blake3:<64 lowercase hex digits>")]
pub struct ParseHashError(pub String);

impl FromStr for ContentHash {
    type Err = ParseHashError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.strip_prefix(PREFIX)
            .and_then(ContentHash::from_hex)
            .ok_or_else(|| ParseHashError(text.to_string()))
    }
}

impl serde::Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Why a file or directory could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The path does not exist.
    #[error("'{}' does not exist", .0.display())]
    NotFound(PathBuf),
    /// Reading the path failed (permissions, I/O).
    #[error("cannot read '{}': {source}", path.display())]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A symlink inside a directory resolves in a loop or to one of its own ancestors.
    #[error("symlink loop at '{}'", .0.display())]
    SymlinkLoop(PathBuf),
    /// A socket, FIFO or device.
    #[error("'{}' is not a regular file, directory or symlink", .0.display())]
    Unsupported(PathBuf),
}

impl HashError {
    fn io(path: &Path, source: io::Error) -> HashError {
        if source.kind() == io::ErrorKind::NotFound {
            HashError::NotFound(path.to_path_buf())
        } else if is_loop_error(&source) {
            HashError::SymlinkLoop(path.to_path_buf())
        } else {
            HashError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

fn is_loop_error(error: &io::Error) -> bool {
    // ELOOP: 40 on Linux, 62 on macOS and the BSDs.
    let eloop = if cfg!(target_os = "linux") { 40 } else { 62 };
    error.raw_os_error() == Some(eloop)
}

/// The hash and size of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDigest {
    /// BLAKE3 of the bytes.
    pub hash: ContentHash,
    /// Length in bytes.
    pub size: u64,
}

/// The hash, total size and file count of a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirDigest {
    /// BLAKE3 of the canonical listing.
    pub hash: ContentHash,
    /// Sum of the sizes of the regular files listed.
    pub size: u64,
    /// Number of listed entries (regular files and symlinks).
    pub files: u64,
}

/// What a path hashed to: a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// A regular file (symlinks to files are followed at the top level).
    File(FileDigest),
    /// A directory.
    Dir(DirDigest),
}

impl Digest {
    /// The content hash.
    pub fn hash(&self) -> ContentHash {
        match self {
            Digest::File(d) => d.hash,
            Digest::Dir(d) => d.hash,
        }
    }

    /// The size in bytes (a directory: the sum of its files).
    pub fn size(&self) -> u64 {
        match self {
            Digest::File(d) => d.size,
            Digest::Dir(d) => d.size,
        }
    }
}

/// A memory of file hashes keyed by stat data, so an unchanged file is not
/// read again. The stat cache under `.git/lineage/` implements it; hashing
/// needs only this much of it.
pub trait HashMemo: Sync {
    /// The remembered hash of `path`, if `meta` still describes the version
    /// that was hashed and the entry can be trusted.
    fn lookup(&self, path: &Path, meta: &std::fs::Metadata) -> Option<ContentHash>;
    /// Remember that `path`, with stat `meta`, hashed to `hash` when its
    /// reading started at `hashed_at`.
    fn insert(
        &self,
        path: &Path,
        meta: &std::fs::Metadata,
        hash: ContentHash,
        hashed_at: std::time::SystemTime,
    );
    /// True when two stats of the same path describe the same file version.
    fn same_version(&self, before: &std::fs::Metadata, after: &std::fs::Metadata) -> bool;
}

/// Hashes files and directories, consulting an optional [`HashMemo`] (the
/// stat cache) and skipping directory entries that match the ignore globs.
pub struct Hasher<'a> {
    ignore: &'a GlobSet,
    cache: Option<&'a dyn HashMemo>,
}

impl<'a> Hasher<'a> {
    /// A hasher with the given ignore globs and optional stat cache.
    pub fn new(ignore: &'a GlobSet, cache: Option<&'a dyn HashMemo>) -> Hasher<'a> {
        Hasher { ignore, cache }
    }

    /// Hash `path`: a file (or a symlink to one) or a directory.
    pub fn hash_path(&self, path: &Path) -> Result<Digest, HashError> {
        let meta = std::fs::metadata(path).map_err(|e| HashError::io(path, e))?;
        if meta.is_dir() {
            self.hash_dir(path).map(Digest::Dir)
        } else if meta.is_file() {
            self.hash_file_with(path, &meta).map(Digest::File)
        } else {
            Err(HashError::Unsupported(path.to_path_buf()))
        }
    }

    /// Hash one regular file, using the stat cache when it is trustworthy.
    /// A FIFO, socket or device is [`HashError::Unsupported`] (reading a FIFO
    /// would block until something writes to it).
    pub fn hash_file(&self, path: &Path) -> Result<FileDigest, HashError> {
        let meta = std::fs::metadata(path).map_err(|e| HashError::io(path, e))?;
        if !meta.is_file() && !meta.is_dir() {
            return Err(HashError::Unsupported(path.to_path_buf()));
        }
        self.hash_file_with(path, &meta)
    }

    fn hash_file_with(
        &self,
        path: &Path,
        meta: &std::fs::Metadata,
    ) -> Result<FileDigest, HashError> {
        if let Some(cache) = self.cache {
            if let Some(hash) = cache.lookup(path, meta) {
                return Ok(FileDigest {
                    hash,
                    size: meta.len(),
                });
            }
            let started = std::time::SystemTime::now();
            let digest = hash_file(path)?;
            // Only remember the hash if the file did not change while we read it.
            if let Ok(after) = std::fs::metadata(path)
                && cache.same_version(meta, &after)
            {
                cache.insert(path, meta, digest.hash, started);
            }
            Ok(digest)
        } else {
            hash_file(path)
        }
    }

    /// Hash a directory by its canonical listing (see [`Hasher::dir_listing`]).
    pub fn hash_dir(&self, dir: &Path) -> Result<DirDigest, HashError> {
        let listing = self.dir_listing(dir)?;
        let size = listing
            .iter()
            .map(|entry| match entry.kind {
                ListingKind::File { size } => size,
                ListingKind::Symlink => 0,
            })
            .sum();
        Ok(DirDigest {
            hash: ContentHash::of_bytes(&listing_bytes(&listing)),
            size,
            files: listing.len() as u64,
        })
    }

    /// The canonical listing of `dir`: one entry per regular file and symlink
    /// below it (after the ignore globs), sorted by the bytes of the relative
    /// path. Files are hashed in parallel.
    pub fn dir_listing(&self, dir: &Path) -> Result<Vec<ListingEntry>, HashError> {
        let mut files = Vec::new();
        let mut links = Vec::new();
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .min_depth(1)
            .into_iter()
            .filter_entry(|entry| !self.is_ignored(dir, entry.path()));
        for entry in walker {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(dir).to_path_buf();
                match e.into_io_error() {
                    Some(io) => HashError::io(&path, io),
                    None => HashError::SymlinkLoop(path),
                }
            })?;
            let file_type = entry.file_type();
            if file_type.is_dir() {
                continue;
            }
            let rel = relative_bytes(dir, entry.path());
            if file_type.is_file() {
                files.push((rel, entry.into_path()));
            } else if file_type.is_symlink() {
                links.push((rel, entry.into_path()));
            } else {
                return Err(HashError::Unsupported(entry.into_path()));
            }
        }

        let mut listing: Vec<ListingEntry> = files
            .into_par_iter()
            .map(|(rel, path)| {
                let digest = self.hash_file(&path)?;
                Ok(ListingEntry {
                    path: rel,
                    hash: digest.hash,
                    kind: ListingKind::File { size: digest.size },
                })
            })
            .collect::<Result<_, HashError>>()?;
        let root = std::fs::canonicalize(dir).map_err(|e| HashError::io(dir, e))?;
        for (rel, path) in links {
            check_link(&root, &path)?;
            let target = std::fs::read_link(&path).map_err(|e| HashError::io(&path, e))?;
            listing.push(ListingEntry {
                path: rel,
                hash: ContentHash::of_bytes(&path_bytes(&target)),
                kind: ListingKind::Symlink,
            });
        }
        listing.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(listing)
    }

    fn is_ignored(&self, root: &Path, path: &Path) -> bool {
        is_ignored(self.ignore, path.strip_prefix(root).unwrap_or(path))
    }
}

/// The ignore rule of directory listings: a path relative to the hashed
/// directory is skipped when the globs match it or its file name.
pub fn is_ignored(ignore: &GlobSet, rel: &Path) -> bool {
    !ignore.is_empty()
        && (ignore.is_match(rel) || rel.file_name().is_some_and(|name| ignore.is_match(name)))
}

/// Refuse a symlink that resolves in a loop, or that points at one of its own
/// ancestors inside the directory being hashed (`root`, canonical): following
/// either would never end. Links that leave `root` are recorded, not followed.
fn check_link(root: &Path, link: &Path) -> Result<(), HashError> {
    match std::fs::canonicalize(link) {
        Ok(target) => {
            let parent = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
            if target.starts_with(root) && parent.is_some_and(|parent| parent.starts_with(&target))
            {
                Err(HashError::SymlinkLoop(link.to_path_buf()))
            } else {
                Ok(())
            }
        }
        Err(e) if is_loop_error(&e) => Err(HashError::SymlinkLoop(link.to_path_buf())),
        // A dangling link is recorded as a link: its target text is what we hash.
        Err(_) => Ok(()),
    }
}

fn relative_bytes(root: &Path, path: &Path) -> Vec<u8> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut out = Vec::new();
    for (i, component) in rel.components().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(&path_bytes(Path::new(component.as_os_str())));
    }
    out
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().replace('\\', "/").into_bytes()
}

/// Hash one file's bytes without any cache: large files are memory-mapped and
/// hashed on all cores, small ones read in place.
pub fn hash_file(path: &Path) -> Result<FileDigest, HashError> {
    let file = File::open(path).map_err(|e| HashError::io(path, e))?;
    let size = file.metadata().map_err(|e| HashError::io(path, e))?.len();
    let mut hasher = blake3::Hasher::new();
    if size >= MMAP_THRESHOLD {
        hasher
            .update_mmap_rayon(path)
            .map_err(|e| HashError::io(path, e))?;
    } else {
        hasher
            .update_reader(file)
            .map_err(|e| HashError::io(path, e))?;
    }
    Ok(FileDigest {
        hash: ContentHash(*hasher.finalize().as_bytes()),
        size,
    })
}

/// A BLAKE3 digest of bytes given in parts, for checksums of derived files
/// (the history index and snapshot): the one way besides
/// [`ContentHash::of_bytes`] that other modules reach BLAKE3.
#[derive(Debug, Clone, Default)]
pub struct Checksum(blake3::Hasher);

impl Checksum {
    /// An empty digest.
    pub fn new() -> Checksum {
        Checksum::default()
    }

    /// Add `bytes`.
    pub fn update(&mut self, bytes: &[u8]) -> &mut Checksum {
        self.0.update(bytes);
        self
    }

    /// Add `bytes`, hashing a large input on all cores (same result as
    /// [`Checksum::update`]).
    pub fn update_parallel(&mut self, bytes: &[u8]) -> &mut Checksum {
        self.0.update_rayon(bytes);
        self
    }

    /// The digest of everything added so far.
    pub fn finalize(&self) -> ContentHash {
        ContentHash(*self.0.finalize().as_bytes())
    }
}

/// A fixed-seed generator for the crate's property tests (splitmix64), so
/// they run the same cases every time.
#[cfg(test)]
pub(crate) mod test_rng {
    /// splitmix64 state.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        /// The next 64 random bits.
        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// A number in `0..n` (`n > 0`).
        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_ignore() -> GlobSet {
        GlobSet::empty()
    }

    #[test]
    fn hex_round_trip_and_display() {
        let h = ContentHash::of_bytes(b"abc");
        let text = h.to_string();
        assert!(text.starts_with("blake3:"));
        assert_eq!(text.len(), 7 + 64);
        assert_eq!(text.parse::<ContentHash>(), Ok(h));
        assert_eq!(ContentHash::from_hex(&h.to_hex()), Some(h));
    }

    #[test]
    fn known_vector_matches_b3sum() {
        // b3sum of the empty input.
        assert_eq!(
            ContentHash::of_bytes(b"").to_hex(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn rejects_malformed_hashes() {
        for bad in [
            "",
            "blake3:",
            "blake3:AB",
            "sha256:00",
            &format!("blake3:{}", "A".repeat(64)),
        ] {
            assert!(bad.parse::<ContentHash>().is_err(), "{bad}");
        }
    }

    #[test]
    fn small_and_large_files_hash_like_one_shot() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small");
        std::fs::write(&small, b"hello").unwrap();
        assert_eq!(
            hash_file(&small).unwrap().hash,
            ContentHash::of_bytes(b"hello")
        );

        let large = dir.path().join("large");
        let bytes: Vec<u8> = (0..MMAP_THRESHOLD as usize + 12345)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&large, &bytes).unwrap();
        let digest = hash_file(&large).unwrap();
        assert_eq!(digest.hash, ContentHash::of_bytes(&bytes));
        assert_eq!(digest.size, bytes.len() as u64);
    }

    #[test]
    fn directory_hash_follows_the_listing_rule() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
        std::fs::write(dir.path().join("a.txt"), b"one").unwrap();
        std::fs::write(dir.path().join("b/c/d.txt"), b"two!").unwrap();
        std::fs::write(dir.path().join("b.txt"), b"").unwrap();
        let ignore = no_ignore();
        let digest = Hasher::new(&ignore, None).hash_dir(dir.path()).unwrap();
        // Sorted by bytes: "a.txt" < "b.txt" < "b/c/d.txt" ('.' is 0x2e, '/' is 0x2f).
        let expected = format!(
            "{} 3 a.txt\n{} 0 b.txt\n{} 4 b/c/d.txt\n",
            ContentHash::of_bytes(b"one").to_hex(),
            ContentHash::of_bytes(b"").to_hex(),
            ContentHash::of_bytes(b"two!").to_hex()
        );
        assert_eq!(digest.hash, ContentHash::of_bytes(expected.as_bytes()));
        assert_eq!(digest.size, 7);
        assert_eq!(digest.files, 3);
    }

    #[test]
    fn ignore_globs_skip_entries_at_any_depth() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("x/__pycache__")).unwrap();
        std::fs::write(dir.path().join("keep.csv"), b"1").unwrap();
        std::fs::write(dir.path().join("x/skip.pyc"), b"2").unwrap();
        std::fs::write(dir.path().join("x/__pycache__/m.py"), b"3").unwrap();
        let mut builder = globset::GlobSetBuilder::new();
        builder.add(globset::Glob::new("*.pyc").unwrap());
        builder.add(globset::Glob::new("__pycache__").unwrap());
        let ignore = builder.build().unwrap();
        let listing = Hasher::new(&ignore, None).dir_listing(dir.path()).unwrap();
        let paths: Vec<_> = listing
            .iter()
            .map(|e| String::from_utf8_lossy(&e.path).into_owned())
            .collect();
        assert_eq!(paths, ["keep.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_listed_as_links_and_loops_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"data").unwrap();
        std::os::unix::fs::symlink("f", dir.path().join("link")).unwrap();
        let ignore = no_ignore();
        let listing = Hasher::new(&ignore, None).dir_listing(dir.path()).unwrap();
        assert_eq!(listing.len(), 2);
        assert_eq!(listing[1].kind, ListingKind::Symlink);
        assert_eq!(listing[1].hash, ContentHash::of_bytes(b"f"));

        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
        let err = Hasher::new(&ignore, None)
            .dir_listing(dir.path())
            .unwrap_err();
        assert!(matches!(err, HashError::SymlinkLoop(_)), "{err}");

        // A link to an ancestor outside the hashed directory is only recorded.
        let outer = tempfile::tempdir().unwrap();
        let inner = outer.path().join("data");
        std::fs::create_dir(&inner).unwrap();
        std::os::unix::fs::symlink(outer.path(), inner.join("to-outer")).unwrap();
        let listing = Hasher::new(&ignore, None).dir_listing(&inner).unwrap();
        assert_eq!(listing[0].kind, ListingKind::Symlink);

        let loops = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", loops.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", loops.path().join("b")).unwrap();
        let err = Hasher::new(&ignore, None)
            .dir_listing(loops.path())
            .unwrap_err();
        assert!(matches!(err, HashError::SymlinkLoop(_)), "{err}");
    }

    #[test]
    fn ordinary_names_are_written_as_they_are_hostile_ones_c_quoted() {
        let written = |path: &[u8]| {
            let mut out = Vec::new();
            write_listing_path(path, &mut out);
            out
        };
        // Unchanged from the old rule: spaces, quotes, high and non-UTF-8 bytes.
        for plain in [
            &b"a b/c.txt"[..],
            b"\"q\".txt",
            b"\"",
            b"caf\xc3\xa9",
            b"\xff\xfe",
            b"x 5 y",
        ] {
            assert_eq!(written(plain), plain, "{plain:?}");
            assert_eq!(read_listing_path(plain).as_deref(), Some(plain));
        }
        for (path, quoted) in [
            (&b"a\nb"[..], &br#""a\nb""#[..]),
            (b"a\\b", br#""a\\b""#),
            (b"say \"hi\"\t", br#""say \"hi\"\t""#),
            (b"\x07\x08\x0b\x0c\r", br#""\a\b\v\f\r""#),
            (b"\x00\x01\x1b\x7f\xff", b"\"\\000\\001\\033\\177\xff\""),
        ] {
            assert_eq!(written(path), quoted, "{:?}", String::from_utf8_lossy(path));
            assert_eq!(read_listing_path(quoted).as_deref(), Some(path));
        }
        // Other spellings of the same name are not listing paths.
        for bad in [
            &br#""\007""#[..],
            br#""\x""#,
            br#""\""#,
            br#""a\"#,
            br#"a\nb"#,
            br#""\400""#,
            b"a\tb",
        ] {
            assert_eq!(
                read_listing_path(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn parse_listing_reads_back_exactly_what_was_written() {
        let entries = vec![
            ListingEntry {
                path: b"a b/\"c\"".to_vec(),
                hash: ContentHash::of_bytes(b"1"),
                kind: ListingKind::File { size: 0 },
            },
            ListingEntry {
                path: b"l\nink 5 x".to_vec(),
                hash: ContentHash::of_bytes(b"target"),
                kind: ListingKind::Symlink,
            },
        ];
        let text = listing_bytes(&entries);
        assert_eq!(parse_listing(&text), Some(entries));
        assert_eq!(parse_listing(b""), Some(Vec::new()));
        let hex = ContentHash::of_bytes(b"").to_hex();
        for bad in [
            format!("{hex} 5 a"),
            format!("{hex} 05 a\n"),
            format!("{hex} +5 a\n"),
            format!("{hex} link a\n"),
            format!("{} 5 a\n", hex.to_uppercase()),
            format!("{hex} 5\n"),
            "\n".to_string(),
        ] {
            assert_eq!(parse_listing(bad.as_bytes()), None, "{bad:?}");
        }
    }

    /// The collision of issue 10.3: one file whose name spells a second
    /// listing line hashed like a directory holding both files.
    #[cfg(unix)]
    #[test]
    fn a_name_cannot_fake_a_listing_line() {
        let ignore = no_ignore();
        let hasher = Hasher::new(&ignore, None);
        let b_hex = ContentHash::of_bytes(b"world").to_hex();
        let one = tempfile::tempdir().unwrap();
        std::fs::write(one.path().join(format!("a\n{b_hex} 5 b")), b"hello").unwrap();
        let two = tempfile::tempdir().unwrap();
        std::fs::write(two.path().join("a"), b"hello").unwrap();
        std::fs::write(two.path().join("b"), b"world").unwrap();

        // Under the old rule (paths written raw) both listings were the same text.
        let raw = |dir: &Path| {
            let mut text = Vec::new();
            for entry in hasher.dir_listing(dir).unwrap() {
                let size = match entry.kind {
                    ListingKind::File { size } => size,
                    ListingKind::Symlink => unreachable!(),
                };
                text.extend_from_slice(format!("{} {size} ", entry.hash.to_hex()).as_bytes());
                text.extend_from_slice(&entry.path);
                text.push(b'\n');
            }
            text
        };
        assert_eq!(raw(one.path()), raw(two.path()));

        let (h1, h2) = (
            hasher.hash_dir(one.path()).unwrap(),
            hasher.hash_dir(two.path()).unwrap(),
        );
        assert_ne!(h1.hash, h2.hash);
        assert_eq!((h1.files, h1.size), (1, 5));
        assert_eq!((h2.files, h2.size), (2, 10));
        let quoted = format!(
            "{} 5 \"a\\n{b_hex} 5 b\"\n",
            ContentHash::of_bytes(b"hello").to_hex()
        );
        assert_eq!(h1.hash, ContentHash::of_bytes(quoted.as_bytes()));
        // Ordinary names keep the old rule.
        assert_eq!(h2.hash, ContentHash::of_bytes(&raw(two.path())));
    }

    use super::test_rng::Rng;

    /// Pieces of hostile file names: listing syntax, quotes, escapes,
    /// control and high bytes (no NUL or `/`, so they are real names).
    const PIECES: &[&[u8]] = &[
        b"a", b"b", b" ", b"\n", b"\\", b"\"", b"\\n", b"\t", b"\r", b"\x1b", b"\x7f", b"\x01",
        b"\xff", b"5", b" 5 ", b"symlink", b"\"a\"", b"\\000",
    ];

    /// A random tree: relative path -> file bytes, at most two levels deep.
    fn random_tree(rng: &mut Rng) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
        let mut tree = std::collections::BTreeMap::new();
        for _ in 0..rng.below(5) {
            let mut path = Vec::new();
            for _ in 0..1 + rng.below(4) {
                path.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
            if rng.below(4) == 0 {
                // A name spelling a whole second line.
                let fake = ContentHash::of_bytes(&[rng.below(2) as u8]).to_hex();
                path.extend_from_slice(format!("\n{fake} 1 b").as_bytes());
            }
            if rng.below(3) == 0 {
                path.splice(0..0, b"d/".iter().copied());
            }
            tree.insert(path, vec![rng.below(2) as u8]);
        }
        tree
    }

    fn entries_of(tree: &std::collections::BTreeMap<Vec<u8>, Vec<u8>>) -> Vec<ListingEntry> {
        tree.iter()
            .map(|(path, bytes)| ListingEntry {
                path: path.clone(),
                hash: ContentHash::of_bytes(bytes),
                kind: ListingKind::File {
                    size: bytes.len() as u64,
                },
            })
            .collect()
    }

    #[test]
    fn property_listings_of_different_trees_differ_and_parse_back() {
        let mut rng = Rng(103);
        let mut trees = Vec::new();
        for _ in 0..3000 {
            let tree = random_tree(&mut rng);
            let text = listing_bytes(&entries_of(&tree));
            assert_eq!(parse_listing(&text), Some(entries_of(&tree)), "{tree:?}");
            trees.push((tree, ContentHash::of_bytes(&text)));
        }
        // Every pair: equal hash only for equal trees.
        let mut by_hash = std::collections::HashMap::new();
        for (tree, hash) in &trees {
            if let Some(other) = by_hash.insert(*hash, tree) {
                assert_eq!(other, tree, "two trees share {hash}");
            }
        }
        assert!(
            by_hash.len() > 2000,
            "too few distinct trees: {}",
            by_hash.len()
        );
    }

    #[cfg(unix)]
    #[test]
    fn property_different_trees_on_disk_never_share_a_hash() {
        use std::os::unix::ffi::OsStrExt;
        let ignore = no_ignore();
        let hasher = Hasher::new(&ignore, None);
        let mut rng = Rng(2026);
        let mut seen = std::collections::HashMap::new();
        for _ in 0..60 {
            let tree = random_tree(&mut rng);
            let dir = tempfile::tempdir().unwrap();
            for (path, bytes) in &tree {
                let path = dir.path().join(std::ffi::OsStr::from_bytes(path));
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            }
            let digest = hasher.hash_dir(dir.path()).unwrap();
            assert_eq!(digest.files, tree.len() as u64);
            if let Some(other) = seen.insert(digest.hash, tree.clone()) {
                assert_eq!(other, tree, "two trees share {}", digest.hash);
            }
        }
    }

    #[test]
    fn missing_path_is_not_found() {
        let ignore = no_ignore();
        let err = Hasher::new(&ignore, None)
            .hash_path(Path::new("/nonexistent/x"))
            .unwrap_err();
        assert!(matches!(err, HashError::NotFound(_)));
    }
}
