//! YAML reading and writing for lineage manifests, and the crate's only use of serde_yaml.
//! Owns the deterministic emitter whose output reads back identically in serde_yaml (YAML 1.2)
//! and PyYAML `safe_load` (YAML 1.1), and maps serde_yaml parse errors to 1-based locations.

use std::fmt::Write as _;

use serde_yaml::{Mapping, Number, Sequence, Value};

/// Errors from reading or writing YAML.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Could not serialise the value (message from serde).
    #[error("cannot serialise to yaml: {0}")]
    Serialize(String),
    /// A non-string mapping key, a tagged value, or another construct the manifest format
    /// does not allow.
    #[error("cannot write yaml: {0}")]
    Unsupported(String),
    /// A parse error, with a 1-based line and column where known.
    ///
    /// When a location is known the message starts with it, e.g.
    /// `line 3, column 5: invalid type: ...`.
    #[error("{message}")]
    Parse {
        /// Human-readable description, prefixed with `line L, column C: ` when known.
        message: String,
        /// 1-based line of the error, if known.
        line: Option<usize>,
        /// 1-based column of the error, if known.
        column: Option<usize>,
    },
}

/// Serialises `value` to a YAML document that serde_yaml and PyYAML `safe_load` both read
/// back identically.
///
/// The value is first converted with `serde_yaml::to_value`, then written in block style with
/// 2-space indentation, keys in field/insertion order, and exactly one trailing newline.
/// The output is deterministic: the same value always gives the same bytes.
///
/// # Errors
///
/// [`Error::Serialize`] if serde cannot convert the value, and [`Error::Unsupported`] for
/// non-string mapping keys and tagged values (e.g. enum variants that carry data).
pub fn to_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let value = serde_yaml::to_value(value).map_err(|e| Error::Serialize(e.to_string()))?;
    let mut out = String::new();
    match classify(&value)? {
        Node::Inline(text) => {
            out.push_str(&text);
            out.push('\n');
        }
        Node::Map(map) => write_mapping(&mut out, map, 0, false)?,
        Node::Seq(seq) => write_sequence(&mut out, seq, 0, false)?,
    }
    Ok(out)
}

/// Parses a YAML document from text.
///
/// # Errors
///
/// [`Error::Parse`] with a 1-based line and column where serde_yaml reports one.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_yaml::from_str(text).map_err(parse_error)
}

/// Parses a YAML document from UTF-8 bytes.
///
/// # Errors
///
/// [`Error::Parse`] with a 1-based line and column where serde_yaml reports one.
pub fn from_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_yaml::from_slice(bytes).map_err(parse_error)
}

/// Converts a serde_yaml error into [`Error::Parse`], moving the location to the front.
fn parse_error(err: serde_yaml::Error) -> Error {
    let text = err.to_string();
    match err.location() {
        // serde_yaml's `Location` is already 1-based.
        Some(location) => {
            let (line, column) = (location.line(), location.column());
            let detail = text.replacen(&format!(" at line {line} column {column}"), "", 1);
            Error::Parse {
                message: format!("line {line}, column {column}: {detail}"),
                line: Some(line),
                column: Some(column),
            }
        }
        None => Error::Parse {
            message: text,
            line: None,
            column: None,
        },
    }
}

/// Any YAML value, opaque so that the rest of the crate does not depend on serde_yaml
/// (for example a field whose type is checked after reading, like a record's `schema:`).
///
/// `Debug` shows the underlying value, e.g. `Number(2)` or `Sequence [...]`.
#[derive(Clone, PartialEq, serde::Deserialize)]
#[serde(transparent)]
pub struct AnyValue(Value);

impl AnyValue {
    /// The value as a string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_str()
    }
}

impl std::fmt::Debug for AnyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

/// Implicit keys (`key: value`) longer than this many bytes are written as explicit
/// `? key` entries: libyaml and PyYAML reject simple keys longer than 1024 characters.
const MAX_IMPLICIT_KEY_BYTES: usize = 1000;

/// Words that some YAML 1.1 or 1.2 resolver reads as a bool or null (compared
/// case-insensitively), so they are always quoted.
const RESERVED_WORDS: [&str; 10] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
];

/// How a value is laid out.
enum Node<'a> {
    /// A scalar or empty collection, written on the current line.
    Inline(String),
    /// A non-empty mapping, written as indented block lines.
    Map(&'a Mapping),
    /// A non-empty sequence, written as indented block lines.
    Seq(&'a Sequence),
}

fn classify(value: &Value) -> Result<Node<'_>, Error> {
    Ok(match value {
        Value::Null => Node::Inline("null".to_owned()),
        Value::Bool(b) => Node::Inline(b.to_string()),
        Value::Number(n) => Node::Inline(number(n)),
        Value::String(s) => Node::Inline(string_scalar(s)),
        Value::Sequence(seq) if seq.is_empty() => Node::Inline("[]".to_owned()),
        Value::Sequence(seq) => Node::Seq(seq),
        Value::Mapping(map) if map.is_empty() => Node::Inline("{}".to_owned()),
        Value::Mapping(map) => Node::Map(map),
        Value::Tagged(tagged) => {
            return Err(Error::Unsupported(format!(
                "tagged value {} (enum variants carrying data are not allowed in manifests)",
                tagged.tag
            )));
        }
    })
}

