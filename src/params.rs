//! Typed values for parameters and metrics: `-p key=value` assignments and
//! YAML/JSON files, merged into one sorted, nested map.
//!
//! A command-line value is typed by its text: `true`/`false` are booleans,
//! decimal integers are integers, decimals with a `.` or exponent are floats,
//! anything else is a string. File values keep the file's own types.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A parameter or metric value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A signed 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// A map with string keys, sorted.
    Map(BTreeMap<String, Value>),
}

/// A sorted map of named values (the `params` and `metrics` of a record).
pub type ValueMap = BTreeMap<String, Value>;

impl Value {
    /// Type a command-line value by its text (see the module docs).
    pub fn from_cli_text(text: &str) -> Value {
        match text {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
        if is_decimal_integer(text)
            && let Ok(i) = text.parse::<i64>()
        {
            return Value::Int(i);
        }
        if is_decimal_float(text)
            && let Ok(f) = text.parse::<f64>()
            && f.is_finite()
        {
            return Value::Float(f);
        }
        Value::String(text.to_string())
    }

    /// The value as a float, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// `-?[0-9]+` without a superfluous leading zero (so `007` stays a string).
fn is_decimal_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

/// `-?(digits.digits?|.digits)([eE][+-]?digits)?` with a `.` or an exponent.
fn is_decimal_float(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int_part)
        && frac_part.is_none_or(digits)
        && !(int_part.is_empty() && frac_part.is_none_or(str::is_empty));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok && (frac_part.is_some() || exponent.is_some())
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::String(s) => f.write_str(s),
            Value::List(_) | Value::Map(_) => {
                f.write_str(&serde_json::to_string(self).map_err(|_| fmt::Error)?)
            }
        }
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => serializer.collect_seq(items),
            Value::Map(map) => serializer.collect_map(map),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean, null, list or map with string keys")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v).map(Value::Int).map_err(|_| {
            E::custom(format!(
                "integer {v} is larger than the supported maximum {}",
                i64::MAX
            ))
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            out.insert(key, value);
        }
        Ok(Value::Map(out))
    }
}

/// Why parameters or metrics could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// A `-p`/`-m` argument without `=`, or with an empty key.
    #[error("'{text}' is not KEY=VALUE")]
    NotAnAssignment {
        /// The argument as given.
        text: String,
    },
    /// A dotted key descends into a value that is not a map.
    #[error("cannot set '{key}': '{parent}' is already set to a value that is not a map")]
    NotAMap {
        /// The full dotted key.
        key: String,
        /// The prefix that holds a non-map value.
        parent: String,
    },
    /// The file could not be read.
    #[error("cannot read '{}': {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is valid YAML/JSON but its top level is not a map.
    #[error("'{}' must hold a map of names to values at the top level, but holds {found}", path.display())]
    NotAMapFile {
        /// The file.
        path: PathBuf,
        /// What it holds instead (`a list`, `a string`, …).
        found: &'static str,
    },
    /// The file is not valid YAML/JSON.
    #[error("cannot parse '{}': {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
}

/// Apply one `KEY=VALUE` argument to `map`; dots in KEY address nested maps.
pub fn apply_assignment(map: &mut ValueMap, text: &str) -> Result<(), ParamsError> {
    let (key, raw) = text
        .split_once('=')
        .ok_or_else(|| ParamsError::NotAnAssignment {
            text: text.to_string(),
        })?;
    let key = key.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(ParamsError::NotAnAssignment {
            text: text.to_string(),
        });
    }
    set_dotted(map, key, Value::from_cli_text(raw))
}

fn set_dotted(map: &mut ValueMap, key: &str, value: Value) -> Result<(), ParamsError> {
    let mut parts = key.split('.').peekable();
    let mut current = map;
    let mut walked = String::new();
    while let Some(part) = parts.next() {
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(part);
        if parts.peek().is_none() {
            current.insert(part.to_string(), value);
            return Ok(());
        }
        let slot = current
            .entry(part.to_string())
            .or_insert_with(|| Value::Map(BTreeMap::new()));
        match slot {
            Value::Map(inner) => current = inner,
            _ => {
                return Err(ParamsError::NotAMap {
                    key: key.to_string(),
                    parent: walked,
                });
            }
        }
    }
    Ok(())
}

