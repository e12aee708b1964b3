//! `HostDirFs`: a host directory as a guest file system, confined to it.
//!
//! The kernel walks guest paths itself (every `..` and every symlink), so
//! this file system only ever receives single names. Confinement rests on
//! three rules here:
//! - a node is known by the path of names that reached it from the root,
//!   recorded when the kernel looked it up; before that path is used, each
//!   ancestor is checked with `lstat` to be a real directory (a host symlink
//!   in the middle would otherwise be followed by the host);
//! - the last component is never followed: `symlink_metadata`, `O_NOFOLLOW`
//!   opens, and attribute changes through such an open file;
//! - only regular files and directories are ever opened: a device node in
//!   the directory (a Debian root has `/dev/sda`…) is never touched.
//!
//! Inode numbers are the host's (distinct host file systems under the root
//! are told apart by mixing the device number in). Errors are the host's
//! errno values, which are the same numbers on i386 Linux.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File, FileTimes, Metadata, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tabvm_kernel::abi::errno::Errno;
use tabvm_kernel::vfs::{
    Creator, DirEntry, FileSystem, FileType, Ino, SetAttr, Stat, StatFs, Timespec,
};

/// A host directory mounted as a guest file system.
pub struct HostDirFs {
    root: PathBuf,
    root_dev: u64,
    root_ino: Ino,
    /// Path (relative to `root`) of every node looked up, by inode number.
    paths: HashMap<Ino, PathBuf>,
    /// Files held open for open file descriptions, with their counts, so
    /// unlinked files stay usable.
    open: HashMap<Ino, (File, u32)>,
}

fn errno(e: io::Error) -> Errno {
    e.raw_os_error()
        .and_then(|n| u16::try_from(n).ok())
        .map_or(Errno::EIO, Errno)
}

fn timespec(sec: i64, nsec: i64) -> Timespec {
    Timespec {
        sec,
        nsec: nsec.clamp(0, 999_999_999) as u32,
    }
}

fn system_time(t: Timespec) -> SystemTime {
    if t.sec >= 0 {
        SystemTime::UNIX_EPOCH + Duration::new(t.sec as u64, t.nsec)
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(t.sec.unsigned_abs())
            + Duration::from_nanos(u64::from(t.nsec))
    }
}

/// The kind of a host node, from `lstat`.
fn kind(m: &Metadata) -> FileType {
    FileType::from_mode(m.mode()).unwrap_or(FileType::Regular)
}

impl HostDirFs {
    /// Serves `path`, which must be a directory.
    pub fn new(path: impl AsRef<Path>) -> io::Result<HostDirFs> {
        let root = fs::canonicalize(path)?;
        let meta = fs::metadata(&root)?;
        if !meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", root.display()),
            ));
        }
        let mut fs = HostDirFs {
            root,
            root_dev: meta.dev(),
            root_ino: 0,
            paths: HashMap::new(),
            open: HashMap::new(),
        };
        fs.root_ino = fs.key(&meta);
        fs.paths.insert(fs.root_ino, PathBuf::new());
        Ok(fs)
    }

    /// The guest inode number of a host node.
    fn key(&self, m: &Metadata) -> Ino {
        m.ino() ^ ((m.dev() ^ self.root_dev) << 40)
    }

    /// The host path of a known node, after checking that every ancestor
    /// is a real directory (not a symlink).
    fn path(&self, ino: Ino) -> Result<PathBuf, Errno> {
        let rel = self.paths.get(&ino).ok_or(Errno::ENOENT)?;
        let mut p = self.root.clone();
        if let Some(parent) = rel.parent() {
            for c in parent.components() {
                p.push(c);
                if !fs::symlink_metadata(&p).map_err(errno)?.is_dir() {
                    return Err(Errno::ENOENT);
                }
            }
        }
        Ok(self.root.join(rel))
    }

    /// `lstat` of a known node, checking it is still the same node.
    fn lstat(&self, ino: Ino) -> Result<(PathBuf, Metadata), Errno> {
        let p = self.path(ino)?;
        let m = fs::symlink_metadata(&p).map_err(errno)?;
        if self.key(&m) != ino {
            return Err(Errno::ENOENT);
        }
        Ok((p, m))
    }

    /// The host path of `name` in directory `dir`.
    fn child_path(&self, dir: Ino, name: &[u8]) -> Result<(PathBuf, PathBuf), Errno> {
        let (p, m) = self.lstat(dir)?;
        if !m.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let rel = self
            .paths
            .get(&dir)
            .ok_or(Errno::ENOENT)?
            .join(OsStr::from_bytes(name));
        Ok((p.join(OsStr::from_bytes(name)), rel))
    }

    /// Opens a regular file or directory without following a symlink,
    /// read-write when allowed.
    fn open_node(p: &Path, m: &Metadata) -> Result<File, Errno> {
        if !(m.is_file() || m.is_dir()) {
            return Err(Errno::EINVAL);
        }
        let open = |write: bool| {
            OpenOptions::new()
                .read(true)
                .write(write)
                .custom_flags(libc::O_NOFOLLOW)
                .open(p)
        };
        match open(m.is_file()) {
            Ok(f) => Ok(f),
            Err(_) => open(false).map_err(errno),
        }
    }

    /// Runs `f` on an open handle of `ino`: the one held for open
    /// descriptions, or a temporary one.
    fn with_file<R>(&self, ino: Ino, f: impl FnOnce(&File) -> io::Result<R>) -> Result<R, Errno> {
        if let Some((file, _)) = self.open.get(&ino) {
            return f(file).map_err(errno);
        }
        let (p, m) = self.lstat(ino)?;
        if m.is_dir() {
            return Err(Errno::EISDIR);
        }
        f(&Self::open_node(&p, &m)?).map_err(errno)
    }

    /// Forgets recorded paths at or under `rel`, or moves them to `to`.
    fn repath(&mut self, rel: &Path, to: Option<&Path>) {
        let moved: Vec<(Ino, PathBuf)> = self
            .paths
            .iter()
            .filter(|(_, p)| p.starts_with(rel))
            .map(|(i, p)| (*i, p.clone()))
            .collect();
        for (ino, p) in moved {
            self.paths.remove(&ino);
            if let (Some(to), Ok(tail)) = (to, p.strip_prefix(rel)) {
                self.paths.insert(ino, to.join(tail));
            }
        }
    }
}

