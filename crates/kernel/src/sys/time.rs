//! Time system calls: clocks, sleeps and the real-time interval timer.
//!
//! Every clock reads `Kernel::now`, which the front end passes to each
//! `run`; the kernel never reads a host clock. A sleep parks its task with
//! a deadline kept in `Task::restart_deadline`, so re-executing the call
//! continues the same sleep rather than starting a new one.

use super::{DomainTable, SysError, SysResult};
use crate::abi::errno::Errno;
use crate::abi::time::*;
use crate::task::{CpuTimer, RealTimer};
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (13, "time", time),
        (27, "alarm", alarm),
        (43, "times", times),
        (78, "gettimeofday", gettimeofday),
        (104, "setitimer", setitimer),
        (105, "getitimer", getitimer),
        (162, "nanosleep", nanosleep),
        (265, "clock_gettime", clock_gettime),
        (266, "clock_getres", clock_getres),
        (267, "clock_nanosleep", clock_nanosleep),
        (403, "clock_gettime64", clock_gettime64),
        (406, "clock_getres_time64", clock_getres_time64),
        (407, "clock_nanosleep_time64", clock_nanosleep_time64),
    ]
}

type Args = [u32; 6];

const NS: u64 = 1_000_000_000;
/// Resolution of the coarse clocks: one tick of a 250 Hz kernel.
const COARSE_RES_NS: u64 = 4_000_000;

/// The value of clock `id` for task `t`, in ns.
fn clock_ns(k: &Kernel, t: &Task, id: u32) -> Result<u64, Errno> {
    let now = k.now;
    match id {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_TAI | CLOCK_REALTIME_ALARM => {
            Ok(now.realtime_ns)
        }
        CLOCK_MONOTONIC
        | CLOCK_MONOTONIC_RAW
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME
        | CLOCK_BOOTTIME_ALARM => Ok(now.monotonic_ns),
        // CPU time as `getrusage` counts it (`task/mod.rs`, `Usage`).
        CLOCK_PROCESS_CPUTIME_ID => {
            let u = super::process::usage_pair(k, t).0;
            Ok(u.user_ns + u.sys_ns)
        }
        CLOCK_THREAD_CPUTIME_ID => Ok(t.usage.user_ns + t.usage.sys_ns),
        _ => Err(Errno::EINVAL),
    }
}

/// Reads a `timespec` (32-bit or 64-bit fields) as ns; `EINVAL` if negative
/// or not normalised.
pub(crate) fn read_timespec(t: &Task, at: u32, time64: bool) -> Result<u64, Errno> {
    let (sec, nsec) = t.mem(|m| {
        if time64 {
            let b = uaccess::read_bytes(m, at, 16)?;
            let sec = i64::from_le_bytes(b[..8].try_into().unwrap_or_default());
            let nsec = i64::from_le_bytes(b[8..].try_into().unwrap_or_default());
            Ok::<_, Errno>((sec, nsec))
        } else {
            Ok((
                i64::from(uaccess::read_u32(m, at)? as i32),
                i64::from(uaccess::read_u32(m, at + 4)? as i32),
            ))
        }
    })?;
    if sec < 0 || !(0..NS as i64).contains(&nsec) {
        return Err(Errno::EINVAL);
    }
    Ok((sec as u64).saturating_mul(NS).saturating_add(nsec as u64))
}

pub(crate) fn write_timespec(t: &Task, at: u32, ns: u64, time64: bool) -> Result<(), Errno> {
    let (sec, nsec) = (ns / NS, ns % NS);
    t.mem(|m| {
        if time64 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&sec.to_le_bytes());
            b[8..].copy_from_slice(&nsec.to_le_bytes());
            uaccess::write_bytes(m, at, &b)
        } else {
            uaccess::write_u32(m, at, sec as u32)?;
            uaccess::write_u32(m, at + 4, nsec as u32)
        }
    })
}

/// Writes a `timeval` (seconds, microseconds).
fn write_timeval(t: &Task, at: u32, ns: u64) -> Result<(), Errno> {
    t.mem(|m| {
        uaccess::write_u32(m, at, (ns / NS) as u32)?;
        uaccess::write_u32(m, at + 4, (ns % NS / 1000) as u32)
    })
}

