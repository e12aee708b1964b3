//! System calls about the machine rather than a resource: `uname`,
//! randomness, system information, scheduling policy and priority,
//! `personality` and `prctl`.

use super::{DomainTable, SysResult};
use crate::abi::errno::Errno;
use crate::abi::process::UTSNAME_FIELD;
use crate::task::COMM_LEN;
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (96, "getpriority", getpriority),
        (97, "setpriority", setpriority),
        (116, "sysinfo", sysinfo),
        (122, "uname", uname),
        (136, "personality", personality),
        (154, "sched_setparam", zero),
        (155, "sched_getparam", sched_getparam),
        (156, "sched_setscheduler", zero),
        (157, "sched_getscheduler", zero),
        (158, "sched_yield", sched_yield),
        (159, "sched_get_priority_max", zero),
        (160, "sched_get_priority_min", zero),
        (172, "prctl", prctl),
        (241, "sched_setaffinity", zero),
        (242, "sched_getaffinity", sched_getaffinity),
        (318, "getcpu", getcpu),
        (355, "getrandom", getrandom),
    ]
}

type Args = [u32; 6];

/// What `uname` reports: Linux on an i686.
pub(crate) const UTS: [&str; 6] = [
    "Linux",
    "tabvm",
    "6.1.0-tabvm",
    "#1 SMP PREEMPT_DYNAMIC",
    "i686",
    "(none)",
];
/// Guest RAM reported by `sysinfo` (there is no fixed limit; this is what
/// programs sizing caches see).
pub(crate) const TOTAL_RAM: u32 = 1 << 30;
/// Most bytes one getrandom call returns, as Linux.
const GETRANDOM_MAX: u32 = 33_554_431;

/// Calls that succeed with 0 and change nothing we model (one CPU, one
/// scheduling policy, no nice levels).
fn zero(_: &mut Kernel, _: &mut Task, _: Args) -> SysResult {
    Ok(0)
}

/// Implements sched_yield(2): the turn passes to the next runnable task.
fn sched_yield(k: &mut Kernel, _: &mut Task, _: Args) -> SysResult {
    k.yielded = true;
    Ok(0)
}

/// The tasks `which`/`who` of get/setpriority(2) name (`PRIO_PROCESS`: a
/// thread, `PRIO_PGRP`: a process group, `PRIO_USER`: a real uid; 0 is the
/// caller's), the caller first if it is one.
fn priority_targets<'a>(
    k: &'a mut Kernel,
    t: &'a mut Task,
    which: u32,
    who: u32,
) -> Result<Vec<&'a mut Task>, Errno> {
    const PRIO_PROCESS: u32 = 0;
    const PRIO_PGRP: u32 = 1;
    const PRIO_USER: u32 = 2;
    // (thread, process group, real uid); the unused ones never match.
    let (tid, pgid, uid) = match (which, who) {
        (PRIO_PROCESS, 0) => (Some(t.tid), None, None),
        (PRIO_PROCESS, id) => (Some(id), None, None),
        (PRIO_PGRP, 0) => (None, Some(t.pgid), None),
        (PRIO_PGRP, g) => (None, Some(g), None),
        (PRIO_USER, 0) => (None, None, Some(t.creds.user.real)),
        (PRIO_USER, u) => (None, None, Some(u)),
        _ => return Err(Errno::EINVAL),
    };
    let matches =
        |o: &Task| tid == Some(o.tid) || pgid == Some(o.pgid) || uid == Some(o.creds.user.real);
    let me_matches = matches(t);
    let mut found: Vec<&mut Task> = k.tasks.values_mut().filter(|o| matches(o)).collect();
    if me_matches {
        found.insert(0, t);
    }
    if found.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(found)
}

/// Implements getpriority(2): the highest priority (lowest nice) among the
/// targets, returned as `20 - nice`.
fn getpriority(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let targets = priority_targets(k, t, a[0], a[1])?;
    let nice = targets.iter().map(|o| o.nice).min().unwrap_or(0);
    Ok((20 - nice) as u32)
}

