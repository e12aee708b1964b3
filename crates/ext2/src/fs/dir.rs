//! Directory contents: finding, listing, adding and removing entries, the
//! way Linux's ext2 does it.
//!
//! A new entry goes into the first slot big enough: an unused entry, or the
//! slack after a live entry's name (the entry is shrunk to its name and the
//! new one takes the rest of its `rec_len`). With no room anywhere, the
//! directory grows by one block holding just the new entry. A removed entry
//! is merged into the entry before it in the same block; the first entry of
//! a block becomes unused instead. Directories never shrink, as in Linux.

use tabvm_disk::BlockDevice;

use super::txn::Txn;
use crate::cache::Kind;
use crate::error::{corrupt, Result};
use crate::layout::dirent::{self, entry_len, Entry};
use crate::layout::inode::{FileType, Inode, INDEX_FL};

/// A located entry.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// Volume block holding it.
    pub block: u32,
    pub entry: Entry,
    /// Offset of the entry before it in the same block, if any.
    pub prev: Option<usize>,
}

impl<D: BlockDevice> Txn<'_, D> {
    fn entry_code(&self, kind: FileType) -> u8 {
        if self.geo.filetype {
            kind.dirent_code()
        } else {
            0
        }
    }

    /// The parsed block `l` of directory `dir` and where it is.
    fn dir_block(&mut self, dir: u32, inode: &Inode, l: u64) -> Result<(u32, Vec<u8>, Vec<Entry>)> {
        let Some(b) = self.map(dir, inode, l)? else {
            return Err(corrupt!("directory inode {dir}: block {l} is a hole"));
        };
        let data = self.block(b)?;
        let entries = dirent::parse_block(&data, self.geo.filetype)
            .map_err(|e| corrupt!("directory inode {dir}, block {l} (volume block {b}): {e}"))?;
        for e in &entries {
            if e.inode > self.geo.inodes_count {
                return Err(corrupt!(
                    "directory inode {dir}, block {l}: entry at offset {} names inode {} beyond the last ({})",
                    e.offset,
                    e.inode,
                    self.geo.inodes_count
                ));
            }
        }
        Ok((b, data, entries))
    }

    fn dir_len(&self, dir: u32, inode: &Inode) -> Result<u64> {
        let bs = u64::from(self.geo.block_size);
        if !inode.size.is_multiple_of(bs) {
            return Err(corrupt!(
                "directory inode {dir}: size {} is not a whole number of blocks",
                inode.size
            ));
        }
        Ok(inode.size / bs)
    }

    /// Finds `name` in directory `dir`.
    pub fn find_entry(&mut self, dir: u32, inode: &Inode, name: &[u8]) -> Result<Option<Found>> {
        for l in 0..self.dir_len(dir, inode)? {
            let (block, _, entries) = self.dir_block(dir, inode, l)?;
            let mut prev = None;
            for entry in entries {
                if entry.inode != 0 && entry.name == name {
                    return Ok(Some(Found { block, entry, prev }));
                }
                prev = Some(entry.offset);
            }
        }
        Ok(None)
    }

    /// Every live entry of directory `dir`, `.` and `..` included, in order.
    pub fn list_entries(&mut self, dir: u32, inode: &Inode) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        for l in 0..self.dir_len(dir, inode)? {
            let (_, _, entries) = self.dir_block(dir, inode, l)?;
            out.extend(entries.into_iter().filter(|e| e.inode != 0));
        }
        Ok(out)
    }

    /// Whether directory `dir` holds nothing but `.` and `..`.
    pub fn dir_is_empty(&mut self, dir: u32, inode: &Inode) -> Result<bool> {
        Ok(self
            .list_entries(dir, inode)?
            .iter()
            .all(|e| e.name == b"." || e.name == b".."))
    }

    /// Adds the entry `name` → `target` to directory `dir` (whose inode the
    /// caller stores afterwards: it may grow).
    pub fn add_entry(
        &mut self,
        dir: u32,
        inode: &mut Inode,
        name: &[u8],
        target: u32,
        kind: FileType,
    ) -> Result<()> {
        let need = entry_len(name.len());
        let code = self.entry_code(kind);
        inode.flags &= !INDEX_FL;
        for l in 0..self.dir_len(dir, inode)? {
            let (b, mut data, entries) = self.dir_block(dir, inode, l)?;
            for e in entries {
                let used = e.used();
                if e.rec_len - used < need {
                    continue;
                }
                let offset = if used == 0 {
                    e.offset
                } else {
                    dirent::set_rec_len(&mut data, e.offset, used);
                    e.offset + used
                };
                let new = Entry {
                    offset,
                    inode: target,
                    rec_len: e.rec_len - used,
                    code,
                    name: name.to_vec(),
                };
                dirent::emit(&mut data, &new, self.geo.filetype);
                self.put(b, Kind::Tree, data);
                return Ok(());
            }
        }
        let bs = self.geo.block_size as usize;
        let l = inode.size / bs as u64;
        let mut goal = self.goal_after(dir, inode, l)?;
        let (b, _) = self.map_alloc(dir, inode, l, &mut goal)?;
        let mut data = vec![0; bs];
        let new = Entry {
            offset: 0,
            inode: target,
            rec_len: bs,
            code,
            name: name.to_vec(),
        };
        dirent::emit(&mut data, &new, self.geo.filetype);
        self.put(b, Kind::Tree, data);
        inode.size += bs as u64;
        Ok(())
    }

    /// Where to place block `l` of a file: after its block `l - 1`, or at
    /// the start of its inode's group.
    pub fn goal_after(&mut self, ino: u32, inode: &Inode, l: u64) -> Result<u32> {
        if l > 0 {
            if let Some(prev) = self.map(ino, inode, l - 1)? {
                return Ok(prev + 1);
            }
        }
        let g = self.geo.group_of_inode(ino);
        Ok(self.geo.first_data_block + g * self.geo.blocks_per_group)
    }

    /// Removes a found entry from directory `dir`.
    pub fn remove_entry(&mut self, inode: &mut Inode, found: &Found) -> Result<()> {
        inode.flags &= !INDEX_FL;
        let mut data = self.block(found.block)?;
        match found.prev {
            Some(prev) => {
                let prev_len = usize::from(u16::from_le_bytes([data[prev + 4], data[prev + 5]]));
                dirent::set_rec_len(&mut data, prev, prev_len + found.entry.rec_len);
            }
            None => data[found.entry.offset..found.entry.offset + 4].fill(0),
        }
        self.put(found.block, Kind::Tree, data);
        Ok(())
    }

    /// Points a found entry at another inode (rename over an existing name,
    /// or a moved directory's `..`).
    pub fn retarget_entry(&mut self, found: &Found, target: u32, kind: FileType) -> Result<()> {
        let mut data = self.block(found.block)?;
        let entry = Entry {
            inode: target,
            code: self.entry_code(kind),
            ..found.entry.clone()
        };
        dirent::emit(&mut data, &entry, self.geo.filetype);
        self.put(found.block, Kind::Tree, data);
        Ok(())
    }

    /// The first block of a new directory: `.` and `..`.
    pub fn new_dir_block(&self, ino: u32, parent: u32) -> Vec<u8> {
        let bs = self.geo.block_size as usize;
        let mut data = vec![0; bs];
        let code = self.entry_code(FileType::Directory);
        let dot = Entry {
            offset: 0,
            inode: ino,
            rec_len: 12,
            code,
            name: b".".to_vec(),
        };
        let dotdot = Entry {
            offset: 12,
            inode: parent,
            rec_len: bs - 12,
            code,
            name: b"..".to_vec(),
        };
        dirent::emit(&mut data, &dot, self.geo.filetype);
        dirent::emit(&mut data, &dotdot, self.geo.filetype);
        data
    }
}
