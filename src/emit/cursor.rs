//! The delivery cursor of `emit`: which records' events one endpoint has
//! accepted, so the next run sends only new ones. One append-only file per
//! endpoint and namespace under `.git/lineage/emit/`; a line cut short by a
//! kill is ignored, which at worst sends an event twice (receivers dedupe
//! by the deterministic run id).

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::transport::EmitError;
use crate::hash::ContentHash;
use crate::record::RecordId;

/// The first line of a cursor file, before the endpoint and namespace.
const HEADER: &str = "git-lineage emit cursor v1";

/// The records whose events an endpoint has accepted.
#[derive(Debug)]
pub struct Cursor {
    path: PathBuf,
    header: String,
    delivered: BTreeSet<RecordId>,
    file: Option<File>,
}

impl Cursor {
    /// The cursor of `url` and `namespace` in `dir` (`.git/lineage/emit`):
    /// empty when there is none, or when its file belongs to another
    /// endpoint or is not a cursor.
    pub fn open(dir: &Path, url: &str, namespace: &str) -> Result<Cursor, EmitError> {
        let header = format!("{HEADER}\t{url}\t{namespace}");
        let key = ContentHash::of_bytes(header.as_bytes()).to_hex();
        let path = dir.join(&key[..32]);
        let mut delivered = BTreeSet::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut lines = text.split('\n');
                if lines.next() == Some(header.as_str()) {
                    // The last piece is empty, or a line a kill cut short.
                    let mut lines: Vec<&str> = lines.collect();
                    lines.pop();
                    delivered.extend(lines.into_iter().filter_map(RecordId::parse));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {}
            Err(source) => {
                return Err(EmitError::File {
                    action: "read the emit cursor",
                    path,
                    source,
                });
            }
        }
        Ok(Cursor {
            path,
            header,
            delivered,
            file: None,
        })
    }

    /// Where the cursor is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the endpoint has accepted `record`'s event.
    pub fn contains(&self, record: &RecordId) -> bool {
        self.delivered.contains(record)
    }

    /// How many records' events the endpoint has accepted.
    pub fn len(&self) -> usize {
        self.delivered.len()
    }

    /// Whether no event was delivered yet.
    pub fn is_empty(&self) -> bool {
        self.delivered.is_empty()
    }

    /// Forget every delivery (`emit --from-start`): the file is rewritten
    /// with its header only.
    pub fn reset(&mut self) -> Result<(), EmitError> {
        self.delivered.clear();
        self.file = None;
        self.start_file(true)
    }

    /// Remember that the endpoint accepted `record`'s event: one line
    /// appended (and flushed) before the next event is sent.
    pub fn mark(&mut self, record: &RecordId) -> Result<(), EmitError> {
        if self.file.is_none() {
            self.start_file(false)?;
        }
        let line = format!("{record}\n");
        let written = match self.file.as_mut() {
            Some(file) => file.write_all(line.as_bytes()),
            None => Ok(()),
        };
        written.map_err(|source| EmitError::File {
            action: "append to the emit cursor",
            path: self.path.clone(),
            source,
        })?;
        self.delivered.insert(record.clone());
        Ok(())
    }

    /// Flush the cursor to disk (at the end of a run).
    pub fn sync(&mut self) -> Result<(), EmitError> {
        match &self.file {
            Some(file) => file.sync_data().map_err(|source| EmitError::File {
                action: "sync the emit cursor",
                path: self.path.clone(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// Open the file for appending; write the header (after `truncate`,
    /// or when the file is new or not this endpoint's).
    fn start_file(&mut self, truncate: bool) -> Result<(), EmitError> {
        let fail = |action, source| EmitError::File {
            action,
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail("create the directory of", e))?;
        }
        let current = std::fs::read(&self.path).unwrap_or_default();
        let fresh = truncate || !current.starts_with(format!("{}\n", self.header).as_bytes());
        let mut file = if fresh {
            // Rewritten whole: the header and what is known delivered.
            let mut text = format!("{}\n", self.header);
            for id in &self.delivered {
                text.push_str(id.as_str());
                text.push('\n');
            }
            crate::cache::write_atomically(&self.path, text.as_bytes())
                .map_err(|e| fail("write the emit cursor", e))?;
            OpenOptions::new().append(true).open(&self.path)
        } else {
            let mut file = OpenOptions::new().append(true).open(&self.path);
            if let (Ok(f), false) = (&mut file, current.ends_with(b"\n")) {
                // Finish a line a kill cut short, so the next one stands alone.
                f.write_all(b"\n")
                    .map_err(|e| fail("append to the emit cursor", e))?;
            }
            file
        }
        .map_err(|e| fail("open the emit cursor", e))?;
        file.flush().map_err(|e| fail("write the emit cursor", e))?;
        self.file = Some(file);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> RecordId {
        RecordId::parse(&format!("{n:02x}").repeat(32)).expect("an id")
    }

    #[test]
    fn deliveries_survive_reopening_and_are_per_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let mut cursor = Cursor::open(dir.path(), "http://a/api", "ns").unwrap();
        assert!(cursor.is_empty());
        cursor.mark(&id(1)).unwrap();
        cursor.mark(&id(2)).unwrap();
        cursor.sync().unwrap();
        let again = Cursor::open(dir.path(), "http://a/api", "ns").unwrap();
        assert!(again.contains(&id(1)) && again.contains(&id(2)));
        assert_eq!(again.len(), 2);
        let other = Cursor::open(dir.path(), "http://b/api", "ns").unwrap();
        assert!(other.is_empty());
        let other_namespace = Cursor::open(dir.path(), "http://a/api", "other").unwrap();
        assert!(other_namespace.is_empty());
    }

    #[test]
    fn a_line_cut_short_is_ignored_and_appending_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut cursor = Cursor::open(dir.path(), "http://a", "ns").unwrap();
        cursor.mark(&id(1)).unwrap();
        let path = cursor.path().to_path_buf();
        drop(cursor);
        // A kill in the middle of the second line.
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(&id(2).as_str()[..20]);
        std::fs::write(&path, text).unwrap();
        let mut cursor = Cursor::open(dir.path(), "http://a", "ns").unwrap();
        assert!(cursor.contains(&id(1)) && !cursor.contains(&id(2)));
        cursor.mark(&id(3)).unwrap();
        let cursor = Cursor::open(dir.path(), "http://a", "ns").unwrap();
        assert!(cursor.contains(&id(1)) && cursor.contains(&id(3)));
        assert_eq!(cursor.len(), 2);
    }

    #[test]
    fn reset_forgets_and_garbage_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut cursor = Cursor::open(dir.path(), "http://a", "ns").unwrap();
        cursor.mark(&id(1)).unwrap();
        cursor.reset().unwrap();
        assert!(
            Cursor::open(dir.path(), "http://a", "ns")
                .unwrap()
                .is_empty()
        );
        let path = cursor.path().to_path_buf();
        std::fs::write(&path, b"\xff\xfe not a cursor").unwrap();
        let mut cursor = Cursor::open(dir.path(), "http://a", "ns").unwrap();
        assert!(cursor.is_empty());
        cursor.mark(&id(4)).unwrap();
        let cursor = Cursor::open(dir.path(), "http://a", "ns").unwrap();
        assert!(cursor.contains(&id(4)) && cursor.len() == 1);
    }
}
