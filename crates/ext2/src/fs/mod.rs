//! [`Ext2`]: a mounted volume and its operations, shaped for a VFS that names
//! nodes by inode number and looks up one component at a time.
//!
//! Each public operation runs in one [`Txn`](txn::Txn) (see `txn.rs`): it
//! either completes, or fails having changed nothing — including when the
//! device answers `Pending` ([`Error::WouldBlock`]), so the caller can re-run
//! it later. Completed changes sit in the block cache until [`Ext2::sync`]
//! writes them back in a fixed order (see `cache.rs`).
//!
//! Files: `mount.rs` (mounting), `txn.rs` (the per-operation view),
//! `alloc.rs` (bitmaps), `bmap.rs` (block map, truncation), `dir.rs`
//! (entries), `file.rs` (contents), `names.rs` (name space and inode
//! lifetime).

mod alloc;
mod bmap;
mod dir;
mod file;
mod mount;
mod names;
mod txn;

use std::collections::BTreeSet;

use tabvm_disk::BlockDevice;

use crate::cache::BlockCache;
use crate::error::{Error, Result};
use crate::layout::dirent::NAME_MAX;
use crate::layout::inode::{FileType, ROOT_INO};
pub use mount::MountError;
use names::{Init, OpenCounts};
use txn::{file_type, Geometry, Txn};

/// An inode number.
pub type Ino = u32;

/// How to mount.
#[derive(Clone, Copy, Debug, Default)]
pub struct MountOptions {
    /// Refuse every change ([`Error::ReadOnly`]); allows images with
    /// read-only-compatible features this driver cannot maintain.
    pub read_only: bool,
}

/// Who creates a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// What `stat` reports about an inode. Times are seconds since the epoch
/// (ext2 keeps no nanoseconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    pub ino: Ino,
    /// Type and permission bits.
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// (major, minor) of a device node, else (0, 0).
    pub rdev: (u32, u32),
    pub size: u64,
    /// Storage in 512-byte units, indirect blocks included.
    pub blocks: u64,
    pub blksize: u32,
    pub atime: u32,
    pub mtime: u32,
    pub ctime: u32,
}

impl Stat {
    pub fn kind(&self) -> Option<FileType> {
        FileType::from_mode(self.mode as u16)
    }
}

/// One directory entry (never `.` or `..`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: Ino,
    pub kind: FileType,
    pub name: Vec<u8>,
}

/// What `statfs` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    /// `EXT2_SUPER_MAGIC`.
    pub magic: u32,
    pub bsize: u32,
    pub blocks: u64,
    pub bfree: u64,
    /// Free blocks an unprivileged user may take (minus the reserve).
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub namelen: u32,
}

/// Attribute changes; `None` leaves a field alone. Any change sets `ctime`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (`0o7777`); the type bits are kept.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub atime: Option<u32>,
    pub mtime: Option<u32>,
    /// A new size for a regular file (truncate or extend with a hole).
    pub size: Option<u64>,
}

/// A mounted ext2 volume on device `D`.
pub struct Ext2<D> {
    dev: D,
    cache: BlockCache,
    geo: Geometry,
    read_only: bool,
    /// Seconds since the epoch for the timestamps of the next operations.
    now: u32,
    open: OpenCounts,
    /// Inodes without names still open, evicted at their last release (or,
    /// if that eviction had to wait for the device, at the next `sync`).
    orphans: BTreeSet<Ino>,
}

impl<D> std::fmt::Debug for Ext2<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ext2")
            .field("geometry", &self.geo)
            .field("read_only", &self.read_only)
            .field("dirty_blocks", &self.cache.dirty_count())
            .field("orphans", &self.orphans)
            .finish_non_exhaustive()
    }
}

impl<D: BlockDevice> Ext2<D> {
    /// Runs one operation in a transaction; see the module doc.
    fn run<T>(&mut self, op: impl FnOnce(&mut Txn<D>) -> Result<T>) -> Result<T> {
        let mut tx = Txn::new(&mut self.dev, &mut self.cache, &self.geo, self.now);
        let out = op(&mut tx)?;
        tx.commit();
        Ok(out)
    }

