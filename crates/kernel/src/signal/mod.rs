//! Signals: per-task state (mask, pending set, handlers, alternate stack),
//! what each signal does by default, and `siginfo`.
//!
//! Sending (`Kernel::send_signal`, `Task::raise`) only marks a signal pending;
//! acting on it happens in `deliver.rs` just before the task runs again, which
//! builds the frame described in `abi/signal.rs` (`frame.rs`) or applies the
//! default action.

pub(crate) mod deliver;
pub(crate) mod frame;

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_cpu::Fpu;

use crate::abi::signal::*;

/// The mask bit of `sig` (1-based, as in `sigset_t`).
pub(crate) fn bit(sig: u32) -> u64 {
    1u64 << (sig - 1)
}

/// Signals that can be neither blocked, caught nor ignored.
pub(crate) const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

/// True for a valid signal number (1..=64).
pub(crate) fn valid(sig: u32) -> bool {
    (1..=NSIG).contains(&sig)
}

/// What a signal does when its handler is `SIG_DFL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DefaultAction {
    Terminate,
    /// Terminate and report a core dump (`WCOREDUMP`).
    Core,
    Ignore,
    Stop,
    Continue,
}

pub(crate) fn default_action(sig: u32) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::Core,
        _ => DefaultAction::Terminate,
    }
}

/// One `sigaction` entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SigAction {
    pub handler: u32,
    pub flags: u32,
    pub restorer: u32,
    pub mask: u64,
}

impl SigAction {
    /// True if delivering `sig` with this action does nothing at all.
    pub fn ignores(&self, sig: u32) -> bool {
        self.handler == SIG_IGN
            || (self.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore)
    }
}

/// The handler table, shared by threads created with `CLONE_SIGHAND`.
pub(crate) type Handlers = Rc<RefCell<[SigAction; NSIG as usize]>>;

/// Why a signal was sent: the `siginfo_t` the handler sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SigInfo {
    pub signo: u32,
    pub code: i32,
    /// The union words at offsets 12, 16, 20, 24 (pid/uid/status…, or the
    /// fault address in the first).
    pub fields: [u32; 4],
}

impl SigInfo {
    /// Sent by the kernel itself (SIGPIPE, SIGALRM, tty signals).
    pub fn kernel(sig: u32) -> SigInfo {
        SigInfo {
            signo: sig,
            code: SI_KERNEL,
            fields: [0; 4],
        }
    }
    /// Sent by `kill` (`SI_USER`) or `tgkill` (`SI_TKILL`) from `pid`.
    pub fn user(sig: u32, code: i32, pid: u32, uid: u32) -> SigInfo {
        SigInfo {
            signo: sig,
            code,
            fields: [pid, uid, 0, 0],
        }
    }
    /// A synchronous fault at `addr`.
    pub fn fault(sig: u32, code: i32, addr: u32) -> SigInfo {
        SigInfo {
            signo: sig,
            code,
            fields: [addr, 0, 0, 0],
        }
    }
    /// SIGCHLD about child `pid`.
    pub fn child(code: i32, pid: u32, uid: u32, status: u32) -> SigInfo {
        SigInfo {
            signo: SIGCHLD,
            code,
            fields: [pid, uid, status, 0],
        }
    }

    /// The 128-byte `siginfo_t`.
    pub fn emit(&self) -> [u8; SIGINFO_SIZE] {
        let mut b = [0u8; SIGINFO_SIZE];
        b[0..4].copy_from_slice(&self.signo.to_le_bytes());
        b[8..12].copy_from_slice(&self.code.to_le_bytes());
        for (i, f) in self.fields.iter().enumerate() {
            b[12 + 4 * i..16 + 4 * i].copy_from_slice(&f.to_le_bytes());
        }
        b
    }
}

/// `sigaltstack` state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AltStack {
    pub sp: u32,
    pub size: u32,
    pub flags: u32,
}

impl Default for AltStack {
    fn default() -> Self {
        AltStack {
            sp: 0,
            size: 0,
            flags: SS_DISABLE,
        }
    }
}

impl AltStack {
    pub fn contains(&self, sp: u32) -> bool {
        self.flags & SS_DISABLE == 0 && sp.wrapping_sub(self.sp) < self.size
    }
}

/// Most x87 states kept for handlers still running; a program that leaves
/// handlers with `longjmp` never returns through `sigreturn`, so the oldest
/// are dropped past this depth.
const MAX_SAVED_FPU: usize = 64;

