//! File contents: reading and writing at an offset through the block map,
//! holes, truncation, and symlink targets.

use tabvm_disk::BlockDevice;

use super::bmap::max_blocks;
use super::txn::{file_type, Txn};
use crate::cache::Kind;
use crate::error::{corrupt, Error, Result};
use crate::layout::inode::{FileType, Inode};
use crate::layout::superblock;

/// Largest size without the `large_file` feature.
const SMALL_FILE_MAX: u64 = (1 << 31) - 1;

impl<D: BlockDevice> Txn<'_, D> {
    /// Reads from `offset` into `buf`; returns the bytes read (0 at or past
    /// the end). Holes read as zeros.
    pub fn read_file(
        &mut self,
        ino: u32,
        inode: &Inode,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize> {
        if offset >= inode.size {
            return Ok(0);
        }
        let bs = u64::from(self.geo.block_size);
        let len = (inode.size - offset).min(buf.len() as u64) as usize;
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let within = (pos % bs) as usize;
            let n = (bs as usize - within).min(len - done);
            let out = &mut buf[done..done + n];
            match self.map(ino, inode, pos / bs)? {
                Some(b) => out.copy_from_slice(&self.block(b)?[within..within + n]),
                None => out.fill(0),
            }
            done += n;
        }
        Ok(len)
    }

    /// Makes sure a regular file may reach `end` bytes: within the block map,
    /// and past 2 GiB only with `large_file` (set here on revision 1 volumes,
    /// as Linux does).
    fn allow_size(&mut self, end: u64) -> Result<()> {
        let bs = u64::from(self.geo.block_size);
        if end > max_blocks(self.geo.ptrs()) * bs {
            return Err(Error::FileTooBig);
        }
        if end > SMALL_FILE_MAX && !self.superblock()?.has_large_file() {
            if self.geo.rev_level == 0 {
                return Err(Error::FileTooBig);
            }
            self.edit_superblock(|sb| {
                superblock::set_large_file(sb);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Writes `data` at `offset`, allocating blocks for holes; returns the
    /// bytes written: all, or fewer when the volume fills up.
    pub fn write_file(
        &mut self,
        ino: u32,
        inode: &mut Inode,
        offset: u64,
        data: &[u8],
    ) -> Result<usize> {
        if data.is_empty() {
            return Ok(0); // changes nothing, not even the size or mtime
        }
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or(Error::FileTooBig)?;
        self.allow_size(end)?;
        let bs = u64::from(self.geo.block_size);
        let mut goal = None;
        let mut done = 0;
        while done < data.len() {
            let pos = offset + done as u64;
            let l = pos / bs;
            let within = (pos % bs) as usize;
            let n = (bs as usize - within).min(data.len() - done);
            let mut g = match goal {
                Some(g) => g,
                None => self.goal_after(ino, inode, l)?,
            };
            let (b, fresh) = match self.map_alloc(ino, inode, l, &mut g) {
                // A full volume ends the write short, as in Linux; an
                // indirect block allocated on the way stays, empty, which
                // is consistent.
                Err(Error::NoSpace) if done > 0 => break,
                other => other?,
            };
            goal = Some(g);
            let mut block = if fresh || n == bs as usize {
                vec![0; bs as usize]
            } else {
                self.block(b)?
            };
            block[within..within + n].copy_from_slice(&data[done..done + n]);
            self.put(b, Kind::Data, block);
            done += n;
        }
        inode.size = inode.size.max(offset + done as u64);
        inode.mtime = self.now;
        inode.ctime = self.now;
        Ok(done)
    }

    /// Sets a regular file's size: shrinking frees the blocks past the end
    /// (indirect ones too) and zeroes the rest of the last block, so a later
    /// extension reads zeros; growing leaves a hole.
    pub fn truncate_file(&mut self, ino: u32, inode: &mut Inode, size: u64) -> Result<()> {
        match file_type(ino, inode)? {
            FileType::Regular => {}
            FileType::Directory => return Err(Error::IsDir),
            _ => return Err(Error::Invalid),
        }
        self.allow_size(size)?;
        let bs = u64::from(self.geo.block_size);
        if size < inode.size {
            self.free_blocks_from(ino, inode, size.div_ceil(bs))?;
            let within = (size % bs) as usize;
            if within != 0 {
                if let Some(b) = self.map(ino, inode, size / bs)? {
                    let mut block = self.block(b)?;
                    block[within..].fill(0);
                    self.put(b, Kind::Data, block);
                }
            }
        }
        if size != inode.size {
            inode.size = size;
            inode.mtime = self.now;
            inode.ctime = self.now;
        }
        Ok(())
    }

    /// A symlink's target.
    pub fn read_link(&mut self, ino: u32, inode: &Inode) -> Result<Vec<u8>> {
        if inode.kind() != Some(FileType::Symlink) {
            return Err(Error::Invalid);
        }
        let bs = self.geo.block_size;
        let size = inode.size as usize;
        if inode.is_fast_symlink(bs) {
            let raw = inode.block_bytes();
            if size > raw.len() {
                return Err(corrupt!(
                    "symlink inode {ino}: fast symlink of {size} bytes"
                ));
            }
            return Ok(raw[..size].to_vec());
        }
        if size >= bs as usize {
            return Err(corrupt!("symlink inode {ino}: target of {size} bytes"));
        }
        match self.map(ino, inode, 0)? {
            Some(b) => Ok(self.block(b)?[..size].to_vec()),
            None => Err(corrupt!("symlink inode {ino}: no data block")),
        }
    }
}
