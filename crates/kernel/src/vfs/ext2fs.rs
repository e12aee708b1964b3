//! ext2 as a mounted file system: the kernel's [`FileSystem`] over
//! [`tabvm_ext2::Ext2`] on any [`BlockDevice`].
//!
//! **Waiting for the device.** A block device may answer a read with
//! `Pending` (a chunk still being fetched); `Ext2` then fails the whole
//! operation with `WouldBlock`, having changed nothing. The `FileSystem`
//! trait speaks errno, so the wait travels up as [`DEVICE_WAIT`], an errno
//! value Linux keeps inside its kernel too (528, `EJUKEBOX`) and which never
//! reaches a guest: the conversion into `SysError` turns it into
//! `SysError::Block`, and the scheduler re-executes the system call on its
//! next round (DESIGN rule 1) while other tasks run. The retry polls: the
//! device is expected to make progress between rounds; a host that fetches
//! asynchronously should wake the kernel when a chunk lands.
//!
//! **Write-back.** `Ext2` keeps changed blocks in memory until `sync`. This
//! adapter syncs when the guest asks ([`FileSystem::sync`]: `fsync`,
//! `fdatasync`, `syncfs`, `sync`), once enough blocks are dirty, and when it
//! is dropped (the kernel ending). Every sync runs between whole operations
//! and ends with the device's `flush`, which an overlay makes its commit
//! point, so a crash at any moment leaves the state of some sync: a
//! consistent volume. A sync the device makes wait parks the caller like a
//! read does; the retry goes on where the write-back stopped.

use tabvm_disk::BlockDevice;
use tabvm_ext2::{self as ext2, Ext2};

use super::{Creator, DirEntry, FileSystem, FileType, Ino, SetAttr, Stat, StatFs, Timespec};
use crate::abi::errno::Errno;

/// The errno-like marker for "the device is fetching; run the call again".
pub const DEVICE_WAIT: Errno = Errno(528);

/// Dirty blocks that trigger a write-back (4 MiB of 4 KiB blocks).
const SYNC_THRESHOLD: usize = 1024;

/// An ext2 volume mounted in the VFS.
pub struct Ext2Fs<D: BlockDevice> {
    fs: Ext2<D>,
}

impl<D: BlockDevice> Ext2Fs<D> {
    pub fn new(fs: Ext2<D>) -> Self {
        Ext2Fs { fs }
    }

    /// Writes back if many blocks are waiting. A device that is pending or
    /// failing keeps them dirty for the next attempt.
    fn maybe_sync(&mut self) {
        if self.fs.dirty_blocks() >= SYNC_THRESHOLD {
            let _ = self.fs.sync();
        }
    }

    /// Runs a changing operation, then maybe writes back.
    fn change<T>(&mut self, op: impl FnOnce(&mut Ext2<D>) -> ext2::Result<T>) -> Result<T, Errno> {
        let out = op(&mut self.fs).map_err(errno);
        if out.is_ok() {
            self.maybe_sync();
        }
        out
    }
}

impl<D: BlockDevice> Drop for Ext2Fs<D> {
    fn drop(&mut self) {
        // Best effort: a device still pending or failing now loses the
        // changes, as pulling the power would.
        let _ = self.fs.sync();
    }
}

/// The errno for an ext2 error; a wait becomes [`DEVICE_WAIT`].
fn errno(e: ext2::Error) -> Errno {
    match e {
        ext2::Error::WouldBlock => DEVICE_WAIT,
        other => Errno(other.errno() as u16),
    }
}

/// An inode number from the VFS as ext2's (they came from ext2, so a
/// larger one names nothing).
fn ino(n: Ino) -> Result<ext2::Ino, Errno> {
    ext2::Ino::try_from(n).map_err(|_| Errno::ENOENT)
}

fn kind(t: ext2::FileType) -> FileType {
    match t {
        ext2::FileType::Regular => FileType::Regular,
        ext2::FileType::Directory => FileType::Directory,
        ext2::FileType::Symlink => FileType::Symlink,
        ext2::FileType::CharDev => FileType::CharDev,
        ext2::FileType::BlockDev => FileType::BlockDev,
        ext2::FileType::Fifo => FileType::Fifo,
        ext2::FileType::Socket => FileType::Socket,
    }
}

fn ext2_kind(t: FileType) -> ext2::FileType {
    match t {
        FileType::Regular => ext2::FileType::Regular,
        FileType::Directory => ext2::FileType::Directory,
        FileType::Symlink => ext2::FileType::Symlink,
        FileType::CharDev => ext2::FileType::CharDev,
        FileType::BlockDev => ext2::FileType::BlockDev,
        FileType::Fifo => ext2::FileType::Fifo,
        FileType::Socket => ext2::FileType::Socket,
    }
}

fn seconds(t: u32) -> Timespec {
    Timespec {
        sec: i64::from(t),
        nsec: 0,
    }
}