fn indent(out: &mut String, width: usize) {
    out.extend(std::iter::repeat_n(' ', width));
}

/// Writes the rest of an entry after its `key:` or `- ` indicator has been written,
/// i.e. a value nested at `indent`.
fn write_value_after(out: &mut String, node: Node<'_>, width: usize) -> Result<(), Error> {
    match node {
        Node::Inline(text) => {
            out.push(' ');
            out.push_str(&text);
            out.push('\n');
            Ok(())
        }
        Node::Map(map) => {
            out.push('\n');
            write_mapping(out, map, width, false)
        }
        Node::Seq(seq) => {
            out.push('\n');
            write_sequence(out, seq, width, false)
        }
    }
}

/// Writes a non-empty mapping at `width`. With `first_inline` the first entry continues the
/// current line (after `- `) instead of starting with indentation.
fn write_mapping(
    out: &mut String,
    map: &Mapping,
    width: usize,
    first_inline: bool,
) -> Result<(), Error> {
    for (i, (key, value)) in map.iter().enumerate() {
        let key = key_scalar(key)?;
        let node = classify(value)?;
        if i > 0 || !first_inline {
            indent(out, width);
        }
        if key.len() > MAX_IMPLICIT_KEY_BYTES {
            out.push_str("? ");
            out.push_str(&key);
            out.push('\n');
            indent(out, width);
            out.push(':');
        } else {
            out.push_str(&key);
            out.push(':');
        }
        write_value_after(out, node, width + 2)?;
    }
    Ok(())
}

/// Writes a non-empty sequence at `width`; `first_inline` as for [`write_mapping`].
fn write_sequence(
    out: &mut String,
    seq: &Sequence,
    width: usize,
    first_inline: bool,
) -> Result<(), Error> {
    for (i, item) in seq.iter().enumerate() {
        if i > 0 || !first_inline {
            indent(out, width);
        }
        out.push('-');
        match classify(item)? {
            Node::Inline(text) => {
                out.push(' ');
                out.push_str(&text);
                out.push('\n');
            }
            Node::Map(map) => {
                out.push(' ');
                write_mapping(out, map, width + 2, true)?;
            }
            Node::Seq(inner) => {
                out.push(' ');
                write_sequence(out, inner, width + 2, true)?;
            }
        }
    }
    Ok(())
}

fn key_scalar(key: &Value) -> Result<String, Error> {
    match key {
        Value::String(s) => Ok(string_scalar(s)),
        other => Err(Error::Unsupported(format!(
            "mapping key {} is not a string; manifest mappings need string keys",
            describe(other)
        ))),
    }
}

/// Short description of a value for error messages.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("{b} (a bool)"),
        Value::Number(n) => format!("{} (a number)", number(n)),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "(a sequence)".to_owned(),
        Value::Mapping(_) => "(a mapping)".to_owned(),
        Value::Tagged(tagged) => format!("(a value tagged {})", tagged.tag),
    }
}

fn number(n: &Number) -> String {
    if let Some(u) = n.as_u64() {
        u.to_string()
    } else if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(f) = n.as_f64() {
        float(f)
    } else {
        // serde_yaml numbers are always u64, i64 or f64; keep a readable fallback anyway.
        n.to_string()
    }
}

/// Formats a float so that PyYAML's YAML 1.1 float resolver (which needs a `.` and an
/// explicitly signed exponent) and serde_yaml both read back exactly the same `f64`.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    // Debug is the shortest representation that round-trips, e.g. `0.1`, `100.0`, `1e21`,
    // `1.5e-7`, `-0.0`.
    let repr = format!("{f:?}");
    match repr.split_once('e') {
        Some((mantissa, exponent)) => {
            let dot = if mantissa.contains('.') { "" } else { ".0" };
            let sign = if exponent.starts_with(['-', '+']) {
                ""
            } else {
                "+"
            };
            format!("{mantissa}{dot}e{sign}{exponent}")
        }
        None if repr.contains('.') => repr,
        None => format!("{repr}.0"),
    }
}

/// Whether `s` can be written as a plain (unquoted) scalar that every YAML 1.1 and 1.2
/// resolver reads as this exact string.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || first == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./@:+=-".contains(c))
        && !s.ends_with(':')
        && !RESERVED_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// Characters that must be escaped inside a double-quoted scalar: those PyYAML's and