/// Makes the guest's creator own a new node, as far as the host allows:
/// a host process running as root gives it away, any other keeps it.
fn give_to(path: &Path, who: Creator) {
    let _ = std::os::unix::fs::lchown(path, Some(who.uid), Some(who.gid));
}

impl FileSystem for HostDirFs {
    fn root(&self) -> Ino {
        self.root_ino
    }

    fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino, Errno> {
        if name == b".." {
            self.lstat(dir)?;
            let parent = self
                .paths
                .get(&dir)
                .and_then(|p| p.parent())
                .map(Path::to_path_buf);
            let Some(parent) = parent else {
                return Ok(self.root_ino);
            };
            let m = fs::symlink_metadata(self.root.join(&parent)).map_err(errno)?;
            let ino = self.key(&m);
            self.paths.insert(ino, parent);
            return Ok(ino);
        }
        let (p, rel) = self.child_path(dir, name)?;
        let m = fs::symlink_metadata(p).map_err(errno)?;
        let ino = self.key(&m);
        self.paths.insert(ino, rel);
        Ok(ino)
    }

    fn stat(&mut self, ino: Ino) -> Result<Stat, Errno> {
        let m = match self.lstat(ino) {
            Ok((_, m)) => m,
            Err(e) => self.open.get(&ino).ok_or(e)?.0.metadata().map_err(errno)?,
        };
        let rdev = m.rdev();
        Ok(Stat {
            dev: 0,
            ino,
            mode: m.mode(),
            nlink: m.nlink() as u32,
            uid: m.uid(),
            gid: m.gid(),
            rdev: (
                (((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff)) as u32,
                ((rdev & 0xff) | ((rdev >> 12) & !0xff)) as u32,
            ),
            size: m.size(),
            blocks: m.blocks(),
            blksize: m.blksize() as u32,
            atime: timespec(m.atime(), m.atime_nsec()),
            mtime: timespec(m.mtime(), m.mtime_nsec()),
            ctime: timespec(m.ctime(), m.ctime_nsec()),
        })
    }

    fn read(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        self.with_file(ino, |f| f.read_at(buf, offset))
    }

    fn readdir(&mut self, dir: Ino) -> Result<Vec<DirEntry>, Errno> {
        let (p, m) = self.lstat(dir)?;
        if !m.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let mut out = Vec::new();
        for e in fs::read_dir(p).map_err(errno)? {
            let e = e.map_err(errno)?;
            let ft = e.file_type().map_err(errno)?;
            let kind = if ft.is_dir() {
                FileType::Directory
            } else if ft.is_symlink() {
                FileType::Symlink
            } else if ft.is_file() {
                FileType::Regular
            } else {
                e.metadata().map(|m| kind(&m)).unwrap_or(FileType::Regular)
            };
            let ino = std::os::unix::fs::DirEntryExt::ino(&e) ^ ((m.dev() ^ self.root_dev) << 40);
            out.push(DirEntry {
                ino,
                kind,
                name: e.file_name().as_bytes().to_vec(),
            });
        }
        Ok(out)
    }

    fn readlink(&mut self, ino: Ino) -> Result<Vec<u8>, Errno> {
        let (p, m) = self.lstat(ino)?;
        if !m.file_type().is_symlink() {
            return Err(Errno::EINVAL);
        }
        Ok(fs::read_link(p)
            .map_err(errno)?
            .as_os_str()
            .as_bytes()
            .to_vec())
    }

    fn statfs(&mut self) -> StatFs {
        // Without statvfs (an unsafe call) report a roomy ext4-like volume.
        StatFs {
            magic: 0xef53,
            bsize: 4096,
            blocks: 1 << 28,
            bfree: 1 << 27,
            bavail: 1 << 27,
            files: 1 << 24,
            ffree: 1 << 23,
            namelen: 255,
        }
    }

    fn open(&mut self, ino: Ino) {
        if let Some(entry) = self.open.get_mut(&ino) {
            entry.1 += 1;
            return;
        }
        let Ok((p, m)) = self.lstat(ino) else { return };
        if m.is_file() {
            if let Ok(f) = Self::open_node(&p, &m) {
                self.open.insert(ino, (f, 1));
            }
        }
    }

    fn release(&mut self, ino: Ino) {
        if let Some(entry) = self.open.get_mut(&ino) {
            entry.1 -= 1;
            if entry.1 == 0 {
                self.open.remove(&ino);
            }
        }
    }

    fn write(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        self.with_file(ino, |f| f.write_at(data, offset))
    }

    fn truncate(&mut self, ino: Ino, size: u64) -> Result<(), Errno> {
        self.with_file(ino, |f| f.set_len(size))
    }

    fn create(
        &mut self,
        dir: Ino,
        name: &[u8],
        kind: FileType,
        perm: u32,
        who: Creator,
    ) -> Result<Ino, Errno> {
        let (p, rel) = self.child_path(dir, name)?;
        match kind {
            FileType::Regular => {
                let f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(perm)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&p)
                    .map_err(errno)?;
                // The host's umask must not change what the guest asked for.
                f.set_permissions(fs::Permissions::from_mode(perm))
                    .map_err(errno)?;
            }
            FileType::Directory => {
                fs::create_dir(&p).map_err(errno)?;
                File::open(&p)
                    .and_then(|f| f.set_permissions(fs::Permissions::from_mode(perm)))
                    .map_err(errno)?;
            }
            // A socket node: binding a host socket leaves one (unused here;
            // the kernel keeps the guest's socket).
            FileType::Socket => {
                drop(std::os::unix::net::UnixListener::bind(&p).map_err(errno)?);
                fs::set_permissions(&p, fs::Permissions::from_mode(perm)).map_err(errno)?;
            }
            // Fifos and device nodes would need mknod (an unsafe call).
            _ => return Err(Errno::EPERM),
        }
        give_to(&p, who);
        let m = fs::symlink_metadata(&p).map_err(errno)?;
        let ino = self.key(&m);
        self.paths.insert(ino, rel);
        Ok(ino)
    }