/// The signal state of one task.
#[derive(Clone)]
pub(crate) struct SigState {
    pub handlers: Handlers,
    pub mask: u64,
    pub pending: u64,
    /// Information for each pending signal (one per signal: not queued).
    infos: Vec<SigInfo>,
    pub altstack: AltStack,
    /// Mask to restore after `sigsuspend`'s temporary one.
    pub saved_mask: Option<u64>,
    /// x87 state at each frame still live, keyed by frame address.
    fpu_saves: Vec<(u32, Fpu)>,
    /// The last processor exception, as the frame's sigcontext reports it.
    pub trap: Trap,
}

/// What Linux keeps in the thread about the last processor exception
/// (`trap_nr`, `error_code`, `cr2`); every signal frame shows it, even for
/// a later asynchronous signal, as on Linux.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Trap {
    /// The x86 exception vector (14 page fault, 6 #UD, 0 #DE, …).
    pub no: u32,
    /// The exception's error code (the page-fault bits for vector 14).
    pub err: u32,
    /// The last faulting address.
    pub cr2: u32,
}

impl Trap {
    pub const DIVIDE: u32 = 0;
    pub const BREAKPOINT: u32 = 3;
    pub const INVALID_OPCODE: u32 = 6;
    pub const GENERAL_PROTECTION: u32 = 13;
    pub const PAGE_FAULT: u32 = 14;
    pub const FPU_ERROR: u32 = 16;
    pub const SIMD_ERROR: u32 = 19;

    /// The x86 page-fault error code of a user-mode fault: bit 0 set when
    /// the page was present (a protection violation on a page in memory;
    /// pages never touched and `PROT_NONE` pages are not present, as in
    /// Linux's page tables), bit 1 for a write, bit 2 for user mode, bit 4
    /// for an instruction fetch (what a host with NX reports; this kernel
    /// enforces execute permission).
    pub fn page_fault_code(f: &tabvm_mem::Fault, resident: bool) -> u32 {
        use tabvm_mem::{Access, FaultKind};
        let present = u32::from(f.kind == FaultKind::Protection && resident);
        let access = match f.access {
            Access::Read => 0,
            Access::Write => 1 << 1,
            Access::Exec => 1 << 4,
        };
        present | access | 1 << 2
    }
}

impl Default for SigState {
    fn default() -> Self {
        SigState {
            handlers: Rc::new(RefCell::new([SigAction::default(); NSIG as usize])),
            mask: 0,
            pending: 0,
            infos: Vec::new(),
            altstack: AltStack::default(),
            saved_mask: None,
            fpu_saves: Vec::new(),
            trap: Trap::default(),
        }
    }
}

impl SigState {
    pub fn action(&self, sig: u32) -> SigAction {
        self.handlers.borrow()[(sig - 1) as usize]
    }

    pub fn set_action(&self, sig: u32, act: SigAction) {
        self.handlers.borrow_mut()[(sig - 1) as usize] = act;
    }

    /// Makes a signal pending (a second one of the same number merges).
    pub fn post(&mut self, info: SigInfo) {
        if !valid(info.signo) || self.pending & bit(info.signo) != 0 {
            return;
        }
        self.pending |= bit(info.signo);
        self.infos.push(info);
    }

    /// Drops a pending signal without acting on it.
    pub fn discard(&mut self, sig: u32) {
        self.pending &= !bit(sig);
        self.infos.retain(|i| i.signo != sig);
    }

    /// Pending signals not blocked by the mask.
    pub fn deliverable(&self) -> u64 {
        self.pending & !(self.mask & !UNBLOCKABLE)
    }

    /// Takes the lowest deliverable signal.
    pub fn dequeue(&mut self) -> Option<SigInfo> {
        self.take_from(self.deliverable())
    }

    /// Takes the lowest pending signal of `set`, blocked or not
    /// (`sigtimedwait`).
    pub fn take_from(&mut self, set: u64) -> Option<SigInfo> {
        let ready = self.pending & set;
        if ready == 0 {
            return None;
        }
        let sig = ready.trailing_zeros() + 1;
        let info = self
            .infos
            .iter()
            .copied()
            .find(|i| i.signo == sig)
            .unwrap_or(SigInfo::kernel(sig));
        self.discard(sig);
        Some(info)
    }

