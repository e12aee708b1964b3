//! The block cache: every block the driver reads or writes passes through it.
//!
//! Clean blocks are kept up to [`CLEAN_CAPACITY`] and dropped oldest first.
//! Dirty blocks stay until [`BlockCache::flush`] writes them, in the order of
//! their [`Kind`]:
//!
//! 1. file data,
//! 2. bitmaps,
//! 3. the trees that point at data (inode tables, indirect and directory
//!    blocks, symlink blocks),
//! 4. the summaries (group descriptors and superblock counts).
//!
//! Data goes before anything that points at it, so a reader never follows a
//! fresh pointer into stale bytes; allocation bitmaps go before the pointers,
//! so an interrupted flush can leak a block but never leave one referenced
//! and free. (This is an order, not crash consistency: a flush interrupted
//! half-way leaves a volume e2fsck would repair. Consistency after a crash
//! comes from below: every flush ends with the device's `flush`, which an
//! overlay makes an atomic commit, and flushes only run between whole
//! operations.)

use std::collections::{BTreeMap, HashMap, VecDeque};

use tabvm_disk::{BlockDevice, Completion};

use crate::error::{Error, Result};

/// Clean blocks kept: 2048 blocks is 2–8 MiB, enough for the metadata of a
/// large tree walk and the working set of a shell session, small enough for
/// a browser tab. (An operation touching more blocks than this on a device
/// that is slow for every block may have to fetch some twice.)
pub const CLEAN_CAPACITY: usize = 2048;

/// What a block holds; decides the write-back order (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Data,
    Bitmap,
    Tree,
    Summary,
}

/// Blocks of one volume, by block number.
#[derive(Debug)]
pub struct BlockCache {
    block_size: usize,
    clean: HashMap<u64, Vec<u8>>,
    /// Clean blocks in insertion order, for eviction; may name blocks that
    /// have since become dirty or were evicted (skipped then).
    age: VecDeque<u64>,
    dirty: BTreeMap<u64, (Kind, Vec<u8>)>,
}

impl BlockCache {
    pub fn new(block_size: u32) -> BlockCache {
        BlockCache {
            block_size: block_size as usize,
            clean: HashMap::new(),
            age: VecDeque::new(),
            dirty: BTreeMap::new(),
        }
    }

    /// The cached contents of block `n`, dirty or clean.
    pub fn get(&self, n: u64) -> Option<&[u8]> {
        match self.dirty.get(&n) {
            Some((_, b)) => Some(b),
            None => self.clean.get(&n).map(Vec::as_slice),
        }
    }

    /// Reads block `n` from the cache or, on a miss, from `dev`; a pending
    /// device gives [`Error::WouldBlock`] and caches nothing.
    pub fn read(&mut self, dev: &mut impl BlockDevice, n: u64) -> Result<Vec<u8>> {
        if let Some(b) = self.get(n) {
            return Ok(b.to_vec());
        }
        let mut buf = vec![0; self.block_size];
        match dev.read(n * self.block_size as u64, &mut buf)? {
            Completion::Pending => Err(Error::WouldBlock),
            Completion::Done => {
                self.insert_clean(n, buf.clone());
                Ok(buf)
            }
        }
    }

    fn insert_clean(&mut self, n: u64, data: Vec<u8>) {
        while self.clean.len() >= CLEAN_CAPACITY {
            match self.age.pop_front() {
                Some(old) => {
                    self.clean.remove(&old);
                }
                None => break,
            }
        }
        if self.clean.insert(n, data).is_none() {
            self.age.push_back(n);
        }
        // Blocks leave `clean` without leaving `age` when they turn dirty;
        // drop those stale names once they outnumber the live ones.
        if self.age.len() > 2 * CLEAN_CAPACITY {
            let mut seen = std::collections::HashSet::new();
            let clean = &self.clean;
            self.age
                .retain(|n| clean.contains_key(n) && seen.insert(*n));
        }
    }

