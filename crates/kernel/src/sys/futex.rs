//! `futex` and robust futex lists: waits that park until a wake names
//! their word, requeueing, the `FUTEX_WAKE_OP` arithmetic, bitsets, and
//! priority-inheritance locks (`*_PI`, with one CPU there is no priority
//! to inherit: they are plain owner-recorded locks).
//!
//! A waiter is a parked task with a [`FutexWait`] record (DESIGN rule 1: the
//! call is re-executed after every event). The first execution checks the
//! word and records the wait; a re-execution finds the record and returns
//! 0 once a waker has marked it `woken`, `ETIMEDOUT` past its deadline, or
//! parks again. Wakers pick waiters of a key in the order they began
//! waiting, so wake counts are exact. A signal that interrupts the wait
//! with `EINTR` drops the record ([`interrupted`]).
//!
//! Keys: a word in a `MAP_SHARED|MAP_ANONYMOUS` range is keyed by its
//! address alone, so processes sharing it at the same address (after
//! `fork`) meet; a word in a `MAP_SHARED` file mapping by its file and
//! offset (named semaphores in /dev/shm); any other word by its address
//! space and address, whatever the private flag says (as Linux does for
//! private memory).

use super::{DomainTable, SysError, SysResult};
use crate::abi::errno::Errno;
use crate::task::Pid;
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (240, "futex", futex),
        (311, "set_robust_list", set_robust_list),
        (312, "get_robust_list", get_robust_list),
        (422, "futex_time64", futex_time64),
    ]
}

type Args = [u32; 6];

const FUTEX_WAIT: u32 = 0;
const FUTEX_WAKE: u32 = 1;
const FUTEX_REQUEUE: u32 = 3;
const FUTEX_CMP_REQUEUE: u32 = 4;
const FUTEX_WAKE_OP: u32 = 5;
const FUTEX_LOCK_PI: u32 = 6;
const FUTEX_UNLOCK_PI: u32 = 7;
const FUTEX_TRYLOCK_PI: u32 = 8;
const FUTEX_WAIT_BITSET: u32 = 9;
const FUTEX_WAKE_BITSET: u32 = 10;
const FUTEX_LOCK_PI2: u32 = 13;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;
const CMD_MASK: u32 = 0x7f;

/// Bits of a PI or robust futex word.
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
const BITSET_ALL: u32 = u32::MAX;

/// `struct robust_list_head` on i386: list, futex_offset, list_op_pending.
const ROBUST_HEAD_SIZE: u32 = 12;
/// Most entries walked at exit (Linux's `ROBUST_LIST_LIMIT`), so a cyclic
/// list cannot hang the kernel.
const ROBUST_LIST_LIMIT: usize = 2048;

/// What identifies a futex word (see the module comment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FutexKey {
    /// Private memory: the address space and the address.
    Private { space: usize, addr: u32 },
    /// A `MAP_SHARED|MAP_ANONYMOUS` range: the address (the same in every
    /// process that inherited it).
    SharedAnon { addr: u32 },
    /// A `MAP_SHARED` file mapping: the file and the offset, so processes
    /// that map it at different addresses meet.
    File { dev: u64, ino: u64, offset: u64 },
}

/// A task's pending futex wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FutexWait {
    key: FutexKey,
    bitset: u32,
    /// Order of arrival among waiters.
    seq: u64,
    /// A PI lock waiter: a wake hands it the lock.
    pi: bool,
    woken: bool,
}

/// The key of the word at `addr` for `t`.
fn key(t: &Task, addr: u32) -> FutexKey {
    let mm = t.mm.borrow();
    if mm.shared.iter().any(|s| s.overlaps(addr, 4)) {
        return FutexKey::SharedAnon { addr };
    }
    let file = mm.file_maps.iter().find_map(|m| {
        m.share.as_ref()?;
        let (_, _, offset) = m.overlap(addr, addr.checked_add(4)?)?;
        let node = m.file.borrow().node.as_ref().map(|n| (n.dev, n.loc.ino))?;
        Some((node, offset))
    });
    match file {
        Some(((dev, ino), offset)) => FutexKey::File { dev, ino, offset },
        None => FutexKey::Private {
            space: std::rc::Rc::as_ptr(&t.mm) as usize,
            addr,
        },
    }
}

/// The waiters of `key` that `bitset` selects, oldest first.
fn waiters(k: &Kernel, key: FutexKey, bitset: u32) -> Vec<Pid> {
    let mut found: Vec<(u64, Pid)> = k
        .tasks
        .values()
        .filter_map(|t| {
            let w = t.futex?;
            (w.key == key && !w.woken && w.bitset & bitset != 0).then_some((w.seq, t.tid))
        })
        .collect();
    found.sort_unstable();
    found.into_iter().map(|(_, tid)| tid).collect()
}

