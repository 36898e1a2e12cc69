//! The binary codec of history's derived files (index and snapshot):
//! LEB128 integers, strings, object and record ids, and the artifacts and
//! parameter values records carry. Readers return `None` on damage.

use gix::ObjectId;

use crate::hash::ContentHash;
use crate::params::{Value, ValueMap};
use crate::pointer::{Pointer, PointerDigest, PointerKind};
use crate::record::{Artifact, RecordId};

pub(crate) fn write_artifact(w: &mut Writer, a: &Artifact) {
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
    match &a.pointer {
        Some(pointer) => {
            w.byte(match pointer.kind {
                PointerKind::Lfs => 1,
                PointerKind::Dvc => 2,
                PointerKind::Annex => 3,
            });
            w.str(pointer.digest.as_str());
            w.opt_str(pointer.key.as_deref());
        }
        None => w.byte(0),
    }
    w.uint(a.locations.len() as u64);
    for location in &a.locations {
        w.str(location);
    }
    match &a.profile {
        Some(profile) => {
            w.byte(1);
            w.buf.extend(profile.as_bytes());
        }
        None => w.byte(0),
    }
}

pub(crate) fn read_artifact(r: &mut Reader<'_>) -> Option<Artifact> {
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
    let kind = match r.byte()? {
        0 => None,
        1 => Some(PointerKind::Lfs),
        2 => Some(PointerKind::Dvc),
        3 => Some(PointerKind::Annex),
        _ => return None,
    };
    let pointer = match kind {
        Some(kind) => Some(Pointer {
            kind,
            digest: PointerDigest::parse(&r.str()?)?,
            key: r.opt_str()?,
        }),
        None => None,
    };
    let locations = (0..r.uint()?).map(|_| r.str()).collect::<Option<_>>()?;
    let profile = match r.byte()? {
        0 => None,
        _ => Some(ContentHash::from_bytes(r.take(32)?.try_into().ok()?)),
    };
    Some(Artifact {
        profile,
        pointer,
        locations,
        path,
        uri,
        role,
        version,
        hash,
        size: numbers[0],
        files: numbers[1],
    })
}

pub(crate) fn write_map(w: &mut Writer, map: &ValueMap) {
    w.uint(map.len() as u64);
    for (key, value) in map {
        w.str(key);
        write_value(w, value);
    }
}

/// Nesting deeper than this is treated as damage (records are shallow).
const MAX_DEPTH: usize = 64;

pub(crate) fn read_map(r: &mut Reader<'_>, depth: usize) -> Option<ValueMap> {
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
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// LEB128.
    pub(crate) fn uint(&mut self, mut n: u64) {
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
    pub(crate) fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.buf.extend(s.as_bytes());
    }

    /// Length-prefixed raw bytes.
    pub(crate) fn str_bytes(&mut self, bytes: &[u8]) {
        self.uint(bytes.len() as u64);
        self.buf.extend_from_slice(bytes);
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
            None => self.byte(0),
        }
    }

    pub(crate) fn oid(&mut self, id: &ObjectId) {
        self.buf.extend(id.as_bytes());
    }

    pub(crate) fn opt_oid(&mut self, id: Option<&ObjectId>) {
        match id {
            Some(id) => {
                self.byte(1);
                self.oid(id);
            }
            None => self.byte(0),
        }
    }

    pub(crate) fn record_id(&mut self, id: &RecordId) {
        // 32 bytes instead of 64 hex digits.
        for pair in id.as_str().as_bytes().chunks(2) {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            self.buf.push(hex(pair[0]) << 4 | hex(pair[1]));
        }
    }
}

/// Reads the codec's primitives from a slice; `None` on damage.
pub(crate) struct Reader<'a> {
    pub(crate) buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    pub(crate) fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub(crate) fn uint(&mut self) -> Option<u64> {
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

    pub(crate) fn int(&mut self) -> Option<i64> {
        let n = self.uint()?;
        Some(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    pub(crate) fn str(&mut self) -> Option<String> {
        let len = usize::try_from(self.uint()?).ok()?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    /// What [`Writer::str_bytes`] wrote.
    pub(crate) fn str_bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.uint()?).ok()?;
        self.take(len)
    }

    pub(crate) fn opt_str(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            _ => self.str().map(Some),
        }
    }

    pub(crate) fn oid(&mut self) -> Option<ObjectId> {
        ObjectId::try_from(self.take(20)?).ok()
    }

    pub(crate) fn opt_oid(&mut self) -> Option<Option<ObjectId>> {
        match self.byte()? {
            0 => Some(None),
            _ => self.oid().map(Some),
        }
    }

    pub(crate) fn record_id(&mut self) -> Option<RecordId> {
        let bytes = self.take(32)?;
        RecordId::parse(&ContentHash::from_bytes(bytes.try_into().ok()?).to_hex())
    }
}
