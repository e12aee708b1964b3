//! Process system calls: creation and exit, waiting, ids, sessions and
//! process groups, limits and usage, and i386 thread-local storage.

use tabvm_cpu::{Cpu, Segment, TlsDescriptor, TLS_FIRST_ENTRY};
use tabvm_mem::AddressSpace;

use super::{DomainTable, SysResult};
use crate::abi::errno::Errno;
use crate::abi::process::*;
use crate::abi::signal::SIGCHLD;
use crate::signal::SigInfo;
use crate::task::fork::CloneArgs;
use crate::task::wait::{status_word, which_from_wait4, Event, Report, Which};
use crate::task::{Rlimit, Usage, WaitStatus};
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (1, "exit", exit),
        (2, "fork", fork),
        (7, "waitpid", waitpid),
        (11, "execve", execve),
        (20, "getpid", getpid),
        (57, "setpgid", setpgid),
        (64, "getppid", getppid),
        (65, "getpgrp", getpgrp),
        (66, "setsid", setsid),
        (75, "setrlimit", setrlimit),
        (76, "getrlimit", getrlimit),
        (77, "getrusage", getrusage),
        (114, "wait4", wait4),
        (120, "clone", clone),
        (132, "getpgid", getpgid),
        (147, "getsid", getsid),
        (190, "vfork", vfork),
        (191, "ugetrlimit", ugetrlimit),
        (224, "gettid", gettid),
        (243, "set_thread_area", set_thread_area),
        (244, "get_thread_area", get_thread_area),
        (252, "exit_group", exit_group),
        (258, "set_tid_address", set_tid_address),
        (284, "waitid", waitid),
        (340, "prlimit64", prlimit64),
    ]
}

type Args = [u32; 6];

/// Implements exit(2): ends this thread (the process, if it is the last).
fn exit(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    t.exiting = Some(WaitStatus::Exited(a[0] as u8));
    Ok(0)
}

/// Implements exit_group(2): ends every thread of the process.
fn exit_group(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    t.exiting = Some(WaitStatus::Exited(a[0] as u8));
    t.exit_group = true;
    Ok(0)
}

/// Implements fork(2).
fn fork(k: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    k.clone_process(
        t,
        CloneArgs {
            flags: SIGCHLD,
            ..CloneArgs::default()
        },
    )
}

/// Implements vfork(2).
fn vfork(k: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    k.clone_process(
        t,
        CloneArgs {
            flags: CLONE_VM | CLONE_VFORK | SIGCHLD,
            ..CloneArgs::default()
        },
    )
}

/// Implements clone(2): i386 order is flags, stack, parent_tid, tls, child_tid.
fn clone(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let args = CloneArgs {
        flags: a[0],
        stack: a[1],
        parent_tid: a[2],
        tls: a[3],
        child_tid: a[4],
    };
    k.clone_process(t, args)
}

/// Implements execve(2): the caller needs execute permission.
fn execve(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let path = t.mem(|m| uaccess::read_path(m, a[0]))?;
    let cwd = k.vfs.cwd(&t.fs.borrow());
    super::fs::access::may_exec(k, t, cwd, &path)?;
    k.execve(t, a[0], a[1], a[2])
}

fn getpid(_: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    Ok(t.pid)
}

fn gettid(_: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    Ok(t.tid)
}

fn getppid(_: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    Ok(t.ppid)
}

fn getpgrp(_: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    Ok(t.pgid)
}

/// Runs `f` on process `pid` (0 = the caller), `ESRCH` if there is none.
fn with_process<R>(
    k: &mut Kernel,
    me: &mut Task,
    pid: u32,
    f: impl FnOnce(&mut Task) -> R,
) -> Result<R, Errno> {
    if pid == 0 || pid == me.pid {
        return Ok(f(me));
    }
    k.tasks.get_mut(&pid).map(f).ok_or(Errno::ESRCH)
}

/// Implements getpgid(2).
fn getpgid(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    Ok(with_process(k, t, a[0], |p| p.pgid)?)
}

/// Implements getsid(2).
fn getsid(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    Ok(with_process(k, t, a[0], |p| p.sid)?)
}