fn read_timeval(t: &Task, at: u32) -> Result<u64, Errno> {
    let (sec, usec) = t.mem(|m| {
        Ok::<_, Errno>((
            uaccess::read_u32(m, at)? as i32,
            uaccess::read_u32(m, at + 4)? as i32,
        ))
    })?;
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return Err(Errno::EINVAL);
    }
    Ok(sec as u64 * NS + usec as u64 * 1000)
}

/// The monotonic deadline of a relative timeout at `at`, fixed at the first
/// execution of a restarted call.
pub(crate) fn deadline_after(
    k: &Kernel,
    t: &mut Task,
    at: u32,
    time64: bool,
) -> Result<u64, Errno> {
    if let Some(d) = t.restart_deadline {
        return Ok(d);
    }
    let d = k
        .now
        .monotonic_ns
        .saturating_add(read_timespec(t, at, time64)?);
    t.restart_deadline = Some(d);
    Ok(d)
}

/// Parks until `deadline` (monotonic ns), or completes.
fn sleep_until(k: &Kernel, deadline: u64) -> SysResult {
    if k.now.monotonic_ns >= deadline {
        Ok(0)
    } else {
        Err(SysError::Block {
            until: Some(deadline),
        })
    }
}

/// A signal handler interrupted sleep `nr`: report the time left in `rem`.
pub(crate) fn interrupted(k: &mut Kernel, t: &mut Task, nr: u32) {
    use tabvm_cpu::Reg;
    let Some(deadline) = t.restart_deadline else {
        return;
    };
    let left = deadline.saturating_sub(k.now.monotonic_ns);
    let (rem, time64) = match nr {
        162 => (t.cpu.reg(Reg::Ecx), false),
        267 | 407 if t.cpu.reg(Reg::Ecx) & TIMER_ABSTIME == 0 => (t.cpu.reg(Reg::Esi), nr == 407),
        _ => return,
    };
    if rem != 0 {
        // The call fails with EINTR either way; a bad `rem` is the guest's.
        let _ = write_timespec(t, rem, left, time64);
    }
}

/// Implements time(2).
fn time(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let sec = (k.now.realtime_ns / NS) as u32;
    if a[0] != 0 {
        t.mem(|m| uaccess::write_u32(m, a[0], sec))?;
    }
    Ok(sec)
}

/// Implements gettimeofday(2); the timezone is UTC.
fn gettimeofday(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[0] != 0 {
        write_timeval(t, a[0], k.now.realtime_ns)?;
    }
    if a[1] != 0 {
        t.mem(|m| uaccess::write_bytes(m, a[1], &[0; 8]))?;
    }
    Ok(0)
}

fn gettime(k: &mut Kernel, t: &mut Task, a: Args, time64: bool) -> SysResult {
    let ns = clock_ns(k, t, a[0])?;
    write_timespec(t, a[1], ns, time64)?;
    Ok(0)
}

/// Implements clock_gettime(2).
fn clock_gettime(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    gettime(k, t, a, false)
}

fn clock_gettime64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    gettime(k, t, a, true)
}

fn getres(k: &mut Kernel, t: &mut Task, a: Args, time64: bool) -> SysResult {
    clock_ns(k, t, a[0])?;
    let res = if matches!(a[0], CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE) {
        COARSE_RES_NS
    } else {
        1
    };
    if a[1] != 0 {
        write_timespec(t, a[1], res, time64)?;
    }
    Ok(0)
}

/// Implements clock_getres(2).
fn clock_getres(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    getres(k, t, a, false)
}

fn clock_getres_time64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    getres(k, t, a, true)
}

/// Implements nanosleep(2).
fn nanosleep(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let deadline = deadline_after(k, t, a[0], false)?;
    sleep_until(k, deadline)
}

fn clock_sleep(k: &mut Kernel, t: &mut Task, a: Args, time64: bool) -> SysResult {
    let (clock, flags, req) = (a[0], a[1], a[2]);
    if !matches!(
        clock,
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI
    ) {
        return Err(Errno::EINVAL.into());
    }
    if flags & TIMER_ABSTIME == 0 {
        let deadline = deadline_after(k, t, req, time64)?;
        return sleep_until(k, deadline);
    }
    // An absolute time on this clock, as a monotonic deadline.
    let target = read_timespec(t, req, time64)?;
    let now_on_clock = clock_ns(k, t, clock)?;
    sleep_until(
        k,
        k.now
            .monotonic_ns
            .saturating_add(target.saturating_sub(now_on_clock)),
    )
}

