//! The catalog's container: numbered sections of bytes and a small
//! header, checksummed in blocks of [`BLOCK`] bytes so that a reader
//! verifies only the blocks it reads. A question about one record reads a
//! few dozen blocks, whatever the size of history.
//!
//! Layout: `MAGIC`, the body (the sections, each 8-byte aligned), the
//! header (state key, meta, section table, block sums), the header's length
//! (u64 LE) and its BLAKE3 (32 bytes). The header comes last so that the
//! body is written as it is made, never held whole in memory. Offsets in
//! the section table are relative to the body.
//!
//! A block is verified the first time it is read; later reads of it in the
//! same process trust the open file (it is replaced by rename, never
//! written in place).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::hash::Checksum;
use crate::history::codec::{Reader, Writer};

const MAGIC: &[u8] = b"git-lineage catalog v5\n";
/// Bytes per checksummed block of the body.
pub(super) const BLOCK: usize = 4 * 1024;
/// Blocks kept in memory at once: a scan of the whole file (a full `log`)
/// keeps at most 16 MiB, not the file.
const CACHED_BLOCKS: usize = 4096;
/// Bytes of a block's checksum kept (a truncated BLAKE3: it guards
/// against damage, not against an adversary who can write `.git/`).
const SUM: usize = 16;
/// The header's length and checksum at the end of the file.
const TRAILER: usize = 8 + 32;

/// A catalog being written: sections go to a temporary file as they are
/// added; [`FileWriter::save`] adds the header and renames it into place.
pub(super) struct FileWriter {
    path: PathBuf,
    temp: PathBuf,
    out: BufWriter<File>,
    written: u64,
    sections: Vec<(u64, u64)>,
    /// The bytes of the block being filled, and the sums of full blocks.
    block: Vec<u8>,
    sums: Vec<[u8; SUM]>,
}

impl FileWriter {
    /// Start writing the catalog at `path`.
    pub(super) fn create(path: &Path) -> std::io::Result<FileWriter> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("catalog");
        let temp = crate::cache::unique_temp_path(dir, name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        if let Err(e) = out.write_all(MAGIC) {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        Ok(FileWriter {
            path: path.to_path_buf(),
            temp,
            out,
            written: 0,
            sections: Vec::new(),
            block: Vec::with_capacity(BLOCK),
            sums: Vec::new(),
        })
    }

    fn body(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        while !bytes.is_empty() {
            let take = (BLOCK - self.block.len()).min(bytes.len());
            self.block.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.block.len() == BLOCK {
                self.seal_block();
            }
        }
        Ok(())
    }

    fn seal_block(&mut self) {
        let sum = Checksum::new().update(&self.block).finalize();
        let mut short = [0u8; SUM];
        short.copy_from_slice(&sum.as_bytes()[..SUM]);
        self.sums.push(short);
        self.block.clear();
    }

    /// Append a section; sections are numbered from 0 in the order added.
    /// On an error the temporary file is removed when `self` is dropped.
    pub(super) fn section(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let pad = (8 - self.written % 8) % 8;
        self.body(&[0u8; 8][..pad as usize])?;
        self.sections.push((self.written, bytes.len() as u64));
        self.body(bytes)
    }

    /// Finish the file: `state` says what it is valid for, `meta` is read
    /// whole on every open (keep it small).
    pub(super) fn save(mut self, state: &[u8], meta: &[u8]) -> std::io::Result<()> {
        if !self.block.is_empty() {
            self.seal_block();
        }
        let mut w = Writer::default();
        w.str_bytes(state);
        w.str_bytes(meta);
        w.uint(self.written);
        w.uint(self.sections.len() as u64);
        for (offset, len) in &self.sections {
            w.uint(*offset);
            w.uint(*len);
        }
        for sum in &self.sums {
            w.buf.extend_from_slice(sum);
        }
        let header = w.buf;
        let header_len = (header.len() as u64).to_le_bytes();
        let sum = *Checksum::new()
            .update(&header_len)
            .update(&header)
            .finalize()
            .as_bytes();
        self.out.write_all(&header)?;
        self.out.write_all(&header_len)?;
        self.out.write_all(&sum)?;
        self.out.flush()?;
        std::fs::rename(&self.temp, &self.path)
    }
}

impl Drop for FileWriter {
    /// A catalog not saved leaves no temporary file behind (after a save
    /// the temporary name no longer exists).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
    }
}

/// An open catalog file: its header, and the body's blocks read and
/// verified on demand. Any damage makes a read return `None`.
pub(super) struct FileReader {
    file: RefCell<File>,
    body_at: u64,
    body_len: u64,
    sections: Vec<(u64, u64)>,
    sums: Vec<[u8; SUM]>,
    verified: RefCell<Vec<bool>>,
    blocks: RefCell<HashMap<u64, Rc<Vec<u8>>>>,
    /// The header's meta bytes.
    pub(super) meta: Vec<u8>,
    /// The state the file was written for.
    pub(super) state: Vec<u8>,
}

