//! `asm/signal.h`, `asm/sigcontext.h`, `asm/ucontext.h`, `asm-generic/siginfo.h`
//! and the i386 signal frames of `arch/x86/include/asm/sigframe.h`.
//!
//! # The frame protocol
//!
//! To run a handler the kernel pushes a frame on the user stack (or the
//! alternate stack) and points `eip` at the handler:
//!
//! - Without `SA_SIGINFO`, a [`sigframe`](SIGFRAME_SIZE): `pretcode, sig,
//!   sigcontext, (unused fpstate), extramask, retcode`. The handler is called
//!   as `handler(sig)` and returns into `pretcode`, which is `sa_restorer`; the
//!   restorer pops the signal number and calls `sigreturn` (119), so the
//!   kernel finds the sigcontext at `esp` on entry to that call.
//! - With `SA_SIGINFO`, an [`rt_sigframe`](RT_SIGFRAME_SIZE): `pretcode, sig,
//!   pinfo, puc, siginfo, ucontext, retcode`, called as `handler(sig, &info,
//!   &uc)` with the same values also in eax, edx, ecx. The restorer calls
//!   `rt_sigreturn` (173) without popping, so the frame starts at `esp - 4`.
//!
//! `retcode` holds the classic trampoline bytes, used when a program gives no
//! `SA_RESTORER` (glibc always does). The frame is placed so that `esp + 4` is
//! 16-byte aligned at handler entry, as a `call` would leave it. The x87/SSE
//! state is kept by the kernel rather than in the frame (`fpstate` is 0).

/// Signal numbers are 1..=NSIG.
pub const NSIG: u32 = 64;

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGILL: u32 = 4;
pub const SIGTRAP: u32 = 5;
pub const SIGABRT: u32 = 6;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGSEGV: u32 = 11;
pub const SIGUSR2: u32 = 12;
pub const SIGPIPE: u32 = 13;
pub const SIGALRM: u32 = 14;
pub const SIGTERM: u32 = 15;
pub const SIGSTKFLT: u32 = 16;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
pub const SIGURG: u32 = 23;
pub const SIGXCPU: u32 = 24;
pub const SIGXFSZ: u32 = 25;
pub const SIGVTALRM: u32 = 26;
pub const SIGPROF: u32 = 27;
pub const SIGWINCH: u32 = 28;
pub const SIGIO: u32 = 29;
pub const SIGPWR: u32 = 30;
pub const SIGSYS: u32 = 31;

/// `sa_handler` values with a meaning of their own.
pub const SIG_DFL: u32 = 0;
pub const SIG_IGN: u32 = 1;

pub const SA_NOCLDSTOP: u32 = 0x0000_0001;
pub const SA_NOCLDWAIT: u32 = 0x0000_0002;
pub const SA_SIGINFO: u32 = 0x0000_0004;
pub const SA_RESTORER: u32 = 0x0400_0000;
pub const SA_ONSTACK: u32 = 0x0800_0000;
pub const SA_RESTART: u32 = 0x1000_0000;
pub const SA_NODEFER: u32 = 0x4000_0000;
pub const SA_RESETHAND: u32 = 0x8000_0000;
/// `how` of `sigprocmask`.
pub const SIG_BLOCK: u32 = 0;
pub const SIG_UNBLOCK: u32 = 1;
pub const SIG_SETMASK: u32 = 2;

/// `ss_flags` of `sigaltstack`.
pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;
/// Smallest alternate stack accepted (`MINSIGSTKSZ` on i386).
pub const MINSIGSTKSZ: u32 = 2048;

/// `si_code` values.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_TKILL: i32 = -6;
pub const ILL_ILLOPN: i32 = 2;
pub const FPE_INTDIV: i32 = 1;
pub const FPE_FLTDIV: i32 = 3;
pub const FPE_FLTOVF: i32 = 4;
pub const FPE_FLTUND: i32 = 5;
pub const FPE_FLTRES: i32 = 6;
pub const FPE_FLTINV: i32 = 7;
pub const TRAP_BRKPT: i32 = 1;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;

