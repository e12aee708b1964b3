//! Block and inode allocation over the group bitmaps.
//!
//! Each allocation flips one bitmap bit and moves one unit between the free
//! counts of the group descriptor and the superblock, inside the running
//! [`Txn`], so the three always agree when the operation commits.
//!
//! Placement: blocks go at or after a goal (the block after the previous one
//! of the same file, or the start of its inode's group), so files stay
//! contiguous. New directories go to a group with an above-average share of
//! free inodes and the most free blocks, spreading the tree; other inodes go
//! beside their parent directory.

use tabvm_disk::BlockDevice;

use super::txn::Txn;
use crate::cache::Kind;
use crate::error::{corrupt, Error, Result};
use crate::layout::superblock;

/// Finds a clear bit among the first `len` of `bitmap`, scanning from
/// `start` and wrapping around.
fn find_clear(bitmap: &[u8], len: u32, start: u32) -> Option<u32> {
    let clear = |i: u32| bitmap[(i / 8) as usize] & (1 << (i % 8)) == 0;
    (start..len).chain(0..start.min(len)).find(|&i| clear(i))
}

fn set_bit(bitmap: &mut [u8], i: u32, on: bool) {
    let byte = &mut bitmap[(i / 8) as usize];
    if on {
        *byte |= 1 << (i % 8);
    } else {
        *byte &= !(1 << (i % 8));
    }
}

fn bit(bitmap: &[u8], i: u32) -> bool {
    bitmap[(i / 8) as usize] & (1 << (i % 8)) != 0
}