/// Implements setpriority(2): nice values are clamped to -20..=19; only
/// root may lower one or change another user's.
fn setpriority(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let nice = (a[2] as i32).clamp(-20, 19);
    let creds = t.creds.clone();
    let targets = priority_targets(k, t, a[0], a[1])?;
    for o in targets {
        let theirs = o.creds.user;
        if !creds.privileged()
            && creds.user.effective != theirs.real
            && creds.user.effective != theirs.effective
        {
            return Err(Errno::EPERM.into());
        }
        if nice < o.nice && !creds.privileged() {
            return Err(Errno::EACCES.into());
        }
        o.nice = nice;
    }
    Ok(0)
}

/// Implements sched_getparam(2): priority 0.
fn sched_getparam(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    t.mem(|m| uaccess::write_u32(m, a[1], 0))?;
    Ok(0)
}

/// Implements sched_getaffinity(2): one CPU. Returns the bytes written.
fn sched_getaffinity(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[1] < 4 || !a[1].is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    t.mem(|m| uaccess::write_u32(m, a[2], 1))?;
    Ok(4)
}

/// Implements getcpu(2): CPU 0, node 0.
fn getcpu(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    t.mem(|m| {
        for p in [a[0], a[1]].into_iter().filter(|&p| p != 0) {
            uaccess::write_u32(m, p, 0)?;
        }
        Ok::<_, Errno>(())
    })?;
    Ok(0)
}

/// Implements uname(2) (`struct new_utsname`).
fn uname(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let mut b = [0u8; 6 * UTSNAME_FIELD];
    for (i, s) in UTS.iter().enumerate() {
        b[i * UTSNAME_FIELD..i * UTSNAME_FIELD + s.len()].copy_from_slice(s.as_bytes());
    }
    t.mem(|m| uaccess::write_bytes(m, a[0], &b))?;
    Ok(0)
}

/// Implements sysinfo(2) (`struct sysinfo`, 64 bytes on i386).
fn sysinfo(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let mut b = [0u8; 64];
    let uptime = (k.now.monotonic_ns / 1_000_000_000) as u32;
    let procs = (k.tasks.len() + 1) as u16;
    let resident = crate::vfs::procfs::resident_kb(k, t).saturating_mul(1024);
    let free = u64::from(TOTAL_RAM).saturating_sub(resident) as u32;
    // uptime, totalram, freeram, mem_unit; loads (not tracked), shared,
    // buffers, swap and high memory are zero, as `/proc/meminfo` says.
    for (off, v) in [(0, uptime), (16, TOTAL_RAM), (20, free), (52, 1)] {
        b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }
    b[40..42].copy_from_slice(&procs.to_le_bytes());
    t.mem(|m| uaccess::write_bytes(m, a[0], &b))?;
    Ok(0)
}

/// Implements personality(2): always PER_LINUX; requests are accepted.
fn personality(_: &mut Kernel, _: &mut Task, _: Args) -> SysResult {
    Ok(0)
}

/// Implements prctl(2) for the process name; other options are `EINVAL`
/// (logged once).
fn prctl(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    const PR_SET_NAME: u32 = 15;
    const PR_GET_NAME: u32 = 16;
    match a[0] {
        PR_SET_NAME => {
            // Up to 16 bytes are read; the name ends at a NUL or is cut.
            let raw = t
                .mem(|m| m.read_cstr(a[1], COMM_LEN))
                .map_err(|_| Errno::EFAULT)?;
            let name = match raw {
                Some(name) => name,
                None => t.mem(|m| uaccess::read_bytes(m, a[1], COMM_LEN))?,
            };
            t.comm = name[..name.len().min(COMM_LEN)].to_vec();
            Ok(0)
        }
        PR_GET_NAME => {
            let mut name = [0u8; COMM_LEN + 1];
            name[..t.comm.len()].copy_from_slice(&t.comm);
            t.mem(|m| uaccess::write_bytes(m, a[1], &name))?;
            Ok(0)
        }
        op => {
            k.log_once_in(
                "feature",
                172,
                &format!("prctl option {op} is not supported (pid {})", t.pid),
            );
            Err(Errno::EINVAL.into())
        }
    }
}

/// Implements getrandom(2) with the host's randomness (never blocks).
fn getrandom(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    const KNOWN: u32 = 1 | 2 | 4; // GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE
    if a[2] & !KNOWN != 0 {
        return Err(Errno::EINVAL.into());
    }
    let mut buf = vec![0u8; a[1].min(GETRANDOM_MAX) as usize];
    k.host.fill_random(&mut buf);
    t.mem(|m| uaccess::write_bytes(m, a[0], &buf))?;
    Ok(buf.len() as u32)
}
