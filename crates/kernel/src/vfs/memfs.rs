//! `MemFs`: an in-memory file system (tmpfs) — `/tmp` when the root lacks
//! one, and the whole root in the browser (loaded from a tar archive by
//! [`MemFs::from_tar`], see `tar.rs`).
//!
//! Nodes live in a map keyed by inode number; a directory maps names to
//! inode numbers and remembers its parent. A node is freed when its last name
//! is gone and no open file description refers to it (the [`FileSystem::open`]
//! / [`FileSystem::release`] counts), as on Linux.

use std::collections::{BTreeMap, HashMap};

use super::{Creator, DirEntry, FileSystem, FileType, Ino, SetAttr, Stat, StatFs, Timespec};
use crate::abi::errno::Errno;

/// Total bytes of file data a `MemFs` holds before `ENOSPC`: guest writes
/// must not exhaust host memory (a browser tab has a few GiB at most).
const CAPACITY: u64 = 1 << 30;
const ROOT: Ino = 1;
const TMPFS_MAGIC: u32 = 0x0102_1994;

enum Data {
    File(Vec<u8>),
    Dir {
        entries: BTreeMap<Vec<u8>, Ino>,
        parent: Ino,
    },
    Symlink(Vec<u8>),
    /// Fifos, device nodes and sockets: no data of their own.
    Special,
}

struct Node {
    kind: FileType,
    /// Permission bits (`07777`).
    perm: u32,
    uid: u32,
    gid: u32,
    rdev: (u32, u32),
    nlink: u32,
    opens: u32,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    data: Data,
    /// Extended attributes, by full name.
    xattrs: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// An in-memory file system.
pub struct MemFs {
    nodes: HashMap<Ino, Node>,
    next_ino: Ino,
    used: u64,
    now: Timespec,
}

impl Default for MemFs {
    fn default() -> Self {
        Self::new()
    }
}

impl MemFs {
    /// An empty file system: a root directory with mode 01777 (as `/tmp`).
    pub fn new() -> MemFs {
        let mut fs = MemFs {
            nodes: HashMap::new(),
            next_ino: ROOT,
            used: 0,
            now: Timespec::default(),
        };
        let data = Data::Dir {
            entries: BTreeMap::new(),
            parent: ROOT,
        };
        let root = fs.alloc(FileType::Directory, 0o1777, Creator::default(), data);
        debug_assert_eq!(root, ROOT);
        fs
    }

    fn alloc(&mut self, kind: FileType, perm: u32, who: Creator, data: Data) -> Ino {
        let ino = self.next_ino;
        self.next_ino += 1;
        let nlink = if kind == FileType::Directory { 2 } else { 1 };
        let now = self.now;
        let node = Node {
            kind,
            perm: perm & 0o7777,
            uid: who.uid,
            gid: who.gid,
            rdev: (0, 0),
            nlink,
            opens: 0,
            atime: now,
            mtime: now,
            ctime: now,
            data,
            xattrs: BTreeMap::new(),
        };
        self.nodes.insert(ino, node);
        ino
    }

    fn node(&mut self, ino: Ino) -> Result<&mut Node, Errno> {
        self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)
    }