/// libyaml's readers reject as non-printable, and the YAML 1.1 line breaks NEL, LS and PS
/// (which would otherwise be folded). Also the byte-order mark.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1F}'
            | '\u{7F}'..='\u{9F}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{FEFF}'
            | '\u{FFFE}'
            | '\u{FFFF}'
    )
}

fn string_scalar(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if needs_escape(c) => {
                let code = u32::from(c);
                // Writing to a String cannot fail.
                let _ = if code <= 0xFF {
                    write!(out, "\\x{code:02X}")
                } else {
                    write!(out, "\\u{code:04X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    // ---------------------------------------------------------------- fixtures

    fn example_strings() -> Vec<String> {
        let mut v: Vec<String> = [
            "yes",
            "Yes",
            "YES",
            "No",
            "no",
            "ON",
            "on",
            "off",
            "Off",
            "y",
            "Y",
            "n",
            "N",
            "~",
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "FALSE",
            "tRuE",
            "2024-01-02",
            "2024-01-02T10:00:00Z",
            "2024-1-2 10:00:00",
            "2026-11-22T10:00:00.123456Z",
            "1e3",
            "1.0",
            "1",
            "-1",
            "0",
            "0x1F",
            "0o17",
            "0b101",
            "012",
            "08",
            "1_000",
            "+1",
            ".5",
            "5.",
            "1:20",
            "190:20:30.15",
            ".inf",
            "-.inf",
            ".nan",
            ".NaN",
            "inf",
            "nan",
            "NaN",
            "infinity",
            "Infinity",
            "<<",
            "=",
            "-",
            "--",
            "---",
            "...",
            "- a",
            "a: b",
            "a:",
            "a::",
            "a:b",
            "a #b",
            "a#b",
            "#x",
            "'q'",
            "\"dq\"",
            "@at",
            "`tick",
            "!tag",
            "!!str",
            "&anchor",
            "*alias",
            "%pct",
            "{a}",
            "[a]",
            "a,b",
            "|",
            ">",
            "?",
            "? x",
            ":",
            ",",
            " leading",
            "trailing ",
            " ",
            "  both  ",
            "",
            "line1\nline2\n",
            "\n",
            "a\r\nb",
            "tab\there",
            "nul\0byte",
            "bell\u{7}",
            "del\u{7F}",
            "nel\u{85}x",
            "c1\u{9F}",
            "nbsp\u{A0}",
            "ls\u{2028}ps\u{2029}",
            "bom\u{FEFF}",
            "nonchar\u{FFFE}\u{FFFF}",
            "naïve ✓",
            "emoji 😀 𝄞",
            "back\\slash",
            "slash/and\\back",
            "quote\"inside",
            "single'inside",
            "data/train.csv",
            "blake3:ab12",
            "s3://bucket/key",
            "fraud-model",
            "repo/img@sha256:abc",
            "/abs/path",
            "_private",
            "a=b",
            "a+b",
            "x.y.z",
            "yes_no",
            "nullable",
            "on-call",
            "e",
            "E5",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        v.push("x".repeat(5000));
        v.push("long value with spaces and: colons # hashes ".repeat(100));
        v.push(format!("{}é", "k".repeat(1100)));
        v
    }

    /// Every string over a small, hostile alphabet up to `max_len` characters.
    fn generated_strings(max_len: usize) -> Vec<String> {
        let alphabet: Vec<char> = "aAyYnNoOeExXbB0159_./@:+=-~#'\"!&*%{}[]|>?,` \t\n<\\é"
            .chars()
            .collect();
        let mut all = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..max_len {
            let mut next = Vec::new();
            for prefix in &frontier {
                for c in &alphabet {
                    let mut s = prefix.clone();
                    s.push(*c);
                    next.push(s);
                }
            }
            all.extend(next.iter().cloned());
            frontier = next;
        }
        all
    }

    fn all_chars_string() -> String {
        let mut s: String = (0u32..=0xFFFF).filter_map(char::from_u32).collect();
        s.extend(['\u{10000}', '\u{1F600}', '\u{10FFFD}', '\u{10FFFF}']);
        s
    }

    fn example_floats() -> Vec<f64> {
        vec![
            0.1,
            1e21,
            1.5e-7,
            1e-300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            -0.0,
            0.0,
            1.0,
            -1.0,
            100.0,
            123456789.0,
            1e15,
            1e16,
            1e17,
            -2.5e-5,
            0.000_001,
            std::f64::consts::PI,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]
    }

    fn s(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    fn map(entries: Vec<(Value, Value)>) -> Value {
        Value::Mapping(entries.into_iter().collect())
    }

    fn seq(items: Vec<Value>) -> Value {
        Value::Sequence(items)
    }

    /// A document exercising every scalar kind, string example and layout rule.
    fn sample_value(generated_len: usize) -> Value {
        let strings = example_strings();
        let generated = generated_strings(generated_len);
        let keyed = |items: &[String]| {
            map(items
                .iter()
                .enumerate()
                .map(|(i, k)| (s(k), Value::from(i as u64)))
                .collect())
        };
        let long_key = "k".repeat(1500);
        map(vec![
            (s("strings"), seq(strings.iter().map(|x| s(x)).collect())),
            (s("string_keys"), keyed(&strings)),
            (
                s("generated"),
                seq(generated.iter().map(|x| s(x)).collect()),
            ),
            (s("generated_keys"), keyed(&generated)),
            (s("all_chars"), s(&all_chars_string())),
            (
                s("floats"),
                seq(example_floats().into_iter().map(Value::from).collect()),
            ),
            (
                s("ints"),
                seq(vec![
                    Value::from(0),
                    Value::from(-5),
                    Value::from(i64::MIN),
                    Value::from(i64::MAX),
                    Value::from(u64::MAX),
                ]),
            ),
            (
                s("misc"),
                seq(vec![Value::Null, Value::Bool(true), Value::Bool(false)]),
            ),
            (
                s("nested"),
                map(vec![
                    (s("empty_map"), map(vec![])),
                    (s("empty_seq"), seq(vec![])),
                    (
                        s("list_of_maps"),
                        seq(vec![
                            map(vec![(s("path"), s("a")), (s("hash"), s("b"))]),
                            map(vec![
                                (s("yes"), seq(vec![s("no"), seq(vec![])])),
                                (s("deep"), map(vec![(s("x"), map(vec![]))])),
                            ]),
                            map(vec![(s(&long_key), s("v")), (s("after"), Value::Null)]),
                            map(vec![(s(&long_key), map(vec![(s("in"), Value::from(1))]))]),
                            map(vec![]),
                            seq(vec![]),
                        ]),
                    ),
                    (
                        s("seq_of_seqs"),
                        seq(vec![
                            seq(vec![s("a"), seq(vec![s("b"), s("c")])]),
                            seq(vec![map(vec![(s("k"), s("v")), (s("k2"), s("v2"))])]),
                        ]),
                    ),
                    (
                        s(&long_key),
                        map(vec![(s("child"), seq(vec![s("a"), Value::from(1.5)]))]),
                    ),
                    (format!("{long_key}2").as_str().into(), seq(vec![s("x")])),
                    (format!("{long_key}3").as_str().into(), seq(vec![])),
                ]),
            ),
        ])
    }

    /// Deep equality that compares floats by bits (so `-0.0 != 0.0`) and treats NaN as
    /// equal to NaN.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                if x.is_f64() || y.is_f64() {
                    match (x.as_f64(), y.as_f64()) {
                        (Some(p), Some(q)) if x.is_f64() && y.is_f64() => {
                            (p.is_nan() && q.is_nan()) || p.to_bits() == q.to_bits()
                        }
                        _ => false,
                    }
                } else {
                    x.as_i64() == y.as_i64() && x.as_u64() == y.as_u64()
                }
            }
            (Value::Sequence(x), Value::Sequence(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
            }
            (Value::Mapping(x), Value::Mapping(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((k1, v1), (k2, v2))| same(k1, k2) && same(v1, v2))
            }
            _ => a == b,
        }
    }

    /// Finds the first differing path, for readable failures.
    fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
        match (a, b) {
            (Value::Sequence(x), Value::Sequence(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
            (Value::Mapping(x), Value::Mapping(y)) if x.len() == y.len() => {
                x.iter().zip(y).find_map(|((k1, v1), (k2, v2))| {
                    if same(k1, k2) {
                        first_difference(v1, v2, &format!("{path}.{k1:?}"))
                    } else {
                        Some(format!("{path}: key {k1:?} != {k2:?}"))
                    }
                })
            }
            _ if same(a, b) => None,
            _ => Some(format!("{path}: {a:?} != {b:?}")),
        }
    }

    fn assert_round_trip(value: &Value) -> String {
        let text = to_string(value).expect("emit");
        let back: Value = from_str(&text).expect("parse emitted yaml");
        if let Some(diff) = first_difference(value, &back, "$") {
            panic!("round trip changed the value at {diff}");
        }
        text
    }

    // ------------------------------------------------ 1. serde_yaml round trip

    #[test]
    fn round_trips_through_serde_yaml() {
        assert_round_trip(&sample_value(2));
    }

    #[test]
    fn round_trips_all_short_strings_through_serde_yaml() {
        let strings = generated_strings(3);
        assert_round_trip(&seq(strings.iter().map(|x| s(x)).collect()));
        assert_round_trip(&map(strings.iter().map(|x| (s(x), Value::Null)).collect()));
    }

    #[test]
    fn round_trips_scalars_at_top_level() {
        for text in example_strings() {
            assert_round_trip(&s(&text));
        }
        for f in example_floats() {
            assert_round_trip(&Value::from(f));
        }
        for v in [Value::Null, Value::Bool(true), map(vec![]), seq(vec![])] {
            assert_round_trip(&v);
        }
        assert_eq!(to_string(&Value::Null).expect("emit"), "null\n");
        assert_eq!(to_string(&map(vec![])).expect("emit"), "{}\n");
        assert_eq!(to_string(&seq(vec![])).expect("emit"), "[]\n");
    }

    #[test]
    fn rejects_non_string_keys_and_tags() {
        let mut numeric = BTreeMap::new();
        numeric.insert(7, "x");
        match to_string(&numeric) {
            Err(Error::Unsupported(msg)) => assert!(msg.contains("mapping key 7"), "{msg}"),
            other => panic!("expected Unsupported, got {other:?}"),
        }
        let bool_key = map(vec![(Value::Bool(true), s("x"))]);
        assert!(matches!(to_string(&bool_key), Err(Error::Unsupported(_))));

        #[derive(Serialize)]
        enum Kind {
            Data(u32),
        }
        match to_string(&vec![Kind::Data(1)]) {
            Err(Error::Unsupported(msg)) => assert!(msg.contains("!Data"), "{msg}"),
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }

    // ------------------------------------ 2. PyYAML implicit resolvers in Rust

    /// PyYAML's implicit resolvers: `(tag suffix, pattern, compiled with re.X)`, the pattern
    /// strings copied verbatim from PyYAML 6 `lib/yaml/resolver.py` (github.com/yaml/pyyaml,
    /// MIT licence, Copyright (c) 2017-2022 Ingy döt Net, Copyright (c) 2006-2016 Kirill
    /// Simonov). `yaml` is documentation-only in PyYAML and checked anyway.
    const PYYAML_RESOLVERS: [(&str, &str, bool); 8] = [
        (
            "bool",
            r"^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$",
            true,
        ),
        (
            "float",
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$",
            true,
        ),
        (
            "int",
            r"^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
            true,
        ),
        ("merge", r"^(?:<<)$", false),
        (
            "null",
            r"^(?: ~
                    |null|Null|NULL
                    | )$",
            true,
        ),
        (
            "timestamp",
            r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
            true,
        ),
        ("value", r"^(?:=)$", false),
        ("yaml", r"^(?:!|&|\*)$", false),
    ];

    /// Compiles a Python `re` pattern with Python's meaning, for the constructs PyYAML uses:
    /// `re.X` drops whitespace outside character classes (Rust's `(?x)` would also drop the
    /// space in `[ \t]`), and a final `$` also matches before one trailing newline.
    fn python_regex(pattern: &str, verbose: bool) -> regex::Regex {
        let mut rust = String::new();
        let (mut in_class, mut escaped) = (false, false);
        for c in pattern.chars() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if in_class {
                in_class = c != ']';
            } else if c == '[' {
                in_class = true;
            } else if verbose && c.is_whitespace() {
                continue;
            } else {
                assert!(
                    !(verbose && c == '#'),
                    "comments are not handled: {pattern}"
                );
            }
            rust.push(c);
        }
        let rust = rust
            .strip_suffix('$')
            .map(|body| format!(r"{body}\n?\z"))
            .expect("every PyYAML resolver pattern ends with $");
        regex::Regex::new(&rust).unwrap_or_else(|e| panic!("{pattern:?} -> {rust:?}: {e}"))
    }

    fn pyyaml_resolvers() -> Vec<(&'static str, regex::Regex)> {
        PYYAML_RESOLVERS
            .iter()
            .map(|&(name, pattern, verbose)| (name, python_regex(pattern, verbose)))
            .collect()
    }

    fn pyyaml_resolver(name: &str) -> regex::Regex {
        pyyaml_resolvers()
            .into_iter()
            .find_map(|(n, re)| (n == name).then_some(re))
            .unwrap_or_else(|| panic!("no resolver {name}"))
    }

    #[test]
    fn resolver_regexes_behave_like_pyyaml() {
        let r = pyyaml_resolvers();
        let matches = |name: &str, text: &str| {
            r.iter()
                .find(|(n, _)| *n == name)
                .is_some_and(|(_, re)| re.is_match(text))
        };
        for (name, text) in [
            ("bool", "yes"),
            ("bool", "OFF"),
            ("float", "1.0e+21"),
            ("float", "1."),
            ("float", ".5"),
            ("float", "190:20:30.15"),
            ("float", "-.inf"),
            ("float", ".NaN"),
            ("int", "0x1F"),
            ("int", "012"),
            ("int", "1_000"),
            ("int", "+1"),
            ("int", "1:20"),
            ("int", "0b101"),
            ("merge", "<<"),
            ("null", "~"),
            ("null", ""),
            ("timestamp", "2024-01-02"),
            ("timestamp", "2024-01-02T10:00:00Z"),
            ("timestamp", "2024-1-2 10:00:00.5 +01:00"),
            ("value", "="),
            ("yaml", "*"),
            // Python's `$` also matches before one final newline.
            ("bool", "yes\n"),
            ("timestamp", "2024-1-2\t 10:00:00 Z"),
        ] {
            assert!(matches(name, text), "{name} should match {text:?}");
        }
        for (name, text) in [
            ("float", "1e3"),
            ("float", "1.0e21"),
            ("float", "1"),
            ("int", "0o17"),
            ("int", "08"),
            ("bool", "y"),
            ("null", "nil"),
            ("timestamp", "2024-01-02x"),
            // Whitespace outside character classes is re.X layout, not part of the pattern.
            ("null", " "),
            ("timestamp", "2024 -01 -02"),
            ("bool", "yes\n\n"),
            ("int", "1 2"),
        ] {
            assert!(!matches(name, text), "{name} should not match {text:?}");
        }
    }

    #[test]
    fn plain_string_scalars_match_no_pyyaml_resolver() {
        let resolvers = pyyaml_resolvers();
        let mut candidates = example_strings();
        candidates.extend(generated_strings(3));
        let mut plain_count = 0;
        for text in &candidates {
            let emitted = string_scalar(text);
            if emitted.starts_with('"') {
                continue;
            }
            plain_count += 1;
            assert_eq!(&emitted, text, "plain scalars are written verbatim");
            for (name, re) in &resolvers {
                assert!(
                    !re.is_match(&emitted),
                    "plain scalar {emitted:?} would be resolved as {name} by PyYAML"
                );
            }
        }
        assert!(
            plain_count > 1000,
            "only {plain_count} plain scalars checked"
        );
        for safe in [
            "data/train.csv",
            "blake3:ab12",
            "s3://bucket/key",
            "fraud-model",
            "repo/img@sha256:abc",
        ] {
            assert_eq!(string_scalar(safe), safe, "{safe} should stay plain");
        }
    }

    #[test]
    fn float_scalars_match_pyyaml_float_resolver() {
        let float_re = pyyaml_resolver("float");
        let int_re = pyyaml_resolver("int");
        let ts_re = pyyaml_resolver("timestamp");
        let mut values = example_floats();
        let mut x = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..20_000 {
            // xorshift over raw bit patterns: covers subnormals, huge and tiny exponents
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
        }
        for f in values {
            let text = float(f);
            assert!(
                float_re.is_match(&text),
                "{f:?} -> {text:?} is not a PyYAML float"
            );
            assert!(!int_re.is_match(&text), "{text:?} looks like an int");
            assert!(!ts_re.is_match(&text), "{text:?} looks like a timestamp");
            let back: f64 = if f.is_nan() {
                assert_eq!(text, ".nan");
                continue;
            } else {
                from_str(&text).expect("serde_yaml reads the float")
            };
            assert_eq!(back.to_bits(), f.to_bits(), "{f:?} -> {text:?} -> {back:?}");
            let parsed: Value = from_str(&text).expect("parse");
            assert!(parsed.is_f64(), "{text:?} parsed as {parsed:?}");
        }
        assert_eq!(float(1e21), "1.0e+21");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(100.0), "100.0");
        assert_eq!(float(-0.0), "-0.0");
        assert_eq!(float(f64::NEG_INFINITY), "-.inf");
        assert_eq!(float(f64::INFINITY), ".inf");
        assert_eq!(float(f64::MAX), "1.7976931348623157e+308");
    }

    // ------------------------------------------------ 3. real PyYAML cross-check

    const PYYAML_SCRIPT: &str = r#"
import sys, yaml, json, math, struct
def c(v):
    if v is None: return ["null"]
    if isinstance(v, bool): return ["bool", v]
    if isinstance(v, int): return ["int", str(v)]
    if isinstance(v, float):
        if math.isnan(v): return ["float", "NaN"]
        if math.isinf(v): return ["float", "inf" if v > 0 else "-inf"]
        return ["float", struct.pack(">d", v).hex(), repr(v)]
    if isinstance(v, str): return ["str", v]
    if isinstance(v, list): return ["seq", [c(x) for x in v]]
    if isinstance(v, dict): return ["map", [[c(k), c(x)] for k, x in v.items()]]
    raise TypeError("unexpected %s: %r" % (type(v).__name__, v))
doc = yaml.safe_load(sys.stdin.buffer.read().decode("utf-8"))
sys.stdout.buffer.write(json.dumps(c(doc), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
"#;

    /// JSON string exactly as Python's `json.dumps(..., ensure_ascii=False)` writes it.
    fn json_str(out: &mut String, text: &str) {
        out.push('"');
        for ch in text.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// The same canonical JSON the Python script prints, computed from a serde_yaml value.
    /// Floats are compared by their exact IEEE-754 bits; the trailing repr is skipped.
    fn canonical(out: &mut String, v: &Value) {
        match v {
            Value::Null => out.push_str(r#"["null"]"#),
            Value::Bool(b) => {
                let _ = write!(out, r#"["bool",{b}]"#);
            }
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => {
                    if f.is_nan() {
                        out.push_str(r#"["float","NaN"]"#);
                    } else if f.is_infinite() {
                        out.push_str(if f > 0.0 {
                            r#"["float","inf"]"#
                        } else {
                            r#"["float","-inf"]"#
                        });
                    } else {
                        let _ = write!(out, r#"["float","{:016x}"]"#, f.to_bits());
                    }
                }
                _ => {
                    let _ = write!(out, r#"["int","{n}"]"#);
                }
            },
            Value::String(s) => {
                out.push_str(r#"["str","#);
                json_str(out, s);
                out.push(']');
            }
            Value::Sequence(items) => {
                out.push_str(r#"["seq",["#);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    canonical(out, item);
                }
                out.push_str("]]");
            }
            Value::Mapping(m) => {
                out.push_str(r#"["map",["#);
                for (i, (k, item)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    canonical(out, k);
                    out.push(',');
                    canonical(out, item);
                    out.push(']');
                }
                out.push_str("]]");
            }
            Value::Tagged(t) => {
                let _ = write!(out, r#"["tagged","{}"]"#, t.tag);
            }
        }
    }

    /// Drops the `,"<repr>"` that the Python script appends to finite floats (kept there
    /// for readable diffs only).
    fn strip_float_reprs(json: &str) -> String {
        let mut out = String::with_capacity(json.len());
        let mut rest = json;
        while let Some(pos) = rest.find(r#"["float",""#) {
            let (head, tail) = rest.split_at(pos);
            out.push_str(head);
            let close = tail.find(']').expect("float entry closes");
            let entry = &tail[..close];
            let fields: Vec<&str> = entry.splitn(3, ',').collect();
            out.push_str(&fields[..fields.len().min(2)].join(","));
            out.push(']');
            rest = &tail[close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn pyyaml_available() -> Result<(), String> {
        match std::process::Command::new("python3")
            .args(["-c", "import yaml"])
            .output()
        {
            Err(e) => Err(format!("python3 not runnable: {e}")),
            Ok(o) if !o.status.success() => Err(format!(
                "PyYAML not importable: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Ok(_) => Ok(()),
        }
    }

    fn pyyaml_canonical(yaml: &str) -> String {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let mut child = Command::new("python3")
            .args(["-c", PYYAML_SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn python3");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = yaml.as_bytes().to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child.wait_with_output().expect("python3 output");
        writer.join().expect("writer thread").expect("write yaml");
        assert!(
            output.status.success(),
            "PyYAML failed to load the document:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("python output is utf-8")
    }

    #[test]
    fn pyyaml_reads_the_same_values() {
        if let Err(why) = pyyaml_available() {
            if std::env::var_os("CI").is_some() {
                panic!("PyYAML is required in CI: pip install pyyaml ({why})");
            }
            eprintln!("skipping PyYAML cross-check: {why}");
            return;
        }
        let value = sample_value(2);
        let yaml = to_string(&value).expect("emit");
        let parsed: Value = from_str(&yaml).expect("serde_yaml parses");
        let mut from_serde = String::new();
        canonical(&mut from_serde, &parsed);
        let mut original = String::new();
        canonical(&mut original, &value);
        assert!(from_serde == original, "serde_yaml changed the value");

        let raw = pyyaml_canonical(&yaml);
        assert!(
            raw.contains(r#""1e+21"]"#),
            "python float reprs present: sanity"
        );
        let from_python = strip_float_reprs(&raw);
        if from_python != from_serde {
            let at = from_python
                .chars()
                .zip(from_serde.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let around = |s: &str| {
                s.chars()
                    .skip(at.saturating_sub(80))
                    .take(200)
                    .collect::<String>()
            };
            panic!(
                "PyYAML and serde_yaml disagree at char {at}:\n pyyaml: {}\n serde:  {}",
                around(&from_python),
                around(&from_serde)
            );
        }
    }

    // ----------------------------------------------------------- 4. determinism

    #[test]
    fn emitting_is_deterministic() {
        let value = sample_value(1);
        let a = to_string(&value).expect("emit");
        let b = to_string(&value).expect("emit");
        assert_eq!(a, b);
        assert!(a.ends_with('\n') && !a.ends_with("\n\n"));
        assert!(!a.starts_with("---"));
        assert!(!a.lines().any(|l| l.ends_with(' ')), "no trailing spaces");
    }

    #[derive(Serialize)]
    struct Input {
        path: String,
        hash: String,
    }

    #[derive(Serialize)]
    struct Params {
        lr: f64,
        layers: Vec<u32>,
        nested: BTreeMap<String, bool>,
    }

    #[derive(Serialize)]
    struct Manifest {
        name: String,
        version: u32,
        score: f64,
        created: String,
        tags: Vec<String>,
        inputs: Vec<Input>,
        params: Params,
        empty_list: Vec<String>,
        empty_map: BTreeMap<String, String>,
        note: Option<String>,
        message: String,
    }

    #[test]
    fn golden_output() {
        let manifest = Manifest {
            name: "fraud-model".into(),
            version: 3,
            score: 0.25,
            created: "2026-11-22T10:00:00Z".into(),
            tags: vec!["yes".into(), "data/train.csv".into(), "".into()],
            inputs: vec![
                Input {
                    path: "data/train.csv".into(),
                    hash: "blake3:ab12".into(),
                },
                Input {
                    path: "my file.csv".into(),
                    hash: "blake3:cd34".into(),
                },
            ],
            params: Params {
                lr: 1e-5,
                layers: vec![64, 32],
                nested: [("deep".to_owned(), true)].into_iter().collect(),
            },
            empty_list: vec![],
            empty_map: BTreeMap::new(),
            note: None,
            message: "line1\nline2 \"q\" naïve ✓\n".into(),
        };
        let expected = r#"name: fraud-model
version: 3
score: 0.25
created: "2026-11-22T10:00:00Z"
tags:
  - "yes"
  - data/train.csv
  - ""
inputs:
  - path: data/train.csv
    hash: blake3:ab12
  - path: "my file.csv"
    hash: blake3:cd34
params:
  lr: 1.0e-5
  layers:
    - 64
    - 32
  nested:
    deep: true
empty_list: []
empty_map: {}
note: null
message: "line1\nline2 \"q\" naïve ✓\n"
"#;
        assert_eq!(to_string(&manifest).expect("emit"), expected);
    }

    #[test]
    fn golden_nested_sequences_and_long_keys() {
        let long = "k".repeat(1001);
        let value = seq(vec![
            seq(vec![s("a"), s("b")]),
            map(vec![(s(&long), s("v")), (s("x"), seq(vec![s("z")]))]),
        ]);
        let expected = format!("- - a\n  - b\n- ? {long}\n  : v\n  x:\n    - z\n");
        assert_eq!(assert_round_trip(&value), expected);
    }

    // -------------------------------------------------------------- 5. AnyValue

    #[test]
    fn any_value_reads_any_value_and_shows_it_like_serde_yaml() {
        #[derive(serde::Deserialize)]
        struct Head {
            schema: Option<AnyValue>,
        }
        let read = |text: &str| from_str::<Head>(text).expect("a mapping").schema;
        let schema = read("schema: lineage/v1\nother: [1]\n").expect("present");
        assert_eq!(schema.as_str(), Some("lineage/v1"));
        assert_eq!(format!("{schema:?}"), r#"String("lineage/v1")"#);
        let number = read("schema: 2\n").expect("present");
        assert_eq!(number.as_str(), None);
        assert_eq!(format!("{number:?}"), "Number(2)");
        let list = read("schema: [a]\n").expect("present");
        assert_eq!(format!("{list:?}"), r#"Sequence [String("a")]"#);
        assert!(read("schema: null\n").is_none());
        assert!(read("other: 1\n").is_none());
        assert!(number != schema && read("schema: 2\n") == Some(number));
    }

    // ------------------------------------------------------------ 6. parse errors

    #[test]
    fn parse_errors_have_one_based_locations() {
        let err = from_str::<Value>("a: 1\nb: [1, 2\nc: 3\n").expect_err("malformed");
        match &err {
            Error::Parse {
                message,
                line: Some(line),
                column: Some(column),
            } => {
                assert!(*line >= 1 && *column >= 1);
                assert!(message.contains("line"), "{message}");
                assert!(message.starts_with(&format!("line {line}, column {column}: ")));
            }
            other => panic!("expected a located parse error, got {other:?}"),
        }

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Typed {
            name: String,
            count: u32,
        }
        let err = from_slice::<Typed>(b"name: x\ncount: many\n").expect_err("bad type");
        match &err {
            Error::Parse {
                message,
                line: Some(2),
                column: Some(8),
            } => {
                assert_eq!(
                    message,
                    "line 2, column 8: count: invalid type: string \"many\", expected u32"
                );
            }
            other => panic!("expected a parse error at 2:8, got {other:?}"),
        }
        let err = from_str::<Value>("@x").expect_err("reserved indicator");
        assert!(matches!(
            err,
            Error::Parse {
                line: Some(1),
                column: Some(1),
                ..
            }
        ));
    }
}