    /// Takes in the write set of a completed operation.
    pub fn commit(&mut self, writes: BTreeMap<u64, (Kind, Vec<u8>)>) {
        for (n, entry) in writes {
            self.clean.remove(&n);
            self.dirty.insert(n, entry);
        }
    }

    /// Number of blocks waiting to be written.
    pub fn dirty_count(&self) -> usize {
        self.dirty.len()
    }

    /// Writes every dirty block in [`Kind`] order, then asks the device for a
    /// durability barrier. Blocks written stay cached as clean; on a pending
    /// or failing device the rest stay dirty and a later call goes on.
    pub fn flush(&mut self, dev: &mut impl BlockDevice) -> Result<()> {
        let mut order: Vec<(Kind, u64)> = self.dirty.iter().map(|(n, (k, _))| (*k, *n)).collect();
        order.sort_unstable();
        for (_, n) in order {
            let data = &self.dirty[&n].1;
            match dev.write(n * self.block_size as u64, data)? {
                Completion::Pending => return Err(Error::WouldBlock),
                Completion::Done => {
                    if let Some((_, data)) = self.dirty.remove(&n) {
                        self.insert_clean(n, data);
                    }
                }
            }
        }
        match dev.flush()? {
            Completion::Pending => Err(Error::WouldBlock),
            Completion::Done => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabvm_disk::{FaultDevice, FaultPlan, MemoryDevice, Op, TraceDevice};

    #[test]
    fn pending_read_caches_nothing_then_succeeds() {
        let mut dev = FaultDevice::new(
            MemoryDevice::from_bytes(vec![7; 4096]),
            FaultPlan {
                pending_reads: 1,
                ..FaultPlan::default()
            },
        );
        let mut c = BlockCache::new(1024);
        assert_eq!(c.read(&mut dev, 2), Err(Error::WouldBlock));
        assert!(c.get(2).is_none());
        assert_eq!(c.read(&mut dev, 2).unwrap(), vec![7; 1024]);
        assert_eq!(c.read(&mut dev, 2).unwrap(), vec![7; 1024], "now a hit");
        assert_eq!(dev.reads(), 1);
    }

    #[test]
    fn flush_writes_in_kind_order() {
        let mut dev = TraceDevice::new(MemoryDevice::new(8 * 1024));
        let mut c = BlockCache::new(1024);
        let mut w = BTreeMap::new();
        w.insert(1, (Kind::Summary, vec![1; 1024]));
        w.insert(2, (Kind::Tree, vec![2; 1024]));
        w.insert(3, (Kind::Bitmap, vec![3; 1024]));
        w.insert(7, (Kind::Data, vec![4; 1024]));
        c.commit(w);
        c.flush(&mut dev).unwrap();
        let writes: Vec<u64> = dev
            .entries()
            .iter()
            .filter(|e| e.op == Op::Write)
            .map(|e| e.offset / 1024)
            .collect();
        assert_eq!(writes, [7, 3, 2, 1]);
        assert_eq!(c.dirty_count(), 0);
        assert_eq!(c.get(7), Some(&[4u8; 1024][..]));
    }

    #[test]
    fn failed_flush_keeps_blocks_dirty() {
        let mut dev = FaultDevice::new(
            MemoryDevice::new(4096),
            FaultPlan {
                fail_writes: true,
                ..FaultPlan::default()
            },
        );
        let mut c = BlockCache::new(1024);
        c.commit(BTreeMap::from([(1, (Kind::Data, vec![1; 1024]))]));
        assert!(matches!(c.flush(&mut dev), Err(Error::Device(_))));
        assert_eq!(c.dirty_count(), 1);
    }

    #[test]
    fn clean_blocks_are_bounded() {
        let mut dev = MemoryDevice::new(1024 * (CLEAN_CAPACITY + 10));
        let mut c = BlockCache::new(1024);
        for n in 0..CLEAN_CAPACITY as u64 + 10 {
            c.read(&mut dev, n).unwrap();
        }
        assert_eq!(c.clean.len(), CLEAN_CAPACITY);
        assert!(c.get(0).is_none());
    }
}
