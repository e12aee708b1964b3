//! Permission checks of the file system calls, by the caller's fs ids
//! (`task/creds.rs` has the owner/group/other rule and root's bypass).
//!
//! Checked: opening (read and write bits), creating and removing names
//! (write and search on the directory, and the sticky bit's owner rule),
//! entering a directory, executing a file, and changing a node's mode or
//! times (owner only). Not checked: search permission on every directory a
//! path crosses — only the last one's matters here.

use crate::abi::errno::Errno;
use crate::abi::fcntl::*;
use crate::abi::stat::S_ISVTX;
use crate::vfs::{Loc, Stat};
use crate::{Kernel, Task};

const R: u32 = 4;
const W: u32 = 2;
const X: u32 = 1;

fn check(task: &Task, st: &Stat, want: u32) -> Result<(), Errno> {
    if task.creds.permits(st, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// May `open(path, flags)` proceed: read/write access to an existing file,
/// or the right to add a name for `O_CREAT`. Other errors are left for the
/// open itself to report.
pub(super) fn may_open(
    k: &Kernel,
    task: &Task,
    start: Loc,
    path: &[u8],
    flags: u32,
) -> Result<(), Errno> {
    if flags & O_PATH != 0 {
        return Ok(());
    }
    match k.vfs.resolve(start, path, flags & O_NOFOLLOW == 0) {
        // An exclusive create of an existing name fails with EEXIST.
        Ok(_) if flags & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL => Ok(()),
        Ok(loc) => {
            let st = k.vfs.stat_loc(loc)?;
            let mut want = match flags & O_ACCMODE {
                O_RDONLY => R,
                O_WRONLY => W,
                _ => R | W,
            };
            if flags & O_TRUNC != 0 {
                want |= W;
            }
            check(task, &st, want)
        }
        Err(Errno::ENOENT) if flags & O_CREAT != 0 => may_add(k, task, start, path),
        Err(_) => Ok(()),
    }
}

/// May a name be added where `path` points: write and search permission on
/// its directory.
pub(super) fn may_add(k: &Kernel, task: &Task, start: Loc, path: &[u8]) -> Result<(), Errno> {
    let Ok((dir, _)) = k.vfs.resolve_parent(start, path) else {
        return Ok(());
    };
    check(task, &k.vfs.stat_loc(dir)?, W | X)
}

/// May the name `path` be removed (or renamed away): write and search
/// permission on its directory and, in a sticky directory (`/tmp`), owning
/// the file or the directory.
pub(super) fn may_remove(k: &Kernel, task: &Task, start: Loc, path: &[u8]) -> Result<(), Errno> {
    let Ok((dir, _)) = k.vfs.resolve_parent(start, path) else {
        return Ok(());
    };
    let dir_st = k.vfs.stat_loc(dir)?;
    check(task, &dir_st, W | X)?;
    let uid = task.creds.user.fs;
    if dir_st.mode & S_ISVTX != 0 && uid != 0 && uid != dir_st.uid {
        if let Ok(loc) = k.vfs.resolve(start, path, false) {
            if k.vfs.stat_loc(loc)?.uid != uid {
                return Err(Errno::EPERM);
            }
        }
    }
    Ok(())
}

/// May the caller enter directory `loc` (`chdir`).
pub(super) fn may_enter(k: &Kernel, task: &Task, loc: Loc) -> Result<(), Errno> {
    check(task, &k.vfs.stat_loc(loc)?, X)
}

/// May the caller execute the file `path` names: an execute bit for it
/// (root too needs one, as Linux).
pub(crate) fn may_exec(k: &Kernel, task: &Task, start: Loc, path: &[u8]) -> Result<(), Errno> {
    match k.vfs.resolve(start, path, true) {
        Ok(loc) => check(task, &k.vfs.stat_loc(loc)?, X),
        Err(_) => Ok(()),
    }
}

/// May the caller change the mode or set arbitrary times of `loc`: the
/// owner or root.
pub(super) fn must_own(k: &Kernel, task: &Task, loc: Loc) -> Result<(), Errno> {
    let uid = task.creds.user.fs;
    if uid == 0 || k.vfs.stat_loc(loc)?.uid == uid {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}
