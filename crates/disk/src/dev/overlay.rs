//! A writable view of a read-only base: written blocks go to a persistent
//! [`BlockStore`] and win over the base on every later read.
//!
//! The overlay works in [`BLOCK`]-byte blocks. A write that covers part of a
//! block first reads the rest of it (from the store, or from the base, which
//! may answer `Pending`: then nothing is written and the caller retries).
//!
//! **Crash consistency** is the store's promise: `flush` is a commit point,
//! and after a crash the store holds exactly what it held at some commit
//! point — never a mix of two. A file system above that flushes only between
//! whole operations (as `tabvm-ext2`'s write-back does) therefore always
//! finds a consistent volume after a kill. [`log`] is the format that keeps
//! this promise in a file (natively): an append-only log of self-checking
//! records where a commit record seals the blocks before it, and replay at
//! open drops everything after the last intact commit.

use std::collections::HashMap;

use super::{check_range, BlockDevice, Completion, DiskError};

/// The overlay's unit of storage in bytes.
pub const BLOCK: usize = 4096;

/// Where an overlay keeps its blocks: natively a log file, in the browser
/// IndexedDB. Blocks are [`BLOCK`] bytes, numbered from the device start.
pub trait BlockStore {
    /// The latest copy of block `n` (committed or not), if it was ever
    /// written.
    fn get(&self, n: u64) -> Option<&[u8]>;
    /// Stores block `n` (exactly [`BLOCK`] bytes). It is visible to `get`
    /// at once, but a crash loses it until the next `flush` is done.
    fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError>;
    /// Commits every `put` so far, atomically and durably: after a crash
    /// the store holds all of them or, if the crash came before this call
    /// was done, possibly none — never some. Answers `Pending` while a
    /// store that persists asynchronously (IndexedDB) has not confirmed the
    /// commit yet; the caller asks again later, as with any device request.
    fn flush(&mut self) -> Result<Completion, DiskError>;
    /// How many blocks are stored.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A store that forgets everything when dropped (tests, `--overlay` of
/// nothing).
#[derive(Debug, Default)]
pub struct MemoryStore {
    blocks: HashMap<u64, Vec<u8>>,
}

impl BlockStore for MemoryStore {
    fn get(&self, n: u64) -> Option<&[u8]> {
        self.blocks.get(&n).map(Vec::as_slice)
    }
    fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError> {
        self.blocks.insert(n, data.to_vec());
        Ok(())
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        Ok(Completion::Done)
    }
    fn len(&self) -> usize {
        self.blocks.len()
    }
}

/// Base device `B` with the changes kept in store `S`.
#[derive(Debug)]
pub struct OverlayDevice<B, S> {
    base: B,
    store: S,
}

impl<B: BlockDevice, S: BlockStore> OverlayDevice<B, S> {
    pub fn new(base: B, store: S) -> Self {
        OverlayDevice { base, store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Block `n` as the overlay sees it, or `None` if the base is pending.
    fn block(&mut self, n: u64) -> Result<Option<Vec<u8>>, DiskError> {
        if let Some(data) = self.store.get(n) {
            return Ok(Some(data.to_vec()));
        }
        let start = n * BLOCK as u64;
        let len = (self.base.size() - start).min(BLOCK as u64) as usize;
        let mut data = vec![0; BLOCK];
        match self.base.read(start, &mut data[..len])? {
            Completion::Done => Ok(Some(data)),
            Completion::Pending => Ok(None),
        }
    }
}

/// The blocks a byte range touches, with the part of each: (block, offset in
/// block, offset in the request, length).
fn pieces(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
    let mut done = 0;
    std::iter::from_fn(move || {
        if done == len {
            return None;
        }
        let pos = offset + done as u64;
        let (n, at) = (pos / BLOCK as u64, (pos % BLOCK as u64) as usize);
        let take = (BLOCK - at).min(len - done);
        let piece = (n, at, done, take);
        done += take;
        Some(piece)
    })
}

impl<B: BlockDevice, S: BlockStore> BlockDevice for OverlayDevice<B, S> {
    fn size(&self) -> u64 {
        self.base.size()
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        check_range(self.size(), offset, buf.len())?;
        // Runs of blocks the store lacks go to the base as one request.
        let mut pos = 0;
        while pos < buf.len() {
            let at = offset + pos as u64;
            let n = at / BLOCK as u64;
            let in_block = (at % BLOCK as u64) as usize;
            if let Some(data) = self.store.get(n) {
                let take = (BLOCK - in_block).min(buf.len() - pos);
                buf[pos..pos + take].copy_from_slice(&data[in_block..in_block + take]);
                pos += take;
                continue;
            }
            let mut end = pos + (BLOCK - in_block).min(buf.len() - pos);
            while end < buf.len()
                && self
                    .store
                    .get((offset + end as u64) / BLOCK as u64)
                    .is_none()
            {
                end += BLOCK.min(buf.len() - end);
            }
            if self.base.read(at, &mut buf[pos..end])? == Completion::Pending {
                return Ok(Completion::Pending);
            }
            pos = end;
        }
        Ok(Completion::Done)
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        check_range(self.size(), offset, data.len())?;
        // Gather every touched block first, so a pending base changes nothing.
        let mut blocks = Vec::new();
        for (n, at, from, len) in pieces(offset, data.len()) {
            let mut block = if at == 0 && len == BLOCK {
                vec![0; BLOCK]
            } else {
                match self.block(n)? {
                    Some(block) => block,
                    None => return Ok(Completion::Pending),
                }
            };
            block[at..at + len].copy_from_slice(&data[from..from + len]);
            blocks.push((n, block));
        }
        for (n, block) in blocks {
            self.store.put(n, &block)?;
        }
        Ok(Completion::Done)
    }

    fn flush(&mut self) -> Result<Completion, DiskError> {
        self.store.flush()
    }
}

/// The overlay log: the byte format of a crash-safe [`BlockStore`] file.
///
/// The file is a header (`MAGIC`) and records appended after it, each
/// checked by a SHA-256:
///
/// ```text
/// block record    n: u64 LE (< COMMIT) | data: BLOCK bytes | SHA-256(n, data)
/// commit record   COMMIT: u64 LE | count: u64 LE | SHA-256(COMMIT, count)
/// ```
///
/// Block records are appended as blocks are written; `flush` appends a
/// commit record naming how many block records it seals, then syncs the
/// file. [`replay`] applies block records only when their commit record
/// follows, intact and with the right count, and stops at the first record
/// that is short or fails its checksum: what a kill mid-append or a lost
/// unsynced page leaves. So the blocks replayed are exactly those of the
/// last intact commit, and a block written twice takes its later copy.
/// The file grows with every write-back; a store may rewrite it as one
/// commit of the live blocks (the native `FileStore` does at open).
pub mod log {
    use std::collections::HashMap;

    use sha2::{Digest, Sha256};

    use super::BLOCK;

    /// The first bytes of an overlay log file (format version 2).
    pub const MAGIC: &[u8; 16] = b"tabvm-overlay-2\n";
    /// The header of format 1, which had no commit records.
    const MAGIC_1: &[u8; 16] = b"tabvm-overlay-1\n";
    /// The tag of a commit record: no block has this number.
    pub const COMMIT: u64 = u64::MAX;
    /// Bytes of one block record.
    pub const RECORD: usize = 8 + BLOCK + 32;
    /// Bytes of one commit record.
    pub const COMMIT_RECORD: usize = 8 + 8 + 32;

    fn checksum(tag: u64, body: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(tag.to_le_bytes());
        h.update(body);
        h.finalize().into()
    }

    fn emit(tag: u64, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + body.len() + 32);
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&checksum(tag, body));
        out
    }

