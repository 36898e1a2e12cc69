//! Fuzz targets over git-lineage's parsers, and the input generator that
//! feeds them: shared by the time-bounded fuzzer (`fuzz/main.rs`, run with
//! `cargo run --release --example fuzz`) and the short deterministic pass in
//! `cargo test` (`tests/cli/test_fuzz.rs`). See docs/testing.md.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use git_lineage::hash::{self, ContentHash, ListingEntry, ListingKind};
use git_lineage::params::{self, Value};
use git_lineage::record::Record;
use git_lineage::refspec;

/// The fuzz targets, by name.
pub const TARGETS: [&str; 5] = ["record", "refspec", "assign", "params", "listing"];

/// A small deterministic PRNG (splitmix64): the same seed gives the same inputs.
pub struct Rng(u64);

impl Rng {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What one execution found wrong: a panic, or a broken property.
#[derive(Debug)]
pub struct Finding {
    /// The target that ran.
    pub target: &'static str,
    /// The input bytes (for `listing`: a debug rendering of the trees).
    pub input: Vec<u8>,
    /// The panic message or the property that failed.
    pub problem: String,
}

const RECORD_SEED: &[u8] = include_bytes!("../fixtures/records/train.yaml");
const PARAMS_SEEDS: [&[u8]; 3] = [
    include_bytes!("../fixtures/params/tricky.yaml"),
    include_bytes!("../fixtures/params/list.yaml"),
    include_bytes!("../fixtures/metrics/tricky.json"),
];

/// Tokens spliced into inputs: YAML/JSON syntax, REF grammar, listing syntax.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "\n",
    "\n  ",
    "  ",
    "#",
    "---",
    "...",
    "&a ",
    "*a",
    "!!str ",
    "!tag ",
    "<<: ",
    "? ",
    "|",
    ">",
    "|-",
    "\"",
    "'",
    "\\",
    "\\n",
    "\\x",
    "\\u00",
    "\\U0001F600",
    "{",
    "}",
    "[",
    "]",
    ",",
    "~",
    "null",
    "true",
    "false",
    "yes",
    "no",
    ".inf",
    "-.inf",
    ".nan",
    "0x",
    "0o",
    "1e999",
    "-0",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1.7976931348623157e309",
    "5e-324",
    "=",
    "==",
    ".",
    "..",
    "@",
    "@v",
    "@v0",
    "@v1",
    "@v18446744073709551616",
    "name:",
    "commit:",
    "model:",
    "blake3:",
    "s3://",
    "://",
    "://@",
    "a@b",
    "%",
    "\t",
    "\r",
    "\u{0}",
    "\u{7f}",
    "\u{feff}",
    "\u{2028}",
    "é",
    "\u{10ffff}",
    "schema: git-lineage/v1\n",
    "schema: ",
    "kind: ",
    "name: ",
    "inputs:\n",
    "outputs:\n",
    "params:\n",
    "metrics:\n",
    "path: ",
    "hash: ",
    "size: ",
    "files: ",
    "symlink",
    "0123456789abcdef",
    "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
];

/// One input for `target`: a mutated seed, a string of tokens, or random bytes.
pub fn generate(target: &str, rng: &mut Rng) -> Vec<u8> {
    let listing;
    let seeds: Vec<&[u8]> = match target {
        "record" => vec![RECORD_SEED],
        "params" => PARAMS_SEEDS.to_vec(),
        "listing" => {
            listing = hash::listing_bytes(&random_listing(rng));
            vec![&listing]
        }
        _ => vec![
            b"name:train" as &[u8],
            b"commit:HEAD~1",
            b"model:fraud@v2",
            b"model:fraud@production",
            b"s3://bucket/key@v3",
            b"data/train.csv@HEAD",
            b"50f29a96",
            b"optimizer.lr=0.1",
            b"a.b.c=-7",
            b" key =1e3",
        ],
    };
    let mut input = match rng.below(8) {
        0 => (0..rng.below(64))
            .map(|_| rng.next_u64() as u8)
            .collect::<Vec<u8>>(),
        1 | 2 => {
            let mut out = Vec::new();
            for _ in 0..rng.below(24) {
                out.extend_from_slice(rng.pick(TOKENS).as_bytes());
            }
            out
        }
        _ => rng.pick(&seeds).to_vec(),
    };
    for _ in 0..1 + rng.below(8) {
        mutate(&mut input, rng, &seeds);
    }
    input.truncate(64 * 1024);
    input
}