/// ext2 keeps 32-bit seconds: times before 1970 or after 2106 are clamped.
fn ext2_time(t: Timespec) -> u32 {
    t.sec.clamp(0, i64::from(u32::MAX)) as u32
}

fn owner(who: Creator) -> ext2::Owner {
    ext2::Owner {
        uid: who.uid,
        gid: who.gid,
    }
}

impl<D: BlockDevice> FileSystem for Ext2Fs<D> {
    fn root(&self) -> Ino {
        Ino::from(self.fs.root())
    }

    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        let found = self.fs.lookup(ino(dir)?, name).map_err(errno)?;
        Ok(Ino::from(found))
    }

    fn stat(&mut self, n: Ino) -> Result<Stat, Errno> {
        let s = self.fs.stat(ino(n)?).map_err(errno)?;
        Ok(Stat {
            dev: 0,
            ino: Ino::from(s.ino),
            mode: s.mode,
            nlink: s.nlink,
            uid: s.uid,
            gid: s.gid,
            rdev: s.rdev,
            size: s.size,
            blocks: s.blocks,
            blksize: s.blksize,
            atime: seconds(s.atime),
            mtime: seconds(s.mtime),
            ctime: seconds(s.ctime),
        })
    }

    fn read(&mut self, n: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        self.fs.read(ino(n)?, offset, buf).map_err(errno)
    }

    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno> {
        let entries = self.fs.readdir(ino(dir)?).map_err(errno)?;
        Ok(entries
            .into_iter()
            .map(|e| DirEntry {
                ino: Ino::from(e.ino),
                kind: kind(e.kind),
                name: e.name,
            })
            .collect())
    }

    fn readlink(&mut self, n: Ino) -> Result<Vec<u8>, Errno> {
        self.fs.readlink(ino(n)?).map_err(errno)
    }

    fn statfs(&mut self) -> StatFs {
        // The superblock stays cached from the mount, so this cannot wait in
        // practice; if it fails, report an empty volume of the right type.
        let s = self.fs.statfs().unwrap_or(ext2::StatFs {
            magic: EXT2_SUPER_MAGIC,
            namelen: 255,
            ..Default::default()
        });
        StatFs {
            magic: s.magic,
            bsize: s.bsize,
            blocks: s.blocks,
            bfree: s.bfree,
            bavail: s.bavail,
            files: s.files,
            ffree: s.ffree,
            namelen: s.namelen,
        }
    }

    fn open(&mut self, n: Ino) {
        if let Ok(n) = ino(n) {
            self.fs.open(n);
        }
    }

    fn release(&mut self, n: Ino) {
        // Freeing a released orphan that has to wait is retried by `sync`.
        if let Ok(n) = ino(n) {
            let _ = self.fs.release(n);
        }
    }

    fn sync(&mut self) -> Result<(), Errno> {
        self.fs.sync().map_err(errno)
    }

    fn tick(&mut self, now: Timespec) {
        self.fs.set_time(ext2_time(now));
    }

    fn write(&mut self, n: Ino, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        let n = ino(n)?;
        self.change(|fs| fs.write(n, offset, data))
    }

    fn truncate(&mut self, n: Ino, size: u64) -> Result<(), Errno> {
        let n = ino(n)?;
        self.change(|fs| fs.truncate(n, size))
    }

    fn create(
        &mut self,
        dir: Ino,
        name: &[u8],
        kind: FileType,
        perm: u32,
        who: Creator,
    ) -> Result<Ino, Errno> {
        let (dir, who) = (ino(dir)?, owner(who));
        let made = self.change(|fs| match kind {
            FileType::Regular => fs.create(dir, name, perm, who),
            FileType::Directory => fs.mkdir(dir, name, perm, who),
            other => fs.mknod(dir, name, ext2_kind(other), perm, (0, 0), who),
        })?;
        Ok(Ino::from(made))
    }

    fn symlink(
        &mut self,
        dir: Ino,
        name: &[u8],
        target: &[u8],
        who: Creator,
    ) -> Result<Ino, Errno> {
        let (dir, who) = (ino(dir)?, owner(who));
        let made = self.change(|fs| fs.symlink(dir, name, target, who))?;
        Ok(Ino::from(made))
    }

    fn link(&mut self, n: Ino, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let (n, dir) = (ino(n)?, ino(dir)?);
        self.change(|fs| fs.link(n, dir, name))
    }

    fn unlink(&mut self, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let dir = ino(dir)?;
        self.change(|fs| fs.unlink(dir, name))
    }

    fn rmdir(&mut self, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let dir = ino(dir)?;
        self.change(|fs| fs.rmdir(dir, name))
    }

    fn rename(
        &mut self,
        from: Ino,
        from_name: &[u8],
        to: Ino,
        to_name: &[u8],
    ) -> Result<(), Errno> {
        let (from, to) = (ino(from)?, ino(to)?);
        self.change(|fs| fs.rename(from, from_name, to, to_name))
    }

    fn set_attr(&mut self, n: Ino, attr: SetAttr) -> Result<(), Errno> {
        let n = ino(n)?;
        let attr = ext2::SetAttr {
            mode: attr.mode,
            uid: attr.uid,
            gid: attr.gid,
            atime: attr.atime.map(ext2_time),
            mtime: attr.mtime.map(ext2_time),
            size: None,
        };
        self.change(|fs| fs.set_attr(n, attr))
    }
}

