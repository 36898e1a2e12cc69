//! Large-file pointers as the format knows them: Git LFS pointer files,
//! DVC `.dvc` files and git-annex keys, parsed into the [`Pointer`] a record
//! keeps (kind, digest, annex key). Pure parsing: [`detect`] looks at files.

pub mod detect;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::hash::is_lower_hex;

/// git-lfs only looks for pointers in blobs smaller than this.
pub const MAX_POINTER_BYTES: usize = 1024;

/// Which tool's pointer an artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PointerKind {
    /// A Git LFS pointer (`oid sha256:…`).
    Lfs,
    /// A path tracked by a `.dvc` file.
    Dvc,
    /// A git-annex locked or unlocked file.
    Annex,
}

impl PointerKind {
    /// `lfs`, `dvc` or `annex`.
    pub fn as_str(self) -> &'static str {
        match self {
            PointerKind::Lfs => "lfs",
            PointerKind::Dvc => "dvc",
            PointerKind::Annex => "annex",
        }
    }
}

impl fmt::Display for PointerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The digest a large-file tool names content by: `ALGO:HEX`, or
/// `md5:HEX.dir` for a DVC directory (MD5 of DVC's `.dir` listing).
/// `sha256:` digests from LFS and from annex SHA256 keys are the same thing,
/// so records made with either tool join up.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PointerDigest(String);

impl PointerDigest {
    /// Parse `ALGO:HEX` or `ALGO:HEX.dir` (ALGO: lowercase letters, digits, `_`).
    pub fn parse(text: &str) -> Option<PointerDigest> {
        let (algo, rest) = text.split_once(':')?;
        let hex = rest.strip_suffix(".dir").unwrap_or(rest);
        let algo_ok = !algo.is_empty()
            && algo.starts_with(|c: char| c.is_ascii_lowercase())
            && algo
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        (algo_ok && hex.len() >= 32 && is_lower_hex(hex)).then(|| PointerDigest(text.to_string()))
    }

    /// A digest from an algorithm name and lowercase hex digits.
    pub fn new(algo: &str, hex: &str) -> Option<PointerDigest> {
        PointerDigest::parse(&format!("{algo}:{hex}"))
    }

    /// The text, `ALGO:HEX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The algorithm name (`sha256`, `md5`, …).
    pub fn algorithm(&self) -> &str {
        self.0.split_once(':').map_or("", |(algo, _)| algo)
    }

    /// The hex digits (with `.dir` for a DVC directory).
    pub fn value(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, value)| value)
    }
}

impl TryFrom<String> for PointerDigest {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        PointerDigest::parse(&text).ok_or_else(|| {
            format!("invalid pointer digest '{text}': expected ALGO:<lowercase hex>, like sha256:<64 hex>")
        })
    }
}

impl From<PointerDigest> for String {
    fn from(digest: PointerDigest) -> String {
        digest.0
    }
}

impl fmt::Display for PointerDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PointerDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PointerDigest({})", self.0)
    }
}

/// What a record keeps of a large-file pointer: identity without the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pointer {
    /// Which tool.
    pub kind: PointerKind,
    /// The tool's content digest.
    pub digest: PointerDigest,
    /// The git-annex key, for annex pointers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// What identifies recorded content: the BLAKE3 hash of the bytes, or, for
/// a pointer recorded without them, the tool's digest. Written as either's
/// text (`blake3:<hex>`, `sha256:<hex>`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ContentId {
    /// BLAKE3 of the bytes (or of a directory's listing).
    Hash(crate::hash::ContentHash),
    /// A large-file tool's digest.
    Pointer(PointerDigest),
}

impl ContentId {
    /// The id of an artifact as a record lists it: its hash, else its
    /// pointer digest.
    pub fn of(
        hash: Option<crate::hash::ContentHash>,
        pointer: Option<&Pointer>,
    ) -> Option<ContentId> {
        hash.map(ContentId::Hash)
            .or_else(|| pointer.map(|p| ContentId::Pointer(p.digest.clone())))
    }