    /// The bytes to append for block `n`.
    pub fn record(n: u64, data: &[u8]) -> Vec<u8> {
        debug_assert!(n != COMMIT && data.len() == BLOCK);
        emit(n, data)
    }

    /// The bytes that commit the last `count` block records.
    pub fn commit(count: u64) -> Vec<u8> {
        emit(COMMIT, &count.to_le_bytes())
    }

    /// What a log file holds.
    #[derive(Debug, Default)]
    pub struct Replayed {
        /// Every block as of the last intact commit.
        pub blocks: HashMap<u64, Vec<u8>>,
        /// Length of the log through that commit: the file is cut here
        /// before appending, dropping uncommitted and torn records.
        pub valid_len: u64,
        /// Bytes after it (0 after a clean shutdown).
        pub torn: u64,
    }

    /// One record, if `bytes` starts with an intact one.
    fn next_record(bytes: &[u8]) -> Option<(u64, &[u8])> {
        let tag = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
        let body_len = if tag == COMMIT { 8 } else { BLOCK };
        let body = bytes.get(8..8 + body_len)?;
        let sum = bytes.get(8 + body_len..8 + body_len + 32)?;
        (checksum(tag, body) == sum).then_some((tag, body))
    }

    /// Reads a log; `Err` names why the file is no readable overlay log.
    pub fn replay(bytes: &[u8]) -> Result<Replayed, String> {
        // A kill while the header was written leaves a prefix of it.
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            return Ok(Replayed {
                torn: bytes.len() as u64,
                ..Replayed::default()
            });
        }
        if bytes.starts_with(MAGIC_1) {
            return Err("overlay of format 1 (an older tabvm, without commit records)".into());
        }
        if !bytes.starts_with(MAGIC) {
            return Err("not a tabvm overlay (bad header)".into());
        }
        let mut out = Replayed {
            valid_len: MAGIC.len() as u64,
            ..Replayed::default()
        };
        let mut staged = Vec::new();
        let mut at = MAGIC.len();
        while let Some((tag, body)) = next_record(&bytes[at..]) {
            at += 8 + body.len() + 32;
            if tag != COMMIT {
                staged.push((tag, body));
                continue;
            }
            let count = u64::from_le_bytes(body.try_into().expect("8 bytes"));
            if count != staged.len() as u64 {
                break;
            }
            for (n, data) in staged.drain(..) {
                out.blocks.insert(n, data.to_vec());
            }
            out.valid_len = at as u64;
        }
        out.torn = bytes.len() as u64 - out.valid_len;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FaultDevice, FaultPlan, MemoryDevice};