/// The leaves of a nested map under dotted keys (`optimizer.lr`), in key
/// order; an empty nested map is a leaf of its own.
pub fn leaves(map: &ValueMap) -> Vec<(String, &Value)> {
    fn walk<'a>(prefix: &str, map: &'a ValueMap, out: &mut Vec<(String, &'a Value)>) {
        for (key, value) in map {
            let key = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                Value::Map(inner) if !inner.is_empty() => walk(&key, inner, out),
                _ => out.push((key, value)),
            }
        }
    }
    let mut out = Vec::new();
    walk("", map, &mut out);
    out
}

/// Merge `overlay` into `base`, recursing into maps present in both.
pub fn merge(base: &mut ValueMap, overlay: ValueMap) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(Value::Map(existing)), Value::Map(incoming)) => merge(existing, incoming),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Read a YAML or JSON file (by extension `.json`, otherwise YAML) whose top
/// level is a map.
pub fn load_file(path: &Path) -> Result<ValueMap, ParamsError> {
    let bytes = std::fs::read(path).map_err(|source| ParamsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_file_bytes(path, &bytes)
}

/// Parse the bytes of a params or metrics file as [`load_file`] does, the
/// format chosen by `path`'s extension (`.json`, otherwise YAML); `path` is
/// only named in errors.
pub fn parse_file_bytes(path: &Path, bytes: &[u8]) -> Result<ValueMap, ParamsError> {
    let parse_error = |message: String| ParamsError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let value: Value = if is_json {
        serde_json::from_slice(bytes).map_err(|e| {
            parse_error(format!(
                "line {}, column {}: {}",
                e.line(),
                e.column(),
                strip_json_location(&e.to_string())
            ))
        })?
    } else {
        crate::yaml::from_slice(bytes).map_err(|e| parse_error(e.to_string()))?
    };
    match value {
        Value::Map(map) => Ok(map),
        Value::Null => Ok(ValueMap::new()),
        other => Err(ParamsError::NotAMapFile {
            path: path.to_path_buf(),
            found: kind_name(&other),
        }),
    }
}

fn strip_json_location(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_dotted_and_in_key_order() {
        let mut map = ValueMap::new();
        for text in ["z=1", "opt.lr=0.1", "opt.beta.one=0.9", "a=x"] {
            apply_assignment(&mut map, text).unwrap();
        }
        map.insert("empty".into(), Value::Map(ValueMap::new()));
        let keys: Vec<String> = leaves(&map).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "empty", "opt.beta.one", "opt.lr", "z"]);
        assert_eq!(leaves(&map)[3].1, &Value::Float(0.1));
    }

    #[test]
    fn cli_values_are_typed_by_their_text() {
        assert_eq!(Value::from_cli_text("42"), Value::Int(42));
        assert_eq!(Value::from_cli_text("-7"), Value::Int(-7));
        assert_eq!(Value::from_cli_text("0.1"), Value::Float(0.1));
        assert_eq!(Value::from_cli_text("1e3"), Value::Float(1000.0));
        assert_eq!(Value::from_cli_text(".5"), Value::Float(0.5));
        assert_eq!(Value::from_cli_text("true"), Value::Bool(true));
        assert_eq!(Value::from_cli_text("false"), Value::Bool(false));
        for text in [
            "yes", "007", "1.2.3", "nan", "inf", "", "0x10", "1e", "-", "adam", "True",
        ] {
            assert_eq!(
                Value::from_cli_text(text),
                Value::String(text.into()),
                "{text}"
            );
        }
    }

    #[test]
    fn dotted_keys_nest_and_later_assignments_win() {
        let mut map = ValueMap::new();
        apply_assignment(&mut map, "optimizer.lr=0.1").unwrap();
        apply_assignment(&mut map, "optimizer.name=adam").unwrap();
        apply_assignment(&mut map, "depth=3").unwrap();
        apply_assignment(&mut map, "depth=4").unwrap();
        let json = serde_json::to_string(&Value::Map(map)).unwrap();
        assert_eq!(json, r#"{"depth":4,"optimizer":{"lr":0.1,"name":"adam"}}"#);
    }

    #[test]
    fn bad_assignments_are_errors() {
        let mut map = ValueMap::new();
        for bad in ["noequals", "=1", "a..b=1", ".a=1"] {
            assert!(apply_assignment(&mut map, bad).is_err(), "{bad}");
        }
        apply_assignment(&mut map, "a=1").unwrap();
        let err = apply_assignment(&mut map, "a.b=1").unwrap_err();
        assert!(matches!(err, ParamsError::NotAMap { .. }), "{err}");
    }

    #[test]
    fn files_load_nested_values_and_report_locations() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("p.yaml");
        std::fs::write(&yaml, "lr: 0.1\nlayers: [64, 32]\nopt: {name: adam}\n").unwrap();
        let map = load_file(&yaml).unwrap();
        assert_eq!(map["lr"], Value::Float(0.1));
        assert_eq!(
            map["layers"],
            Value::List(vec![Value::Int(64), Value::Int(32)])
        );

        let json = dir.path().join("m.json");
        std::fs::write(&json, "{\n  \"auc\": 0.9,\n  \"bad\": }\n").unwrap();
        let err = load_file(&json).unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");

        let list = dir.path().join("l.yaml");
        std::fs::write(&list, "- 1\n- 2\n").unwrap();
        assert!(matches!(
            load_file(&list),
            Err(ParamsError::NotAMapFile {
                found: "a list",
                ..
            })
        ));
    }

    #[test]
    fn merge_recurses_into_maps() {
        let mut base = ValueMap::new();
        apply_assignment(&mut base, "opt.lr=0.1").unwrap();
        apply_assignment(&mut base, "opt.name=sgd").unwrap();
        let mut overlay = ValueMap::new();
        apply_assignment(&mut overlay, "opt.name=adam").unwrap();
        merge(&mut base, overlay);
        let json = serde_json::to_string(&Value::Map(base)).unwrap();
        assert_eq!(json, r#"{"opt":{"lr":0.1,"name":"adam"}}"#);
    }
}

