//! Waiting for descriptors: `poll`, `ppoll`, `select`, `pselect6`.
//!
//! Readiness is computed from every file's state; when nothing is ready the
//! call blocks (DESIGN rule 1) until the deadline kept in
//! `task.restart_deadline` or until a polled timer may fire, and is
//! re-executed when woken. The signal masks of `ppoll`, `pselect6` (and
//! `epoll_pwait`, which shares these helpers) are in force only while the
//! call waits, as on Linux.

use super::{file, mem, ok};
use crate::abi::errno::Errno;
use crate::abi::poll::*;
use crate::abi::signal::SIGSET_SIZE;
use crate::signal::UNBLOCKABLE;
use crate::sys::{SysError, SysResult};
use crate::uaccess;
use crate::vfs::{PollCtx, RLIMIT_NOFILE};
use crate::{Kernel, Task};

/// How a timeout is laid out in guest memory.
#[derive(Clone, Copy)]
pub(in crate::sys) enum TimeArg {
    /// `struct timeval` (32-bit seconds, microseconds).
    Timeval,
    /// `struct timespec` (32-bit seconds, nanoseconds).
    Timespec32,
    /// `struct __kernel_timespec` (64-bit seconds, nanoseconds).
    Timespec64,
}

/// Reads a relative timeout in nanoseconds; `None` (null pointer) waits forever.
pub(in crate::sys) fn timeout(task: &Task, addr: u32, kind: TimeArg) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let (sec, frac, unit) = match kind {
        TimeArg::Timespec64 => {
            let raw = uaccess::read_bytes(&mut mem(task).space, addr, 16)?;
            let w = |i: usize| i64::from_le_bytes(raw[i..i + 8].try_into().unwrap_or_default());
            (w(0), w(8), 1)
        }
        TimeArg::Timeval | TimeArg::Timespec32 => {
            let raw = uaccess::read_bytes(&mut mem(task).space, addr, 8)?;
            let w = |i: usize| {
                i64::from(i32::from_le_bytes(
                    raw[i..i + 4].try_into().unwrap_or_default(),
                ))
            };
            (
                w(0),
                w(4),
                if matches!(kind, TimeArg::Timeval) {
                    1000
                } else {
                    1
                },
            )
        }
    };
    let limit = 1_000_000_000 / unit;
    if sec < 0 || frac < 0 || frac >= limit {
        return Err(Errno::EINVAL);
    }
    Ok(Some(
        (sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(frac as u64 * unit as u64),
    ))
}

/// What readiness is computed against for `task`.
pub(in crate::sys) fn poll_ctx<'a>(k: &'a Kernel, task: &Task) -> PollCtx<'a> {
    PollCtx {
        console: &k.vfs.console,
        now: k.now.monotonic_ns,
        pending: task.sig.pending,
    }
}

/// Returns if anything is ready or the time is up, else blocks until the
/// deadline (set on the first execution) or `wake`, when a polled file may
/// become ready by itself. `mask` is the signal mask to wait with.
pub(in crate::sys) fn wait_or(
    k: &Kernel,
    task: &mut Task,
    any: bool,
    timeout: Option<u64>,
    wake: Option<u64>,
    mask: Option<u64>,
) -> Result<(), SysError> {
    let now = k.now.monotonic_ns;
    let expired = task.restart_deadline.is_some_and(|d| now >= d);
    if any || timeout == Some(0) || expired {
        task.restart_deadline = None;
        // A mask put in force by an earlier round of this call.
        if mask.is_some() {
            if let Some(old) = task.sig.saved_mask.take() {
                task.sig.mask = old;
            }
        }
        return Ok(());
    }
    if let (Some(t), None) = (timeout, task.restart_deadline) {
        task.restart_deadline = Some(now.saturating_add(t));
    }
    if let Some(m) = mask {
        // Restored when the call returns, or by the handler's frame.
        task.sig.saved_mask.get_or_insert(task.sig.mask);
        task.sig.mask = m & !UNBLOCKABLE;
    }
    Err(SysError::Block {
        until: earliest(task.restart_deadline, wake),
    })
}

/// Reads the signal mask argument of `ppoll`/`epoll_pwait` (none for a
/// null pointer; `EINVAL` unless the size is a `sigset_t`'s).
pub(in crate::sys) fn sigmask_arg(task: &Task, addr: u32, size: u32) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let b = uaccess::read_bytes(&mut mem(task).space, addr, 8)?;
    Ok(Some(u64::from_le_bytes(
        b[..8].try_into().unwrap_or_default(),
    )))
}