    /// True when this id (of content now) is what a recording of `hash`
    /// and `pointer` names: the same hash, or the same pointer digest.
    pub fn matches(
        &self,
        hash: Option<crate::hash::ContentHash>,
        pointer: Option<&PointerDigest>,
    ) -> bool {
        match self {
            ContentId::Hash(now) => hash == Some(*now),
            ContentId::Pointer(now) => pointer == Some(now),
        }
    }

    /// The id of a recording of `hash` and `pointer` that compares with
    /// this one: its pointer digest when this is a digest, else its hash.
    pub fn recorded_as(
        &self,
        hash: Option<crate::hash::ContentHash>,
        pointer: Option<&PointerDigest>,
    ) -> Option<ContentId> {
        match (self, pointer) {
            (ContentId::Pointer(_), Some(digest)) => Some(ContentId::Pointer(digest.clone())),
            _ => hash
                .map(ContentId::Hash)
                .or_else(|| pointer.cloned().map(ContentId::Pointer)),
        }
    }

    /// The algorithm and the first 12 hex digits, for display.
    pub fn short(&self) -> String {
        match self {
            ContentId::Hash(hash) => crate::render::short_hash(hash),
            ContentId::Pointer(digest) => format!(
                "{}:{}",
                digest.algorithm(),
                digest.value().get(..12).unwrap_or(digest.value())
            ),
        }
    }
}

impl fmt::Display for ContentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentId::Hash(hash) => hash.fmt(f),
            ContentId::Pointer(digest) => digest.fmt(f),
        }
    }
}

impl Serialize for ContentId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A parsed Git LFS pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LfsPointer {
    /// SHA-256 of the content, as `sha256:<hex>`.
    pub oid: PointerDigest,
    /// The content's size in bytes.
    pub size: u64,
}

/// Parse a Git LFS pointer (spec v1): `version …` first, then `key value`
/// lines with `oid sha256:<64 hex>` and `size <bytes>`; other keys (and
/// `ext-N-…` extension lines) are allowed. `None` when `bytes` is not one.
pub fn parse_lfs(bytes: &[u8]) -> Option<LfsPointer> {
    if bytes.len() >= MAX_POINTER_BYTES {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let body = text.strip_suffix('\n')?;
    let mut lines = body.split('\n');
    let version = lines.next()?.strip_prefix("version ")?;
    if !matches!(
        version,
        "https://git-lfs.github.com/spec/v1" | "https://hawser.github.com/spec/v1"
    ) {
        return None;
    }
    let (mut oid, mut size) = (None, None);
    for line in lines {
        let (key, value) = line.split_once(' ')?;
        let key_ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'));
        if !key_ok {
            return None;
        }
        match key {
            "oid" => {
                let hex = value.strip_prefix("sha256:")?;
                (hex.len() == 64).then_some(())?;
                oid = Some(PointerDigest::new("sha256", hex)?);
            }
            "size" => size = Some(value.parse::<u64>().ok()?),
            _ => {}
        }
    }
    Some(LfsPointer {
        oid: oid?,
        size: size?,
    })
}

/// A parsed git-annex key, `BACKEND[-sSIZE][-mMTIME][-Sn-Cn]--NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnexKey {
    /// The whole key.
    pub key: String,
    /// The backend: `SHA256E`, `WORM`, `URL`, …
    pub backend: String,
    /// The content size, when the key carries it.
    pub size: Option<u64>,
    /// The content digest, for hash backends.
    pub digest: Option<PointerDigest>,
}

/// Parse a git-annex key; `None` when `key` does not have the key shape.
/// Only hash backends give a digest: WORM keys name a file's mtime and
/// size, URL keys an address, neither the content.
pub fn parse_annex_key(key: &str) -> Option<AnnexKey> {
    let (fields, name) = key.split_once("--")?;
    let mut parts = fields.split('-');
    let backend = parts.next()?;
    if backend.is_empty()
        || !backend
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        || name.is_empty()
        || key.contains('/')
    {
        return None;
    }
    let mut size = None;
    for part in parts {
        if let Some(n) = part.strip_prefix('s') {
            size = Some(n.parse().ok()?);
        }
    }
    let hashing = !matches!(
        backend,
        "WORM" | "URL" | "VURL" | "GITBUNDLE" | "GITMANIFEST"
    );
    let algo = backend
        .strip_suffix('E')
        .unwrap_or(backend)
        .to_ascii_lowercase();
    // SHA256E keys keep the file's extension after the hex: `<hex>.mp3`.
    let hex = name.split('.').next().unwrap_or(name);
    let digest = hashing.then(|| PointerDigest::new(&algo, hex)).flatten();
    Some(AnnexKey {
        key: key.to_string(),
        backend: backend.to_string(),
        size,
        digest,
    })
}