/// Implements setpgid(2): the caller or one of its children joins (or
/// creates) a process group of the caller's session.
fn setpgid(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if (a[1] as i32) < 0 {
        return Err(Errno::EINVAL.into());
    }
    let pid = if a[0] == 0 { t.pid } else { a[0] };
    let pgid = if a[1] == 0 { pid } else { a[1] };
    let (my_pid, my_sid) = (t.pid, t.sid);
    let group_exists = t.pgid == pgid && t.sid == my_sid
        || k.tasks.values().any(|p| p.pgid == pgid && p.sid == my_sid);
    with_process(k, t, pid, |p| {
        if p.pid != my_pid && p.ppid != my_pid {
            return Err(Errno::ESRCH);
        }
        if p.sid != my_sid || p.pid == p.sid || (pgid != p.pid && !group_exists) {
            return Err(Errno::EPERM);
        }
        p.pgid = pgid;
        Ok(0)
    })??;
    for o in k.tasks.values_mut().filter(|o| o.pid == pid) {
        o.pgid = pgid;
    }
    Ok(0)
}

/// Implements setsid(2).
fn setsid(k: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    if t.pgid == t.pid || k.tasks.values().any(|p| p.pgid == t.pid) {
        return Err(Errno::EPERM.into());
    }
    t.sid = t.pid;
    t.pgid = t.pid;
    for o in k.tasks.values_mut().filter(|o| o.pid == t.pid) {
        o.sid = t.pid;
        o.pgid = t.pid;
    }
    Ok(t.sid)
}

/// Implements wait4(2).
fn wait4(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[2] & !(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE) != 0 {
        return Err(Errno::EINVAL.into());
    }
    let which = which_from_wait4(a[0] as i32, t);
    let Some(report) = k.wait_child(t, which, a[2])? else {
        return Ok(0);
    };
    if a[1] != 0 {
        t.mem(|m| uaccess::write_u32(m, a[1], status_word(report.event)))?;
    }
    reaped(t, &report, a[2], a[3])?;
    Ok(report.pid)
}

/// Implements waitpid(2).
fn waitpid(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    wait4(k, t, [a[0], a[1], a[2], 0, 0, 0])
}

/// Implements waitid(2).
fn waitid(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (idtype, id, infop, options) = (a[0], a[1], a[2], a[3]);
    if options & !(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)
        != 0
        || options & (WEXITED | WSTOPPED | WCONTINUED) == 0
    {
        return Err(Errno::EINVAL.into());
    }
    let which = match idtype {
        P_ALL => Which::Any,
        P_PID => Which::Pid(id),
        P_PGID => Which::Group(if id == 0 { t.pgid } else { id }),
        _ => return Err(Errno::EINVAL.into()),
    };
    let report = k.wait_child(t, which, options)?;
    let info = match &report {
        None => [0; crate::abi::signal::SIGINFO_SIZE],
        Some(r) => {
            let (code, status) = match r.event {
                Event::Exited(s) => s.child_info(),
                Event::Stopped(sig) => (crate::abi::signal::CLD_STOPPED, sig),
                Event::Continued => (
                    crate::abi::signal::CLD_CONTINUED,
                    crate::abi::signal::SIGCONT,
                ),
            };
            SigInfo::child(code, r.pid, r.uid, status).emit()
        }
    };
    if infop != 0 {
        t.mem(|m| uaccess::write_bytes(m, infop, &info))?;
    }
    match &report {
        Some(r) => reaped(t, r, options, a[4])?,
        None if a[4] != 0 => t.mem(|m| uaccess::write_bytes(m, a[4], &[0; RUSAGE_SIZE]))?,
        None => {}
    }
    Ok(0)
}

/// Implements set_tid_address(2).
fn set_tid_address(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    t.clear_child_tid = a[0];
    Ok(t.tid)
}

/// Reads a `struct user_desc` into (entry number, descriptor).
pub(crate) fn read_user_desc(m: &mut AddressSpace, at: u32) -> Result<(u32, TlsDescriptor), Errno> {
    let b = uaccess::read_bytes(m, at, USER_DESC_SIZE)?;
    let w = |i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    let (entry, base, limit, flags) = (w(0), w(1), w(2), w(3));
    let limit = if flags & user_desc::LIMIT_IN_PAGES != 0 {
        (limit << 12) | 0xfff
    } else {
        limit
    };
    // Linux's "empty" descriptor (as glibc clears one) is not present.
    let present = flags & user_desc::SEG_NOT_PRESENT == 0
        && !(base == 0 && limit == 0 && flags & user_desc::READ_EXEC_ONLY != 0);
    Ok((
        entry,
        TlsDescriptor {
            base,
            limit,
            present,
        },
    ))
}

