//! Event and notification descriptors: `eventfd`, `timerfd`, `signalfd`
//! and `epoll`. The files themselves live in `vfs/` (`eventfd.rs`,
//! `timerfd.rs`, `signalfd.rs`, `epoll.rs`); these handlers decode the
//! arguments, create them, and run their kind-specific calls.

use std::cell::RefCell;
use std::rc::Rc;

use super::fs::poll::{poll_ctx, sigmask_arg, timeout, wait_or, TimeArg};
use super::time::{read_timespec, write_timespec};
use super::{DomainTable, SysResult};
use crate::abi::errno::Errno;
use crate::abi::fcntl::{O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_RDWR};
use crate::abi::signal::SIGSET_SIZE;
use crate::abi::time::*;
use crate::uaccess;
use crate::vfs::epoll::{Epoll, EPOLL_CTL_ADD, EPOLL_CTL_MOD};
use crate::vfs::eventfd::EventFd;
use crate::vfs::signalfd::SignalFd;
use crate::vfs::special::{special_mut, Special};
use crate::vfs::timerfd::TimerFd;
use crate::vfs::{FileKind, FileRef, OpenFile, SpecialFile};
use crate::{Kernel, Task};

type Args = [u32; 6];

pub(crate) fn table() -> DomainTable {
    &[
        (254, "epoll_create", epoll_create),
        (255, "epoll_ctl", epoll_ctl),
        (256, "epoll_wait", epoll_wait),
        (319, "epoll_pwait", epoll_pwait),
        (321, "signalfd", signalfd),
        (322, "timerfd_create", timerfd_create),
        (323, "eventfd", eventfd),
        (325, "timerfd_settime", timerfd_settime),
        (326, "timerfd_gettime", timerfd_gettime),
        (327, "signalfd4", signalfd4),
        (328, "eventfd2", eventfd2),
        (329, "epoll_create1", epoll_create1),
        (410, "timerfd_gettime64", timerfd_gettime64),
        (411, "timerfd_settime64", timerfd_settime64),
        (441, "epoll_pwait2", epoll_pwait2),
    ]
}

/// Installs a new special file with `flags` (`O_NONBLOCK`, `O_CLOEXEC`
/// and the access mode) and returns its descriptor.
fn install(task: &Task, file: Box<dyn SpecialFile>, flags: u32) -> SysResult {
    let open = OpenFile::new(FileKind::Special(Special::new(file)), flags & !O_CLOEXEC);
    let fd = task
        .files
        .borrow_mut()
        .insert(Rc::new(RefCell::new(open)), flags & O_CLOEXEC != 0)?;
    Ok(fd)
}

fn file(task: &Task, fd: u32) -> Result<FileRef, Errno> {
    task.files.borrow().get(fd)
}

/// Refuses flags outside `allowed`.
fn only(flags: u32, allowed: u32) -> Result<u32, Errno> {
    if flags & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(flags)
}

// --- eventfd ---

const EFD_SEMAPHORE: u32 = 1;

/// implements eventfd(2)
fn eventfd(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    install(task, Box::new(EventFd::new(a[0], false)), O_RDWR)
}

/// implements eventfd2(2)
fn eventfd2(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let flags = only(a[1], EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)?;
    let e = EventFd::new(a[0], flags & EFD_SEMAPHORE != 0);
    install(task, Box::new(e), O_RDWR | (flags & !EFD_SEMAPHORE))
}

// --- timerfd ---

const TFD_TIMER_ABSTIME: u32 = 1;
const TFD_TIMER_CANCEL_ON_SET: u32 = 2;

/// implements timerfd_create(2)
fn timerfd_create(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let realtime = match a[0] {
        CLOCK_REALTIME | CLOCK_REALTIME_ALARM => true,
        CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => false,
        _ => return Err(Errno::EINVAL.into()),
    };
    let flags = only(a[1], O_NONBLOCK | O_CLOEXEC)?;
    install(task, Box::new(TimerFd::new(realtime)), O_RDWR | flags)
}

/// Writes an `itimerspec` (interval, then value).
fn write_itimerspec(
    task: &Task,
    at: u32,
    (left, interval): (u64, u64),
    time64: bool,
) -> Result<(), Errno> {
    let size = if time64 { 16 } else { 8 };
    write_timespec(task, at, interval, time64)?;
    write_timespec(task, at + size, left, time64)
}

fn settime(k: &mut Kernel, task: &mut Task, a: Args, time64: bool) -> SysResult {
    let flags = only(a[1], TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)?;
    let size = if time64 { 16 } else { 8 };
    let interval = read_timespec(task, a[2], time64)?;
    let value = read_timespec(task, a[2] + size, time64)?;
    let f = file(task, a[0])?;
    let mut f = f.borrow_mut();
    let timer = special_mut::<TimerFd>(&mut f)?;
    let now = k.now.monotonic_ns;
    let due = match value {
        0 => None,
        v if flags & TFD_TIMER_ABSTIME == 0 => Some(now.saturating_add(v)),
        // An absolute time on the timer's clock, moved onto the monotonic one.
        v if timer.realtime => Some(now.saturating_add(v).saturating_sub(k.now.realtime_ns)),
        v => Some(v),
    };
    let old = timer.set(now, due, interval);
    drop(f);
    if a[3] != 0 {
        write_itimerspec(task, a[3], old, time64)?;
    }
    Ok(0)
}

