//! Path resolution, and the node operations built on it (open, create,
//! unlink, rename, …).
//!
//! The walk is done here, component by component, for every file system:
//! `.` stays, `..` goes to the parent (the guest root is its own parent, and
//! `..` of a mounted root leaves the mount), and symlinks are read and their
//! targets walked in place — absolute targets restart at the *guest* root —
//! at most [`MAX_SYMLINKS`] times per walk (`ELOOP`). File systems never see
//! a path, so nothing a guest names resolves outside its root.

use std::rc::{Rc, Weak};

use super::file::{FileKind, NodeRef, OpenFile};
use super::pipe::{PipeEnd, PipeRef};
use super::{check_new_name, Creator, FileType, FsContext, Loc, SetAttr, Stat, StatFs};
use crate::abi::errno::Errno;
use crate::abi::fcntl::*;
use crate::sys::SysError;
use crate::vfs::devices::Device;
use crate::vfs::procfs::Link;
use crate::vfs::Vfs;

/// Symlinks followed in one walk (Linux's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;
/// `/proc` links being made absolute at once: one, so a link read while
/// resolving another shows its path as given (each level would multiply
/// the walks by `MAX_SYMLINKS`).
const MAX_LINK_NESTING: u32 = 1;

/// Splits a path into its non-empty components.
fn components(path: &[u8]) -> impl DoubleEndedIterator<Item = &[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

impl Vfs {
    /// The working directory of `ctx`.
    pub(crate) fn cwd(&self, ctx: &FsContext) -> Loc {
        ctx.cwd.unwrap_or_else(|| self.root_loc())
    }

    /// `stat` of a node, with its mount's device number.
    pub(crate) fn stat_loc(&self, loc: Loc) -> Result<Stat, Errno> {
        let mut st = self.fs(loc.mnt).borrow_mut().stat(loc.ino)?;
        st.dev = self.mounts[loc.mnt].dev;
        Ok(st)
    }

    /// `name` in directory `dir`, entering a file system mounted there.
    fn child(&self, dir: Loc, name: &[u8]) -> Result<Loc, Errno> {
        if let Some(m) = self
            .mounts
            .iter()
            .position(|m| m.at.as_ref().is_some_and(|(at, n)| *at == dir && n == name))
        {
            return Ok(Loc {
                mnt: m,
                ino: self.mounts[m].fs.borrow().root(),
            });
        }
        let ino = self.fs(dir.mnt).borrow_mut().lookup(dir.ino, name)?;
        Ok(Loc { mnt: dir.mnt, ino })
    }

    /// The parent of directory `dir` (`..`).
    pub(crate) fn parent(&self, dir: Loc) -> Result<Loc, Errno> {
        let mount = &self.mounts[dir.mnt];
        if dir.ino == mount.fs.borrow().root() {
            return Ok(match &mount.at {
                Some((at, _)) => *at,
                None => dir,
            });
        }
        let ino = mount.fs.borrow_mut().lookup(dir.ino, b"..")?;
        Ok(Loc { mnt: dir.mnt, ino })
    }

    /// Resolves `path` from `start` (ignored for absolute paths). The last
    /// component is followed if it is a symlink only when `follow`; a
    /// trailing slash always follows and requires a directory.
    pub(crate) fn resolve(&self, start: Loc, path: &[u8], follow: bool) -> Result<Loc, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let must_dir = path.ends_with(b"/");
        let root = self.root_loc();
        let mut cur = if path.starts_with(b"/") { root } else { start };
        // Components still to walk, last first.
        let mut todo: Vec<Vec<u8>> = components(path).rev().map(<[u8]>::to_vec).collect();
        let mut links = 0;
        while let Some(name) = todo.pop() {
            if name == b"." || name == b".." {
                if !self.stat_loc(cur)?.is_dir() {
                    return Err(Errno::ENOTDIR);
                }
                if name == b".." {
                    cur = self.parent(cur)?;
                }
                continue;
            }
            if name.len() > 255 {
                return Err(Errno::ENAMETOOLONG);
            }
            let next = self.child(cur, &name)?;
            let last = todo.is_empty();
            let st = self.stat_loc(next)?;
            if st.file_type() == Some(FileType::Symlink) && (!last || follow || must_dir) {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = self.readlink(next)?;
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                if target.starts_with(b"/") {
                    cur = root;
                }
                todo.extend(components(&target).rev().map(<[u8]>::to_vec));
                continue;
            }
            cur = next;
        }
        if must_dir && !self.stat_loc(cur)?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    /// Resolves all but the last component: (directory, last name). The
    /// name is `.` for `/` and may be `.` or `..`; trailing slashes are
    /// dropped (callers that create or remove check the kind).
    pub(crate) fn resolve_parent(&self, start: Loc, path: &[u8]) -> Result<(Loc, Vec<u8>), Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let trimmed = match path.iter().rposition(|&b| b != b'/') {
            Some(end) => &path[..=end],
            None => return Ok((self.root_loc(), b".".to_vec())),
        };
        let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
            Some(slash) => (&trimmed[..=slash], &trimmed[slash + 1..]),
            None => (&b""[..], trimmed),
        };
        if name.len() > 255 {
            return Err(Errno::ENAMETOOLONG);
        }
        let dir = if dir_part.is_empty() {
            start
        } else {
            self.resolve(start, dir_part, true)?
        };
        if !self.stat_loc(dir)?.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok((dir, name.to_vec()))
    }

    /// A directory's file system with the current time given.
    fn fs_at(&self, loc: Loc) -> super::file::FsRef {
        let fs = self.fs(loc.mnt);
        fs.borrow_mut().tick(self.now);
        fs
    }

    /// The node `open` with `O_CREAT` opens: the existing one, or a new
    /// regular file — also at the end of a dangling symlink, as Linux does
    /// (`links` counts the symlinks followed so far).
    fn find_or_create(
        &mut self,
        start: Loc,
        path: &[u8],
        flags: u32,
        perm: u32,
        who: Creator,
        links: u32,
    ) -> Result<Loc, Errno> {
        let follow = flags & O_NOFOLLOW == 0;
        let (dir, name) = self.resolve_parent(start, path)?;
        match self.child(dir, &name) {
            Ok(_) if flags & O_EXCL != 0 => Err(Errno::EEXIST),
            Ok(existing) => match self.resolve(start, path, follow) {
                Err(Errno::ENOENT)
                    if follow
                        && self.stat_loc(existing)?.file_type() == Some(FileType::Symlink) =>
                {
                    if links >= MAX_SYMLINKS {
                        return Err(Errno::ELOOP);
                    }
                    let target = self.readlink(existing)?;
                    self.find_or_create(dir, &target, flags, perm, who, links + 1)
                }
                r => r,
            },
            Err(Errno::ENOENT) => {
                if path.ends_with(b"/") {
                    return Err(Errno::EISDIR);
                }
                check_new_name(&name)?;
                let ino = self.fs_at(dir).borrow_mut().create(
                    dir.ino,
                    &name,
                    FileType::Regular,
                    perm,
                    who,
                )?;
                Ok(Loc { mnt: dir.mnt, ino })
            }
            Err(e) => Err(e),
        }
    }

    /// `open(2)`: resolves, creates with `O_CREAT`, truncates with `O_TRUNC`.
    /// Opening a FIFO for writing may have to wait for a reader (`Block`).
    pub(crate) fn open(
        &mut self,
        ctx: &FsContext,
        start: Loc,
        path: &[u8],
        flags: u32,
        mode: u32,
        who: Creator,
    ) -> Result<OpenFile, SysError> {
        let loc = if flags & O_CREAT != 0 {
            self.find_or_create(start, path, flags, mode & 0o7777 & !ctx.umask, who, 0)?
        } else {
            self.resolve(start, path, flags & O_NOFOLLOW == 0)?
        };
        let st = self.stat_loc(loc)?;
        let kind = st.file_type().ok_or(Errno::EIO)?;
        // What `/proc/<pid>/fd/N` will show; a path through `/proc` (say
        // `/proc/self/fd/0`) means something else to another reader, so it
        // is made absolute now.
        let origin = if super::procfs::may_reach(self, start, path) {
            self.canonical(start, path).map(|p| (self.root_loc(), p))
        } else {
            Some((start, path.to_vec()))
        };
        let node = NodeRef {
            fs: self.fs(loc.mnt),
            loc,
            dev: self.mounts[loc.mnt].dev,
            origin,
        };
        if flags & O_PATH != 0 {
            let flags = flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW);
            if flags & O_DIRECTORY != 0 && kind != FileType::Directory {
                return Err(Errno::ENOTDIR.into());
            }
            return Ok(OpenFile::with_node(FileKind::Path, flags, node));
        }
        let writing = flags & O_ACCMODE != O_RDONLY;
        let status = flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
        let file_kind = match kind {
            FileType::Symlink => return Err(Errno::ELOOP.into()),
            FileType::Directory if writing || flags & O_CREAT != 0 => {
                return Err(Errno::EISDIR.into())
            }
            FileType::Directory => FileKind::Dir { listing: None },
            _ if flags & O_DIRECTORY != 0 => return Err(Errno::ENOTDIR.into()),
            FileType::Regular => {
                if flags & O_TRUNC != 0 && writing {
                    self.fs_at(loc).borrow_mut().truncate(loc.ino, 0)?;
                }
                FileKind::Regular
            }
            FileType::CharDev => match Device::from_rdev(st.rdev) {
                Some(Device::Tty) if !self.console.has_tty() => return Err(Errno::ENXIO.into()),
                Some(Device::Tty) => FileKind::Tty,
                Some(d) => FileKind::Device(d),
                None => return Err(Errno::ENXIO.into()),
            },
            FileType::Fifo => {
                let pipe = match self.fifos.get(&loc).and_then(Weak::upgrade) {
                    Some(p) => p,
                    None => {
                        let p = PipeRef::default();
                        self.fifos.retain(|_, w| w.strong_count() > 0);
                        self.fifos.insert(loc, Rc::downgrade(&p));
                        p
                    }
                };
                let access = flags & O_ACCMODE;
                FileKind::Pipe(PipeEnd::fifo(
                    &pipe,
                    access != O_WRONLY,
                    access != O_RDONLY,
                    flags & O_NONBLOCK != 0,
                )?)
            }
            // Sockets are not implemented yet; block devices are not exposed.
            FileType::Socket | FileType::BlockDev => return Err(Errno::ENXIO.into()),
        };
        Ok(OpenFile::with_node(file_kind, status, node))
    }

    /// Creates a directory or fifo (`mkdir`, `mknod`).
    pub(crate) fn make_node(
        &mut self,
        ctx: &FsContext,
        start: Loc,
        path: &[u8],
        kind: FileType,
        mode: u32,
        who: Creator,
    ) -> Result<(), Errno> {
        let (dir, name) = self.resolve_parent(start, path)?;
        check_new_name(&name)?;
        if self.child(dir, &name).is_ok() {
            return Err(Errno::EEXIST);
        }
        if kind != FileType::Directory && path.ends_with(b"/") {
            return Err(Errno::ENOENT);
        }
        let perm = mode & 0o7777 & !ctx.umask;
        self.fs_at(dir)
            .borrow_mut()
            .create(dir.ino, &name, kind, perm, who)
            .map(drop)
    }

    pub(crate) fn symlink(
        &mut self,
        start: Loc,
        target: &[u8],
        path: &[u8],
        who: Creator,
    ) -> Result<(), Errno> {
        let (dir, name) = self.resolve_parent(start, path)?;
        check_new_name(&name)?;
        if self.child(dir, &name).is_ok() {
            return Err(Errno::EEXIST);
        }
        self.fs_at(dir)
            .borrow_mut()
            .symlink(dir.ino, &name, target, who)
            .map(drop)
    }

    /// Whether `loc` is the root of a mount (which cannot be removed or renamed).
    fn is_mount_root(&self, loc: Loc) -> bool {
        loc.ino == self.mounts[loc.mnt].fs.borrow().root()
    }

    /// `unlink` or `rmdir` (`dir_only`).
    pub(crate) fn remove(&mut self, start: Loc, path: &[u8], dir_only: bool) -> Result<(), Errno> {
        let (dir, name) = self.resolve_parent(start, path)?;
        match (&name[..], dir_only) {
            (b".", true) => return Err(Errno::EINVAL),
            (b"..", true) => return Err(Errno::ENOTEMPTY),
            (b"." | b"..", false) => return Err(Errno::EISDIR),
            _ => {}
        }
        let target = self.child(dir, &name)?;
        if target.mnt != dir.mnt || self.is_mount_root(target) {
            return Err(Errno::EBUSY);
        }
        let fs = self.fs_at(dir);
        let mut fs = fs.borrow_mut();
        if dir_only {
            fs.rmdir(dir.ino, &name)
        } else {
            if path.ends_with(b"/") {
                return Err(if fs.stat(target.ino)?.is_dir() {
                    Errno::EISDIR
                } else {
                    Errno::ENOTDIR
                });
            }
            fs.unlink(dir.ino, &name)
        }
    }

    pub(crate) fn rename(
        &mut self,
        from_start: Loc,
        from: &[u8],
        to_start: Loc,
        to: &[u8],
        noreplace: bool,
    ) -> Result<(), Errno> {
        let (fdir, fname) = self.resolve_parent(from_start, from)?;
        let (tdir, tname) = self.resolve_parent(to_start, to)?;
        for n in [&fname, &tname] {
            if n == b"." || n == b".." {
                return Err(Errno::EBUSY);
            }
        }
        let source = self.child(fdir, &fname)?;
        if source.mnt != fdir.mnt || self.is_mount_root(source) {
            return Err(Errno::EBUSY);
        }
        if fdir.mnt != tdir.mnt {
            return Err(Errno::EXDEV);
        }
        if let Ok(dest) = self.child(tdir, &tname) {
            if noreplace {
                return Err(Errno::EEXIST);
            }
            if dest.mnt != tdir.mnt || self.is_mount_root(dest) {
                return Err(Errno::EBUSY);
            }
        }
        self.fs_at(fdir)
            .borrow_mut()
            .rename(fdir.ino, &fname, tdir.ino, &tname)
    }

    /// `link(2)`: a new name for an existing non-directory.
    pub(crate) fn link(
        &mut self,
        old_start: Loc,
        old: &[u8],
        follow: bool,
        new_start: Loc,
        new: &[u8],
    ) -> Result<(), Errno> {
        let source = self.resolve(old_start, old, follow)?;
        let (dir, name) = self.resolve_parent(new_start, new)?;
        check_new_name(&name)?;
        if self.child(dir, &name).is_ok() {
            return Err(Errno::EEXIST);
        }
        if source.mnt != dir.mnt {
            return Err(Errno::EXDEV);
        }
        if self.stat_loc(source)?.is_dir() {
            return Err(Errno::EPERM);
        }
        self.fs_at(dir)
            .borrow_mut()
            .link(source.ino, dir.ino, &name)
    }

    /// A symlink's target. `/proc` links to files are made absolute here,
    /// when read, rather than whenever `/proc`'s snapshot is taken.
    pub(crate) fn readlink(&self, loc: Loc) -> Result<Vec<u8>, Errno> {
        if loc.mnt == self.proc_mnt {
            return Ok(match super::procfs::link(&self.proc, loc.ino)? {
                Link::Text(t) => t,
                // A path that leads back into `/proc` (through a symlink
                // elsewhere) may name the link itself: nesting is bounded,
                // and the deepest link shows its path as given.
                Link::Path(_, path) if self.link_depth.get() >= MAX_LINK_NESTING => path,
                Link::Path(start, path) => {
                    self.link_depth.set(self.link_depth.get() + 1);
                    let absolute = self.canonical(start, &path);
                    self.link_depth.set(self.link_depth.get() - 1);
                    absolute.unwrap_or(path)
                }
            });
        }
        self.fs(loc.mnt).borrow_mut().readlink(loc.ino)
    }

    pub(crate) fn truncate(&mut self, loc: Loc, size: u64) -> Result<(), Errno> {
        let st = self.stat_loc(loc)?;
        match st.file_type() {
            Some(FileType::Directory) => Err(Errno::EISDIR),
            Some(FileType::Regular) => self.fs_at(loc).borrow_mut().truncate(loc.ino, size),
            _ => Err(Errno::EINVAL),
        }
    }

    pub(crate) fn set_attr(&mut self, loc: Loc, attr: SetAttr) -> Result<(), Errno> {
        self.fs_at(loc).borrow_mut().set_attr(loc.ino, attr)
    }

    pub(crate) fn statfs(&self, loc: Loc) -> StatFs {
        self.fs(loc.mnt).borrow_mut().statfs()
    }

    /// A directory's entries as `getdents` lists them: `.`, `..`, the file
    /// system's entries, then names mounted here that it lacks.
    pub(crate) fn listing(&self, dir: Loc) -> Result<Vec<(u64, u8, Vec<u8>)>, Errno> {
        let dt_dir = FileType::Directory.dirent_type();
        let parent = self.parent(dir)?;
        let mut out = vec![
            (dir.ino, dt_dir, b".".to_vec()),
            (parent.ino, dt_dir, b"..".to_vec()),
        ];
        let entries = self.fs(dir.mnt).borrow_mut().readdir(dir.ino)?;
        out.extend(
            entries
                .into_iter()
                .map(|e| (e.ino, e.kind.dirent_type(), e.name)),
        );
        for m in &self.mounts {
            if let Some((at, name)) = &m.at {
                if *at == dir && !out.iter().any(|e| e.2 == *name) {
                    out.push((m.fs.borrow().root(), dt_dir, name.clone()));
                }
            }
        }
        Ok(out)
    }

    /// The absolute path `path` names from `start`, with every symlink
    /// followed (what `/proc` shows for executables and open files); `None`
    /// if it no longer resolves.
    pub(crate) fn canonical(&self, start: Loc, path: &[u8]) -> Option<Vec<u8>> {
        let (mut dir, mut name) = (start, path.to_vec());
        for _ in 0..=MAX_SYMLINKS {
            if let Ok(loc) = self.resolve(dir, &name, true) {
                if self.stat_loc(loc).ok()?.is_dir() {
                    return self.path_of(loc).ok();
                }
            }
            let (parent, last) = self.resolve_parent(dir, &name).ok()?;
            match self.child(parent, &last) {
                Ok(loc) if self.stat_loc(loc).ok()?.file_type() == Some(FileType::Symlink) => {
                    name = self.readlink(loc).ok()?;
                    dir = parent;
                }
                // A file unlinked since it was opened keeps its last path.
                _ => return Some(super::procfs::join(&self.path_of(parent).ok()?, &last)),
            }
        }
        None
    }

    /// The absolute path of a directory (`getcwd`), found by walking `..`
    /// and searching each parent for the child's inode.
    pub(crate) fn path_of(&self, mut loc: Loc) -> Result<Vec<u8>, Errno> {
        let root = self.root_loc();
        let mut names: Vec<Vec<u8>> = Vec::new();
        while loc != root {
            let parent = self.parent(loc)?;
            let name = match &self.mounts[loc.mnt].at {
                Some((at, name)) if self.is_mount_root(loc) && *at == parent => name.clone(),
                _ => {
                    let entries = self.fs(parent.mnt).borrow_mut().readdir(parent.ino)?;
                    entries
                        .into_iter()
                        .find(|e| e.ino == loc.ino)
                        .map(|e| e.name)
                        .ok_or(Errno::ENOENT)?
                }
            };
            names.push(name);
            loc = parent;
        }
        if names.is_empty() {
            return Ok(b"/".to_vec());
        }
        Ok(names
            .iter()
            .rev()
            .flat_map(|n| [&b"/"[..], n].concat())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::{FileSystem, MemFs};

    fn who() -> Creator {
        Creator::default()
    }

    /// A root with /etc/passwd, /home/u, and assorted symlinks.
    fn vfs() -> (Vfs, FsContext) {
        let mut fs = MemFs::new();
        let root = fs.root();
        let etc = fs
            .create(root, b"etc", FileType::Directory, 0o755, who())
            .unwrap();
        let pw = fs
            .create(etc, b"passwd", FileType::Regular, 0o644, who())
            .unwrap();
        fs.write(pw, 0, b"root:x:0:0").unwrap();
        let home = fs
            .create(root, b"home", FileType::Directory, 0o755, who())
            .unwrap();
        let u = fs
            .create(home, b"u", FileType::Directory, 0o755, who())
            .unwrap();
        fs.symlink(u, b"abs", b"/etc", who()).unwrap();
        fs.symlink(u, b"up", b"../../../../etc", who()).unwrap();
        fs.symlink(u, b"loop1", b"loop2", who()).unwrap();
        fs.symlink(u, b"loop2", b"loop1", who()).unwrap();
        fs.symlink(u, b"file", b"/etc/passwd", who()).unwrap();
        let vfs = Vfs::new(Box::new(fs), [false; 3]);
        let ctx = vfs.root_context();
        (vfs, ctx)
    }

    fn at(vfs: &Vfs, ctx: &FsContext, p: &str) -> Loc {
        vfs.resolve(vfs.cwd(ctx), p.as_bytes(), true)
            .unwrap_or_else(|e| panic!("{p}: {e:?}"))
    }

    #[test]
    fn dotdot_at_root_stays_at_root() {
        let (vfs, ctx) = vfs();
        assert_eq!(vfs.path_of(at(&vfs, &ctx, "/../../..")).unwrap(), b"/");
        assert_eq!(
            vfs.path_of(at(&vfs, &ctx, "../etc/../home/./u/.."))
                .unwrap(),
            b"/home"
        );
        assert_eq!(vfs.path_of(at(&vfs, &ctx, "/dev/..")).unwrap(), b"/");
    }

    #[test]
    fn symlinks_stay_confined() {
        let (vfs, ctx) = vfs();
        assert_eq!(vfs.path_of(at(&vfs, &ctx, "/home/u/abs")).unwrap(), b"/etc");
        assert_eq!(vfs.path_of(at(&vfs, &ctx, "/home/u/up/")).unwrap(), b"/etc");
        assert_eq!(
            at(&vfs, &ctx, "/home/u/abs/passwd"),
            at(&vfs, &ctx, "/etc/passwd")
        );
        assert_eq!(
            at(&vfs, &ctx, "/home/u/file"),
            at(&vfs, &ctx, "/etc/passwd")
        );
        let link = vfs.resolve(vfs.root_loc(), b"/home/u/abs", false).unwrap();
        assert_eq!(vfs.readlink(link).unwrap(), b"/etc");
    }

    #[test]
    fn loops_and_bad_components() {
        let (vfs, ctx) = vfs();
        let r = |p: &str, f| vfs.resolve(vfs.cwd(&ctx), p.as_bytes(), f).err();
        assert_eq!(r("/home/u/loop1", true), Some(Errno::ELOOP));
        assert_eq!(r("/home/u/loop1", false), None);
        assert_eq!(r("/home/u/loop1/x", false), Some(Errno::ELOOP));
        assert_eq!(r("/etc/passwd/", true), Some(Errno::ENOTDIR));
        assert_eq!(r("/etc/passwd/..", true), Some(Errno::ENOTDIR));
        assert_eq!(r("/home/u/file/", true), Some(Errno::ENOTDIR));
        assert_eq!(r("/nope/x", true), Some(Errno::ENOENT));
        assert_eq!(r("", true), Some(Errno::ENOENT));
    }

    #[test]
    fn dev_and_tmp_are_mounted() {
        let (mut vfs, ctx) = vfs();
        let root = vfs.root_loc();
        let names: Vec<_> = vfs
            .listing(root)
            .unwrap()
            .into_iter()
            .map(|e| e.2)
            .collect();
        assert!(names.contains(&b"dev".to_vec()) && names.contains(&b"tmp".to_vec()));
        let null = vfs
            .open(&ctx, root, b"/dev/null", O_RDWR, 0, who())
            .unwrap();
        assert!(matches!(null.kind, FileKind::Device(Device::Null)));
        let out = vfs
            .open(&ctx, root, b"/dev/stdout", O_WRONLY, 0, who())
            .unwrap();
        assert!(matches!(out.kind, FileKind::Device(Device::Fd(1))));
        let pts = vfs.resolve(root, b"/dev/pts/0", true).unwrap();
        assert_eq!(vfs.stat_loc(pts).unwrap().rdev, (136, 0));
        assert_eq!(
            vfs.open(&ctx, root, b"/dev/tty", O_RDWR, 0, who()).err(),
            Some(Errno::ENXIO.into())
        );
        vfs.make_node(&ctx, root, b"/tmp/d", FileType::Directory, 0o777, who())
            .unwrap();
        let d = vfs.resolve(root, b"/tmp/d", true).unwrap();
        assert_eq!(vfs.path_of(d).unwrap(), b"/tmp/d");
        assert_eq!(vfs.stat_loc(d).unwrap().mode, 0o40755);
        assert_eq!(
            vfs.rename(root, b"/tmp/d", root, b"/etc/d", false),
            Err(Errno::EXDEV)
        );
        assert_eq!(vfs.remove(root, b"/tmp", true), Err(Errno::EBUSY));
    }

    #[test]
    fn proc_is_mounted_and_paths_canonicalise() {
        let (vfs, ctx) = vfs();
        let root = vfs.root_loc();
        {
            let mut view = vfs.proc.borrow_mut();
            view.self_pid = 3;
            let exe = Link::Text(b"/etc/passwd".to_vec());
            let info = crate::vfs::procfs::ProcInfo {
                exe,
                cwd: Link::Path(root, b"home/u/".to_vec()),
                ..Default::default()
            };
            view.procs.insert(3, info);
        }
        let me = at(&vfs, &ctx, "/proc/self");
        assert_eq!(vfs.path_of(me).unwrap(), b"/proc/3");
        assert_eq!(
            at(&vfs, &ctx, "/proc/self/exe"),
            at(&vfs, &ctx, "/etc/passwd")
        );
        assert_eq!(
            vfs.path_of(at(&vfs, &ctx, "/proc/self/..")).unwrap(),
            b"/proc"
        );
        let cwd = vfs.resolve(root, b"/proc/3/cwd", false).unwrap();
        assert_eq!(vfs.readlink(cwd).unwrap(), b"/home/u");
        // A link that names itself ends instead of recursing.
        vfs.proc
            .borrow_mut()
            .procs
            .get_mut(&3)
            .unwrap()
            .fds
            .push((5, Link::Path(root, b"/proc/self/fd/5".to_vec())));
        let fd = vfs.resolve(root, b"/proc/3/fd/5", false).unwrap();
        assert_eq!(vfs.readlink(fd).unwrap(), b"/proc/self/fd/5");
        assert_eq!(vfs.resolve(root, b"/proc/3/fd/5", true), Err(Errno::ELOOP));
        assert_eq!(vfs.resolve(root, b"/proc/4", true), Err(Errno::ENOENT));
        let c = |start: &str, p: &str| vfs.canonical(at(&vfs, &ctx, start), p.as_bytes());
        assert_eq!(c("/", "home/u/file").unwrap(), b"/etc/passwd");
        assert_eq!(c("/home/u", "abs").unwrap(), b"/etc");
        assert_eq!(c("/home/u", "up/passwd").unwrap(), b"/etc/passwd");
        assert_eq!(c("/home", "./u/../u/abs/new").unwrap(), b"/etc/new");
        assert_eq!(c("/home/u", "loop1"), None);
        assert_eq!(c("/", "nope/x"), None);
    }

    #[test]
    fn fifo_connects_reader_and_writer() {
        let (mut vfs, ctx) = vfs();
        let root = vfs.root_loc();
        vfs.make_node(&ctx, root, b"/tmp/p", FileType::Fifo, 0o644, who())
            .unwrap();
        let block = Some(SysError::Block { until: None });
        assert_eq!(
            vfs.open(&ctx, root, b"/tmp/p", O_WRONLY, 0, who()).err(),
            block
        );
        let r = vfs.open(&ctx, root, b"/tmp/p", O_RDONLY, 0, who()).unwrap();
        let w = vfs.open(&ctx, root, b"/tmp/p", O_WRONLY, 0, who()).unwrap();
        let (FileKind::Pipe(r), FileKind::Pipe(w)) = (&r.kind, &w.kind) else {
            panic!("not pipes")
        };
        assert_eq!(w.write(b"x", false), Ok(1));
        assert_eq!(r.available(), 1);
    }

    #[test]
    fn open_create_excl_trunc() {
        let (mut vfs, ctx) = vfs();
        let root = vfs.root_loc();
        let f = vfs
            .open(&ctx, root, b"/tmp/f", O_CREAT | O_WRONLY, 0o666, who())
            .unwrap();
        assert_eq!(f.stat().unwrap().mode, 0o100644);
        assert_eq!(
            vfs.open(
                &ctx,
                root,
                b"/tmp/f",
                O_CREAT | O_EXCL | O_WRONLY,
                0o666,
                who()
            )
            .err(),
            Some(Errno::EEXIST.into())
        );
        assert_eq!(
            vfs.open(&ctx, root, b"/tmp", O_WRONLY, 0, who()).err(),
            Some(Errno::EISDIR.into())
        );
        assert_eq!(
            vfs.open(&ctx, root, b"/tmp/f", O_DIRECTORY, 0, who()).err(),
            Some(Errno::ENOTDIR.into())
        );
        assert_eq!(
            vfs.open(&ctx, root, b"/home/u/file", O_NOFOLLOW, 0, who())
                .err(),
            Some(Errno::ELOOP.into())
        );
        vfs.symlink(root, b"f", b"/tmp/l", who()).unwrap();
        vfs.remove(root, b"/tmp/l", false).unwrap();
        // Creating through a dangling symlink creates its target.
        vfs.symlink(root, b"new", b"/tmp/dangling", who()).unwrap();
        vfs.open(
            &ctx,
            root,
            b"/tmp/dangling",
            O_CREAT | O_WRONLY,
            0o600,
            who(),
        )
        .unwrap();
        assert!(vfs.resolve(root, b"/tmp/new", false).is_ok());
        vfs.remove(root, b"/tmp/f", false).unwrap();
        assert_eq!(vfs.remove(root, b"/tmp/f", false), Err(Errno::ENOENT));
    }
}