impl<D: BlockDevice> Txn<'_, D> {
    /// Allocates a block at or after `goal`. Its contents are whatever the
    /// caller then puts.
    pub fn alloc_block(&mut self, goal: u32) -> Result<u32> {
        let geo = self.geo;
        let goal = goal.clamp(geo.first_data_block, geo.blocks_count - 1);
        let first_group = geo.group_of_block(goal);
        for i in 0..geo.groups {
            let g = (first_group + i) % geo.groups;
            let mut desc = self.group(g)?;
            if desc.free_blocks == 0 {
                continue;
            }
            let start = if i == 0 {
                goal - geo.first_data_block - g * geo.blocks_per_group
            } else {
                0
            };
            let bb = geo.check_block(desc.block_bitmap, || format!("group {g} block bitmap"))?;
            let mut bitmap = self.block(bb)?;
            let Some(found) = find_clear(&bitmap, geo.blocks_in_group(g), start) else {
                return Err(corrupt!(
                    "group {g}: descriptor counts {} free blocks, its bitmap none",
                    desc.free_blocks
                ));
            };
            set_bit(&mut bitmap, found, true);
            self.put(bb, Kind::Bitmap, bitmap);
            desc.free_blocks -= 1;
            self.put_group(g, &desc)?;
            self.edit_superblock(|sb| superblock::add_free(sb, -1, 0))?;
            return Ok(geo.first_data_block + g * geo.blocks_per_group + found);
        }
        Err(Error::NoSpace)
    }

    /// Returns block `b` to the free pool.
    pub fn free_block(&mut self, b: u32) -> Result<()> {
        let geo = self.geo;
        let b = geo.check_block(b, || "freeing".to_string())?;
        let g = geo.group_of_block(b);
        let mut desc = self.group(g)?;
        let bb = geo.check_block(desc.block_bitmap, || format!("group {g} block bitmap"))?;
        let mut bitmap = self.block(bb)?;
        let i = b - geo.first_data_block - g * geo.blocks_per_group;
        if !bit(&bitmap, i) {
            return Err(corrupt!(
                "block {b} is in use but marked free in its bitmap"
            ));
        }
        set_bit(&mut bitmap, i, false);
        self.put(bb, Kind::Bitmap, bitmap);
        desc.free_blocks = desc
            .free_blocks
            .checked_add(1)
            .ok_or_else(|| corrupt!("group {g}: free block count overflows"))?;
        self.put_group(g, &desc)?;
        self.edit_superblock(|sb| superblock::add_free(sb, 1, 0))
    }

    /// Allocates an inode number for a new node in directory `parent`. The
    /// slot is not touched; the caller fills it.
    pub fn alloc_inode(&mut self, parent: u32, dir: bool) -> Result<u32> {
        let geo = self.geo;
        let order = if dir {
            self.groups_for_directory()?
        } else {
            let home = geo.group_of_inode(parent);
            (0..geo.groups).map(|i| (home + i) % geo.groups).collect()
        };
        for g in order {
            let mut desc = self.group(g)?;
            if desc.free_inodes == 0 {
                continue;
            }
            let ib = geo.check_block(desc.inode_bitmap, || format!("group {g} inode bitmap"))?;
            let mut bitmap = self.block(ib)?;
            let base = g * geo.inodes_per_group;
            // Reserved inodes (below first_ino) are never handed out, even
            // if a sloppy image left their bits clear.
            let start = (geo.first_ino - 1).saturating_sub(base);
            let found = (start..geo.inodes_per_group).find(|&i| !bit(&bitmap, i));
            let Some(found) = found else {
                return Err(corrupt!(
                    "group {g}: descriptor counts {} free inodes, its bitmap none",
                    desc.free_inodes
                ));
            };
            set_bit(&mut bitmap, found, true);
            self.put(ib, Kind::Bitmap, bitmap);
            desc.free_inodes -= 1;
            if dir {
                desc.used_dirs = desc.used_dirs.saturating_add(1);
            }
            self.put_group(g, &desc)?;
            self.edit_superblock(|sb| superblock::add_free(sb, 0, -1))?;
            return Ok(base + found + 1);
        }
        Err(Error::NoSpace)
    }

    /// Groups to try for a new directory, best first.
    fn groups_for_directory(&mut self) -> Result<Vec<u32>> {
        let mut stats = Vec::new();
        let mut total = 0u64;
        for g in 0..self.geo.groups {
            let d = self.group(g)?;
            total += u64::from(d.free_inodes);
            stats.push((g, d.free_inodes, d.free_blocks));
        }
        let average = total / u64::from(self.geo.groups);
        stats.sort_by_key(|&(g, inodes, blocks)| {
            (u64::from(inodes) < average, std::cmp::Reverse(blocks), g)
        });
        Ok(stats.into_iter().map(|(g, _, _)| g).collect())
    }

    /// Clears inode `ino`'s bitmap bit and counts it free again.
    pub fn free_inode_number(&mut self, ino: u32, dir: bool) -> Result<()> {
        let geo = self.geo;
        let g = geo.group_of_inode(ino);
        let mut desc = self.group(g)?;
        let ib = geo.check_block(desc.inode_bitmap, || format!("group {g} inode bitmap"))?;
        let mut bitmap = self.block(ib)?;
        let i = (ino - 1) % geo.inodes_per_group;
        if !bit(&bitmap, i) {
            return Err(corrupt!(
                "inode {ino} is in use but marked free in its bitmap"
            ));
        }
        set_bit(&mut bitmap, i, false);
        self.put(ib, Kind::Bitmap, bitmap);
        desc.free_inodes = desc
            .free_inodes
            .checked_add(1)
            .ok_or_else(|| corrupt!("group {g}: free inode count overflows"))?;
        if dir {
            desc.used_dirs = desc.used_dirs.saturating_sub(1);
        }
        self.put_group(g, &desc)?;
        self.edit_superblock(|sb| superblock::add_free(sb, 0, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_clear_wraps_and_respects_length() {
        let bitmap = [0b1111_0111u8, 0xff];
        assert_eq!(find_clear(&bitmap, 16, 4), Some(3));
        assert_eq!(find_clear(&bitmap, 3, 0), None);
        assert_eq!(find_clear(&[0xff, 0x00], 16, 0), Some(8));
    }
}