    fn symlink(
        &mut self,
        dir: Ino,
        name: &[u8],
        target: &[u8],
        who: Creator,
    ) -> Result<Ino, Errno> {
        let (p, rel) = self.child_path(dir, name)?;
        std::os::unix::fs::symlink(OsStr::from_bytes(target), &p).map_err(errno)?;
        give_to(&p, who);
        let ino = self.key(&fs::symlink_metadata(&p).map_err(errno)?);
        self.paths.insert(ino, rel);
        Ok(ino)
    }

    fn link(&mut self, ino: Ino, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let (src, _) = self.lstat(ino)?;
        let (p, _) = self.child_path(dir, name)?;
        // hard_link uses linkat without AT_SYMLINK_FOLLOW: a symlink source
        // is linked itself, not followed.
        fs::hard_link(src, p).map_err(errno)
    }

    fn unlink(&mut self, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let (p, rel) = self.child_path(dir, name)?;
        if fs::symlink_metadata(&p).map_err(errno)?.is_dir() {
            return Err(Errno::EISDIR);
        }
        fs::remove_file(&p).map_err(errno)?;
        self.repath(&rel, None);
        Ok(())
    }

    fn rmdir(&mut self, dir: Ino, name: &[u8]) -> Result<(), Errno> {
        let (p, rel) = self.child_path(dir, name)?;
        fs::remove_dir(&p).map_err(errno)?;
        self.repath(&rel, None);
        Ok(())
    }

