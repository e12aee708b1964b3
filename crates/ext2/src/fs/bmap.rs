//! The block map: logical block of a file → block on the volume, through
//! the 12 direct pointers and the single, double and triple indirect trees.
//! Zero pointers are holes; reading one gives zeros, writing one allocates.

use tabvm_disk::BlockDevice;

use super::txn::Txn;
use crate::cache::Kind;
use crate::error::{corrupt, Error, Result};
use crate::layout::inode::{Inode, N_DIRECT};
use crate::layout::{le32, put32};

/// The way to logical block `l`: the inode slot, then one index per level of
/// indirect blocks.
fn path(ptrs: u64, l: u64) -> Result<(usize, Vec<usize>)> {
    let p = ptrs;
    let mut l = l;
    if l < N_DIRECT as u64 {
        return Ok((l as usize, Vec::new()));
    }
    l -= N_DIRECT as u64;
    let mut span = p;
    for (slot, depth) in [(12, 1u32), (13, 2), (14, 3)] {
        if l < span {
            let idx = (0..depth)
                .rev()
                .map(|level| ((l / p.pow(level)) % p) as usize)
                .collect();
            return Ok((slot, idx));
        }
        l -= span;
        span *= p;
    }
    Err(Error::FileTooBig)
}

/// Number of logical blocks the map can address.
pub(crate) fn max_blocks(ptrs: u64) -> u64 {
    N_DIRECT as u64 + ptrs + ptrs * ptrs + ptrs * ptrs * ptrs
}