    /// A fault the program cannot ignore or block away: like Linux's
    /// `force_sig`, a blocked or ignored signal is reset to its default.
    pub fn force(&mut self, info: SigInfo) {
        let sig = info.signo;
        if self.mask & bit(sig) != 0 || self.action(sig).handler == SIG_IGN {
            self.set_action(sig, SigAction::default());
            self.mask &= !bit(sig);
        }
        self.discard(sig);
        self.post(info);
    }

    /// At `execve`: handled signals go back to default, the alternate stack
    /// is forgotten; ignored signals, the mask and pending signals stay.
    pub fn reset_for_exec(&mut self) {
        let mut table = *self.handlers.borrow();
        for a in table.iter_mut() {
            if a.handler != SIG_IGN {
                *a = SigAction::default();
            }
        }
        self.handlers = Rc::new(RefCell::new(table));
        self.altstack = AltStack::default();
        self.fpu_saves.clear();
    }

    /// A child's copy: same handlers (not shared), mask and altstack, nothing
    /// pending.
    pub fn fork(&self) -> SigState {
        SigState {
            handlers: Rc::new(RefCell::new(*self.handlers.borrow())),
            mask: self.mask,
            altstack: self.altstack,
            ..SigState::default()
        }
    }

    pub fn save_fpu(&mut self, frame: u32, fpu: Fpu) {
        if self.fpu_saves.len() == MAX_SAVED_FPU {
            self.fpu_saves.remove(0);
        }
        self.fpu_saves.push((frame, fpu));
    }

    /// The x87 state saved for the frame at `frame`; frames pushed after it
    /// (deeper, lower addresses) are gone too.
    pub fn restore_fpu(&mut self, frame: u32) -> Option<Fpu> {
        let i = self.fpu_saves.iter().rposition(|(f, _)| *f == frame)?;
        let (_, fpu) = self.fpu_saves.swap_remove(i);
        self.fpu_saves.truncate(i);
        Some(fpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_fault_error_codes_match_x86() {
        use tabvm_mem::{Access, Fault, FaultKind};
        let code = |access, kind, resident| {
            Trap::page_fault_code(
                &Fault {
                    addr: 0,
                    access,
                    kind,
                },
                resident,
            )
        };
        assert_eq!(code(Access::Read, FaultKind::Unmapped, false), 4);
        assert_eq!(code(Access::Write, FaultKind::Unmapped, false), 6);
        assert_eq!(code(Access::Read, FaultKind::Protection, true), 5);
        assert_eq!(code(Access::Write, FaultKind::Protection, true), 7);
        // A write to a read-only page never touched: not present.
        assert_eq!(code(Access::Write, FaultKind::Protection, false), 6);
        assert_eq!(code(Access::Exec, FaultKind::Unmapped, false), 0x14);
        assert_eq!(code(Access::Exec, FaultKind::Protection, true), 0x15);
    }

    #[test]
    fn masks_merge_and_order_pending_signals() {
        let mut s = SigState::default();
        s.post(SigInfo::kernel(SIGUSR2));
        s.post(SigInfo::user(SIGUSR1, SI_USER, 5, 0));
        s.post(SigInfo::kernel(SIGUSR1));
        s.mask = bit(SIGUSR1);
        assert_eq!(s.dequeue().map(|i| i.signo), Some(SIGUSR2));
        assert_eq!(s.dequeue(), None);
        s.mask = 0;
        assert_eq!(s.dequeue(), Some(SigInfo::user(SIGUSR1, SI_USER, 5, 0)));
        s.mask = !0;
        s.post(SigInfo::kernel(SIGKILL));
        assert_eq!(s.dequeue().map(|i| i.signo), Some(SIGKILL));
    }

    #[test]
    fn forced_faults_override_ignore_and_mask() {
        let mut s = SigState::default();
        s.set_action(
            SIGSEGV,
            SigAction {
                handler: SIG_IGN,
                ..SigAction::default()
            },
        );
        s.mask = bit(SIGSEGV);
        s.force(SigInfo::fault(SIGSEGV, 1, 0x10));
        assert_eq!(s.action(SIGSEGV).handler, SIG_DFL);
        assert_eq!(s.dequeue().map(|i| i.fields[0]), Some(0x10));
    }

    #[test]
    fn siginfo_layout() {
        let b = SigInfo::child(CLD_EXITED, 7, 0, 3).emit();
        assert_eq!(&b[0..4], &17u32.to_le_bytes());
        assert_eq!(&b[8..12], &1u32.to_le_bytes());
        assert_eq!(&b[12..16], &7u32.to_le_bytes());
        assert_eq!(&b[20..24], &3u32.to_le_bytes());
    }
}
