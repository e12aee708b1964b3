//! Extended attributes: `{,l,f}{set,get,list,remove}xattr`. Only the
//! `user.` namespace exists here (the others belong to security modules,
//! ACLs and root-only tools: `EOPNOTSUPP`), and only on regular files and
//! directories, as Linux allows; reading needs read permission on the
//! node, changing needs write permission. File systems store them
//! (`FileSystem::*_xattr`): the in-memory trees and host directories do,
//! others answer `EOPNOTSUPP`.

use super::names::target;
use super::{file, mem, ok, path_arg};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use crate::sys::SysResult;
use crate::uaccess;
use crate::vfs::{FileType, Loc};
use crate::{Kernel, Task};

/// `setxattr` flags.
const XATTR_CREATE: u32 = 1;
const XATTR_REPLACE: u32 = 2;
/// Longest name and value (`XATTR_NAME_MAX`, `XATTR_SIZE_MAX`).
const NAME_MAX: usize = 255;
const SIZE_MAX: usize = 65536;

/// How a call names its node: a path (followed or not) or a descriptor.
#[derive(Clone, Copy)]
enum By {
    Path,
    Link,
    Fd,
}

fn node(k: &Kernel, task: &Task, by: By, arg: u32) -> Result<Loc, Errno> {
    match by {
        By::Path => target(k, task, AT_FDCWD, arg, 0),
        By::Link => target(k, task, AT_FDCWD, arg, AT_SYMLINK_NOFOLLOW),
        By::Fd => {
            let f = file(task, arg)?;
            let f = f.borrow();
            f.node.as_ref().map(|n| n.loc).ok_or(Errno::EBADF)
        }
    }
}

/// The attribute name at `addr`, checked: `ERANGE` if too long,
/// `EOPNOTSUPP` outside `user.`.
fn name_arg(task: &Task, addr: u32) -> Result<Vec<u8>, Errno> {
    let name = path_arg(task, addr).map_err(|e| match e {
        Errno::ENAMETOOLONG | Errno::ENOENT => Errno::ERANGE,
        e => e,
    })?;
    if name.len() > NAME_MAX {
        return Err(Errno::ERANGE);
    }
    if !name.starts_with(b"user.") || name.len() == 5 {
        return Err(Errno::EOPNOTSUPP);
    }
    Ok(name)
}

/// Checks the caller may read (`want` 4) or change (2) the attributes of
/// `loc`; `changing` a non-file, non-directory is `EPERM`.
fn allowed(k: &Kernel, task: &Task, loc: Loc, want: u32) -> Result<(), Errno> {
    let st = k.vfs.stat_loc(loc)?;
    if want == 2
        && !matches!(
            st.file_type(),
            Some(FileType::Regular | FileType::Directory)
        )
    {
        return Err(Errno::EPERM);
    }
    if task.creds.permits(&st, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Copies `value` to the guest buffer (`addr`, `size`): with size 0 only
/// the length is returned; a smaller buffer is `ERANGE`.
fn give(task: &Task, value: &[u8], addr: u32, size: u32) -> SysResult {
    if size == 0 {
        return ok(value.len());
    }
    if value.len() > size as usize {
        return Err(Errno::ERANGE.into());
    }
    uaccess::write_bytes(&mut mem(task).space, addr, value)?;
    ok(value.len())
}

fn set(k: &mut Kernel, task: &mut Task, by: By, a: [u32; 6]) -> SysResult {
    let (value_addr, size, flags) = (a[2], a[3] as usize, a[4]);
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 {
        return Err(Errno::EINVAL.into());
    }
    if size > SIZE_MAX {
        return Err(Errno::E2BIG.into());
    }
    let name = name_arg(task, a[1])?;
    let value = uaccess::read_bytes(&mut mem(task).space, value_addr, size)?;
    let loc = node(k, task, by, a[0])?;
    allowed(k, task, loc, 2)?;
    let fs = k.vfs.fs(loc.mnt);
    let mut fs = fs.borrow_mut();
    // XATTR_CREATE needs the attribute absent, XATTR_REPLACE present;
    // with both, whichever rule it breaks is reported, as Linux checks them.
    if flags != 0 {
        let exists = match fs.get_xattr(loc.ino, &name) {
            Ok(_) => true,
            Err(Errno::ENODATA) => false,
            Err(e) => return Err(e.into()),
        };
        if exists && flags & XATTR_CREATE != 0 {
            return Err(Errno::EEXIST.into());
        }
        if !exists && flags & XATTR_REPLACE != 0 {
            return Err(Errno::ENODATA.into());
        }
    }
    fs.set_xattr(loc.ino, &name, &value)?;
    ok(0)
}

fn get(k: &mut Kernel, task: &mut Task, by: By, a: [u32; 6]) -> SysResult {
    let name = name_arg(task, a[1])?;
    let loc = node(k, task, by, a[0])?;
    allowed(k, task, loc, 4)?;
    let value = k.vfs.fs(loc.mnt).borrow_mut().get_xattr(loc.ino, &name)?;
    give(task, &value, a[2], a[3])
}

fn list(k: &mut Kernel, task: &mut Task, by: By, a: [u32; 6]) -> SysResult {
    let loc = node(k, task, by, a[0])?;
    allowed(k, task, loc, 4)?;
    let names = match k.vfs.fs(loc.mnt).borrow_mut().list_xattr(loc.ino) {
        Ok(names) => names,
        // A file system without attributes has none to list.
        Err(Errno::EOPNOTSUPP) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let joined: Vec<u8> = names
        .iter()
        .flat_map(|n| n.iter().copied().chain([0]))
        .collect();
    give(task, &joined, a[1], a[2])
}

fn remove(k: &mut Kernel, task: &mut Task, by: By, a: [u32; 6]) -> SysResult {
    let name = name_arg(task, a[1])?;
    let loc = node(k, task, by, a[0])?;
    allowed(k, task, loc, 2)?;
    k.vfs
        .fs(loc.mnt)
        .borrow_mut()
        .remove_xattr(loc.ino, &name)?;
    ok(0)
}

macro_rules! handlers {
    ($($name:ident = $op:ident($by:ident);)*) => {
        $(
            #[doc = concat!("implements ", stringify!($name), "(2)")]
            pub(super) fn $name(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
                $op(k, task, By::$by, a)
            }
        )*
    };
}

handlers! {
    setxattr = set(Path);
    lsetxattr = set(Link);
    fsetxattr = set(Fd);
    getxattr = get(Path);
    lgetxattr = get(Link);
    fgetxattr = get(Fd);
    listxattr = list(Path);
    llistxattr = list(Link);
    flistxattr = list(Fd);
    removexattr = remove(Path);
    lremovexattr = remove(Link);
    fremovexattr = remove(Fd);
}