/// Installs a TLS descriptor in `cpu`'s GDT entries 6..=8, choosing a free
/// one for entry -1; returns the entry number. Segment registers already
/// holding the selector see the new base at once.
pub(crate) fn install_tls(
    cpu: &mut Cpu,
    (entry, desc): (u32, TlsDescriptor),
) -> Result<u32, Errno> {
    let entry = if entry == u32::MAX {
        let free = cpu
            .tls
            .iter()
            .position(|d| !d.present)
            .ok_or(Errno::ESRCH)?;
        TLS_FIRST_ENTRY + free as u32
    } else {
        entry
    };
    let slot = entry
        .checked_sub(TLS_FIRST_ENTRY)
        .filter(|&i| (i as usize) < cpu.tls.len())
        .ok_or(Errno::EINVAL)?;
    cpu.tls[slot as usize] = desc;
    let selector = ((entry << 3) | 3) as u16;
    for s in [Segment::Es, Segment::Ds, Segment::Fs, Segment::Gs] {
        if cpu.seg[s as usize] == selector && !cpu.load_segment(s, selector) {
            cpu.load_segment(s, 0);
        }
    }
    Ok(entry)
}

/// Implements set_thread_area(2).
fn set_thread_area(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let desc = t.mem(|m| read_user_desc(m, a[0]))?;
    let entry = install_tls(&mut t.cpu, desc)?;
    if desc.0 == u32::MAX {
        t.mem(|m| uaccess::write_u32(m, a[0], entry))?;
    }
    Ok(0)
}

/// Implements get_thread_area(2).
fn get_thread_area(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let entry = t.mem(|m| uaccess::read_u32(m, a[0]))?;
    let slot = entry
        .checked_sub(TLS_FIRST_ENTRY)
        .filter(|&i| i < 3)
        .ok_or(Errno::EINVAL)?;
    let d = t.cpu.tls[slot as usize];
    let pages = d.limit > 0xf_ffff;
    let limit = if pages { d.limit >> 12 } else { d.limit };
    let mut flags = user_desc::SEG_32BIT | user_desc::USEABLE;
    if pages {
        flags |= user_desc::LIMIT_IN_PAGES;
    }
    if !d.present {
        flags |= user_desc::SEG_NOT_PRESENT | user_desc::READ_EXEC_ONLY;
    }
    let mut b = [0u8; USER_DESC_SIZE];
    for (i, v) in [entry, d.base, limit, flags].into_iter().enumerate() {
        b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    t.mem(|m| uaccess::write_bytes(m, a[0], &b))?;
    Ok(0)
}

fn resource(r: u32) -> Result<usize, Errno> {
    if r < RLIM_NLIMITS {
        Ok(r as usize)
    } else {
        Err(Errno::EINVAL)
    }
}

/// Implements prlimit64(2).
fn prlimit64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let r = resource(a[1])?;
    let new = if a[2] != 0 {
        let b = t.mem(|m| uaccess::read_bytes(m, a[2], 16))?;
        let cur = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
        let max = u64::from_le_bytes(b[8..].try_into().unwrap_or_default());
        if cur > max {
            return Err(Errno::EINVAL.into());
        }
        Some(Rlimit { cur, max })
    } else {
        None
    };
    let privileged = t.creds.privileged();
    let old = with_process(k, t, a[0], |p| {
        let old = p.rlimits[r];
        if let Some(new) = new {
            set_limit(p, r, new, privileged)?;
        }
        Ok::<_, Errno>(old)
    })??;
    if a[3] != 0 {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&old.cur.to_le_bytes());
        b[8..].copy_from_slice(&old.max.to_le_bytes());
        t.mem(|m| uaccess::write_bytes(m, a[3], &b))?;
    }
    Ok(0)
}

/// Writes a 32-bit `struct rlimit`, clamping to `infinity`.
fn put_rlimit(t: &Task, at: u32, l: Rlimit, infinity: u32) -> SysResult {
    let clamp = |v: u64| {
        if v >= u64::from(infinity) {
            infinity
        } else {
            v as u32
        }
    };
    t.mem(|m| {
        uaccess::write_u32(m, at, clamp(l.cur))?;
        uaccess::write_u32(m, at + 4, clamp(l.max))
    })?;
    Ok(0)
}

/// Implements ugetrlimit(2) (`RLIM_INFINITY` is `0xffffffff`).
fn ugetrlimit(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    put_rlimit(t, a[1], t.rlimits[resource(a[0])?], u32::MAX)
}

/// Implements the old getrlimit(2), whose infinity is `0x7fffffff`.
fn getrlimit(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    put_rlimit(t, a[1], t.rlimits[resource(a[0])?], i32::MAX as u32)
}

