//! Signal system calls: actions, masks, waiting for signals, sending them,
//! returning from handlers and the alternate stack.

use tabvm_cpu::Reg;
use tabvm_mem::AddressSpace;

use super::{DomainTable, SysError, SysResult};
use crate::abi::errno::Errno;
use crate::abi::signal::*;
use crate::signal::deliver::Target;
use crate::signal::{frame, valid, AltStack, SigAction, SigInfo, UNBLOCKABLE};
use crate::{uaccess, Kernel, Task};

pub(crate) fn table() -> DomainTable {
    &[
        (29, "pause", pause),
        (37, "kill", kill),
        (424, "pidfd_send_signal", pidfd_send_signal),
        (434, "pidfd_open", pidfd_open),
        (48, "signal", signal),
        (67, "sigaction", sigaction),
        (72, "sigsuspend", sigsuspend),
        (73, "sigpending", sigpending),
        (119, "sigreturn", sigreturn),
        (126, "sigprocmask", sigprocmask),
        (173, "rt_sigreturn", rt_sigreturn),
        (174, "rt_sigaction", rt_sigaction),
        (175, "rt_sigprocmask", rt_sigprocmask),
        (176, "rt_sigpending", rt_sigpending),
        (177, "rt_sigtimedwait", rt_sigtimedwait),
        (178, "rt_sigqueueinfo", rt_sigqueueinfo),
        (179, "rt_sigsuspend", rt_sigsuspend),
        (186, "sigaltstack", sigaltstack),
        (238, "tkill", tkill),
        (270, "tgkill", tgkill),
        (335, "rt_tgsigqueueinfo", rt_tgsigqueueinfo),
        (421, "rt_sigtimedwait_time64", rt_sigtimedwait_time64),
    ]
}

type Args = [u32; 6];

