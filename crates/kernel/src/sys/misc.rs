//! System calls about the machine rather than a resource: `uname`,
//! randomness, system information, scheduling policy and priority,
//! `personality`, `prctl`, and `futex`.

use super::{DomainTable, SysError, SysResult};
use crate::abi::errno::Errno;
use crate::abi::process::UTSNAME_FIELD;
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (96, "getpriority", getpriority),
        (97, "setpriority", zero),
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
        (240, "futex", futex),
        (241, "sched_setaffinity", zero),
        (242, "sched_getaffinity", sched_getaffinity),
        (318, "getcpu", getcpu),
        (355, "getrandom", getrandom),
        (422, "futex_time64", futex_time64),
    ]
}

type Args = [u32; 6];

/// What `uname` reports: Linux on an i686.
const UTS: [&str; 6] = [
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

/// Implements getpriority(2): nice 0, returned as `20 - nice`.
fn getpriority(_: &mut Kernel, _: &mut Task, _: Args) -> SysResult {
    Ok(20)
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
    // uptime, totalram, freeram, mem_unit; loads, shared, buffers, swap and
    // high memory are zero.
    for (off, v) in [(0, uptime), (16, TOTAL_RAM), (20, TOTAL_RAM / 2), (52, 1)] {
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
        PR_SET_NAME => Ok(0),
        PR_GET_NAME => {
            let base = t.exe.rsplit(|&b| b == b'/').next().unwrap_or_default();
            let mut name = [0u8; 16];
            let n = base.len().min(15);
            name[..n].copy_from_slice(&base[..n]);
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

/// Implements futex(2). A waiter whose word still holds the expected value
/// parks like any blocked call and re-executes the wait after every event
/// (DESIGN rule 1): once a waker has changed the word, the retry returns
/// `EAGAIN`, which futex users treat as a wake-up. So a wake needs no queue
/// and reports 0 tasks woken.
fn futex(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    futex_op(k, t, a, false)
}

fn futex_time64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    futex_op(k, t, a, true)
}

fn futex_op(k: &mut Kernel, t: &mut Task, a: Args, time64: bool) -> SysResult {
    const FUTEX_WAIT: u32 = 0;
    const FUTEX_WAKE: u32 = 1;
    const FUTEX_WAIT_BITSET: u32 = 9;
    const FUTEX_WAKE_BITSET: u32 = 10;
    const CMD_MASK: u32 = 0x7f;
    const FUTEX_REQUEUE: u32 = 3;
    const FUTEX_CMP_REQUEUE: u32 = 4;
    const FUTEX_WAKE_OP: u32 = 5;
    match a[1] & CMD_MASK {
        FUTEX_WAKE | FUTEX_WAKE_BITSET | FUTEX_REQUEUE => Ok(0),
        FUTEX_CMP_REQUEUE => {
            if t.mem(|m| uaccess::read_u32(m, a[0]))? != a[5] {
                return Err(Errno::EAGAIN.into());
            }
            Ok(0)
        }
        FUTEX_WAKE_OP => {
            // Waking is implicit (see below); only the operation on the
            // second word has an effect.
            let (uaddr2, val3) = (a[4], a[5]);
            let mut oparg = (val3 >> 12) & 0xfff;
            if val3 & (8 << 28) != 0 {
                oparg = 1u32.checked_shl(oparg).unwrap_or(0);
            }
            let old = t.mem(|m| uaccess::read_u32(m, uaddr2))?;
            let new = match (val3 >> 28) & 7 {
                0 => oparg,
                1 => old.wrapping_add(oparg),
                2 => old | oparg,
                3 => old & !oparg,
                4 => old ^ oparg,
                _ => return Err(Errno::ENOSYS.into()),
            };
            t.mem(|m| uaccess::write_u32(m, uaddr2, new))?;
            Ok(0)
        }
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            if t.mem(|m| uaccess::read_u32(m, a[0]))? != a[2] {
                return Err(Errno::EAGAIN.into());
            }
            // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's is an
            // absolute time on CLOCK_MONOTONIC, or CLOCK_REALTIME.
            const FUTEX_CLOCK_REALTIME: u32 = 256;
            let deadline = match (a[1] & CMD_MASK, a[3]) {
                (_, 0) => None,
                (FUTEX_WAIT, p) => Some(super::time::deadline_after(k, t, p, time64)?),
                (_, p) => {
                    let at = super::time::read_timespec(t, p, time64)?;
                    Some(if a[1] & FUTEX_CLOCK_REALTIME != 0 {
                        k.now
                            .monotonic_ns
                            .saturating_add(at.saturating_sub(k.now.realtime_ns))
                    } else {
                        at
                    })
                }
            };
            if deadline.is_some_and(|d| d <= k.now.monotonic_ns) {
                return Err(Errno::ETIMEDOUT.into());
            }
            Err(SysError::Block { until: deadline })
        }
        op => {
            k.log_once_in(
                "feature",
                240,
                &format!("futex operation {op} is not supported yet (pid {})", t.pid),
            );
            Err(Errno::ENOSYS.into())
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
