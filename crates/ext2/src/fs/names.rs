//! The name space: creating, linking, unlinking and renaming nodes, and the
//! end of an inode's life.
//!
//! Link counts follow ext2: a file counts its names; a directory counts its
//! name, its own `.` and the `..` of each subdirectory. When the count
//! reaches zero the inode is evicted (blocks freed, `dtime` set, bitmap bit
//! cleared) — unless it is still open, then it becomes an orphan and is
//! evicted at its last release.

use std::collections::HashMap;

use tabvm_disk::BlockDevice;

use super::txn::{file_type, Txn};
use super::Owner;
use crate::cache::Kind;
use crate::error::{corrupt, Error, Result};
use crate::layout::dirent::NAME_MAX;
use crate::layout::inode::{FileType, Inode, LINK_MAX, ROOT_INO};
use crate::layout::{le32, put32};

/// Open descriptions per inode.
pub(crate) type OpenCounts = HashMap<u32, u32>;

/// What a new inode starts with.
pub(crate) enum Init<'a> {
    /// Nothing: a regular file, FIFO or socket.
    Empty,
    /// `.` and `..`.
    Directory,
    /// A device number (major, minor).
    Device(u32, u32),
    /// A symlink target.
    Symlink(&'a [u8]),
}

/// Magic number of an extended-attribute block.
const XATTR_MAGIC: u32 = 0xEA02_0000;
/// Longest target kept in the inode itself (a fast symlink).
const FAST_SYMLINK_MAX: usize = 59;

/// The name [`Txn::shelter`] gives an orphan: e2fsck's own.
fn shelter_name(ino: u32) -> Vec<u8> {
    format!("#{ino}").into_bytes()
}

/// Rejects names that cannot be a directory entry.
fn check_name(name: &[u8]) -> Result<()> {
    if name.len() > NAME_MAX {
        return Err(Error::NameTooLong);
    }
    if name.is_empty() || name == b"." || name == b".." || name.iter().any(|&c| c == b'/' || c == 0)
    {
        return Err(Error::Invalid);
    }
    Ok(())
}