fn word(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

fn read_set(m: &mut AddressSpace, at: u32) -> Result<u64, Errno> {
    let b = uaccess::read_bytes(m, at, 8)?;
    Ok(u64::from(word(&b, 0)) | (u64::from(word(&b, 1)) << 32))
}

/// A signal number a handler may be installed for.
fn catchable(sig: u32) -> Result<(), Errno> {
    if !valid(sig) || sig == SIGKILL || sig == SIGSTOP {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Installs `new` for `sig`, returning the old action. Setting a signal to
/// be ignored discards it if pending (POSIX).
fn exchange(t: &mut Task, sig: u32, new: Option<SigAction>) -> Result<SigAction, Errno> {
    if !valid(sig) {
        return Err(Errno::EINVAL);
    }
    let old = t.sig.action(sig);
    if let Some(mut new) = new {
        catchable(sig)?;
        new.mask &= !UNBLOCKABLE;
        t.sig.set_action(sig, new);
        if new.ignores(sig) {
            t.sig.discard(sig);
        }
    }
    Ok(old)
}

/// Implements rt_sigaction(2): `struct kernel_sigaction` is handler, flags,
/// restorer, mask.
fn rt_sigaction(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let new = if a[1] != 0 {
        let b = t.mem(|m| uaccess::read_bytes(m, a[1], KSIGACTION_SIZE))?;
        let mask = u64::from(word(&b, 3)) | (u64::from(word(&b, 4)) << 32);
        Some(SigAction {
            handler: word(&b, 0),
            flags: word(&b, 1),
            restorer: word(&b, 2),
            mask,
        })
    } else {
        None
    };
    let old = exchange(t, a[0], new)?;
    if a[2] != 0 {
        let mut b = [0u8; KSIGACTION_SIZE];
        for (i, v) in [
            old.handler,
            old.flags,
            old.restorer,
            old.mask as u32,
            (old.mask >> 32) as u32,
        ]
        .iter()
        .enumerate()
        {
            b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        t.mem(|m| uaccess::write_bytes(m, a[2], &b))?;
    }
    Ok(0)
}

/// Implements the old sigaction(2): `struct old_sigaction` is handler,
/// 32-bit mask, flags, restorer.
fn sigaction(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let new = if a[1] != 0 {
        let b = t.mem(|m| uaccess::read_bytes(m, a[1], OLD_SIGACTION_SIZE))?;
        Some(SigAction {
            handler: word(&b, 0),
            mask: u64::from(word(&b, 1)),
            flags: word(&b, 2),
            restorer: word(&b, 3),
        })
    } else {
        None
    };
    let old = exchange(t, a[0], new)?;
    if a[2] != 0 {
        let mut b = [0u8; OLD_SIGACTION_SIZE];
        for (i, v) in [old.handler, old.mask as u32, old.flags, old.restorer]
            .iter()
            .enumerate()
        {
            b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        t.mem(|m| uaccess::write_bytes(m, a[2], &b))?;
    }
    Ok(0)
}

/// Implements signal(2): a one-shot, non-deferring handler (System V
/// semantics, which is what the system call has always had).
fn signal(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let act = SigAction {
        handler: a[1],
        flags: SA_RESETHAND | SA_NODEFER,
        restorer: 0,
        mask: 0,
    };
    Ok(exchange(t, a[0], Some(act))?.handler)
}

/// Applies `how` to the mask, returning the old one.
fn change_mask(t: &mut Task, how: u32, set: Option<u64>) -> Result<u64, Errno> {
    let old = t.sig.mask;
    if let Some(set) = set {
        t.sig.mask = match how {
            SIG_BLOCK => old | set,
            SIG_UNBLOCK => old & !set,
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        } & !UNBLOCKABLE;
    }
    Ok(old)
}

/// Implements rt_sigprocmask(2).
fn rt_sigprocmask(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let set = if a[1] != 0 {
        Some(t.mem(|m| read_set(m, a[1]))?)
    } else {
        None
    };
    let old = change_mask(t, a[0], set)?;
    if a[2] != 0 {
        t.mem(|m| uaccess::write_bytes(m, a[2], &old.to_le_bytes()))?;
    }
    Ok(0)
}

/// Implements the old sigprocmask(2) on the low 32 signals.
fn sigprocmask(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let set = if a[1] != 0 {
        Some(t.mem(|m| uaccess::read_u32(m, a[1]))?)
    } else {
        None
    };
    let high = t.sig.mask & !0xffff_ffff;
    let set = set.map(|s| match a[0] {
        SIG_SETMASK => high | u64::from(s),
        _ => u64::from(s),
    });
    let old = change_mask(t, a[0], set)?;
    if a[2] != 0 {
        t.mem(|m| uaccess::write_u32(m, a[2], old as u32))?;
    }
    Ok(0)
}

/// Implements rt_sigpending(2).
fn rt_sigpending(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[1] > SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let pending = (t.sig.pending & t.sig.mask).to_le_bytes();
    t.mem(|m| uaccess::write_bytes(m, a[0], &pending[..a[1] as usize]))?;
    Ok(0)
}

/// Implements sigpending(2).
fn sigpending(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let pending = (t.sig.pending & t.sig.mask) as u32;
    t.mem(|m| uaccess::write_u32(m, a[0], pending))?;
    Ok(0)
}

/// Waits with `mask` in force until a handler runs (which ends the call with
/// `EINTR` and restores the old mask on return).
fn suspend(t: &mut Task, mask: u64) -> SysResult {
    if t.sig.saved_mask.is_none() {
        t.sig.saved_mask = Some(t.sig.mask);
    }
    t.sig.mask = mask & !UNBLOCKABLE;
    Err(SysError::Block { until: None })
}

/// Implements rt_sigsuspend(2).
fn rt_sigsuspend(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    if a[1] != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let mask = t.mem(|m| read_set(m, a[0]))?;
    suspend(t, mask)
}

/// Implements the old sigsuspend(2): the mask is the third argument.
fn sigsuspend(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let high = t.sig.saved_mask.unwrap_or(t.sig.mask) & !0xffff_ffff;
    suspend(t, high | u64::from(a[2]))
}

/// Implements pause(2).
fn pause(_: &mut Kernel, _: &mut Task, _: Args) -> SysResult {
    Err(SysError::Block { until: None })
}

fn rt_sigtimedwait(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    sigtimedwait(k, t, a, false)
}

fn rt_sigtimedwait_time64(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    sigtimedwait(k, t, a, true)
}

/// Implements rt_sigtimedwait(2): takes a pending signal of the set without
/// running its handler, waiting until the timeout for one.
fn sigtimedwait(k: &mut Kernel, t: &mut Task, a: Args, time64: bool) -> SysResult {
    if a[3] != SIGSET_SIZE {
        return Err(Errno::EINVAL.into());
    }
    let set = t.mem(|m| read_set(m, a[0]))? & !UNBLOCKABLE;
    if let Some(info) = t.sig.take_from(set) {
        if a[1] != 0 {
            t.mem(|m| uaccess::write_bytes(m, a[1], &info.emit()))?;
        }
        return Ok(info.signo);
    }
    let deadline = match a[2] {
        0 => None,
        p => Some(super::time::deadline_after(k, t, p, time64)?),
    };
    match deadline {
        Some(d) if d <= k.now.monotonic_ns => Err(Errno::EAGAIN.into()),
        until => Err(SysError::Block { until }),
    }
}

fn target_of(pid: i32, me: &Task) -> Target {
    match pid {
        -1 => Target::All,
        0 => Target::Group(me.pgid),
        p if p < 0 => Target::Group(p.unsigned_abs()),
        p => Target::Process(p as u32),
    }
}

fn check_sig(sig: u32) -> Result<(), Errno> {
    if sig != 0 && !valid(sig) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Implements kill(2).
fn kill(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let sig = a[1];
    check_sig(sig)?;
    let info = SigInfo::user(sig, SI_USER, t.pid, t.creds.user.real);
    let target = target_of(a[0] as i32, t);
    k.kill(Some(t), target, sig, info)?;
    Ok(0)
}

/// Implements pidfd_open(2): a pidfd here is the process's `/proc/<pid>`
/// directory opened read-only, as Linux also accepts for
/// `pidfd_send_signal`. (It does not poll readable at exit.)
fn pidfd_open(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    const PIDFD_NONBLOCK: u32 = crate::abi::fcntl::O_NONBLOCK;
    let (pid, flags) = (a[0], a[1]);
    if flags & !PIDFD_NONBLOCK != 0 || (pid as i32) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    if !k.tasks.values().any(|o| o.pid == pid) && t.pid != pid {
        return Err(Errno::ESRCH.into());
    }
    crate::vfs::procfs::refresh(k, t);
    let root = k.vfs.root_loc();
    let ctx = k.vfs.root_context();
    let path = format!("/proc/{pid}").into_bytes();
    let open_flags = crate::abi::fcntl::O_RDONLY | crate::abi::fcntl::O_DIRECTORY | flags;
    let who = crate::vfs::Creator {
        uid: t.creds.user.fs,
        gid: t.creds.group.fs,
    };
    let f = k.vfs.open(&ctx, root, &path, open_flags, 0, who)?;
    let f = std::rc::Rc::new(std::cell::RefCell::new(f));
    Ok(t.files.borrow_mut().insert(f, true)?)
}

/// Implements pidfd_send_signal(2) on a pidfd or `/proc/<pid>` directory
/// descriptor; a caller-supplied siginfo is not supported (`EINVAL`).
fn pidfd_send_signal(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (fd, sig, info, flags) = (a[0], a[1], a[2], a[3]);
    let file = t.files.borrow().get(fd)?;
    let pid = {
        let f = file.borrow();
        let node = f.node.as_ref().filter(|n| n.loc.mnt == k.vfs.proc_mnt);
        node.and_then(|n| crate::vfs::procfs::pid_of_dir(n.loc.ino))
            .ok_or(Errno::EBADF)?
    };
    if flags != 0 || info != 0 {
        return Err(Errno::EINVAL.into());
    }
    check_sig(sig)?;
    let info = SigInfo::user(sig, SI_USER, t.pid, t.creds.user.real);
    let target = target_of(pid as i32, t);
    k.kill(Some(t), target, sig, info)?;
    Ok(0)
}

/// Implements tgkill(2).
fn tgkill(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let (tgid, tid) = (a[0], a[1]);
    if (tgid as i32) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let in_group =
        tid == t.tid && tgid == t.pid || k.tasks.get(&tid).is_some_and(|o| o.pid == tgid);
    if (tid as i32) > 0 && !in_group {
        return Err(Errno::ESRCH.into());
    }
    tkill(k, t, [tid, a[2], 0, 0, 0, 0])
}

/// Implements tkill(2).
fn tkill(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let sig = a[1];
    check_sig(sig)?;
    if (a[0] as i32) <= 0 {
        return Err(Errno::EINVAL.into());
    }
    let info = SigInfo::user(sig, SI_TKILL, t.pid, t.creds.user.real);
    k.kill(Some(t), Target::Thread(a[0]), sig, info)?;
    Ok(0)
}

/// Sends a caller-built `siginfo` (sigqueue). Only the caller itself may
/// claim a kernel or `kill` origin (`si_code >= 0`), as in Linux.
fn queue_info(k: &mut Kernel, t: &mut Task, target: Target, sig: u32, at: u32) -> SysResult {
    check_sig(sig)?;
    let b = t.mem(|m| uaccess::read_bytes(m, at, SIGINFO_SIZE))?;
    let code = word(&b, 2) as i32;
    let to_self =
        matches!(target, Target::Process(p) if p == t.pid) || target == Target::Thread(t.tid);
    if (code >= 0 || code == SI_TKILL) && !to_self {
        return Err(Errno::EPERM.into());
    }
    let info = SigInfo {
        signo: sig,
        code,
        fields: [word(&b, 3), word(&b, 4), word(&b, 5), word(&b, 6)],
    };
    k.kill(Some(t), target, sig, info)?;
    Ok(0)
}

/// Implements rt_sigqueueinfo(2).
fn rt_sigqueueinfo(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    queue_info(k, t, Target::Process(a[0]), a[1], a[2])
}

/// Implements rt_tgsigqueueinfo(2).
fn rt_tgsigqueueinfo(k: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    queue_info(k, t, Target::Thread(a[1]), a[2], a[3])
}

/// Implements sigreturn(2).
fn sigreturn(_: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    return_from_handler(t, false)
}

/// Implements rt_sigreturn(2).
fn rt_sigreturn(_: &mut Kernel, t: &mut Task, _: Args) -> SysResult {
    return_from_handler(t, true)
}

fn return_from_handler(t: &mut Task, rt: bool) -> SysResult {
    match frame::sigreturn(t, rt) {
        Ok(eax) => Ok(eax),
        Err(_) => {
            // A corrupt frame: Linux kills with SIGSEGV; eax is not ours to set.
            t.sig.force(SigInfo::kernel(SIGSEGV));
            Ok(t.cpu.reg(Reg::Eax))
        }
    }
}

/// Implements sigaltstack(2).
fn sigaltstack(_: &mut Kernel, t: &mut Task, a: Args) -> SysResult {
    let esp = t.cpu.reg(Reg::Esp);
    let cur = t.sig.altstack;
    let on = cur.contains(esp);
    let new = if a[0] != 0 {
        let b = t.mem(|m| uaccess::read_bytes(m, a[0], STACK_T_SIZE))?;
        Some((word(&b, 0), word(&b, 1), word(&b, 2)))
    } else {
        None
    };
    if a[1] != 0 {
        let flags = if on {
            SS_ONSTACK
        } else {
            cur.flags & SS_DISABLE
        };
        let mut b = [0u8; STACK_T_SIZE];
        for (i, v) in [cur.sp, flags, cur.size].iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        t.mem(|m| uaccess::write_bytes(m, a[1], &b))?;
    }
    if let Some((sp, flags, size)) = new {
        /// `SS_AUTODISARM` is accepted and ignored.
        const SS_AUTODISARM: u32 = 1 << 31;
        if on {
            return Err(Errno::EPERM.into());
        }
        t.sig.altstack = match flags & !SS_AUTODISARM {
            SS_DISABLE => AltStack::default(),
            0 | SS_ONSTACK if size < MINSIGSTKSZ => return Err(Errno::ENOMEM.into()),
            0 | SS_ONSTACK => AltStack { sp, size, flags: 0 },
            _ => return Err(Errno::EINVAL.into()),
        };
    }
    Ok(0)
}