    fn entries(&mut self, dir: Ino) -> Result<&mut BTreeMap<Vec<u8>, Ino>, Errno> {
        match &mut self.node(dir)?.data {
            Data::Dir { entries, .. } => Ok(entries),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Adds `name -> ino` to `dir`, updating link counts and times.
    fn attach(&mut self, dir: Ino, name: &[u8], ino: Ino) -> Result<(), Errno> {
        let entries = self.entries(dir)?;
        if entries.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        entries.insert(name.to_vec(), ino);
        let now = self.now;
        let is_dir = self.node(ino)?.kind == FileType::Directory;
        let d = self.node(dir)?;
        d.mtime = now;
        d.ctime = now;
        if is_dir {
            d.nlink += 1;
        }
        Ok(())
    }

    /// Removes `name` from `dir` and drops one link of its node.
    fn detach(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        let ino = self.entries(dir)?.remove(name).ok_or(Errno::ENOENT)?;
        let now = self.now;
        let d = self.node(dir)?;
        d.mtime = now;
        d.ctime = now;
        let node = self.node(ino)?;
        node.ctime = now;
        if node.kind == FileType::Directory {
            node.nlink = 0;
            self.node(dir)?.nlink -= 1;
        } else {
            node.nlink -= 1;
        }
        self.maybe_free(ino);
        Ok(ino)
    }

    fn maybe_free(&mut self, ino: Ino) {
        if self
            .nodes
            .get(&ino)
            .is_some_and(|n| n.nlink == 0 && n.opens == 0)
        {
            if let Some(Node {
                data: Data::File(bytes),
                ..
            }) = self.nodes.remove(&ino)
            {
                self.used -= bytes.len() as u64;
            }
        }
    }

    /// Resizes a file's data within the capacity.
    fn resize(&mut self, ino: Ino, size: u64) -> Result<(), Errno> {
        let used = self.used;
        let now = self.now;
        let node = self.node(ino)?;
        let Data::File(bytes) = &mut node.data else {
            return Err(Errno::EISDIR);
        };
        let old = bytes.len() as u64;
        if size > old && used + (size - old) > CAPACITY {
            return Err(if size > CAPACITY {
                Errno::EFBIG
            } else {
                Errno::ENOSPC
            });
        }
        bytes.resize(size as usize, 0);
        node.mtime = now;
        node.ctime = now;
        self.used = used + size - old;
        Ok(())
    }

    /// Creates a device node, for trees loaded from archives.
    pub(crate) fn mknod(
        &mut self,
        dir: Ino,
        name: &[u8],
        kind: FileType,
        perm: u32,
        rdev: (u32, u32),
        who: Creator,
    ) -> Result<Ino, Errno> {
        let ino = self.create(dir, name, kind, perm, who)?;
        self.node(ino)?.rdev = rdev;
        Ok(ino)
    }
}

impl FileSystem for MemFs {
    fn root(&self) -> Ino {
        ROOT
    }

    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        match &self.node(dir)?.data {
            Data::Dir { parent, .. } if name == b".." => Ok(*parent),
            Data::Dir { entries, .. } => entries.get(name).copied().ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno> {
        let n = self.node(ino)?;
        let size = match &n.data {
            Data::File(b) | Data::Symlink(b) => b.len() as u64,
            Data::Dir { entries, .. } => 40 + 20 * entries.len() as u64,
            Data::Special => 0,
        };
        Ok(Stat {
            dev: 0,
            ino,
            mode: n.kind.mode_bits() | n.perm,
            nlink: n.nlink,
            uid: n.uid,
            gid: n.gid,
            rdev: n.rdev,
            size,
            blocks: size.div_ceil(4096) * 8,
            blksize: 4096,
            atime: n.atime,
            mtime: n.mtime,
            ctime: n.ctime,
        })
    }

    fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        match &self.node(ino)?.data {
            Data::File(bytes) => {
                let start = offset.min(bytes.len() as u64) as usize;
                let n = buf.len().min(bytes.len() - start);
                buf[..n].copy_from_slice(&bytes[start..start + n]);
                Ok(n)
            }
            Data::Dir { .. } => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno> {
        let entries: Vec<(Vec<u8>, Ino)> = self
            .entries(dir)?
            .iter()
            .map(|(n, i)| (n.clone(), *i))
            .collect();
        Ok(entries
            .into_iter()
            .filter_map(|(name, ino)| {
                Some(DirEntry {
                    ino,
                    kind: self.nodes.get(&ino)?.kind,
                    name,
                })
            })
            .collect())
    }

    fn readlink(&mut self, ino: Ino) -> Result<Vec<u8>, Errno> {
        match &self.node(ino)?.data {
            Data::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn statfs(&mut self) -> StatFs {
        let blocks = CAPACITY / 4096;
        let free = (CAPACITY - self.used) / 4096;
        StatFs {
            magic: TMPFS_MAGIC,
            bsize: 4096,
            blocks,
            bfree: free,
            bavail: free,
            files: 1 << 20,
            ffree: (1 << 20) - self.nodes.len() as u64,
            namelen: 255,
        }
    }

    fn open(&mut self, ino: Ino) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.opens += 1;
        }
    }

    fn release(&mut self, ino: Ino) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.opens = n.opens.saturating_sub(1);
        }
        self.maybe_free(ino);
    }

    fn tick(&mut self, now: Timespec) {
        self.now = now;
    }

    fn write(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        let end = offset.checked_add(data.len() as u64).ok_or(Errno::EFBIG)?;
        let len = match &self.node(ino)?.data {
            Data::File(b) => b.len() as u64,
            Data::Dir { .. } => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        };
        if end > len {
            self.resize(ino, end)?;
        }
        let now = self.now;
        let node = self.node(ino)?;
        node.mtime = now;
        node.ctime = now;
        if let Data::File(bytes) = &mut node.data {
            bytes[offset as usize..end as usize].copy_from_slice(data);
        }
        Ok(data.len())
    }

    fn truncate(&mut self, ino: Ino, size: u64) -> Result<(), Errno> {
        self.resize(ino, size)
    }

    fn create(
        &mut self,
        dir: Ino,
        name: &[u8],
        kind: FileType,
        perm: u32,
        who: Creator,
    ) -> Result<Ino, Errno> {
        if self.entries(dir)?.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let data = match kind {
            FileType::Regular => Data::File(Vec::new()),
            FileType::Directory => Data::Dir {
                entries: BTreeMap::new(),
                parent: dir,
            },
            FileType::Symlink => return Err(Errno::EINVAL),
            _ => Data::Special,
        };
        let ino = self.alloc(kind, perm, who, data);
        self.attach(dir, name, ino)?;
        Ok(ino)
    }

    fn symlink(
        &mut self,
        dir: Ino,
        name: &[u8],
        target: &[u8],
        who: Creator,
    ) -> Result<Ino, Errno> {
        if self.entries(dir)?.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let ino = self.alloc(
            FileType::Symlink,
            0o777,
            who,
            Data::Symlink(target.to_vec()),
        );
        self.attach(dir, name, ino)?;
        Ok(ino)
    }

    fn link(&mut self, ino: Ino, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let node = self.node(ino)?;
        if node.kind == FileType::Directory {
            return Err(Errno::EPERM);
        }
        if node.nlink == 0 {
            return Err(Errno::ENOENT);
        }
        self.attach(dir, name, ino)?;
        let now = self.now;
        let node = self.node(ino)?;
        node.nlink += 1;
        node.ctime = now;
        Ok(())
    }

    fn unlink(&mut self, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let ino = self.lookup(dir, name)?;
        if self.node(ino)?.kind == FileType::Directory {
            return Err(Errno::EISDIR);
        }
        self.detach(dir, name).map(drop)
    }

    fn rmdir(&mut self, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let ino = self.lookup(dir, name)?;
        if !self.entries(ino)?.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        self.detach(dir, name).map(drop)
    }

    fn rename(
        &mut self,
        from: Ino,
        from_name: &[u8],
        to: Ino,
        to_name: &[u8],
    ) -> Result<(), Errno> {
        let ino = self.lookup(from, from_name)?;
        self.entries(to)?;
        let moving_dir = self.node(ino)?.kind == FileType::Directory;
        if moving_dir {
            // A directory must not move into its own subtree.
            let mut d = to;
            loop {
                if d == ino {
                    return Err(Errno::EINVAL);
                }
                let parent = self.lookup(d, b"..")?;
                if parent == d {
                    break;
                }
                d = parent;
            }
        }
        if let Ok(old) = self.lookup(to, to_name) {
            if old == ino {
                return Ok(());
            }
            match (moving_dir, self.node(old)?.kind == FileType::Directory) {
                (true, true) => self.rmdir(to, to_name)?,
                (false, false) => self.unlink(to, to_name)?,
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
            }
        }
        // Keep the node alive (and its link count) while it has no name.
        let node = self.node(ino)?;
        let nlink = node.nlink;
        node.opens += 1;
        self.detach(from, from_name)?;
        let node = self.node(ino)?;
        node.opens -= 1;
        node.nlink = nlink;
        if let Data::Dir { parent, .. } = &mut node.data {
            *parent = to;
        }
        self.attach(to, to_name, ino)
    }

    fn get_xattr(&mut self, ino: Ino, name: &[u8]) -> Result<Vec<u8>, Errno> {
        self.node(ino)?
            .xattrs
            .get(name)
            .cloned()
            .ok_or(Errno::ENODATA)
    }

    fn set_xattr(&mut self, ino: Ino, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        let now = self.now;
        let n = self.node(ino)?;
        n.xattrs.insert(name.to_vec(), value.to_vec());
        n.ctime = now;
        Ok(())
    }

    fn list_xattr(&mut self, ino: Ino) -> Result<Vec<Vec<u8>>, Errno> {
        Ok(self.node(ino)?.xattrs.keys().cloned().collect())
    }

    fn remove_xattr(&mut self, ino: Ino, name: &[u8]) -> Result<(), Errno> {
        let now = self.now;
        let n = self.node(ino)?;
        n.xattrs.remove(name).ok_or(Errno::ENODATA)?;
        n.ctime = now;
        Ok(())
    }

    fn set_attr(&mut self, ino: Ino, attr: SetAttr) -> Result<(), Errno> {
        let now = self.now;
        let n = self.node(ino)?;
        if let Some(m) = attr.mode {
            n.perm = m & 0o7777;
        }
        if let Some(u) = attr.uid {
            n.uid = u;
        }
        if let Some(g) = attr.gid {
            n.gid = g;
        }
        if let Some(t) = attr.atime {
            n.atime = t;
        }
        if let Some(t) = attr.mtime {
            n.mtime = t;
        }
        n.ctime = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Creator {
        Creator { uid: 0, gid: 0 }
    }

    #[test]
    fn create_write_read_unlink() {
        let mut fs = MemFs::new();
        let f = fs
            .create(ROOT, b"a", FileType::Regular, 0o644, who())
            .unwrap();
        assert_eq!(fs.write(f, 3, b"xyz").unwrap(), 3);
        let mut buf = [9u8; 8];
        assert_eq!(fs.read(f, 0, &mut buf).unwrap(), 6);
        assert_eq!(&buf[..6], b"\0\0\0xyz");
        assert_eq!(fs.stat(f).unwrap().mode, 0o100644);
        assert_eq!(
            fs.create(ROOT, b"a", FileType::Regular, 0o644, who()),
            Err(Errno::EEXIST)
        );
        fs.open(f);
        fs.unlink(ROOT, b"a").unwrap();
        assert_eq!(fs.lookup(ROOT, b"a"), Err(Errno::ENOENT));
        // Still readable while open, gone after release.
        assert_eq!(fs.read(f, 3, &mut buf).unwrap(), 3);
        fs.release(f);
        assert!(fs.stat(f).is_err());
        assert_eq!(fs.used, 0);
    }

    #[test]
    fn directories_and_rename() {
        let mut fs = MemFs::new();
        let d = fs
            .create(ROOT, b"d", FileType::Directory, 0o755, who())
            .unwrap();
        let e = fs
            .create(d, b"e", FileType::Directory, 0o755, who())
            .unwrap();
        assert_eq!(fs.stat(ROOT).unwrap().nlink, 3);
        assert_eq!(fs.lookup(e, b"..").unwrap(), d);
        assert_eq!(fs.rmdir(ROOT, b"d"), Err(Errno::ENOTEMPTY));
        assert_eq!(fs.rename(ROOT, b"d", e, b"x"), Err(Errno::EINVAL));
        fs.rename(d, b"e", ROOT, b"e2").unwrap();
        assert_eq!(fs.lookup(e, b"..").unwrap(), ROOT);
        assert_eq!(fs.stat(ROOT).unwrap().nlink, 4);
        fs.rmdir(ROOT, b"d").unwrap();
        let names: Vec<_> = fs
            .readdir(ROOT)
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, vec![b"e2".to_vec()]);
    }

    #[test]
    fn links_and_symlinks() {
        let mut fs = MemFs::new();
        let f = fs
            .create(ROOT, b"f", FileType::Regular, 0o600, who())
            .unwrap();
        fs.link(f, ROOT, b"g").unwrap();
        assert_eq!(fs.stat(f).unwrap().nlink, 2);
        fs.rename(ROOT, b"f", ROOT, b"g").unwrap();
        assert_eq!(fs.stat(f).unwrap().nlink, 2);
        fs.unlink(ROOT, b"g").unwrap();
        assert_eq!(fs.stat(f).unwrap().nlink, 1);
        let s = fs.symlink(ROOT, b"s", b"/etc", who()).unwrap();
        assert_eq!(fs.readlink(s).unwrap(), b"/etc");
        assert_eq!(fs.stat(s).unwrap().mode, 0o120777);
    }

    #[test]
    fn capacity_is_enforced() {
        let mut fs = MemFs::new();
        let f = fs
            .create(ROOT, b"big", FileType::Regular, 0o600, who())
            .unwrap();
        assert_eq!(fs.write(f, 4 << 30, b"x"), Err(Errno::EFBIG));
        assert_eq!(fs.truncate(f, CAPACITY + 1), Err(Errno::EFBIG));
    }
}