fn mutate(input: &mut Vec<u8>, rng: &mut Rng, seeds: &[&[u8]]) {
    let at = |rng: &mut Rng, len: usize| rng.below(len + 1);
    match rng.below(9) {
        0 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] ^= 1 << rng.below(8);
        }
        1 if !input.is_empty() => {
            let i = rng.below(input.len());
            input[i] = rng.next_u64() as u8;
        }
        2 => {
            let i = at(rng, input.len());
            input.insert(i, rng.next_u64() as u8);
        }
        3 if !input.is_empty() => {
            let start = rng.below(input.len());
            let end = (start + 1 + rng.below(16)).min(input.len());
            input.drain(start..end);
        }
        4 if !input.is_empty() => {
            let start = rng.below(input.len());
            let end = (start + 1 + rng.below(64)).min(input.len());
            let chunk = input[start..end].to_vec();
            let i = at(rng, input.len());
            input.splice(i..i, chunk);
        }
        5 => {
            let other = rng.pick(seeds);
            let start = rng.below(other.len().max(1));
            let end = (start + rng.below(128)).min(other.len());
            let i = at(rng, input.len());
            input.splice(i..i, other[start..end].iter().copied());
        }
        6 => {
            let i = at(rng, input.len());
            input.truncate(i);
        }
        _ => {
            let i = at(rng, input.len());
            let token = rng.pick(TOKENS).as_bytes().to_vec();
            input.splice(i..i, token);
        }
    }
}

/// Run one input through `target` (for `listing` the input also seeds the
/// trees), catching panics: `Ok(true)` when the parser accepted the input
/// (and its properties held), `Ok(false)` when it refused it cleanly.
pub fn run(target: &'static str, input: &[u8]) -> Result<bool, Finding> {
    let outcome = catch_unwind(AssertUnwindSafe(|| match target {
        "record" => check_record(input),
        "refspec" => check_refspec(input),
        "assign" => check_assign(input),
        "params" => check_params(input),
        "listing" => check_listing(input),
        other => Err(format!("unknown target '{other}'")),
    }));
    let problem = match outcome {
        Ok(Ok(accepted)) => return Ok(accepted),
        Ok(Err(problem)) => problem,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".into());
            format!("panic: {message}")
        }
    };
    Err(Finding {
        target,
        input: input.to_vec(),
        problem,
    })
}

/// Arbitrary bytes never panic the record parser, and a record that parses
/// re-serialises to bytes that parse back to the same record.
fn check_record(input: &[u8]) -> Result<bool, String> {
    let Ok(record) = Record::parse(input) else {
        return Ok(false);
    };
    let bytes = record
        .to_bytes()
        .map_err(|e| format!("a parsed record does not serialise: {e}"))?;
    match Record::parse(&bytes) {
        Ok(again) if again == record => Ok(true),
        Ok(_) => Err("a re-serialised record parses to a different record".into()),
        Err(e) => Err(format!("a re-serialised record does not parse: {e}")),
    }
}

/// The REF grammar never panics; a 64-hex REF is always an id.
fn check_refspec(input: &[u8]) -> Result<bool, String> {
    let text = String::from_utf8_lossy(input);
    let parsed = refspec::parse(&text);
    if text.len() == 64
        && hash::is_lower_hex(&text)
        && !matches!(parsed, Ok(refspec::RefSpec::Id(_)))
    {
        return Err(format!("64 hex digits did not parse as an id: {parsed:?}"));
    }
    Ok(parsed.is_ok())
}

/// `-p KEY=VALUE` never panics; when it succeeds the dotted key reads back
/// the typed value.
fn check_assign(input: &[u8]) -> Result<bool, String> {
    let text = String::from_utf8_lossy(input);
    let mut map = BTreeMap::new();
    // A pre-existing scalar and map, so both the "not a map" and the nested
    // paths are reached.
    map.insert("a".to_string(), Value::Int(1));
    map.insert(
        "optimizer".to_string(),
        Value::Map(BTreeMap::from([("lr".to_string(), Value::Float(0.1))])),
    );
    if params::apply_assignment(&mut map, &text).is_err() {
        return Ok(false);
    }
    let (key, raw) = text
        .split_once('=')
        .ok_or("an assignment without '=' was accepted")?;
    let mut current = &map;
    let parts: Vec<&str> = key.trim().split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let value = current
            .get(*part)
            .ok_or_else(|| format!("key '{key}' is missing after assigning it"))?;
        if i + 1 == parts.len() {
            if *value != Value::from_cli_text(raw) {
                return Err(format!("key '{key}' holds {value:?}, not '{raw}'"));
            }
        } else if let Value::Map(inner) = value {
            current = inner;
        } else {
            return Err(format!("'{part}' of '{key}' is not a map after assigning"));
        }
    }
    Ok(true)
}