/// Implements clock_nanosleep(2).
fn clock_nanosleep(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    clock_sleep(k, t, a, false)
}

fn clock_nanosleep_time64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    clock_sleep(k, t, a, true)
}

/// Implements times(2): the process's and its reaped children's user and
/// system time in clock ticks; returns the ticks since boot.
fn times(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let tick = NS / USER_HZ;
    if a[0] != 0 {
        let (me, children) = super::process::usage_pair(k, t);
        let mut b = [0u8; 16];
        let ticks = [me.user_ns, me.sys_ns, children.user_ns, children.sys_ns];
        for (i, ns) in ticks.into_iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&((ns / tick) as u32).to_le_bytes());
        }
        t.mem(|m| uaccess::write_bytes(m, a[0], &b))?;
    }
    Ok((k.now.monotonic_ns / tick) as u32)
}

/// The current ITIMER_REAL as (interval, value) in ns.
fn real_timer(k: &Kernel, t: &Task) -> (u64, u64) {
    t.timer.map_or((0, 0), |tm| {
        (
            tm.interval,
            tm.due.saturating_sub(k.now.monotonic_ns).max(1),
        )
    })
}

fn arm(k: &Kernel, t: &mut Task, interval: u64, value: u64) {
    t.timer = (value > 0).then(|| RealTimer {
        due: k.now.monotonic_ns + value,
        interval,
    });
}

/// Implements alarm(2): returns the seconds left of the previous alarm.
fn alarm(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (_, left) = real_timer(k, t);
    arm(k, t, 0, u64::from(a[0]) * NS);
    // Linux rounds to the nearest second, and reports 1 for less than that.
    let secs = (left + NS / 2) / NS;
    Ok(if left > 0 { secs.max(1) as u32 } else { 0 })
}

/// Which of `Task::cpu_timers` an ITIMER_VIRTUAL/ITIMER_PROF is.
fn cpu_slot(which: u32) -> usize {
    usize::from(which == ITIMER_PROF)
}

/// The current CPU-time timer `which` as (interval, value) in ns.
fn cpu_timer(t: &Task, which: u32) -> (u64, u64) {
    let (prof, _) = crate::task::CPU_TIMERS[cpu_slot(which)];
    t.cpu_timers[cpu_slot(which)].map_or((0, 0), |tm| {
        (
            tm.interval,
            tm.due.saturating_sub(t.usage.clock(prof)).max(1),
        )
    })
}

/// Implements getitimer(2).
fn getitimer(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (interval, value) = match a[0] {
        ITIMER_REAL => real_timer(k, t),
        ITIMER_VIRTUAL | ITIMER_PROF => cpu_timer(t, a[0]),
        _ => return Err(Errno::EINVAL.into()),
    };
    write_timeval(t, a[1], interval)?;
    write_timeval(t, a[1] + 8, value)?;
    Ok(0)
}

/// Implements setitimer(2). The CPU-time timers count the calling thread's
/// time (Linux counts the whole process's).
fn setitimer(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let new = if a[1] != 0 {
        Some((read_timeval(t, a[1])?, read_timeval(t, a[1] + 8)?))
    } else {
        None
    };
    if a[2] != 0 {
        getitimer(k, t, [a[0], a[2], 0, 0, 0, 0])?;
    }
    match a[0] {
        ITIMER_REAL => {
            if let Some((interval, value)) = new {
                arm(k, t, interval, value);
            }
        }
        ITIMER_VIRTUAL | ITIMER_PROF => {
            if let Some((interval, value)) = new {
                let (prof, _) = crate::task::CPU_TIMERS[cpu_slot(a[0])];
                t.cpu_timers[cpu_slot(a[0])] = (value > 0).then(|| CpuTimer {
                    due: t.usage.clock(prof) + value,
                    interval,
                });
            }
        }
        _ => return Err(Errno::EINVAL.into()),
    }
    Ok(0)
}