/// Wakes up to `n` waiters of `key`; returns how many.
pub(crate) fn wake(k: &mut Kernel, key: FutexKey, n: u32, bitset: u32) -> u32 {
    let mut woken = 0;
    for tid in waiters(k, key, bitset).into_iter().take(n as usize) {
        if let Some(w) = k.tasks.get_mut(&tid).and_then(|t| t.futex.as_mut()) {
            w.woken = true;
            woken += 1;
        }
    }
    woken
}

/// Wakes up to `n` waiters of the word at `addr` in `t`'s memory.
pub(crate) fn wake_addr(k: &mut Kernel, t: &Task, addr: u32, n: u32) -> u32 {
    wake(k, key(t, addr), n, BITSET_ALL)
}

/// A signal ended the call with `EINTR`: the wait is over.
pub(crate) fn interrupted(t: &mut Task) {
    t.futex = None;
}

fn futex(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    futex_op(k, t, a, false)
}

fn futex_time64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    futex_op(k, t, a, true)
}

/// Implements futex(2): `uaddr`, `op`, `val`, `timeout` (or `val2`),
/// `uaddr2`, `val3`.
fn futex_op(k: &mut Kernel, t: &mut Task, a: Args, time64: bool) -> SysResult {
    let [uaddr, op, val, timeout, uaddr2, val3] = a;
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL.into());
    }
    let cmd = op & CMD_MASK;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    if realtime && !matches!(cmd, FUTEX_WAIT | FUTEX_WAIT_BITSET | FUTEX_LOCK_PI2) {
        return Err(Errno::ENOSYS.into());
    }
    match cmd {
        FUTEX_WAIT => wait(
            k,
            t,
            uaddr,
            val,
            timeout,
            BITSET_ALL,
            Clock::Relative,
            time64,
        ),
        FUTEX_WAIT_BITSET => {
            let clock = if realtime {
                Clock::Realtime
            } else {
                Clock::Monotonic
            };
            wait(k, t, uaddr, val, timeout, val3, clock, time64)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { BITSET_ALL } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL.into());
            }
            Ok(wake(k, key(t, uaddr), val, bitset))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if cmd == FUTEX_CMP_REQUEUE && t.mem(|m| uaccess::read_u32(m, uaddr))? != val3 {
                return Err(Errno::EAGAIN.into());
            }
            if (val as i32) < 0 || (timeout as i32) < 0 {
                return Err(Errno::EINVAL.into());
            }
            Ok(requeue(k, key(t, uaddr), key(t, uaddr2), val, timeout))
        }
        FUTEX_WAKE_OP => wake_op(k, t, uaddr, val, timeout, uaddr2, val3),
        FUTEX_LOCK_PI | FUTEX_LOCK_PI2 => {
            // LOCK_PI's timeout is on CLOCK_REALTIME, LOCK_PI2's on
            // CLOCK_MONOTONIC unless asked otherwise.
            let clock = if cmd == FUTEX_LOCK_PI || realtime {
                Clock::Realtime
            } else {
                Clock::Monotonic
            };
            lock_pi(k, t, uaddr, timeout, clock, time64, false)
        }
        FUTEX_TRYLOCK_PI => lock_pi(k, t, uaddr, 0, Clock::Monotonic, time64, true),
        FUTEX_UNLOCK_PI => unlock_pi(k, t, uaddr),
        _ => {
            k.log_once_in(
                "feature",
                240,
                &format!(
                    "futex operation {} is not supported (pid {})",
                    op & !FUTEX_PRIVATE_FLAG,
                    t.pid
                ),
            );
            Err(Errno::ENOSYS.into())
        }
    }
}

/// How a wait's timeout is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Clock {
    /// A duration (`FUTEX_WAIT`).
    Relative,
    /// An absolute time on CLOCK_MONOTONIC or CLOCK_REALTIME.
    Monotonic,
    Realtime,
}

/// The monotonic deadline of a timeout argument, if any.
fn deadline(
    k: &Kernel,
    t: &mut Task,
    at: u32,
    clock: Clock,
    time64: bool,
) -> Result<Option<u64>, Errno> {
    if at == 0 {
        return Ok(None);
    }
    Ok(Some(match clock {
        Clock::Relative => super::time::deadline_after(k, t, at, time64)?,
        Clock::Monotonic => super::time::read_timespec(t, at, time64)?,
        Clock::Realtime => {
            let at = super::time::read_timespec(t, at, time64)?;
            k.now
                .monotonic_ns
                .saturating_add(at.saturating_sub(k.now.realtime_ns))
        }
    }))
}