/// The key an unlocked annexed file's pointer file names
/// (`/annex/objects/KEY`, one line); `None` for anything else.
pub fn parse_annex_pointer_file(bytes: &[u8]) -> Option<AnnexKey> {
    if bytes.len() >= MAX_POINTER_BYTES {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let key = text
        .strip_suffix('\n')
        .unwrap_or(text)
        .strip_prefix("/annex/objects/")?;
    parse_annex_key(key)
}

/// The key a locked annexed file's symlink target names
/// (`…/.git/annex/objects/Xx/Yy/KEY/KEY`); `None` for another target.
pub fn parse_annex_symlink(target: &str) -> Option<AnnexKey> {
    let at = target.find("annex/objects/")?;
    let key = target[at..].rsplit('/').next()?;
    parse_annex_key(key)
}

/// One `outs` entry of a `.dvc` file (the fields git-lineage reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DvcOut {
    /// The tracked path, relative to the `.dvc` file's directory.
    pub path: String,
    /// The MD5 DVC names the content by (`<hex>.dir` for a directory).
    #[serde(default)]
    pub md5: Option<String>,
    /// `md5` in DVC 3 files: the MD5 is plain MD5 of the bytes.
    #[serde(default)]
    pub hash: Option<String>,
    /// Size in bytes (a directory: of all its files).
    #[serde(default)]
    pub size: Option<u64>,
    /// A directory's file count.
    #[serde(default)]
    pub nfiles: Option<u64>,
    /// The DVC remote this output is pushed to, when not the default.
    #[serde(default)]
    pub remote: Option<String>,
}

#[derive(Deserialize)]
struct DvcFile {
    #[serde(default)]
    outs: Vec<DvcOut>,
}

/// Why a `.dvc` entry gives no digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DvcProblem {
    /// Not YAML with an `outs` list.
    #[error("not a .dvc file: {0}")]
    Malformed(String),
    /// A DVC 2 entry: its MD5 is of dos2unix-normalised text, not of the bytes.
    #[error(
        "'{0}' was added by DVC 2 (no 'hash: md5'): its md5 is not plain MD5 of the bytes, so it is not used as identity"
    )]
    Dvc2(String),
    /// No `md5` (cloud `etag`/`checksum` entries).
    #[error("'{0}' has no md5 (only an etag or checksum), so it has no content identity")]
    NoMd5(String),
}

/// Parse the `outs` of a `.dvc` file.
pub fn parse_dvc(text: &str) -> Result<Vec<DvcOut>, DvcProblem> {
    crate::yaml::from_str::<DvcFile>(text)
        .map(|file| file.outs)
        .map_err(|e| DvcProblem::Malformed(e.to_string()))
}

impl DvcOut {
    /// The content digest: `md5:<hex>` (or `md5:<hex>.dir`) for DVC 3
    /// entries (`hash: md5`); DVC 2 entries are refused.
    pub fn digest(&self) -> Result<PointerDigest, DvcProblem> {
        let md5 = self
            .md5
            .as_deref()
            .ok_or_else(|| DvcProblem::NoMd5(self.path.clone()))?;
        if self.hash.as_deref() != Some("md5") {
            return Err(DvcProblem::Dvc2(self.path.clone()));
        }
        PointerDigest::new("md5", md5).ok_or_else(|| DvcProblem::NoMd5(self.path.clone()))
    }