fn gettime(k: &mut Kernel, task: &mut Task, a: Args, time64: bool) -> SysResult {
    let f = file(task, a[0])?;
    let cur = special_mut::<TimerFd>(&mut f.borrow_mut())?.get(k.now.monotonic_ns);
    write_itimerspec(task, a[1], cur, time64)?;
    Ok(0)
}

/// implements timerfd_settime(2)
fn timerfd_settime(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    settime(k, task, a, false)
}

/// implements timerfd_settime64(2)
fn timerfd_settime64(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    settime(k, task, a, true)
}

/// implements timerfd_gettime(2)
fn timerfd_gettime(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    gettime(k, task, a, false)
}

/// implements timerfd_gettime64(2)
fn timerfd_gettime64(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    gettime(k, task, a, true)
}

// --- signalfd ---

fn make_signalfd(task: &mut Task, fd: u32, mask_at: u32, size: u32, flags: u32) -> SysResult {
    let flags = only(flags, O_NONBLOCK | O_CLOEXEC)?;
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let b = task.mem(|m| uaccess::read_bytes(m, mask_at, 8))?;
    let mask = u64::from_le_bytes(b[..8].try_into().unwrap_or_default());
    if fd as i32 == -1 {
        return install(task, Box::new(SignalFd::new(mask)), O_RDONLY | flags);
    }
    let f = file(task, fd)?;
    special_mut::<SignalFd>(&mut f.borrow_mut())?.set_mask(mask);
    Ok(fd)
}

/// implements signalfd(2)
fn signalfd(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    make_signalfd(task, a[0], a[1], a[2], 0)
}

/// implements signalfd4(2)
fn signalfd4(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    make_signalfd(task, a[0], a[1], a[2], a[3])
}

// --- epoll ---

/// `sizeof(struct epoll_event)` on i386 (packed: events, then 64-bit data).
const EPOLL_EVENT_SIZE: usize = 12;

/// implements epoll_create(2)
fn epoll_create(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    if a[0] as i32 <= 0 {
        return Err(Errno::EINVAL.into());
    }
    install(task, Box::new(Epoll::default()), O_RDWR)
}

/// implements epoll_create1(2)
fn epoll_create1(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let flags = only(a[0], O_CLOEXEC)?;
    install(task, Box::new(Epoll::default()), O_RDWR | flags)
}

/// implements epoll_ctl(2)
fn epoll_ctl(_: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let (epfd, op, fd, at) = (a[0], a[1], a[2], a[3]);
    let ep = file(task, epfd)?;
    let target = file(task, fd)?;
    let (events, data) = if op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD {
        let b = task.mem(|m| uaccess::read_bytes(m, at, EPOLL_EVENT_SIZE))?;
        (
            u32::from_le_bytes(b[..4].try_into().unwrap_or_default()),
            u64::from_le_bytes(b[4..].try_into().unwrap_or_default()),
        )
    } else {
        (0, 0)
    };
    if Rc::ptr_eq(&ep, &target) {
        return Err(Errno::EINVAL.into());
    }
    if matches!(
        target.borrow().kind,
        FileKind::Regular | FileKind::Dir { .. } | FileKind::Path
    ) {
        return Err(Errno::EPERM.into());
    }
    special_mut::<Epoll>(&mut ep.borrow_mut())?.ctl(op, fd, &target, events, data)?;
    Ok(0)
}

fn wait(
    k: &mut Kernel,
    task: &mut Task,
    a: Args,
    timeout: Option<u64>,
    mask: Option<u64>,
) -> SysResult {
    let (epfd, at, max) = (a[0], a[1], a[2] as i32);
    if max <= 0 || max as usize > i32::MAX as usize / EPOLL_EVENT_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let ep = file(task, epfd)?;
    let (ready, wake) = {
        let mut f = ep.borrow_mut();
        let ep = special_mut::<Epoll>(&mut f)?;
        (ep.collect(&poll_ctx(k, task), max as usize), ep.wake_at())
    };
    wait_or(k, task, !ready.is_empty(), timeout, wake, mask)?;
    let mut out = Vec::with_capacity(ready.len() * EPOLL_EVENT_SIZE);
    for (events, data) in &ready {
        out.extend_from_slice(&events.to_le_bytes());
        out.extend_from_slice(&data.to_le_bytes());
    }
    task.mem(|m| uaccess::write_bytes(m, at, &out))?;
    Ok(ready.len() as u32)
}

/// A timeout in milliseconds; negative waits forever.
fn ms_timeout(ms: u32) -> Option<u64> {
    let ms = ms as i32;
    (ms >= 0).then(|| ms as u64 * 1_000_000)
}

/// implements epoll_wait(2)
fn epoll_wait(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    wait(k, task, a, ms_timeout(a[3]), None)
}

/// implements epoll_pwait(2)
fn epoll_pwait(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let mask = sigmask_arg(task, a[4], a[5])?;
    wait(k, task, a, ms_timeout(a[3]), mask)
}

/// implements epoll_pwait2(2): the timeout is a `__kernel_timespec`
fn epoll_pwait2(k: &mut Kernel, task: &mut Task, a: Args) -> SysResult {
    let t = timeout(task, a[3], TimeArg::Timespec64)?;
    let mask = sigmask_arg(task, a[4], a[5])?;
    wait(k, task, a, t, mask)
}