impl<D: BlockDevice> Txn<'_, D> {
    /// The inode of a live directory (`ENOTDIR`; `ENOENT` once removed).
    pub fn dir_inode(&mut self, dir: u32) -> Result<Inode> {
        let inode = self.inode(dir)?;
        if inode.kind() != Some(FileType::Directory) {
            return Err(Error::NotDir);
        }
        if inode.links == 0 {
            return Err(Error::NotFound);
        }
        Ok(inode)
    }

    pub fn lookup(&mut self, dir: u32, name: &[u8]) -> Result<u32> {
        let inode = self.dir_inode(dir)?;
        match self.find_entry(dir, &inode, name)? {
            Some(f) => Ok(f.entry.inode),
            None => Err(Error::NotFound),
        }
    }

    /// Creates `name` in `dir` with `mode` (type and permission bits).
    pub fn make_node(
        &mut self,
        dir: u32,
        name: &[u8],
        mode: u16,
        owner: Owner,
        init: Init,
    ) -> Result<u32> {
        check_name(name)?;
        let kind = FileType::from_mode(mode).ok_or(Error::Invalid)?;
        let mut parent = self.dir_inode(dir)?;
        if self.find_entry(dir, &parent, name)?.is_some() {
            return Err(Error::Exists);
        }
        let is_dir = kind == FileType::Directory;
        if is_dir && parent.links >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let ino = self.alloc_inode(dir, is_dir)?;
        self.clear_inode_slot(ino)?;
        let mut inode = Inode {
            mode,
            uid: owner.uid,
            gid: owner.gid,
            atime: self.now,
            ctime: self.now,
            mtime: self.now,
            links: 1,
            ..Inode::default()
        };
        let bs = self.geo.block_size as usize;
        match init {
            Init::Empty => {}
            Init::Directory => {
                let mut goal = self.goal_after(ino, &inode, 0)?;
                let (b, _) = self.map_alloc(ino, &mut inode, 0, &mut goal)?;
                let block = self.new_dir_block(ino, dir);
                self.put(b, Kind::Tree, block);
                inode.size = bs as u64;
                inode.links = 2;
                parent.links += 1;
            }
            Init::Device(major, minor) => inode.set_rdev(major, minor),
            Init::Symlink(target) => {
                if target.is_empty() {
                    return Err(Error::NotFound);
                }
                if target.len() >= bs {
                    return Err(Error::NameTooLong);
                }
                if target.len() <= FAST_SYMLINK_MAX {
                    inode.set_block_bytes(target);
                } else {
                    let mut goal = self.goal_after(ino, &inode, 0)?;
                    let (b, _) = self.map_alloc(ino, &mut inode, 0, &mut goal)?;
                    let mut block = vec![0; bs];
                    block[..target.len()].copy_from_slice(target);
                    self.put(b, Kind::Data, block);
                }
                inode.size = target.len() as u64;
            }
        }
        self.put_inode(ino, &inode)?;
        self.add_entry(dir, &mut parent, name, ino, kind)?;
        self.touch_dir(dir, &mut parent)?;
        Ok(ino)
    }

    /// Stamps a changed directory and stores it.
    fn touch_dir(&mut self, dir: u32, inode: &mut Inode) -> Result<()> {
        inode.mtime = self.now;
        inode.ctime = self.now;
        self.put_inode(dir, inode)
    }

    /// A new name `name` in `dir` for the non-directory `ino`.
    pub fn link(&mut self, ino: u32, dir: u32, name: &[u8]) -> Result<()> {
        check_name(name)?;
        let mut inode = self.inode(ino)?;
        let kind = file_type(ino, &inode)?;
        if kind == FileType::Directory {
            return Err(Error::NotPermitted);
        }
        if inode.links == 0 {
            return Err(Error::NotFound);
        }
        if inode.links >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let mut parent = self.dir_inode(dir)?;
        if self.find_entry(dir, &parent, name)?.is_some() {
            return Err(Error::Exists);
        }
        self.add_entry(dir, &mut parent, name, ino, kind)?;
        self.touch_dir(dir, &mut parent)?;
        inode.links += 1;
        inode.ctime = self.now;
        self.put_inode(ino, &inode)
    }

    /// Names the orphan `ino` (no names, still open) `#ino` in `lost_found`
    /// for a write-back: e2fsck counts an inode without names as damage,
    /// and `#ino` in `/lost+found` is where it would put the inode itself.
    /// Times are left alone, since [`unshelter`](Self::unshelter) undoes
    /// this before the guest can look. Says whether it named the inode
    /// (directories are left as they are).
    pub fn shelter(&mut self, ino: u32, lost_found: u32) -> Result<bool> {
        let mut inode = self.inode(ino)?;
        let kind = file_type(ino, &inode)?;
        if inode.links != 0 || kind == FileType::Directory {
            return Ok(false);
        }
        let mut parent = self.dir_inode(lost_found)?;
        self.add_entry(lost_found, &mut parent, &shelter_name(ino), ino, kind)?;
        self.put_inode(lost_found, &parent)?;
        inode.links = 1;
        self.put_inode(ino, &inode)?;
        Ok(true)
    }

    /// Takes back the name [`shelter`](Self::shelter) gave `ino`.
    pub fn unshelter(&mut self, ino: u32, lost_found: u32) -> Result<()> {
        let mut parent = self.dir_inode(lost_found)?;
        let found = self
            .find_entry(lost_found, &parent, &shelter_name(ino))?
            .ok_or_else(|| corrupt!("inode {ino}: its name in lost+found is gone"))?;
        self.remove_entry(&mut parent, &found)?;
        self.put_inode(lost_found, &parent)?;
        let mut inode = self.inode(ino)?;
        inode.links = 0;
        self.put_inode(ino, &inode)
    }

    /// Removes the non-directory name `name` from `dir`. Returns the inode
    /// if it became an orphan (no names, still open).
    pub fn unlink(&mut self, dir: u32, name: &[u8], open: &OpenCounts) -> Result<Option<u32>> {
        let mut parent = self.dir_inode(dir)?;
        let found = self
            .find_entry(dir, &parent, name)?
            .ok_or(Error::NotFound)?;
        let ino = found.entry.inode;
        let mut inode = self.inode(ino)?;
        if inode.kind() == Some(FileType::Directory) {
            return Err(Error::IsDir);
        }
        self.remove_entry(&mut parent, &found)?;
        self.touch_dir(dir, &mut parent)?;
        inode.links = inode.links.saturating_sub(1);
        inode.ctime = self.now;
        self.settle(ino, inode, open)
    }

    /// Removes the empty directory `name` from `dir`.
    pub fn rmdir(&mut self, dir: u32, name: &[u8], open: &OpenCounts) -> Result<Option<u32>> {
        match name {
            b"." => return Err(Error::Invalid),
            b".." => return Err(Error::NotEmpty),
            _ => {}
        }
        let mut parent = self.dir_inode(dir)?;
        let found = self
            .find_entry(dir, &parent, name)?
            .ok_or(Error::NotFound)?;
        let ino = found.entry.inode;
        let mut inode = self.inode(ino)?;
        if inode.kind() != Some(FileType::Directory) {
            return Err(Error::NotDir);
        }
        if !self.dir_is_empty(ino, &inode)? {
            return Err(Error::NotEmpty);
        }
        self.remove_entry(&mut parent, &found)?;
        parent.links = parent.links.saturating_sub(1);
        self.touch_dir(dir, &mut parent)?;
        inode.links = 0;
        inode.ctime = self.now;
        self.settle(ino, inode, open)
    }

    /// Renames `from/from_name` to `to/to_name`, replacing a compatible
    /// target. Returns a replaced inode that became an orphan.
    pub fn rename(
        &mut self,
        from: u32,
        from_name: &[u8],
        to: u32,
        to_name: &[u8],
        open: &OpenCounts,
    ) -> Result<Option<u32>> {
        check_name(from_name)?;
        check_name(to_name)?;
        let fparent = self.dir_inode(from)?;
        let src_found = self
            .find_entry(from, &fparent, from_name)?
            .ok_or(Error::NotFound)?;
        let src = src_found.entry.inode;
        let mut src_inode = self.inode(src)?;
        let src_kind = file_type(src, &src_inode)?;
        let src_is_dir = src_kind == FileType::Directory;
        let mut tparent = self.dir_inode(to)?;
        let dst_found = self.find_entry(to, &tparent, to_name)?;
        if dst_found.as_ref().is_some_and(|d| d.entry.inode == src) {
            return Ok(None);
        }
        let moves_dir = src_is_dir && from != to;
        if moves_dir {
            self.check_not_ancestor(src, to)?;
        }
        let mut orphan = None;
        match dst_found {
            Some(d) => {
                let dst = d.entry.inode;
                let mut dst_inode = self.inode(dst)?;
                let dst_is_dir = dst_inode.kind() == Some(FileType::Directory);
                match (src_is_dir, dst_is_dir) {
                    (true, false) => return Err(Error::NotDir),
                    (false, true) => return Err(Error::IsDir),
                    (true, true) if !self.dir_is_empty(dst, &dst_inode)? => {
                        return Err(Error::NotEmpty)
                    }
                    _ => {}
                }
                self.retarget_entry(&d, src, src_kind)?;
                if dst_is_dir {
                    dst_inode.links = 0;
                    tparent.links = tparent.links.saturating_sub(1);
                } else {
                    dst_inode.links = dst_inode.links.saturating_sub(1);
                }
                dst_inode.ctime = self.now;
                orphan = self.settle(dst, dst_inode, open)?;
            }
            None => {
                if moves_dir && tparent.links >= LINK_MAX {
                    return Err(Error::TooManyLinks);
                }
                self.add_entry(to, &mut tparent, to_name, src, src_kind)?;
            }
        }
        if moves_dir {
            tparent.links += 1;
        }
        self.touch_dir(to, &mut tparent)?;
        // Entries may have moved within their blocks: find the source again.
        let mut fparent = self.inode(from)?;
        let src_found = self
            .find_entry(from, &fparent, from_name)?
            .ok_or_else(|| corrupt!("directory inode {from}: entry vanished during rename"))?;
        self.remove_entry(&mut fparent, &src_found)?;
        if moves_dir {
            let dotdot = self
                .find_entry(src, &src_inode, b"..")?
                .ok_or_else(|| corrupt!("directory inode {src}: no '..' entry"))?;
            self.retarget_entry(&dotdot, to, FileType::Directory)?;
            fparent.links = fparent.links.saturating_sub(1);
        }
        self.touch_dir(from, &mut fparent)?;
        src_inode.ctime = self.now;
        self.put_inode(src, &src_inode)?;
        Ok(orphan)
    }

    /// Fails with `EINVAL` if directory `dir` lies inside directory `src`
    /// (a directory cannot move into itself).
    fn check_not_ancestor(&mut self, src: u32, dir: u32) -> Result<()> {
        let mut cur = dir;
        for _ in 0..self.geo.inodes_count {
            if cur == src {
                return Err(Error::Invalid);
            }
            if cur == ROOT_INO {
                return Ok(());
            }
            cur = self.lookup(cur, b"..")?;
        }
        Err(corrupt!(
            "directory inode {dir}: '..' chain does not reach the root"
        ))
    }

    /// Stores an inode whose link count just dropped: evicts it at zero
    /// links unless open, when it is returned as an orphan.
    fn settle(&mut self, ino: u32, inode: Inode, open: &OpenCounts) -> Result<Option<u32>> {
        if inode.links > 0 {
            self.put_inode(ino, &inode)?;
            return Ok(None);
        }
        if open.get(&ino).is_some_and(|&n| n > 0) {
            self.put_inode(ino, &inode)?;
            return Ok(Some(ino));
        }
        self.evict(ino, inode)?;
        Ok(None)
    }

    /// Frees an inode without names or openers: its blocks, its share of an
    /// attribute block, its number. `dtime` records the deletion.
    pub fn evict(&mut self, ino: u32, mut inode: Inode) -> Result<()> {
        let bs = self.geo.block_size;
        if inode.has_block_map(bs) {
            self.free_blocks_from(ino, &mut inode, 0)?;
        }
        if inode.file_acl != 0 {
            self.release_xattr_block(ino, &mut inode)?;
        }
        let is_dir = inode.kind() == Some(FileType::Directory);
        inode.links = 0;
        inode.size = 0;
        inode.dtime = self.now;
        self.put_inode(ino, &inode)?;
        self.free_inode_number(ino, is_dir)
    }

    /// Drops one reference to the inode's extended-attribute block, freeing
    /// it with the last.
    fn release_xattr_block(&mut self, ino: u32, inode: &mut Inode) -> Result<()> {
        let b = self
            .geo
            .check_block(inode.file_acl, || format!("inode {ino}, attribute block"))?;
        let mut data = self.block(b)?;
        if le32(&data, 0) != XATTR_MAGIC {
            return Err(corrupt!(
                "inode {ino}: attribute block {b} has a bad magic number"
            ));
        }
        let refs = le32(&data, 4);
        if refs > 1 {
            put32(&mut data, 4, refs - 1);
            self.put(b, Kind::Tree, data);
        } else {
            self.free_block(b)?;
        }
        inode.blocks = inode.blocks.saturating_sub(self.geo.block_size / 512);
        inode.file_acl = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(check_name(b"ok"), Ok(()));
        assert_eq!(check_name(&[b'a'; 256]), Err(Error::NameTooLong));
        assert!(check_name(&[b'a'; 255]).is_ok());
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0"] {
            assert_eq!(check_name(bad), Err(Error::Invalid));
        }
    }
}