    /// True for a tracked directory (its md5 ends in `.dir`).
    pub fn is_dir(&self) -> bool {
        self.md5.as_deref().is_some_and(|m| m.ends_with(".dir"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    #[test]
    fn lfs_pointers_parse_and_others_do_not() {
        let text =
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 12345\n");
        let pointer = parse_lfs(text.as_bytes()).unwrap();
        assert_eq!(pointer.oid.as_str(), format!("sha256:{OID}"));
        assert_eq!(pointer.size, 12345);
        // Extensions and unknown keys are kept, not refused.
        let ext = format!(
            "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:{OID}\noid sha256:{OID}\nsize 1\n"
        );
        assert!(parse_lfs(ext.as_bytes()).is_some());
        for bad in [
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\n"),
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 1"),
            format!("version https://example.com/v9\noid sha256:{OID}\nsize 1\n"),
            format!("version https://git-lfs.github.com/spec/v1\noid md5:{OID}\nsize 1\n"),
            "claim_id,amount\n1,2\n".to_string(),
        ] {
            assert_eq!(parse_lfs(bad.as_bytes()), None, "{bad}");
        }
        let big = format!("{text}{}", "x".repeat(MAX_POINTER_BYTES));
        assert_eq!(parse_lfs(big.as_bytes()), None);
    }

    #[test]
    fn annex_hash_keys_give_digests_and_worm_keys_do_not() {
        let key = parse_annex_key(&format!("SHA256E-s31390--{OID}.mp3")).unwrap();
        assert_eq!(key.backend, "SHA256E");
        assert_eq!(key.size, Some(31390));
        assert_eq!(key.digest.unwrap().as_str(), format!("sha256:{OID}"));
        let md5 = parse_annex_key("MD5-s3--acbd18db4cc2f85cedef654fccc4a4d8").unwrap();
        assert_eq!(
            md5.digest.unwrap().as_str(),
            "md5:acbd18db4cc2f85cedef654fccc4a4d8"
        );
        let worm = parse_annex_key("WORM-s3-m1700000000--data.csv").unwrap();
        assert_eq!((worm.size, worm.digest), (Some(3), None));
        assert_eq!(parse_annex_key("not a key"), None);
        let target =
            format!("../.git/annex/objects/Xx/Yy/SHA256E-s5--{OID}.csv/SHA256E-s5--{OID}.csv");
        assert_eq!(parse_annex_symlink(&target).unwrap().size, Some(5));
        assert_eq!(parse_annex_symlink("../data/other.csv"), None);
        let file = format!("/annex/objects/SHA256E-s5--{OID}.csv\n");
        assert!(parse_annex_pointer_file(file.as_bytes()).is_some());
        assert_eq!(parse_annex_pointer_file(b"5 bytes\n"), None);
    }

    #[test]
    fn dvc3_entries_give_md5_and_dvc2_entries_are_refused() {
        let dvc3 = "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: images\n";
        let outs = parse_dvc(dvc3).unwrap();
        assert_eq!(
            outs[0].digest().unwrap().as_str(),
            "md5:acbd18db4cc2f85cedef654fccc4a4d8.dir"
        );
        assert!(outs[0].is_dir());
        assert_eq!((outs[0].size, outs[0].nfiles), (Some(6), Some(2)));
        let dvc2 = "outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  path: a.csv\n";
        let problem = parse_dvc(dvc2).unwrap()[0].digest().unwrap_err();
        assert_eq!(problem, DvcProblem::Dvc2("a.csv".into()));
        assert!(problem.to_string().contains("not plain MD5"));
        let etag = "outs:\n- etag: abc\n  path: s3.csv\n";
        assert!(matches!(
            parse_dvc(etag).unwrap()[0].digest(),
            Err(DvcProblem::NoMd5(_))
        ));
        assert!(parse_dvc("outs: 3\n").is_err());
    }

    #[test]
    fn digests_have_an_algorithm_and_hex() {
        assert!(PointerDigest::parse(&format!("sha256:{OID}")).is_some());
        assert!(PointerDigest::parse("md5:acbd18db4cc2f85cedef654fccc4a4d8.dir").is_some());
        for bad in ["sha256", "SHA256:ab", "sha256:xyz", ":abcd", "md5:ab"] {
            assert_eq!(PointerDigest::parse(bad), None, "{bad}");
        }
    }
}