impl<D: BlockDevice> Txn<'_, D> {
    fn sectors_per_block(&self) -> u32 {
        self.geo.block_size / 512
    }

    /// The volume block holding logical block `l` of inode `ino`, or `None`
    /// for a hole.
    pub fn map(&mut self, ino: u32, inode: &Inode, l: u64) -> Result<Option<u32>> {
        let (slot, idx) = path(self.geo.ptrs(), l)?;
        let mut ptr = inode.block[slot];
        for i in idx {
            if ptr == 0 {
                return Ok(None);
            }
            let b = self
                .geo
                .check_block(ptr, || format!("inode {ino}, indirect block of block {l}"))?;
            ptr = le32(&self.block(b)?, 4 * i);
        }
        if ptr == 0 {
            return Ok(None);
        }
        let b = self
            .geo
            .check_block(ptr, || format!("inode {ino}, block {l}"))?;
        Ok(Some(b))
    }

    /// Counts one more block in `inode.blocks`.
    fn charge(&self, inode: &mut Inode) -> Result<()> {
        inode.blocks = inode
            .blocks
            .checked_add(self.sectors_per_block())
            .ok_or(Error::FileTooBig)?;
        Ok(())
    }

    /// Like [`map`](Self::map), but allocates the block (and any indirect
    /// block on the way) if it is a hole. Returns the block and whether it is
    /// new: a new block's contents are undefined until the caller puts them.
    /// `goal` is where to look first and is advanced past each allocation.
    pub fn map_alloc(
        &mut self,
        ino: u32,
        inode: &mut Inode,
        l: u64,
        goal: &mut u32,
    ) -> Result<(u32, bool)> {
        let (slot, idx) = path(self.geo.ptrs(), l)?;
        let bs = self.geo.block_size as usize;
        let mut fresh = false;
        let mut ptr = inode.block[slot];
        if ptr == 0 {
            ptr = self.alloc_block(*goal)?;
            *goal = ptr + 1;
            self.charge(inode)?;
            inode.block[slot] = ptr;
            fresh = true;
            if !idx.is_empty() {
                self.put(ptr, Kind::Tree, vec![0; bs]);
            }
        }
        let levels = idx.len();
        for (level, i) in idx.into_iter().enumerate() {
            let b = self
                .geo
                .check_block(ptr, || format!("inode {ino}, indirect block of block {l}"))?;
            let mut table = self.block(b)?;
            let mut next = le32(&table, 4 * i);
            fresh = next == 0;
            if fresh {
                next = self.alloc_block(*goal)?;
                *goal = next + 1;
                self.charge(inode)?;
                put32(&mut table, 4 * i, next);
                self.put(b, Kind::Tree, table);
                // A new indirect block starts empty; a new data block is
                // filled by the caller.
                if level + 1 < levels {
                    self.put(next, Kind::Tree, vec![0; bs]);
                }
            }
            ptr = next;
        }
        let b = self
            .geo
            .check_block(ptr, || format!("inode {ino}, block {l}"))?;
        Ok((b, fresh))
    }

    /// Frees every block of the file from logical block `keep` on,
    /// including indirect blocks left empty.
    pub fn free_blocks_from(&mut self, ino: u32, inode: &mut Inode, keep: u64) -> Result<()> {
        for slot in (keep.min(N_DIRECT as u64) as usize)..N_DIRECT {
            let b = inode.block[slot];
            if b != 0 {
                self.release(inode, b)?;
                inode.block[slot] = 0;
            }
        }
        let p = self.geo.ptrs();
        let mut base = N_DIRECT as u64;
        for (slot, depth) in [(12, 1u32), (13, 2), (14, 3)] {
            let span = p.pow(depth);
            let ptr = inode.block[slot];
            if ptr != 0 && keep < base + span {
                let start = keep.saturating_sub(base);
                if self.prune(ino, inode, ptr, depth, start)? {
                    self.release(inode, ptr)?;
                    inode.block[slot] = 0;
                }
            }
            base += span;
        }
        Ok(())
    }

    /// Frees the blocks of the subtree under indirect block `ptr` (`depth`
    /// levels above the data) from its logical block `start` on. Returns
    /// whether the indirect block is now empty (the caller frees it).
    fn prune(
        &mut self,
        ino: u32,
        inode: &mut Inode,
        ptr: u32,
        depth: u32,
        start: u64,
    ) -> Result<bool> {
        let b = self
            .geo
            .check_block(ptr, || format!("inode {ino}, indirect block"))?;
        let mut table = self.block(b)?;
        let span = self.geo.ptrs().pow(depth - 1);
        let first = (start / span) as usize;
        let mut changed = false;
        for i in first..self.geo.ptrs() as usize {
            let e = le32(&table, 4 * i);
            if e == 0 {
                continue;
            }
            let sub_start = if i == first {
                start - i as u64 * span
            } else {
                0
            };
            let empty = depth == 1 || self.prune(ino, inode, e, depth - 1, sub_start)?;
            if empty {
                self.release(inode, e)?;
                put32(&mut table, 4 * i, 0);
                changed = true;
            }
        }
        let empty = table.iter().all(|&x| x == 0);
        if changed && !empty {
            self.put(b, Kind::Tree, table);
        }
        Ok(empty)
    }

    /// Frees one block of `inode` and uncounts it.
    fn release(&mut self, inode: &mut Inode, b: u32) -> Result<()> {
        self.free_block(b)?;
        inode.blocks = inode
            .blocks
            .checked_sub(self.sectors_per_block())
            .ok_or_else(|| corrupt!("inode block count {} below its blocks", inode.blocks))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cover_each_level() {
        let p = 256;
        assert_eq!(path(p, 11).unwrap(), (11, vec![]));
        assert_eq!(path(p, 12).unwrap(), (12, vec![0]));
        assert_eq!(path(p, 12 + 255).unwrap(), (12, vec![255]));
        assert_eq!(path(p, 12 + 256).unwrap(), (13, vec![0, 0]));
        assert_eq!(path(p, 12 + 256 + 257).unwrap(), (13, vec![1, 1]));
        let t = 12 + 256 + 256 * 256;
        assert_eq!(path(p, t).unwrap(), (14, vec![0, 0, 0]));
        assert_eq!(path(p, t + 65536 + 256 + 1).unwrap(), (14, vec![1, 1, 1]));
        assert_eq!(path(p, max_blocks(p)), Err(Error::FileTooBig));
        assert!(path(p, max_blocks(p) - 1).is_ok());
    }
}
