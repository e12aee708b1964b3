//! Per-process tables: file descriptors ([`FdTable`]) and the file-system
//! context ([`FsContext`]: working directory and umask).
//!
//! Descriptors point at shared open file descriptions (`Rc<RefCell<OpenFile>>`):
//! cloning a table, as `fork` does, shares the descriptions (and so the file
//! offsets), and `dup` makes a second descriptor for the same description.

use std::cell::RefCell;
use std::rc::Rc;

use super::{Loc, OpenFile};
use crate::abi::errno::Errno;

/// A shared open file description.
pub type FileRef = Rc<RefCell<OpenFile>>;

/// The most descriptors a table holds (Linux's default soft
/// `RLIMIT_NOFILE`); `setrlimit` may set a lower limit.
pub const RLIMIT_NOFILE: usize = 1024;

#[derive(Clone)]
struct Slot {
    file: FileRef,
    cloexec: bool,
}

/// A process's descriptor table.
#[derive(Clone)]
pub struct FdTable {
    slots: Vec<Option<Slot>>,
    /// Descriptors from this number up are refused (the process's
    /// `RLIMIT_NOFILE`, at most [`RLIMIT_NOFILE`]).
    limit: usize,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable {
            slots: Vec::new(),
            limit: RLIMIT_NOFILE,
        }
    }
}

impl FdTable {
    /// Applies a new `RLIMIT_NOFILE` soft limit; open descriptors above it
    /// stay open, as on Linux.
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.limit = limit.min(RLIMIT_NOFILE as u64) as usize;
    }

    /// The description behind `fd` (`EBADF`).
    pub fn get(&self, fd: u32) -> Result<FileRef, Errno> {
        match self.slots.get(fd as usize) {
            Some(Some(s)) => Ok(s.file.clone()),
            _ => Err(Errno::EBADF),
        }
    }

    /// Installs `file` at the lowest free descriptor `>= min` (`EMFILE`).
    pub fn insert_from(&mut self, min: u32, file: FileRef, cloexec: bool) -> Result<u32, Errno> {
        let min = min as usize;
        if min >= self.limit {
            return Err(Errno::EINVAL);
        }
        let free = (min..self.limit)
            .find(|&i| !matches!(self.slots.get(i), Some(Some(_))))
            .ok_or(Errno::EMFILE)?;
        if free >= self.slots.len() {
            self.slots.resize(free + 1, None);
        }
        self.slots[free] = Some(Slot { file, cloexec });
        Ok(free as u32)
    }

    /// Installs `file` at the lowest free descriptor.
    pub fn insert(&mut self, file: FileRef, cloexec: bool) -> Result<u32, Errno> {
        self.insert_from(0, file, cloexec)
    }

    /// Installs `file` at exactly `fd`, returning what was there (`dup2`).
    pub fn install_at(
        &mut self,
        fd: u32,
        file: FileRef,
        cloexec: bool,
    ) -> Result<Option<FileRef>, Errno> {
        let fd = fd as usize;
        if fd >= self.limit {
            return Err(Errno::EBADF);
        }
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        Ok(self.slots[fd]
            .replace(Slot { file, cloexec })
            .map(|s| s.file))
    }

    /// Closes `fd`, returning its description (dropped by the caller).
    pub fn remove(&mut self, fd: u32) -> Result<FileRef, Errno> {
        let slot = self
            .slots
            .get_mut(fd as usize)
            .and_then(Option::take)
            .ok_or(Errno::EBADF)?;
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
        Ok(slot.file)
    }

    pub fn cloexec(&self, fd: u32) -> Result<bool, Errno> {
        match self.slots.get(fd as usize) {
            Some(Some(s)) => Ok(s.cloexec),
            _ => Err(Errno::EBADF),
        }
    }

    pub fn set_cloexec(&mut self, fd: u32, on: bool) -> Result<(), Errno> {
        match self.slots.get_mut(fd as usize) {
            Some(Some(s)) => {
                s.cloexec = on;
                Ok(())
            }
            _ => Err(Errno::EBADF),
        }
    }

    /// Closes every close-on-exec descriptor (`execve`).
    pub fn close_on_exec(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|s| s.cloexec) {
                *slot = None;
            }
        }
    }

    /// Closes everything (process exit).
    pub fn clear(&mut self) {
        self.slots.clear();
    }

    /// Open descriptors, lowest first.
    pub fn fds(&self) -> impl Iterator<Item = u32> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| i as u32)
    }
}

/// Working directory and umask of a process.
#[derive(Clone, Debug)]
pub struct FsContext {
    /// `None` is the root (a context made before the VFS exists).
    pub(crate) cwd: Option<Loc>,
    pub umask: u32,
}

impl Default for FsContext {
    fn default() -> Self {
        FsContext {
            cwd: None,
            umask: 0o022,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::{FileKind, OpenFile};

    fn file() -> FileRef {
        Rc::new(RefCell::new(OpenFile::new(
            FileKind::Device(crate::vfs::devices::Device::Null),
            0,
        )))
    }

    #[test]
    fn lowest_free_dup2_cloexec() {
        let mut t = FdTable::default();
        let f = file();
        assert_eq!(t.insert(f.clone(), false), Ok(0));
        assert_eq!(t.insert(file(), true), Ok(1));
        assert_eq!(t.insert_from(5, f.clone(), false), Ok(5));
        t.remove(0).unwrap();
        assert_eq!(t.insert(file(), false), Ok(0));
        assert!(t.install_at(1, f.clone(), false).unwrap().is_some());
        assert!(Rc::ptr_eq(&t.get(1).unwrap(), &f));
        t.set_cloexec(5, true).unwrap();
        let forked = t.clone();
        t.close_on_exec();
        assert_eq!(t.get(5).err(), Some(Errno::EBADF));
        assert!(Rc::ptr_eq(&forked.get(5).unwrap(), &f));
        assert_eq!(t.install_at(1024, f, false).err(), Some(Errno::EBADF));
    }

    #[test]
    fn table_full_is_emfile() {
        let mut t = FdTable::default();
        let f = file();
        for _ in 0..RLIMIT_NOFILE {
            t.insert(f.clone(), false).unwrap();
        }
        assert_eq!(t.insert(f, false), Err(Errno::EMFILE));
    }
}
