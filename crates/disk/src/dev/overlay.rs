//! A writable view of a read-only base: written blocks go to a persistent
//! [`BlockStore`] and win over the base on every later read.
//!
//! The overlay works in [`BLOCK`]-byte blocks. A write that covers part of a
//! block first reads the rest of it (from the store, or from the base, which
//! may answer `Pending`: then nothing is written and the caller retries).
//!
//! **Crash consistency** lives in the store's format. [`log`] defines it as
//! an append-only log of self-checking records, so a store kept in a file
//! (natively) survives a kill at any moment: replay at open keeps every
//! complete record, later records of a block win, and a torn or corrupt tail
//! is cut off. A record is only acknowledged once appended, and `flush`
//! makes the appended records durable.

use std::collections::HashMap;

use super::{check_range, BlockDevice, Completion, DiskError};

/// The overlay's unit of storage in bytes.
pub const BLOCK: usize = 4096;

/// Where an overlay keeps its blocks: natively a log file, in the browser
/// IndexedDB. Blocks are [`BLOCK`] bytes, numbered from the device start.
pub trait BlockStore {
    /// The stored copy of block `n`, if it was ever written.
    fn get(&self, n: u64) -> Option<&[u8]>;
    /// Stores block `n` (exactly [`BLOCK`] bytes).
    fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError>;
    /// Makes every `put` so far durable.
    fn flush(&mut self) -> Result<(), DiskError>;
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
    fn flush(&mut self) -> Result<(), DiskError> {
        Ok(())
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
        self.store.flush()?;
        Ok(Completion::Done)
    }
}

/// The overlay log: the byte format of a crash-safe [`BlockStore`] file.
///
/// The file is a header (`MAGIC`) and records appended after it:
///
/// ```text
/// block number  u64 little-endian
/// data          BLOCK bytes
/// checksum      32 bytes: SHA-256 of the block number and data
/// ```
///
/// Records are only ever appended; a block written twice has two records
/// and the later wins. A kill mid-append leaves a short or mismatching last
/// record, which [`replay`] stops at: everything before it is intact.
/// (There is no compaction yet: the file grows with every write-back.)
pub mod log {
    use std::collections::HashMap;

    use sha2::{Digest, Sha256};

    use super::BLOCK;

    /// The first bytes of an overlay log file (format version 1).
    pub const MAGIC: &[u8; 16] = b"tabvm-overlay-1\n";
    /// Bytes of one record.
    pub const RECORD: usize = 8 + BLOCK + 32;

    fn checksum(n: u64, data: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(n.to_le_bytes());
        h.update(data);
        h.finalize().into()
    }

    /// The bytes to append for block `n`.
    pub fn record(n: u64, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(RECORD);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(&checksum(n, data));
        out
    }

    /// What a log file holds.
    #[derive(Debug, Default)]
    pub struct Replayed {
        pub blocks: HashMap<u64, Vec<u8>>,
        /// Length of the intact prefix: the file is cut here before
        /// appending, dropping a torn tail.
        pub valid_len: u64,
        /// Bytes after the intact prefix (0 after a clean shutdown).
        pub torn: u64,
    }

    /// Reads a log; `Err` names why the file is no overlay log at all.
    pub fn replay(bytes: &[u8]) -> Result<Replayed, String> {
        if bytes.is_empty() {
            return Ok(Replayed::default());
        }
        if !bytes.starts_with(MAGIC) {
            return Err("not a tabvm overlay (bad header)".into());
        }
        let mut out = Replayed {
            valid_len: MAGIC.len() as u64,
            ..Replayed::default()
        };
        for rec in bytes[MAGIC.len()..].chunks(RECORD) {
            let (n, rest) = rec.split_at(8.min(rec.len()));
            if rec.len() < RECORD {
                break;
            }
            let n = u64::from_le_bytes(n.try_into().expect("8 bytes"));
            let (data, sum) = rest.split_at(BLOCK);
            if checksum(n, data) != sum {
                break;
            }
            out.blocks.insert(n, data.to_vec());
            out.valid_len += RECORD as u64;
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

    #[test]
    fn log_replay_keeps_the_intact_prefix() {
        let mut file = log::MAGIC.to_vec();
        file.extend(log::record(7, &[1; BLOCK]));
        file.extend(log::record(2, &[2; BLOCK]));
        file.extend(log::record(7, &[3; BLOCK]));
        let whole = log::replay(&file).unwrap();
        assert_eq!(whole.blocks[&7], vec![3; BLOCK]);
        assert_eq!(whole.torn, 0);
        // Every cut of the last record loses exactly that record.
        for cut in [1, 8, 100, log::RECORD - 1] {
            let r = log::replay(&file[..file.len() - cut]).unwrap();
            assert_eq!(r.blocks[&7], vec![1; BLOCK], "cut {cut}");
            assert_eq!(r.valid_len as usize, log::MAGIC.len() + 2 * log::RECORD);
        }
        // A flipped bit in a record ends the log there.
        file[log::MAGIC.len() + log::RECORD + 20] ^= 1;
        let r = log::replay(&file).unwrap();
        assert_eq!(r.blocks.len(), 1);
        assert!(log::replay(b"something else").is_err());
    }
}