    fn base() -> MemoryDevice {
        MemoryDevice::from_bytes((0..3 * BLOCK + 100).map(|i| (i % 251) as u8).collect())
    }

    #[test]
    fn written_bytes_win_and_the_rest_comes_from_the_base() {
        let mut o = OverlayDevice::new(base(), MemoryStore::default());
        assert_eq!(o.write(BLOCK as u64 - 3, b"abcdef"), Ok(Completion::Done));
        assert_eq!(o.store().len(), 2);
        let mut got = vec![0; o.size() as usize];
        assert_eq!(o.read(0, &mut got), Ok(Completion::Done));
        let mut want = base().into_bytes();
        want[BLOCK - 3..BLOCK + 3].copy_from_slice(b"abcdef");
        assert_eq!(got, want);
        // The short last block.
        assert_eq!(o.write(3 * BLOCK as u64 + 98, b"yz"), Ok(Completion::Done));
        assert!(o.write(3 * BLOCK as u64 + 99, b"yz").is_err());
    }

    #[test]
    fn pending_base_writes_nothing() {
        let slow = FaultDevice::new(
            base(),
            FaultPlan {
                pending_reads: 1,
                ..FaultPlan::default()
            },
        );
        let mut o = OverlayDevice::new(slow, MemoryStore::default());
        assert_eq!(o.write(10, b"x"), Ok(Completion::Pending));
        assert!(o.store().is_empty());
        assert_eq!(o.write(10, b"x"), Ok(Completion::Done));
        // A whole block needs no base read.
        assert_eq!(o.write(BLOCK as u64, &[1; BLOCK]), Ok(Completion::Done));
    }

    /// A log of two commits: blocks 7 and 2, then 7 again and 9.
    fn two_commits() -> Vec<u8> {
        let mut file = log::MAGIC.to_vec();
        file.extend(log::record(7, &[1; BLOCK]));
        file.extend(log::record(2, &[2; BLOCK]));
        file.extend(log::commit(2));
        file.extend(log::record(7, &[3; BLOCK]));
        file.extend(log::record(9, &[4; BLOCK]));
        file.extend(log::commit(2));
        file
    }

    #[test]
    fn log_replay_applies_whole_commits() {
        let file = two_commits();
        let whole = log::replay(&file).unwrap();
        assert_eq!(whole.blocks.len(), 3);
        assert_eq!(whole.blocks[&7], vec![3; BLOCK], "the later copy wins");
        assert_eq!((whole.valid_len, whole.torn), (file.len() as u64, 0));
        // Every cut inside the second commit loses all of it and only it.
        let first = log::MAGIC.len() + 2 * log::RECORD + log::COMMIT_RECORD;
        for cut in [1, 8, 47, log::COMMIT_RECORD, log::COMMIT_RECORD + 100] {
            let r = log::replay(&file[..file.len() - cut]).unwrap();
            assert_eq!(r.blocks[&7], vec![1; BLOCK], "cut {cut}");
            assert!(!r.blocks.contains_key(&9), "cut {cut}");
            assert_eq!(r.valid_len as usize, first, "cut {cut}");
            assert_eq!(r.torn as usize, file.len() - cut - first, "cut {cut}");
        }
    }

    #[test]
    fn log_replay_stops_at_damage() {
        // A flipped bit in a block record of the second commit drops that
        // commit, though its commit record is intact.
        let mut file = two_commits();
        let second = log::MAGIC.len() + 2 * log::RECORD + log::COMMIT_RECORD;
        file[second + log::RECORD + 20] ^= 1;
        let r = log::replay(&file).unwrap();
        assert_eq!(r.blocks[&7], vec![1; BLOCK]);
        assert_eq!(r.valid_len as usize, second);
        // A commit record that claims the wrong count seals nothing.
        let mut file = log::MAGIC.to_vec();
        file.extend(log::record(1, &[1; BLOCK]));
        file.extend(log::commit(2));
        let r = log::replay(&file).unwrap();
        assert!(r.blocks.is_empty());
        assert_eq!(r.valid_len as usize, log::MAGIC.len());
    }

    #[test]
    fn log_headers() {
        assert!(log::replay(b"").unwrap().blocks.is_empty());
        assert_eq!(log::replay(&log::MAGIC[..5]).unwrap().torn, 5);
        let old = log::replay(b"tabvm-overlay-1\n").unwrap_err();
        assert!(old.contains("format 1"), "{old}");
        assert!(log::replay(b"something else").is_err());
    }
}