/// `struct kernel_sigaction` of `rt_sigaction` on i386: handler, flags,
/// restorer, mask (64 bits).
pub const KSIGACTION_SIZE: usize = 20;
/// `struct old_sigaction` of `sigaction`: handler, mask (32 bits), flags, restorer.
pub const OLD_SIGACTION_SIZE: usize = 16;
/// `stack_t`: ss_sp, ss_flags, ss_size.
pub const STACK_T_SIZE: usize = 12;
/// The kernel's `sigset_t` is 64 bits.
pub const SIGSET_SIZE: u32 = 8;

/// `struct sigcontext` (i386), 88 bytes. Offsets of its fields:
pub mod sc {
    pub const GS: usize = 0;
    pub const FS: usize = 4;
    pub const ES: usize = 8;
    pub const DS: usize = 12;
    pub const EDI: usize = 16;
    pub const ESI: usize = 20;
    pub const EBP: usize = 24;
    pub const ESP: usize = 28;
    pub const EBX: usize = 32;
    pub const EDX: usize = 36;
    pub const ECX: usize = 40;
    pub const EAX: usize = 44;
    pub const TRAPNO: usize = 48;
    pub const ERR: usize = 52;
    pub const EIP: usize = 56;
    pub const CS: usize = 60;
    pub const EFLAGS: usize = 64;
    pub const ESP_AT_SIGNAL: usize = 68;
    pub const SS: usize = 72;
    pub const FPSTATE: usize = 76;
    pub const OLDMASK: usize = 80;
    pub const CR2: usize = 84;
    pub const SIZE: usize = 88;
}

/// `siginfo_t` is 128 bytes; the union starts at 12.
pub const SIGINFO_SIZE: usize = 128;

/// `struct ucontext` (i386 kernel view), 116 bytes.
pub mod uc {
    pub const FLAGS: usize = 0;
    pub const LINK: usize = 4;
    pub const STACK: usize = 8;
    pub const MCONTEXT: usize = 20;
    pub const SIGMASK: usize = 20 + super::sc::SIZE;
    pub const SIZE: usize = SIGMASK + 8;
}

/// Size of `struct _fpstate_32`, kept unused inside the classic frame so that
/// `extramask` stays where old programs expect it.
pub const FPSTATE_SIZE: usize = 624;

/// `struct sigframe` offsets.
pub mod frame {
    pub const PRETCODE: usize = 0;
    pub const SIG: usize = 4;
    pub const SC: usize = 8;
    pub const EXTRAMASK: usize = SC + super::sc::SIZE + super::FPSTATE_SIZE;
    pub const RETCODE: usize = EXTRAMASK + 4;
    pub const SIZE: usize = RETCODE + 8;
}
pub const SIGFRAME_SIZE: usize = frame::SIZE;

/// `struct rt_sigframe` offsets.
pub mod rt_frame {
    pub const PRETCODE: usize = 0;
    pub const SIG: usize = 4;
    pub const PINFO: usize = 8;
    pub const PUC: usize = 12;
    pub const INFO: usize = 16;
    pub const UC: usize = INFO + super::SIGINFO_SIZE;
    pub const RETCODE: usize = UC + super::uc::SIZE;
    pub const SIZE: usize = RETCODE + 8;
}
pub const RT_SIGFRAME_SIZE: usize = rt_frame::SIZE;

/// `popl %eax; movl $__NR_sigreturn, %eax; int $0x80`.
pub const RETCODE: [u8; 8] = [0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80];
/// `movl $__NR_rt_sigreturn, %eax; int $0x80; (pad)`.
pub const RT_RETCODE: [u8; 8] = [0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_layouts_match_linux() {
        assert_eq!(sc::SIZE, 88);
        assert_eq!(uc::MCONTEXT, 20);
        assert_eq!(uc::SIGMASK, 108);
        assert_eq!(uc::SIZE, 116);
        assert_eq!(frame::EXTRAMASK, 720);
        assert_eq!(SIGFRAME_SIZE, 732);
        assert_eq!(rt_frame::UC, 144);
        assert_eq!(RT_SIGFRAME_SIZE, 268);
    }
}