/// Deterministic property pass over the file parser (the long runs are the
/// `params` fuzz target, docs/testing.md).
#[cfg(test)]
mod parse_bytes_properties {
    use super::*;

    #[test]
    fn parse_file_bytes_is_load_file_without_the_read() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("p.yaml", &b"a: 1\nb: [x, {c: 2.5}]\n"[..]),
            ("m.json", b"{\"auc\": 0.9}"),
            ("bad.json", b"{\"auc\": }"),
            ("list.yaml", b"- 1\n"),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(
                format!("{:?}", load_file(&path)),
                format!("{:?}", parse_file_bytes(&path, bytes)),
                "{name}"
            );
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_as_yaml_or_json() {
        // A fixed seed: the same 2000 inputs every run, built from random
        // bytes and YAML/JSON syntax.
        let mut rng = crate::hash::test_rng::Rng(0x5eed);
        let tokens: &[&[u8]] = &[
            b": ",
            b"- ",
            b"\n",
            b"  ",
            b"{",
            b"}",
            b"[",
            b"]",
            b",",
            b"\"",
            b"'",
            b"&a ",
            b"*a",
            b"!!float ",
            b"<<: ",
            b"1e999",
            b"-0",
            b".nan",
            b"~",
            b"\xff",
            b"\\u0000",
        ];
        for _ in 0..2000 {
            let mut input = Vec::new();
            for _ in 0..rng.below(24) {
                if rng.below(3) == 0 {
                    input.push(rng.next_u64() as u8);
                } else {
                    input.extend_from_slice(tokens[rng.below(tokens.len())]);
                }
            }
            for name in ["p.yaml", "m.json"] {
                // Any result is fine; a panic fails the test.
                let _ = parse_file_bytes(Path::new(name), &input);
            }
        }
    }
}