    fn rename(
        &mut self,
        from: Ino,
        from_name: &[u8],
        to: Ino,
        to_name: &[u8],
    ) -> Result<(), Errno> {
        let (fp, frel) = self.child_path(from, from_name)?;
        let (tp, trel) = self.child_path(to, to_name)?;
        fs::rename(&fp, &tp).map_err(errno)?;
        if frel != trel {
            self.repath(&trel, None);
            self.repath(&frel, Some(&trel));
        }
        Ok(())
    }

    /// Extended attributes are the host file's own (without following a
    /// symlink), so they persist; the host file system's rules apply.
    fn get_xattr(&mut self, ino: Ino, name: &[u8]) -> Result<Vec<u8>, Errno> {
        let (p, _) = self.lstat(ino)?;
        xattr::get(&p, OsStr::from_bytes(name))
            .map_err(errno)?
            .ok_or(Errno::ENODATA)
    }

    fn set_xattr(&mut self, ino: Ino, name: &[u8], value: &[u8]) -> Result<(), Errno> {
        let (p, _) = self.lstat(ino)?;
        xattr::set(&p, OsStr::from_bytes(name), value).map_err(errno)
    }

    fn list_xattr(&mut self, ino: Ino) -> Result<Vec<Vec<u8>>, Errno> {
        let (p, _) = self.lstat(ino)?;
        let names = xattr::list(&p).map_err(errno)?;
        Ok(names.map(|n| n.as_bytes().to_vec()).collect())
    }

    fn remove_xattr(&mut self, ino: Ino, name: &[u8]) -> Result<(), Errno> {
        let (p, _) = self.lstat(ino)?;
        xattr::remove(&p, OsStr::from_bytes(name)).map_err(errno)
    }