/// Implements setrlimit(2).
fn setrlimit(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let r = resource(a[0])?;
    let widen = |v: u32| {
        if v == u32::MAX {
            RLIM64_INFINITY
        } else {
            u64::from(v)
        }
    };
    let (cur, max) =
        t.mem(|m| Ok::<_, Errno>((uaccess::read_u32(m, a[1])?, uaccess::read_u32(m, a[1] + 4)?)))?;
    let (cur, max) = (widen(cur), widen(max));
    if cur > max {
        return Err(Errno::EINVAL.into());
    }
    let privileged = t.creds.privileged();
    set_limit(t, r, Rlimit { cur, max }, privileged)?;
    Ok(0)
}

/// Sets limit `r` of `p`: raising a hard limit needs privilege; the
/// descriptor limit takes effect on the descriptor table.
fn set_limit(p: &mut Task, r: usize, new: Rlimit, privileged: bool) -> Result<(), Errno> {
    if new.max > p.rlimits[r].max && !privileged {
        return Err(Errno::EPERM);
    }
    if r == RLIMIT_NOFILE as usize {
        p.files.borrow_mut().set_limit(new.cur);
    }
    p.rlimits[r] = new;
    Ok(())
}

/// What all threads of `t`'s process used (`RUSAGE_SELF`), with the peak
/// resident set of its memory.
pub(crate) fn process_usage(k: &Kernel, t: &Task) -> Usage {
    let usage = usage_pair(k, t).0;
    let rss = t.mm.try_borrow_mut().map_or(0, |mut mm| {
        crate::vfs::procfs::sample(&mut mm, &t.exe).peak_rss
    });
    Usage {
        max_rss_kb: usage.max_rss_kb.max(rss >> 10),
        ..usage
    }
}

/// What the waited-for children of `t`'s process used.
fn children_usage(k: &Kernel, t: &Task) -> Usage {
    let siblings = k.tasks.values().filter(|o| o.pid == t.pid);
    siblings.fold(t.children_usage, |u, o| u.plus(o.children_usage))
}

/// The CPU time of `t`'s process and of its reaped children (`times`).
pub(crate) fn usage_pair(k: &Kernel, t: &Task) -> (Usage, Usage) {
    let siblings = k.tasks.values().filter(|o| o.pid == t.pid);
    (
        siblings.fold(t.usage, |u, o| u.plus(o.usage)),
        children_usage(k, t),
    )
}

/// `struct rusage`: two timevals, then maxrss and thirteen counters this
/// kernel does not keep.
fn rusage_bytes(u: Usage) -> [u8; RUSAGE_SIZE] {
    let mut b = [0u8; RUSAGE_SIZE];
    let words = [
        (u.user_ns / 1_000_000_000) as u32,
        (u.user_ns % 1_000_000_000 / 1000) as u32,
        (u.sys_ns / 1_000_000_000) as u32,
        (u.sys_ns % 1_000_000_000 / 1000) as u32,
        u.max_rss_kb as u32,
    ];
    for (i, w) in words.into_iter().enumerate() {
        b[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    b
}

/// Implements getrusage(2).
fn getrusage(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    const RUSAGE_CHILDREN: i32 = -1;
    const RUSAGE_SELF: i32 = 0;
    const RUSAGE_THREAD: i32 = 1;
    let usage = match a[0] as i32 {
        RUSAGE_SELF => process_usage(k, t),
        RUSAGE_CHILDREN => children_usage(k, t),
        RUSAGE_THREAD => Usage {
            max_rss_kb: process_usage(k, t).max_rss_kb,
            ..t.usage
        },
        _ => return Err(Errno::EINVAL.into()),
    };
    t.mem(|m| uaccess::write_bytes(m, a[1], &rusage_bytes(usage)))?;
    Ok(0)
}

/// Accounts a reaped child to `t` and writes its usage to `at` (if set).
fn reaped(t: &mut Task, report: &Report, options: u32, at: u32) -> Result<(), Errno> {
    let usage = match report.event {
        Event::Exited(_) => report.usage,
        _ => Usage::default(),
    };
    if matches!(report.event, Event::Exited(_)) && options & WNOWAIT == 0 {
        t.children_usage = t.children_usage.plus(usage);
    }
    if at != 0 {
        t.mem(|m| uaccess::write_bytes(m, at, &rusage_bytes(usage)))?;
    }
    Ok(())
}