/// Params/metrics bytes never panic, as YAML or as JSON; a map that parses
/// is written as YAML and reads back equal (NaN aside, which equals nothing).
fn check_params(input: &[u8]) -> Result<bool, String> {
    let mut accepted = false;
    for name in ["params.yaml", "metrics.json"] {
        let Ok(map) = params::parse_file_bytes(Path::new(name), input) else {
            continue;
        };
        accepted = true;
        let yaml = git_lineage::yaml::to_string(&map)
            .map_err(|e| format!("{name}: a parsed map does not serialise: {e}"))?;
        let again = params::parse_file_bytes(Path::new("again.yaml"), yaml.as_bytes())
            .map_err(|e| format!("{name}: the written YAML does not parse: {e}\n{yaml}"))?;
        if again != map && !has_nan(&map) {
            return Err(format!(
                "{name}: the written YAML reads back differently\n{yaml}"
            ));
        }
    }
    Ok(accepted)
}

fn has_nan(map: &params::ValueMap) -> bool {
    fn nan(value: &Value) -> bool {
        match value {
            Value::Float(f) => f.is_nan(),
            Value::List(items) => items.iter().any(nan),
            Value::Map(map) => map.values().any(nan),
            _ => false,
        }
    }
    map.values().any(nan)
}

/// Bytes a hostile file name is made of: listing syntax, quotes, escapes,
/// control and high bytes.
const NAME_PIECES: &[&[u8]] = &[
    b"a",
    b"b",
    b" ",
    b"\n",
    b"\\",
    b"\"",
    b"\\n",
    b"\\\"",
    b"\t",
    b"\r",
    b"\x07",
    b"\x1b",
    b"\x7f",
    b"\x00",
    b"\x01",
    b"\xff",
    b"\xc3\xa9",
    b"5",
    b"symlink",
    b"/",
    b"\"a\"",
    b"\\000",
    b"\\177",
    b" 5 ",
    b" symlink ",
];

/// A random listing: up to 6 entries with hostile paths, unique and sorted
/// by raw path bytes as a directory listing is.
pub fn random_listing(rng: &mut Rng) -> Vec<ListingEntry> {
    let mut entries: Vec<ListingEntry> = Vec::new();
    for _ in 0..rng.below(7) {
        let mut path: Vec<u8> = Vec::new();
        for _ in 0..1 + rng.below(5) {
            path.extend_from_slice(rng.pick::<&[u8]>(NAME_PIECES));
        }
        if rng.one_in(4) {
            // A name that spells a whole listing line.
            let fake = ContentHash::of_bytes(&[rng.next_u64() as u8]).to_hex();
            path.extend_from_slice(format!("\n{fake} {} b", rng.below(10)).as_bytes());
        }
        let hash = ContentHash::of_bytes(&[rng.below(3) as u8]);
        let kind = if rng.one_in(4) {
            ListingKind::Symlink
        } else {
            ListingKind::File {
                size: rng.below(12) as u64,
            }
        };
        entries.push(ListingEntry { path, hash, kind });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    entries
}

/// The listing rule is injective: a listing parses back to exactly its
/// entries (so two listings are equal only for equal entries), every line
/// is one entry, and two different random listings never share bytes.
fn check_listing(input: &[u8]) -> Result<bool, String> {
    let seed = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = Rng::new(seed);
    let first = random_listing(&mut rng);
    let mut second = random_listing(&mut rng);
    if rng.one_in(2) && !first.is_empty() {
        // A near miss: the same tree with one name changed by a byte.
        second = first.clone();
        let i = rng.below(second.len());
        let piece = *rng.pick(NAME_PIECES);
        second[i].path.extend_from_slice(piece);
        second.sort_by(|a, b| a.path.cmp(&b.path));
        second.dedup_by(|a, b| a.path == b.path);
    }
    let a = hash::listing_bytes(&first);
    let b = hash::listing_bytes(&second);
    for (entries, bytes) in [(&first, &a), (&second, &b)] {
        if hash::parse_listing(bytes).as_ref() != Some(entries) {
            return Err(format!(
                "listing does not parse back: {entries:?} wrote {:?}",
                String::from_utf8_lossy(bytes)
            ));
        }
        if bytes.iter().filter(|&&c| c == b'\n').count() != entries.len() {
            return Err(format!("a name made an extra line: {entries:?}"));
        }
    }
    if (a == b) != (first == second) {
        return Err(format!(
            "different trees, same listing: {first:?} and {second:?}"
        ));
    }
    // Arbitrary bytes read as a listing never panic, and whatever parses
    // writes back to the same bytes (one spelling per listing).
    let parsed = hash::parse_listing(input);
    if let Some(entries) = &parsed
        && hash::listing_bytes(entries) != input
    {
        return Err("a listing parsed from bytes writes back differently".into());
    }
    Ok(parsed.is_some())
}
