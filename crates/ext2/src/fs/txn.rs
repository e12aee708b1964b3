//! One operation's view of the volume: the geometry fixed at mount, and a
//! write set over the block cache.
//!
//! Every operation runs in a [`Txn`]. Reads look in the write set first, then
//! the cache, then the device; writes only go to the write set. When the
//! operation succeeds its write set is committed to the cache in one step;
//! when it fails — a pending device included — the write set is dropped, so
//! nothing the operation did is visible and the caller can simply run it
//! again. Group descriptors and superblock counts are blocks like any other,
//! so allocation state is covered by the same rule.

use std::collections::BTreeMap;

use tabvm_disk::BlockDevice;

use crate::cache::{BlockCache, Kind};
use crate::error::{corrupt, Error, Result};
use crate::layout::group::{self, GroupDesc};
use crate::layout::inode::{FileType, Inode};
use crate::layout::superblock::{self, Superblock};

/// The shape of a volume, fixed when it is made.
#[derive(Clone, Debug)]
pub(crate) struct Geometry {
    pub block_size: u32,
    pub blocks_count: u32,
    pub first_data_block: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub inodes_count: u32,
    pub inode_size: u32,
    pub first_ino: u32,
    pub groups: u32,
    pub rev_level: u32,
    /// Directory entries carry a type byte.
    pub filetype: bool,
}

impl Geometry {
    pub fn new(sb: &Superblock) -> Geometry {
        Geometry {
            block_size: sb.block_size,
            blocks_count: sb.blocks_count,
            first_data_block: sb.first_data_block,
            blocks_per_group: sb.blocks_per_group,
            inodes_per_group: sb.inodes_per_group,
            inodes_count: sb.inodes_count,
            inode_size: sb.inode_size,
            first_ino: sb.first_ino,
            groups: sb.group_count(),
            rev_level: sb.rev_level,
            filetype: sb.has_filetype(),
        }
    }

    /// Block pointers per indirect block.
    pub fn ptrs(&self) -> u64 {
        u64::from(self.block_size / 4)
    }

    /// Block holding the superblock, and its offset there.
    pub fn superblock_at(&self) -> (u32, usize) {
        let bs = u64::from(self.block_size);
        (
            (superblock::OFFSET / bs) as u32,
            (superblock::OFFSET % bs) as usize,
        )
    }

    /// Block holding group `g`'s descriptor, and its offset there.
    pub fn descriptor_at(&self, g: u32) -> (u32, usize) {
        let byte = g as usize * group::LEN;
        let bs = self.block_size as usize;
        (self.first_data_block + 1 + (byte / bs) as u32, byte % bs)
    }

    /// Number of blocks in group `g` (the last one may be short).
    pub fn blocks_in_group(&self, g: u32) -> u32 {
        let start = self.first_data_block + g * self.blocks_per_group;
        (self.blocks_count - start).min(self.blocks_per_group)
    }

    pub fn group_of_block(&self, b: u32) -> u32 {
        (b - self.first_data_block) / self.blocks_per_group
    }

    pub fn group_of_inode(&self, ino: u32) -> u32 {
        (ino - 1) / self.inodes_per_group
    }

    /// Blocks of one inode table.
    pub fn inode_table_blocks(&self) -> u32 {
        (self.inodes_per_group * self.inode_size).div_ceil(self.block_size)
    }

    /// Checks that a block number read from the image lies in the volume.
    pub fn check_block(&self, b: u32, what: impl FnOnce() -> String) -> Result<u32> {
        if b < self.first_data_block || b >= self.blocks_count {
            return Err(corrupt!(
                "{}: block {b} outside the volume ({}..{})",
                what(),
                self.first_data_block,
                self.blocks_count
            ));
        }
        Ok(b)
    }
}

/// The type of inode `ino`; a mode naming none is corruption.
pub(crate) fn file_type(ino: u32, inode: &Inode) -> Result<FileType> {
    inode
        .kind()
        .ok_or_else(|| corrupt!("inode {ino}: mode {:o} names no file type", inode.mode))
}