/// `f_type` of an ext2 volume.
const EXT2_SUPER_MAGIC: u32 = 0xEF53;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tabvm_disk::{
        BlockStore, Completion, DiskError, FaultDevice, FaultPlan, MemoryDevice, MemoryStore,
        OverlayDevice,
    };

    use super::*;
    use crate::sys::SysError;

    /// A store that keeps apart what the last `flush` committed: all a
    /// crash would leave.
    #[derive(Default)]
    struct CommitStore {
        live: HashMap<u64, Vec<u8>>,
        committed: HashMap<u64, Vec<u8>>,
    }

    impl BlockStore for CommitStore {
        fn get(&self, n: u64) -> Option<&[u8]> {
            self.live.get(&n).map(Vec::as_slice)
        }
        fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError> {
            self.live.insert(n, data.to_vec());
            Ok(())
        }
        fn flush(&mut self) -> Result<Completion, DiskError> {
            self.committed = self.live.clone();
            Ok(Completion::Done)
        }
        fn len(&self) -> usize {
            self.live.len()
        }
    }

    /// A fresh ext2 volume of 1 KiB blocks from `mke2fs`: each block the
    /// overlay stores (4 KiB) needs the rest of it read from the base.
    fn blank_volume() -> Vec<u8> {
        let path = std::env::temp_dir().join(format!("tabvm-ext2fs-{}", std::process::id()));
        let out = std::process::Command::new("mke2fs")
            .args(["-q", "-F", "-t", "ext2", "-b", "1024"])
            .arg(&path)
            .arg("1M")
            .output()
            .expect("mke2fs (e2fsprogs) is needed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        bytes
    }

    /// Runs `op` again while the device makes it wait, as the scheduler does.
    fn restarted<T>(mut op: impl FnMut() -> Result<T, Errno>) -> (T, u32) {
        let mut waits = 0;
        loop {
            match op() {
                Err(DEVICE_WAIT) => waits += 1,
                other => return (other.unwrap(), waits),
            }
        }
    }

    #[test]
    fn sync_waits_for_the_device_and_commits_every_change() {
        let image = blank_volume();
        let slow = FaultDevice::new(
            MemoryDevice::from_bytes(image.clone()),
            FaultPlan {
                pending_reads: 3,
                ..FaultPlan::default()
            },
        );
        let mut mounted = Ext2::mount(
            OverlayDevice::new(slow, CommitStore::default()),
            ext2::MountOptions::default(),
        );
        let volume = loop {
            match mounted {
                Ok(fs) => break fs,
                Err(e) if e.error == ext2::Error::WouldBlock => {
                    mounted = e.retry(ext2::MountOptions::default())
                }
                Err(e) => panic!("mount: {}", e.error),
            }
        };
        let mut fs = Ext2Fs::new(volume);
        let root = fs.root();
        let who = Creator::default();
        let (f, _) = restarted(|| fs.create(root, b"f", FileType::Regular, 0o644, who));
        restarted(|| fs.write(f, 0, b"made durable"));
        assert!(
            fs.fs.device().store().committed.is_empty(),
            "nothing synced yet"
        );

        let ((), waits) = restarted(|| fs.sync());
        assert!(waits > 0, "the write-back read the slow base");
        // What was committed, over the base, holds the file.
        let mut store = MemoryStore::default();
        for (n, data) in &fs.fs.device().store().committed {
            store.put(*n, data).unwrap();
        }
        let dev = OverlayDevice::new(MemoryDevice::from_bytes(image), store);
        let mut after = Ext2::mount(dev, ext2::MountOptions { read_only: true }).unwrap();
        let f = after.lookup(after.root(), b"f").unwrap();
        let mut buf = [0; 32];
        let n = after.read(f, 0, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"made durable");
    }

    #[test]
    fn a_device_wait_becomes_a_parked_call() {
        assert_eq!(errno(ext2::Error::WouldBlock), DEVICE_WAIT);
        assert_eq!(
            SysError::from(errno(ext2::Error::WouldBlock)),
            SysError::Block { until: Some(0) }
        );
        assert_eq!(errno(ext2::Error::NotEmpty), Errno::ENOTEMPTY);
        assert_eq!(errno(ext2::Error::Corrupt("x".into())), Errno::EIO);
    }
}