/// The earlier of two optional times.
pub(in crate::sys) fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn do_poll(
    k: &mut Kernel,
    task: &mut Task,
    addr: u32,
    nfds: u32,
    timeout: Option<u64>,
    mask: Option<u64>,
) -> SysResult {
    if nfds as usize > RLIMIT_NOFILE {
        return Err(Errno::EINVAL.into());
    }
    let mut raw = uaccess::read_bytes(&mut mem(task).space, addr, nfds as usize * 8)?;
    let mut count = 0;
    let mut wake = None;
    let ctx = poll_ctx(k, task);
    for entry in raw.chunks_exact_mut(8) {
        let fd = i32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
        let events = u16::from_le_bytes([entry[4], entry[5]]);
        let revents = if fd < 0 {
            0
        } else {
            match file(task, fd as u32) {
                Ok(f) => {
                    let f = f.borrow();
                    wake = earliest(wake, f.wake_at());
                    f.poll(&ctx) & (events | POLLERR | POLLHUP)
                }
                Err(_) => POLLNVAL,
            }
        };
        entry[6..8].copy_from_slice(&revents.to_le_bytes());
        count += usize::from(revents != 0);
    }
    wait_or(k, task, count > 0, timeout, wake, mask)?;
    uaccess::write_bytes(&mut mem(task).space, addr, &raw)?;
    ok(count)
}

/// implements poll(2): timeout in milliseconds, negative waits forever
pub(super) fn poll(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let ms = a[2] as i32;
    let t = (ms >= 0).then(|| ms as u64 * 1_000_000);
    do_poll(k, task, a[0], a[1], t, None)
}

/// implements ppoll(2)
pub(super) fn ppoll(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let t = timeout(task, a[2], TimeArg::Timespec32)?;
    let mask = sigmask_arg(task, a[3], a[4])?;
    do_poll(k, task, a[0], a[1], t, mask)
}

/// implements ppoll_time64(2)
pub(super) fn ppoll_time64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let t = timeout(task, a[2], TimeArg::Timespec64)?;
    let mask = sigmask_arg(task, a[3], a[4])?;
    do_poll(k, task, a[0], a[1], t, mask)
}

/// `select` over three optional `fd_set`s of `nfds` bits.
fn do_select(
    k: &mut Kernel,
    task: &mut Task,
    a: [u32; 6],
    timeout: Option<u64>,
    mask: Option<u64>,
) -> SysResult {
    let nfds = a[0];
    if nfds > FD_SETSIZE {
        return Err(Errno::EINVAL.into());
    }
    let bytes = nfds.div_ceil(32) as usize * 4;
    let mut sets = [Vec::new(), Vec::new(), Vec::new()];
    for (set, &addr) in sets.iter_mut().zip(&a[1..4]) {
        if addr != 0 {
            *set = uaccess::read_bytes(&mut mem(task).space, addr, bytes)?;
        }
    }
    let wanted = [POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI];
    let mut out = [vec![0u8; bytes], vec![0u8; bytes], vec![0u8; bytes]];
    let mut count = 0;
    let mut wake = None;
    let ctx = poll_ctx(k, task);
    for fd in 0..nfds as usize {
        let (byte, bit) = (fd / 8, 1u8 << (fd % 8));
        if !sets
            .iter()
            .any(|s| s.get(byte).is_some_and(|b| b & bit != 0))
        {
            continue;
        }
        let f = file(task, fd as u32)?;
        let f = f.borrow();
        wake = earliest(wake, f.wake_at());
        let ev = f.poll(&ctx);
        for i in 0..3 {
            if sets[i].get(byte).is_some_and(|b| b & bit != 0) && ev & wanted[i] != 0 {
                out[i][byte] |= bit;
                count += 1;
            }
        }
    }
    wait_or(k, task, count > 0, timeout, wake, mask)?;
    for (set, &addr) in out.iter().zip(&a[1..4]) {
        if addr != 0 {
            uaccess::write_bytes(&mut mem(task).space, addr, set)?;
        }
    }
    ok(count)
}

/// implements _newselect(2)
pub(super) fn newselect(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let t = timeout(task, a[4], TimeArg::Timeval)?;
    do_select(k, task, a, t, None)
}

/// The mask of `pselect6`: its sixth argument points at `{ sigset_t *, size }`.
fn pselect_mask(task: &Task, addr: u32) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let b = uaccess::read_bytes(&mut mem(task).space, addr, 8)?;
    let w = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    sigmask_arg(task, w(0), w(4))
}

/// implements pselect6(2)
pub(super) fn pselect6(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let t = timeout(task, a[4], TimeArg::Timespec32)?;
    let mask = pselect_mask(task, a[5])?;
    do_select(k, task, a, t, mask)
}

/// implements pselect6_time64(2)
pub(super) fn pselect6_time64(k: &mut Kernel, task: &mut Task, a: [u32; 6]) -> SysResult {
    let t = timeout(task, a[4], TimeArg::Timespec64)?;
    let mask = pselect_mask(task, a[5])?;
    do_select(k, task, a, t, mask)
}