/// A running operation; see the module doc.
pub(crate) struct Txn<'a, D> {
    dev: &'a mut D,
    cache: &'a mut BlockCache,
    pub geo: &'a Geometry,
    /// Wall-clock seconds for the timestamps this operation sets.
    pub now: u32,
    writes: BTreeMap<u64, (Kind, Vec<u8>)>,
}

impl<'a, D: BlockDevice> Txn<'a, D> {
    pub fn new(dev: &'a mut D, cache: &'a mut BlockCache, geo: &'a Geometry, now: u32) -> Self {
        Txn {
            dev,
            cache,
            geo,
            now,
            writes: BTreeMap::new(),
        }
    }

    /// Hands the write set to the cache: the operation has succeeded.
    pub fn commit(self) {
        self.cache.commit(self.writes);
    }

    /// The current contents of block `n` as this operation sees them.
    pub fn block(&mut self, n: u32) -> Result<Vec<u8>> {
        if let Some((_, b)) = self.writes.get(&u64::from(n)) {
            return Ok(b.clone());
        }
        self.cache.read(self.dev, u64::from(n))
    }

    /// Stages new contents for block `n`.
    pub fn put(&mut self, n: u32, kind: Kind, data: Vec<u8>) {
        debug_assert_eq!(data.len(), self.geo.block_size as usize);
        self.writes.insert(u64::from(n), (kind, data));
    }

    /// Where inode `ino` lives: block and byte offset.
    fn inode_at(&mut self, ino: u32) -> Result<(u32, usize)> {
        if ino == 0 || ino > self.geo.inodes_count {
            return Err(Error::Invalid);
        }
        let g = self.geo.group_of_inode(ino);
        let index = (ino - 1) % self.geo.inodes_per_group;
        let byte = index as usize * self.geo.inode_size as usize;
        let bs = self.geo.block_size as usize;
        let table = self.group(g)?.inode_table;
        Ok((table + (byte / bs) as u32, byte % bs))
    }

    pub fn inode(&mut self, ino: u32) -> Result<Inode> {
        let (b, off) = self.inode_at(ino)?;
        Ok(Inode::parse(&self.block(b)?[off..]))
    }

    pub fn put_inode(&mut self, ino: u32, inode: &Inode) -> Result<()> {
        let (b, off) = self.inode_at(ino)?;
        let mut data = self.block(b)?;
        inode.emit(&mut data[off..]);
        self.put(b, Kind::Tree, data);
        Ok(())
    }

    /// Zeroes inode `ino`'s whole slot, as Linux does for a new inode.
    pub fn clear_inode_slot(&mut self, ino: u32) -> Result<()> {
        let (b, off) = self.inode_at(ino)?;
        let mut data = self.block(b)?;
        data[off..off + self.geo.inode_size as usize].fill(0);
        self.put(b, Kind::Tree, data);
        Ok(())
    }

    pub fn group(&mut self, g: u32) -> Result<GroupDesc> {
        let (b, off) = self.geo.descriptor_at(g);
        Ok(GroupDesc::parse(&self.block(b)?[off..]))
    }

    pub fn put_group(&mut self, g: u32, desc: &GroupDesc) -> Result<()> {
        let (b, off) = self.geo.descriptor_at(g);
        let mut data = self.block(b)?;
        desc.emit_counts(&mut data[off..]);
        self.put(b, Kind::Summary, data);
        Ok(())
    }

    /// The superblock as this operation sees it.
    pub fn superblock(&mut self) -> Result<Superblock> {
        let (b, off) = self.geo.superblock_at();
        Superblock::parse(&self.block(b)?[off..off + superblock::LEN])
    }

    /// Edits the raw superblock bytes.
    pub fn edit_superblock(&mut self, f: impl FnOnce(&mut [u8]) -> Result<()>) -> Result<()> {
        let (b, off) = self.geo.superblock_at();
        let mut data = self.block(b)?;
        f(&mut data[off..off + superblock::LEN])?;
        self.put(b, Kind::Summary, data);
        Ok(())
    }
}
