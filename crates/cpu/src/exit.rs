//! Why [`Cpu::run`](crate::Cpu::run) returned.

use tabvm_mem::Fault;

/// The reason the CPU stopped. For faults `eip` points at the faulting
/// instruction; for `Syscall` and `Breakpoint` it points past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `int 0x80` or `sysenter`: system call number in `eax`.
    Syscall,
    /// A memory access failed (#PF): SIGSEGV with the fault's address.
    PageFault(Fault),
    /// Undefined or unimplemented opcode (#UD): SIGILL.
    InvalidOpcode,
    /// Division by zero or quotient overflow (#DE): SIGFPE.
    DivideError,
    /// `int3` (#BP): SIGTRAP.
    Breakpoint,
    /// Privileged instruction, `int n` other than 0x80, or a bad segment
    /// selector (#GP): SIGSEGV with `si_code` SI_KERNEL.
    GeneralProtection,
    /// Unmasked x87 floating-point exception (#MF): SIGFPE.
    FpuError,
    /// The instruction budget given to `run` is used up.
    Budget,
}

impl From<Fault> for Exit {
    fn from(f: Fault) -> Exit {
        Exit::PageFault(f)
    }
}