    fn set_attr(&mut self, ino: Ino, attr: SetAttr) -> Result<(), Errno> {
        let (p, m) = self.lstat(ino)?;
        if m.file_type().is_symlink() {
            // Symlinks have no mode of their own; owner changes use lchown.
            // Their timestamps would need utimensat (an unsafe call): kept.
            if attr.uid.is_some() || attr.gid.is_some() {
                std::os::unix::fs::lchown(&p, attr.uid, attr.gid).map_err(errno)?;
            }
            return if attr.mode.is_some() {
                Err(Errno::EOPNOTSUPP)
            } else {
                Ok(())
            };
        }
        if !(m.is_file() || m.is_dir()) {
            // Special files are never opened; they are not symlinks, so
            // path-based calls do not leave the root.
            if let Some(mode) = attr.mode {
                fs::set_permissions(&p, fs::Permissions::from_mode(mode)).map_err(errno)?;
            }
            if attr.uid.is_some() || attr.gid.is_some() {
                std::os::unix::fs::lchown(&p, attr.uid, attr.gid).map_err(errno)?;
            }
            return Ok(());
        }
        let f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&p)
            .map_err(errno)?;
        if let Some(mode) = attr.mode {
            f.set_permissions(fs::Permissions::from_mode(mode))
                .map_err(errno)?;
        }
        if attr.uid.is_some() || attr.gid.is_some() {
            std::os::unix::fs::fchown(&f, attr.uid, attr.gid).map_err(errno)?;
        }
        let mut times = FileTimes::new();
        if let Some(t) = attr.atime {
            times = times.set_accessed(system_time(t));
        }
        if let Some(t) = attr.mtime {
            times = times.set_modified(system_time(t));
        }
        if attr.atime.is_some() || attr.mtime.is_some() {
            f.set_times(times).map_err(errno)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tabvm-hostfs-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn walk(fs: &mut HostDirFs, path: &str) -> Result<Ino, Errno> {
        let mut ino = fs.root();
        for c in path.split('/').filter(|c| !c.is_empty()) {
            ino = fs.lookup(ino, c.as_bytes())?;
        }
        Ok(ino)
    }

    #[test]
    fn host_symlinks_are_never_followed() {
        let dir = temp_root("confine");
        fs::create_dir(dir.join("etc")).unwrap();
        fs::write(dir.join("etc/passwd"), b"guest passwd").unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("hostetc")).unwrap();
        let mut fs = HostDirFs::new(&dir).unwrap();
        let link = walk(&mut fs, "hostetc").unwrap();
        assert_eq!(fs.stat(link).unwrap().mode & 0o170000, 0o120000);
        assert_eq!(fs.readlink(link).unwrap(), b"/etc");
        // Looking a name up *in* the symlink is refused, not followed.
        assert_eq!(walk(&mut fs, "hostetc/passwd"), Err(Errno::ENOTDIR));
        let mut buf = [0u8; 64];
        assert!(fs.read(link, 0, &mut buf).is_err());
        assert_eq!(
            fs.set_attr(
                link,
                SetAttr {
                    mode: Some(0o777),
                    ..SetAttr::default()
                }
            ),
            Err(Errno::EOPNOTSUPP)
        );
        // `..` at the root stays at the root.
        assert_eq!(fs.lookup(fs.root(), b"..").unwrap(), fs.root());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Through the kernel's walk, a host symlink to /etc means the guest's /etc.
    #[test]
    fn absolute_symlink_resolves_inside_guest_root() {
        let dir = temp_root("vfs");
        fs::create_dir(dir.join("etc")).unwrap();
        fs::write(dir.join("etc/passwd"), b"guest passwd").unwrap();
        fs::set_permissions(dir.join("etc/passwd"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("hostetc")).unwrap();
        std::os::unix::fs::symlink("../../../../etc/passwd", dir.join("etc/up")).unwrap();
        let mut vfs =
            tabvm_kernel::vfs::Vfs::new(Box::new(HostDirFs::new(&dir).unwrap()), [false; 3]);
        let ctx = vfs.root_context();
        assert_eq!(
            vfs.read_executable(&ctx, b"/hostetc/passwd").unwrap(),
            b"guest passwd"
        );
        assert_eq!(
            vfs.read_executable(&ctx, b"/hostetc/up").unwrap(),
            b"guest passwd"
        );
        assert_eq!(
            vfs.read_executable(&ctx, b"/../hostetc/../../etc/passwd")
                .unwrap(),
            b"guest passwd"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn replaced_directory_is_not_traversed() {
        let dir = temp_root("swap");
        fs::create_dir(dir.join("d")).unwrap();
        fs::write(dir.join("d/f"), b"x").unwrap();
        let mut fs = HostDirFs::new(&dir).unwrap();
        let f = walk(&mut fs, "d/f").unwrap();
        // Someone swaps the directory for a symlink to the host's /etc.
        fs::remove_dir_all(dir.join("d")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("d")).unwrap();
        assert!(fs.stat(f).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn create_write_rename_unlink() {
        let dir = temp_root("rw");
        let mut fs = HostDirFs::new(&dir).unwrap();
        let root = fs.root();
        let who = Creator::default();
        let d = fs
            .create(root, b"d", FileType::Directory, 0o750, who)
            .unwrap();
        let f = fs.create(d, b"f", FileType::Regular, 0o640, who).unwrap();
        fs.open(f);
        assert_eq!(fs.write(f, 2, b"hi").unwrap(), 2);
        assert_eq!(fs::read(dir.join("d/f")).unwrap(), b"\0\0hi");
        let st = fs.stat(f).unwrap();
        assert_eq!((st.mode, st.size), (0o100640, 4));
        assert_eq!(fs.stat(d).unwrap().mode, 0o40750);
        fs.rename(root, b"d", root, b"e").unwrap();
        assert_eq!(fs.stat(f).unwrap().size, 4);
        let names: Vec<_> = fs.readdir(d).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, vec![b"f".to_vec()]);
        fs.unlink(d, b"f").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(fs.read(f, 0, &mut buf).unwrap(), 4);
        fs.release(f);
        assert_eq!(fs.rmdir(root, b"e"), Ok(()));
        fs.set_attr(
            root,
            SetAttr {
                mtime: Some(Timespec {
                    sec: 1_000_000,
                    nsec: 5,
                }),
                ..SetAttr::default()
            },
        )
        .unwrap();
        assert_eq!(
            fs.stat(root).unwrap().mtime,
            Timespec {
                sec: 1_000_000,
                nsec: 5
            }
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