impl FileReader {
    /// Open `path` if the state it was written for is one `accept` takes;
    /// `None` when it is missing, damaged, of another version or for
    /// another state.
    pub(super) fn open_if(path: &Path, accept: impl FnOnce(&[u8]) -> bool) -> Option<FileReader> {
        let mut file = File::open(path).ok()?;
        let file_len = file.metadata().ok()?.len();
        let mut magic = vec![0u8; MAGIC.len()];
        file.read_exact(&mut magic).ok()?;
        if magic != MAGIC || file_len < (MAGIC.len() + TRAILER) as u64 {
            return None;
        }
        let mut trailer = [0u8; TRAILER];
        file.seek(SeekFrom::Start(file_len - TRAILER as u64)).ok()?;
        file.read_exact(&mut trailer).ok()?;
        let header_len_bytes: [u8; 8] = trailer[..8].try_into().ok()?;
        let header_len = u64::from_le_bytes(header_len_bytes);
        let header_at = (file_len - TRAILER as u64).checked_sub(header_len)?;
        let body_len = header_at.checked_sub(MAGIC.len() as u64)?;
        let mut header = vec![0u8; usize::try_from(header_len).ok()?];
        file.seek(SeekFrom::Start(header_at)).ok()?;
        file.read_exact(&mut header).ok()?;
        let expected = *Checksum::new()
            .update(&header_len_bytes)
            .update(&header)
            .finalize()
            .as_bytes();
        if expected[..] != trailer[8..] {
            return None;
        }
        let mut r = Reader { buf: &header };
        let state = r.str_bytes()?.to_vec();
        if !accept(&state) {
            return None;
        }
        let meta = r.str_bytes()?.to_vec();
        if r.uint()? != body_len {
            return None;
        }
        let count = usize::try_from(r.uint()?).ok()?;
        let mut sections = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let (offset, len) = (r.uint()?, r.uint()?);
            if offset.checked_add(len)? > body_len {
                return None;
            }
            sections.push((offset, len));
        }
        let blocks = body_len.div_ceil(BLOCK as u64);
        let mut sums = Vec::with_capacity(usize::try_from(blocks).ok()?);
        for _ in 0..blocks {
            sums.push(r.take(SUM)?.try_into().ok()?);
        }
        if !r.buf.is_empty() {
            return None;
        }
        Some(FileReader {
            file: RefCell::new(file),
            body_at: MAGIC.len() as u64,
            body_len,
            sections,
            verified: RefCell::new(vec![false; sums.len()]),
            sums,
            blocks: RefCell::new(HashMap::new()),
            meta,
            state,
        })
    }

    /// Block `i` of the body, read and verified once.
    fn block(&self, i: u64) -> Option<Rc<Vec<u8>>> {
        if let Some(block) = self.blocks.borrow().get(&i) {
            return Some(block.clone());
        }
        let start = i.checked_mul(BLOCK as u64)?;
        let len = usize::try_from(self.body_len.checked_sub(start)?.min(BLOCK as u64)).ok()?;
        let mut bytes = vec![0u8; len];
        {
            let mut file = self.file.borrow_mut();
            file.seek(SeekFrom::Start(self.body_at + start)).ok()?;
            file.read_exact(&mut bytes).ok()?;
        }
        let n = usize::try_from(i).ok()?;
        if !*self.verified.borrow().get(n)? {
            let sum = Checksum::new().update(&bytes).finalize();
            if sum.as_bytes()[..SUM] != self.sums.get(n)?[..] {
                return None;
            }
            self.verified.borrow_mut()[n] = true;
        }
        let block = Rc::new(bytes);
        let mut blocks = self.blocks.borrow_mut();
        if blocks.len() >= CACHED_BLOCKS {
            blocks.clear();
        }
        blocks.insert(i, block.clone());
        Some(block)
    }

    /// Fill `out` with the bytes at `offset` of the body.
    fn read_into(&self, offset: u64, out: &mut [u8]) -> Option<()> {
        let end = offset.checked_add(out.len() as u64)?;
        if end > self.body_len {
            return None;
        }
        let mut at = offset;
        let mut filled = 0;
        while at < end {
            let i = at / BLOCK as u64;
            let block = self.block(i)?;
            let from = usize::try_from(at - i * BLOCK as u64).ok()?;
            let to = usize::try_from((end - i * BLOCK as u64).min(block.len() as u64)).ok()?;
            let part = block.get(from..to)?;
            out.get_mut(filled..filled + part.len())?
                .copy_from_slice(part);
            filled += part.len();
            at = i * BLOCK as u64 + to as u64;
        }
        Some(())
    }

    /// Where `len` bytes at `offset` within section `s` are in the body.
    fn locate(&self, s: usize, offset: u64, len: usize) -> Option<u64> {
        let (start, section_len) = *self.sections.get(s)?;
        if offset.checked_add(len as u64)? > section_len {
            return None;
        }
        start.checked_add(offset)
    }

    /// The length in bytes of section `s`.
    pub(super) fn section_len(&self, s: usize) -> Option<u64> {
        self.sections.get(s).map(|(_, len)| *len)
    }

    /// `len` bytes at `offset` within section `s`.
    pub(super) fn bytes(&self, s: usize, offset: u64, len: usize) -> Option<Vec<u8>> {
        let at = self.locate(s, offset, len)?;
        let mut out = vec![0u8; len];
        self.read_into(at, &mut out)?;
        Some(out)
    }

    /// Element `i` of section `s` read as little-endian `u32`s.
    pub(super) fn u32_at(&self, s: usize, i: u64) -> Option<u32> {
        let mut out = [0u8; 4];
        self.read_into(self.locate(s, i.checked_mul(4)?, 4)?, &mut out)?;
        Some(u32::from_le_bytes(out))
    }

    /// Element `i` of section `s` read as little-endian `u64`s.
    pub(super) fn u64_at(&self, s: usize, i: u64) -> Option<u64> {
        let mut out = [0u8; 8];
        self.read_into(self.locate(s, i.checked_mul(8)?, 8)?, &mut out)?;
        Some(u64::from_le_bytes(out))
    }

    /// Elements `from..to` of section `s` as `u32`s.
    pub(super) fn u32s(&self, s: usize, from: u64, to: u64) -> Option<Vec<u32>> {
        let len = usize::try_from(to.checked_sub(from)?.checked_mul(4)?).ok()?;
        let bytes = self.bytes(s, from.checked_mul(4)?, len)?;
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(dir: &Path, sections: &[Vec<u8>]) -> std::path::PathBuf {
        let path = dir.join("catalog");
        let mut w = FileWriter::create(&path).unwrap();
        for s in sections {
            w.section(s).unwrap();
        }
        w.save(b"state", b"meta").unwrap();
        path
    }

    #[test]
    fn sections_read_back_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..(3 * BLOCK + 100)).map(|i| (i % 251) as u8).collect();
        let words: Vec<u8> = (0u32..1000).flat_map(|n| n.to_le_bytes()).collect();
        let path = written(dir.path(), &[vec![1, 2, 3], big.clone(), words]);
        let file = FileReader::open_if(&path, |s| s == b"state").unwrap();
        assert_eq!(file.meta, b"meta");
        assert_eq!(file.bytes(0, 0, 3).unwrap(), vec![1, 2, 3]);
        assert_eq!(file.bytes(1, 0, big.len()).unwrap(), big);
        let across = BLOCK as u64 - 10;
        assert_eq!(
            file.bytes(1, across, 20).unwrap(),
            big[across as usize..across as usize + 20]
        );
        assert_eq!(file.u32_at(2, 999), Some(999));
        assert_eq!(file.u32s(2, 10, 13).unwrap(), vec![10, 11, 12]);
        assert_eq!(file.u32_at(2, 1000), None, "past the section's end");
        assert_eq!(file.bytes(0, 2, 2), None);
        assert!(FileReader::open_if(&path, |s| s == b"other state").is_none());
    }

    #[test]
    fn a_damaged_block_fails_only_reads_of_that_block() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..(2 * BLOCK)).map(|i| (i % 7) as u8).collect();
        let path = written(dir.path(), &[big]);
        let mut bytes = std::fs::read(&path).unwrap();
        // The last byte of the body, just before the header.
        let last = MAGIC.len() + 2 * BLOCK - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let file = FileReader::open_if(&path, |s| s == b"state").unwrap();
        assert!(file.bytes(0, 0, 10).is_some(), "the first block is intact");
        assert!(file.bytes(0, BLOCK as u64, 10).is_none());
    }

    #[test]
    fn a_damaged_or_truncated_header_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = written(dir.path(), &[vec![9; 100]]);
        let bytes = std::fs::read(&path).unwrap();
        let mut flipped = bytes.clone();
        let header_byte = bytes.len() - TRAILER - 2;
        flipped[header_byte] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(FileReader::open_if(&path, |s| s == b"state").is_none());
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(FileReader::open_if(&path, |s| s == b"state").is_none());
        std::fs::write(&path, &bytes[..10]).unwrap();
        assert!(FileReader::open_if(&path, |s| s == b"state").is_none());
    }

    #[test]
    fn an_unsaved_catalog_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog");
        let mut w = FileWriter::create(&path).unwrap();
        w.section(b"abc").unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
