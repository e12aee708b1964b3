//! Credential system calls: `get*id`/`set*id` for user and group ids in
//! their real, effective, saved and file-system roles, and the
//! supplementary groups. The rules are in `task/creds.rs`.
//!
//! i386 has two generations of each call: the original ones take and
//! return 16-bit ids (`W = 16`: -1 is `0xffff`, and ids above 65535 read as
//! the overflow id 65534), the `*32` ones full ids.

use super::{DomainTable, SysResult};
use crate::abi::errno::Errno;
use crate::task::{Ids, KEEP, NGROUPS_MAX};
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (23, "setuid", set::<16, false>),
        (24, "getuid", get::<16, false, false>),
        (46, "setgid", set::<16, true>),
        (47, "getgid", get::<16, true, false>),
        (49, "geteuid", get::<16, false, true>),
        (50, "getegid", get::<16, true, true>),
        (70, "setreuid", set_re::<16, false>),
        (71, "setregid", set_re::<16, true>),
        (80, "getgroups", getgroups::<16>),
        (81, "setgroups", setgroups::<16>),
        (138, "setfsuid", set_fs::<16, false>),
        (139, "setfsgid", set_fs::<16, true>),
        (164, "setresuid", set_res::<16, false>),
        (165, "getresuid", get_res::<16, false>),
        (170, "setresgid", set_res::<16, true>),
        (171, "getresgid", get_res::<16, true>),
        (199, "getuid32", get::<32, false, false>),
        (200, "getgid32", get::<32, true, false>),
        (201, "geteuid32", get::<32, false, true>),
        (202, "getegid32", get::<32, true, true>),
        (203, "setreuid32", set_re::<32, false>),
        (204, "setregid32", set_re::<32, true>),
        (205, "getgroups32", getgroups::<32>),
        (206, "setgroups32", setgroups::<32>),
        (208, "setresuid32", set_res::<32, false>),
        (209, "getresuid32", get_res::<32, false>),
        (210, "setresgid32", set_res::<32, true>),
        (211, "getresgid32", get_res::<32, true>),
        (213, "setuid32", set::<32, false>),
        (214, "setgid32", set::<32, true>),
        (215, "setfsuid32", set_fs::<32, false>),
        (216, "setfsgid32", set_fs::<32, true>),
    ]
}

type Args = [u32; 6];

/// What a 16-bit call returns for an id that does not fit.
const OVERFLOW_ID: u32 = 65534;

/// An id argument of a `W`-bit call.
fn arg<const W: u32>(v: u32) -> u32 {
    match W {
        16 if v as u16 == u16::MAX => KEEP,
        16 => v & 0xffff,
        _ => v,
    }
}

/// An id as a `W`-bit call returns it.
fn ret<const W: u32>(id: u32) -> u32 {
    if W == 16 && id > 0xffff {
        OVERFLOW_ID
    } else {
        id
    }
}

/// The user or group ids of `t`, and whether it may change them freely.
fn ids<const GROUP: bool>(t: &mut Task) -> (&mut Ids, bool) {
    let privileged = t.creds.privileged();
    let ids = if GROUP {
        &mut t.creds.group
    } else {
        &mut t.creds.user
    };
    (ids, privileged)
}

/// Implements getuid(2), getgid(2), geteuid(2), getegid(2) and their 32-bit
/// twins.
fn get<const W: u32, const GROUP: bool, const EFFECTIVE: bool>(
    _: &mut Kernel,
    t: &mut Task,
    _: Args,
) -> SysResult {
    let (ids, _) = ids::<GROUP>(t);
    Ok(ret::<W>(if EFFECTIVE { ids.effective } else { ids.real }))
}

/// Implements setuid(2) and setgid(2).
fn set<const W: u32, const GROUP: bool>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (ids, privileged) = ids::<GROUP>(t);
    ids.set(arg::<W>(a[0]), privileged)?;
    Ok(0)
}

/// Implements setreuid(2) and setregid(2).
fn set_re<const W: u32, const GROUP: bool>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (ids, privileged) = ids::<GROUP>(t);
    ids.set_re(arg::<W>(a[0]), arg::<W>(a[1]), privileged)?;
    Ok(0)
}

/// Implements setresuid(2) and setresgid(2).
fn set_res<const W: u32, const GROUP: bool>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (ids, privileged) = ids::<GROUP>(t);
    ids.set_res([a[0], a[1], a[2]].map(arg::<W>), privileged)?;
    Ok(0)
}

/// Implements setfsuid(2) and setfsgid(2): returns the previous fs id.
fn set_fs<const W: u32, const GROUP: bool>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (ids, privileged) = ids::<GROUP>(t);
    Ok(ret::<W>(ids.set_fs(arg::<W>(a[0]), privileged)))
}

/// Writes ids as `W`-bit values at `at`.
fn put_ids<const W: u32>(t: &Task, at: u32, ids: &[u32]) -> Result<(), Errno> {
    let bytes: Vec<u8> = ids
        .iter()
        .flat_map(|&id| {
            let v = ret::<W>(id).to_le_bytes();
            v[..W as usize / 8].to_vec()
        })
        .collect();
    t.mem(|m| uaccess::write_bytes(m, at, &bytes))
}

/// Implements getresuid(2) and getresgid(2).
fn get_res<const W: u32, const GROUP: bool>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (ids, _) = ids::<GROUP>(t);
    let ids = *ids;
    for (at, id) in [a[0], a[1], a[2]]
        .into_iter()
        .zip([ids.real, ids.effective, ids.saved])
    {
        put_ids::<W>(t, at, &[id])?;
    }
    Ok(0)
}

/// Implements getgroups(2): the count for size 0, `EINVAL` if they do not
/// fit.
fn getgroups<const W: u32>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (size, list) = (a[0] as i32, a[1]);
    let groups = t.creds.groups.clone();
    if size < 0 || (size != 0 && (size as usize) < groups.len()) {
        return Err(Errno::EINVAL.into());
    }
    if size != 0 {
        put_ids::<W>(t, list, &groups)?;
    }
    Ok(groups.len() as u32)
}

/// Implements setgroups(2): root only.
fn setgroups<const W: u32>(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (size, list) = (a[0] as usize, a[1]);
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL.into());
    }
    if !t.creds.privileged() {
        return Err(Errno::EPERM.into());
    }
    let width = W as usize / 8;
    let bytes = t.mem(|m| uaccess::read_bytes(m, list, size * width))?;
    t.creds.groups = bytes
        .chunks(width)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..width].copy_from_slice(c);
            arg::<W>(u32::from_le_bytes(b))
        })
        .collect();
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_ids_convert_like_linux() {
        assert_eq!(arg::<16>(0xffff), KEEP);
        assert_eq!(arg::<16>(0x1_0005), 5);
        assert_eq!(arg::<32>(0xffff), 0xffff);
        assert_eq!(ret::<16>(70000), OVERFLOW_ID);
        assert_eq!(ret::<32>(70000), 70000);
    }
}