/// Parks `t` on its recorded wait, or ends the wait (woken, timed out).
fn park(k: &Kernel, t: &mut Task, until: Option<u64>) -> SysResult {
    match t.futex {
        Some(w) if w.woken => {
            t.futex = None;
            Ok(0)
        }
        _ if until.is_some_and(|d| d <= k.now.monotonic_ns) => {
            t.futex = None;
            Err(Errno::ETIMEDOUT.into())
        }
        _ => Err(SysError::Block { until }),
    }
}

/// Records a wait of `t` on `key`.
fn enqueue(k: &mut Kernel, t: &mut Task, key: FutexKey, bitset: u32, pi: bool) {
    k.futex_seq += 1;
    t.futex = Some(FutexWait {
        key,
        bitset,
        seq: k.futex_seq,
        pi,
        woken: false,
    });
}

/// FUTEX_WAIT and FUTEX_WAIT_BITSET: park while the word holds `val`.
#[allow(clippy::too_many_arguments)]
fn wait(
    k: &mut Kernel,
    t: &mut Task,
    uaddr: u32,
    val: u32,
    timeout: u32,
    bitset: u32,
    clock: Clock,
    time64: bool,
) -> SysResult {
    if bitset == 0 {
        return Err(Errno::EINVAL.into());
    }
    let until = deadline(k, t, timeout, clock, time64)?;
    if t.futex.is_none() {
        if t.mem(|m| uaccess::read_u32(m, uaddr))? != val {
            return Err(Errno::EAGAIN.into());
        }
        let key = key(t, uaddr);
        enqueue(k, t, key, bitset, false);
    }
    park(k, t, until)
}

/// Wakes up to `nr_wake` waiters of `from` and moves up to `nr_requeue` of
/// the rest to `to`; returns how many were woken or moved.
fn requeue(k: &mut Kernel, from: FutexKey, to: FutexKey, nr_wake: u32, nr_requeue: u32) -> u32 {
    let woken = wake(k, from, nr_wake, BITSET_ALL);
    let mut moved = 0;
    for tid in waiters(k, from, BITSET_ALL)
        .into_iter()
        .take(nr_requeue as usize)
    {
        if let Some(w) = k.tasks.get_mut(&tid).and_then(|t| t.futex.as_mut()) {
            w.key = to;
            moved += 1;
        }
    }
    woken + moved
}

/// FUTEX_WAKE_OP: changes the word at `uaddr2` by the operation in `val3`,
/// wakes `nr_wake` waiters of `uaddr`, and `nr_wake2` of `uaddr2` if the
/// old value passes the comparison in `val3`.
fn wake_op(
    k: &mut Kernel,
    t: &mut Task,
    uaddr: u32,
    nr_wake: u32,
    nr_wake2: u32,
    uaddr2: u32,
    val3: u32,
) -> SysResult {
    let (op, cmp) = ((val3 >> 28) & 7, (val3 >> 24) & 15);
    // The 12-bit arguments are signed; a shifted operand is `1 << oparg`.
    let signed = |v: u32| (((v & 0xfff) << 20) as i32 >> 20) as u32;
    let mut oparg = signed(val3 >> 12);
    let cmparg = signed(val3);
    if val3 & (8 << 28) != 0 {
        oparg = 1 << (oparg & 31);
    }
    let old = t.mem(|m| uaccess::read_u32(m, uaddr2))?;
    let new = match op {
        0 => oparg,
        1 => old.wrapping_add(oparg),
        2 => old | oparg,
        3 => old & !oparg,
        4 => old ^ oparg,
        _ => return Err(Errno::ENOSYS.into()),
    };
    let (o, c) = (old as i32, cmparg as i32);
    let pass = match cmp {
        0 => o == c,
        1 => o != c,
        2 => o < c,
        3 => o <= c,
        4 => o > c,
        5 => o >= c,
        _ => return Err(Errno::ENOSYS.into()),
    };
    t.mem(|m| uaccess::write_u32(m, uaddr2, new))?;
    let mut woken = wake(k, key(t, uaddr), nr_wake, BITSET_ALL);
    if pass {
        woken += wake(k, key(t, uaddr2), nr_wake2, BITSET_ALL);
    }
    Ok(woken)
}

/// FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and FUTEX_TRYLOCK_PI: take the lock word
/// (the owner's tid) when free, else wait for `FUTEX_UNLOCK_PI` to hand it
/// over (`try`: `EAGAIN` instead).
fn lock_pi(
    k: &mut Kernel,
    t: &mut Task,
    uaddr: u32,
    timeout: u32,
    clock: Clock,
    time64: bool,
    try_only: bool,
) -> SysResult {
    let until = deadline(k, t, timeout, clock, time64)?;
    if t.futex.is_some() {
        // Handed over by the unlocker, which wrote our tid in the word.
        return park(k, t, until);
    }
    let word = t.mem(|m| uaccess::read_u32(m, uaddr))?;
    let owner = word & FUTEX_TID_MASK;
    let key = key(t, uaddr);
    if owner == 0 {
        let waiters = if waiters(k, key, BITSET_ALL).is_empty() {
            0
        } else {
            FUTEX_WAITERS
        };
        t.mem(|m| uaccess::write_u32(m, uaddr, t.tid | waiters | (word & FUTEX_OWNER_DIED)))?;
        return Ok(0);
    }
    if owner == t.tid {
        return Err(Errno::EDEADLK.into());
    }
    if !k.tasks.contains_key(&owner) {
        return Err(Errno::ESRCH.into());
    }
    if try_only {
        return Err(Errno::EAGAIN.into());
    }
    t.mem(|m| uaccess::write_u32(m, uaddr, word | FUTEX_WAITERS))?;
    enqueue(k, t, key, BITSET_ALL, true);
    park(k, t, until)
}

/// FUTEX_UNLOCK_PI: the owner hands the lock to the oldest waiter, or
/// frees it.
fn unlock_pi(k: &mut Kernel, t: &mut Task, uaddr: u32) -> SysResult {
    let word = t.mem(|m| uaccess::read_u32(m, uaddr))?;
    if word & FUTEX_TID_MASK != t.tid {
        return Err(Errno::EPERM.into());
    }
    let key = key(t, uaddr);
    let queue = waiters(k, key, BITSET_ALL);
    let new = match queue.first() {
        Some(&next) => {
            if let Some(w) = k.tasks.get_mut(&next).and_then(|o| o.futex.as_mut()) {
                w.woken = true;
            }
            next | if queue.len() > 1 { FUTEX_WAITERS } else { 0 }
        }
        None => 0,
    };
    t.mem(|m| uaccess::write_u32(m, uaddr, new))?;
    Ok(0)
}

/// Implements set_robust_list(2).
fn set_robust_list(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[1] != ROBUST_HEAD_SIZE {
        return Err(Errno::EINVAL.into());
    }
    t.robust_list = a[0];
    Ok(0)
}

/// Implements get_robust_list(2) for the caller or another thread.
fn get_robust_list(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let head = match a[0] {
        0 => t.robust_list,
        tid if tid == t.tid => t.robust_list,
        tid => k.tasks.get(&tid).ok_or(Errno::ESRCH)?.robust_list,
    };
    t.mem(|m| {
        uaccess::write_u32(m, a[1], head)?;
        uaccess::write_u32(m, a[2], ROBUST_HEAD_SIZE)
    })?;
    Ok(0)
}

/// At a thread's exit, marks the robust futexes it still holds
/// `FUTEX_OWNER_DIED` and wakes one waiter of each, as Linux's
/// `exit_robust_list` does. Bad list memory ends the walk.
pub(crate) fn exit_robust_list(k: &mut Kernel, t: &Task) {
    if t.robust_list == 0 {
        return;
    }
    let head = t.robust_list;
    let read = |addr: u32| t.mem(|m| uaccess::read_u32(m, addr)).ok();
    let (Some(mut entry), Some(offset), Some(pending)) =
        (read(head), read(head + 4), read(head + 8))
    else {
        return;
    };
    let mut entries = Vec::new();
    while entry & !1 != head && entries.len() < ROBUST_LIST_LIMIT {
        let at = entry & !1;
        if at == 0 {
            break;
        }
        entries.push(at);
        match read(at) {
            Some(next) => entry = next,
            None => break,
        }
    }
    if pending & !1 != 0 && !entries.contains(&(pending & !1)) {
        entries.push(pending & !1);
    }
    for at in entries {
        let word_at = at.wrapping_add(offset);
        let Some(word) = read(word_at) else { continue };
        if word & FUTEX_TID_MASK != t.tid {
            continue;
        }
        let died = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if t.mem(|m| uaccess::write_u32(m, word_at, died)).is_ok() && word & FUTEX_WAITERS != 0 {
            wake_addr(k, t, word_at, 1);
        }
    }
}