    /// Like [`run`](Self::run) for a changing operation, which also sees
    /// the open counts; it may return an inode that became an orphan.
    fn change(
        &mut self,
        op: impl FnOnce(&mut Txn<D>, &OpenCounts) -> Result<Option<Ino>>,
    ) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly);
        }
        let mut tx = Txn::new(&mut self.dev, &mut self.cache, &self.geo, self.now);
        let orphan = op(&mut tx, &self.open)?;
        tx.commit();
        self.orphans.extend(orphan);
        Ok(())
    }

    /// Sets the clock for the timestamps of later operations (seconds since
    /// the epoch); the driver never reads a clock itself.
    pub fn set_time(&mut self, now: u32) {
        self.now = now;
    }

    pub fn root(&self) -> Ino {
        ROOT_INO
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Finds `name` in directory `dir`; `..` names the parent (the root's
    /// is the root).
    pub fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino> {
        if name.len() > NAME_MAX {
            return Err(Error::NameTooLong);
        }
        self.run(|tx| tx.lookup(dir, name))
    }

    pub fn stat(&mut self, ino: Ino) -> Result<Stat> {
        let blksize = self.geo.block_size;
        self.run(|tx| {
            let i = tx.inode(ino)?;
            let rdev = match i.kind() {
                Some(FileType::CharDev | FileType::BlockDev) => i.rdev(),
                _ => (0, 0),
            };
            Ok(Stat {
                ino,
                mode: u32::from(i.mode),
                nlink: u32::from(i.links),
                uid: i.uid,
                gid: i.gid,
                rdev,
                size: i.size,
                blocks: u64::from(i.blocks),
                blksize,
                atime: i.atime,
                mtime: i.mtime,
                ctime: i.ctime,
            })
        })
    }

    /// Reads file bytes at `offset`; 0 at or past the end.
    pub fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.run(|tx| {
            let inode = tx.inode(ino)?;
            match file_type(ino, &inode)? {
                FileType::Regular => tx.read_file(ino, &inode, offset, buf),
                FileType::Directory => Err(Error::IsDir),
                _ => Err(Error::Invalid),
            }
        })
    }

    /// Writes file bytes at `offset`, growing the file as needed.
    pub fn write(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize> {
        let mut written = 0;
        self.change(|tx, _| {
            let mut inode = tx.inode(ino)?;
            match file_type(ino, &inode)? {
                FileType::Regular => {}
                FileType::Directory => return Err(Error::IsDir),
                _ => return Err(Error::Invalid),
            }
            written = tx.write_file(ino, &mut inode, offset, data)?;
            tx.put_inode(ino, &inode)?;
            Ok(None)
        })?;
        Ok(written)
    }

    /// Sets a regular file's size.
    pub fn truncate(&mut self, ino: Ino, size: u64) -> Result<()> {
        self.set_attr(
            ino,
            SetAttr {
                size: Some(size),
                ..SetAttr::default()
            },
        )
    }

    /// Lists directory `dir` in on-disk order, without `.` and `..`.
    pub fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>> {
        self.run(|tx| {
            let inode = tx.inode(dir)?;
            if inode.kind() != Some(FileType::Directory) {
                return Err(Error::NotDir);
            }
            let mut out = Vec::new();
            // A removed directory still open lists as empty.
            if inode.links == 0 {
                return Ok(out);
            }
            for e in tx.list_entries(dir, &inode)? {
                if e.name == b"." || e.name == b".." {
                    continue;
                }
                let kind = match FileType::from_dirent_code(e.code) {
                    Some(kind) => kind,
                    None => {
                        let target = tx.inode(e.inode)?;
                        file_type(e.inode, &target)?
                    }
                };
                out.push(DirEntry {
                    ino: e.inode,
                    kind,
                    name: e.name,
                });
            }
            Ok(out)
        })
    }

    /// A symlink's target (`Invalid` for other nodes).
    pub fn readlink(&mut self, ino: Ino) -> Result<Vec<u8>> {
        self.run(|tx| {
            let inode = tx.inode(ino)?;
            tx.read_link(ino, &inode)
        })
    }

    pub fn statfs(&mut self) -> Result<StatFs> {
        self.run(|tx| {
            let sb = tx.superblock()?;
            Ok(StatFs {
                magic: 0xEF53,
                bsize: sb.block_size,
                blocks: u64::from(sb.blocks_count),
                bfree: u64::from(sb.free_blocks_count),
                bavail: u64::from(sb.free_blocks_count.saturating_sub(sb.r_blocks_count)),
                files: u64::from(sb.inodes_count),
                ffree: u64::from(sb.free_inodes_count),
                namelen: NAME_MAX as u32,
            })
        })
    }

    /// Creates an empty regular file.
    pub fn create(&mut self, dir: Ino, name: &[u8], perm: u32, owner: Owner) -> Result<Ino> {
        self.make(dir, name, FileType::Regular, perm, owner, Init::Empty)
    }

    pub fn mkdir(&mut self, dir: Ino, name: &[u8], perm: u32, owner: Owner) -> Result<Ino> {
        self.make(dir, name, FileType::Directory, perm, owner, Init::Directory)
    }

    /// Creates a node of any kind but a symlink; `rdev` counts for devices
    /// only.
    pub fn mknod(
        &mut self,
        dir: Ino,
        name: &[u8],
        kind: FileType,
        perm: u32,
        rdev: (u32, u32),
        owner: Owner,
    ) -> Result<Ino> {
        let init = match kind {
            FileType::Regular | FileType::Fifo | FileType::Socket => Init::Empty,
            FileType::Directory => Init::Directory,
            FileType::CharDev | FileType::BlockDev => Init::Device(rdev.0, rdev.1),
            FileType::Symlink => return Err(Error::Invalid),
        };
        self.make(dir, name, kind, perm, owner, init)
    }

    /// Creates a symlink: in the inode up to 59 bytes, else in a block.
    pub fn symlink(&mut self, dir: Ino, name: &[u8], target: &[u8], owner: Owner) -> Result<Ino> {
        self.make(
            dir,
            name,
            FileType::Symlink,
            0o777,
            owner,
            Init::Symlink(target),
        )
    }

    fn make(
        &mut self,
        dir: Ino,
        name: &[u8],
        kind: FileType,
        perm: u32,
        owner: Owner,
        init: Init,
    ) -> Result<Ino> {
        let mode = kind.mode_bits() | (perm & 0o7777) as u16;
        let mut ino = 0;
        self.change(|tx, _| {
            ino = tx.make_node(dir, name, mode, owner, init)?;
            Ok(None)
        })?;
        Ok(ino)
    }

    /// A new name for the non-directory `ino`.
    pub fn link(&mut self, ino: Ino, dir: Ino, name: &[u8]) -> Result<()> {
        self.change(|tx, _| tx.link(ino, dir, name).map(|()| None))
    }

    /// Removes a non-directory name.
    pub fn unlink(&mut self, dir: Ino, name: &[u8]) -> Result<()> {
        self.change(|tx, open| tx.unlink(dir, name, open))
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, dir: Ino, name: &[u8]) -> Result<()> {
        self.change(|tx, open| tx.rmdir(dir, name, open))
    }

    /// Renames with Linux's replacement rules.
    pub fn rename(&mut self, from: Ino, from_name: &[u8], to: Ino, to_name: &[u8]) -> Result<()> {
        self.change(|tx, open| tx.rename(from, from_name, to, to_name, open))
    }

    pub fn set_attr(&mut self, ino: Ino, attr: SetAttr) -> Result<()> {
        self.change(|tx, _| {
            let mut inode = tx.inode(ino)?;
            // An orphan may still change (`ftruncate` of an unlinked open
            // file); an evicted inode (`dtime` set) is gone.
            if inode.links == 0 && inode.dtime != 0 {
                return Err(Error::NotFound);
            }
            if let Some(size) = attr.size {
                tx.truncate_file(ino, &mut inode, size)?;
            }
            if let Some(perm) = attr.mode {
                inode.mode = (inode.mode & !0o7777) | (perm & 0o7777) as u16;
            }
            if let Some(uid) = attr.uid {
                inode.uid = uid;
            }
            if let Some(gid) = attr.gid {
                inode.gid = gid;
            }
            if let Some(t) = attr.atime {
                inode.atime = t;
            }
            if let Some(t) = attr.mtime {
                inode.mtime = t;
            }
            inode.ctime = tx.now;
            tx.put_inode(ino, &inode)?;
            Ok(None)
        })
    }

    /// An open file description now refers to `ino`.
    pub fn open(&mut self, ino: Ino) {
        *self.open.entry(ino).or_insert(0) += 1;
    }

    /// Ends one [`open`](Self::open). The last release of an inode without
    /// names frees it; if that has to wait for the device, it is retried by
    /// [`sync`](Self::sync) (the result then says why it waited).
    pub fn release(&mut self, ino: Ino) -> Result<()> {
        match self.open.get_mut(&ino) {
            Some(n) if *n > 1 => {
                *n -= 1;
                return Ok(());
            }
            Some(_) => {
                self.open.remove(&ino);
            }
            None => return Ok(()),
        }
        self.reap(ino)
    }

    /// Evicts orphan `ino` if nothing holds it any more.
    fn reap(&mut self, ino: Ino) -> Result<()> {
        if !self.orphans.contains(&ino) || self.open.contains_key(&ino) {
            return Ok(());
        }
        if !self.read_only {
            self.run(|tx| {
                let inode = tx.inode(ino)?;
                tx.evict(ino, inode)
            })?;
        }
        self.orphans.remove(&ino);
        Ok(())
    }

    /// Evicts released orphans, writes every dirty block back (data, bitmaps,
    /// trees, summaries: see `cache.rs`) and asks the device to make them
    /// durable. Resumable: after `WouldBlock` call again.
    ///
    /// What reaches the device is always a volume `e2fsck` finds clean, so
    /// a device that commits at its `flush` (an overlay) survives a crash
    /// at any moment: orphans still open get a name in `/lost+found` for
    /// the write-back (see `Txn::shelter`), dropped again right after.
    pub fn sync(&mut self) -> Result<()> {
        let pending: Vec<Ino> = self.orphans.iter().copied().collect();
        for ino in pending {
            self.reap(ino)?;
        }
        let lost_found = match self.orphans.is_empty() || self.read_only {
            true => None,
            false => self.lookup(ROOT_INO, b"lost+found").ok(),
        };
        let Some(lost_found) = lost_found else {
            return self.cache.flush(&mut self.dev);
        };
        let orphans: Vec<Ino> = self.orphans.iter().copied().collect();
        let mut named = Vec::new();
        self.change(|tx, _| {
            for &ino in &orphans {
                if tx.shelter(ino, lost_found)? {
                    named.push(ino);
                }
            }
            Ok(None)
        })?;
        let flushed = self.cache.flush(&mut self.dev);
        let unnamed = self.change(|tx, _| {
            for &ino in &named {
                tx.unshelter(ino, lost_found)?;
            }
            Ok(None)
        });
        if unnamed.is_err() {
            // The names stay (as e2fsck would have given them): these are
            // ordinary files in /lost+found now, no orphans to evict.
            for ino in &named {
                self.orphans.remove(ino);
            }
        }
        flushed.and(unnamed)
    }

    /// Blocks changed but not yet written back.
    pub fn dirty_blocks(&self) -> usize {
        self.cache.dirty_count()
    }

    /// The device, e.g. to inspect it after [`sync`](Self::sync).
    pub fn device(&self) -> &D {
        &self.dev
    }

    /// Unmounts without writing: call [`sync`](Self::sync) first.
    pub fn into_device(self) -> D {
        self.dev
    }
}
