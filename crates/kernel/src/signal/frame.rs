//! Building and unwinding the i386 signal frames whose layout and protocol
//! `abi/signal.rs` describes: [`setup`] pushes a frame and enters the
//! handler, [`sigreturn`] restores what the frame saved.

use tabvm_cpu::{Cpu, Reg, Segment};

use super::{SigAction, SigInfo, Trap, UNBLOCKABLE};
use crate::abi::errno::Errno;
use crate::abi::signal::*;
use crate::loader::{RT_SIGRETURN_OFFSET, SIGRETURN_OFFSET, SIGRETURN_PAGE};
use crate::uaccess;
use crate::Task;

/// EFLAGS bits cleared on handler entry: TF, DF and RF.
const HANDLER_CLEARS: u32 = (1 << 8) | (1 << 10) | (1 << 16);

/// Register offsets of `struct sigcontext`, in frame order.
const GPRS: [(usize, Reg); 8] = [
    (sc::EDI, Reg::Edi),
    (sc::ESI, Reg::Esi),
    (sc::EBP, Reg::Ebp),
    (sc::ESP, Reg::Esp),
    (sc::EBX, Reg::Ebx),
    (sc::EDX, Reg::Edx),
    (sc::ECX, Reg::Ecx),
    (sc::EAX, Reg::Eax),
];
const SEGS: [(usize, Segment); 4] = [
    (sc::GS, Segment::Gs),
    (sc::FS, Segment::Fs),
    (sc::ES, Segment::Es),
    (sc::DS, Segment::Ds),
];

fn put(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn get(buf: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]])
}

/// The `struct sigcontext` of the interrupted state.
fn sigcontext(cpu: &Cpu, mask: u64, trap: Trap) -> [u8; sc::SIZE] {
    let mut b = [0u8; sc::SIZE];
    for (off, s) in SEGS {
        put(&mut b, off, u32::from(cpu.seg[s as usize]));
    }
    for (off, r) in GPRS {
        put(&mut b, off, cpu.reg(r));
    }
    put(&mut b, sc::EIP, cpu.eip);
    put(&mut b, sc::CS, u32::from(cpu.seg[Segment::Cs as usize]));
    put(&mut b, sc::EFLAGS, cpu.eflags());
    put(&mut b, sc::ESP_AT_SIGNAL, cpu.reg(Reg::Esp));
    put(&mut b, sc::SS, u32::from(cpu.seg[Segment::Ss as usize]));
    put(&mut b, sc::OLDMASK, mask as u32);
    put(&mut b, sc::TRAPNO, trap.no);
    put(&mut b, sc::ERR, trap.err);
    put(&mut b, sc::CR2, trap.cr2);
    b
}

/// Pushes the frame for `info` handled by `act` and points the CPU at the
/// handler. `mask` is the signal mask to restore on return. `EFAULT` if the
/// stack is not writable (the caller then kills the task with SIGSEGV).
pub(crate) fn setup(
    task: &mut Task,
    act: &SigAction,
    info: &SigInfo,
    mask: u64,
) -> Result<(), Errno> {
    let rt = act.flags & SA_SIGINFO != 0;
    let size = if rt { RT_SIGFRAME_SIZE } else { SIGFRAME_SIZE } as u32;
    let esp = task.cpu.reg(Reg::Esp);
    let alt = task.sig.altstack;
    let on_alt = alt.contains(esp);
    let top = if act.flags & SA_ONSTACK != 0 && alt.flags & SS_DISABLE == 0 && !on_alt {
        alt.sp.wrapping_add(alt.size)
    } else {
        esp
    };
    // At handler entry `esp + 4` is 16-byte aligned, as after a `call`.
    let at = (top.wrapping_sub(size).wrapping_add(4) & !15).wrapping_sub(4);
    let sc = sigcontext(&task.cpu, mask, task.sig.trap);
    let mut f = vec![0u8; size as usize];
    let restorer = |off: u32| {
        if act.flags & SA_RESTORER != 0 {
            act.restorer
        } else {
            SIGRETURN_PAGE + off
        }
    };
    if rt {
        put(&mut f, rt_frame::PRETCODE, restorer(RT_SIGRETURN_OFFSET));
        put(&mut f, rt_frame::SIG, info.signo);
        put(&mut f, rt_frame::PINFO, at + rt_frame::INFO as u32);
        put(&mut f, rt_frame::PUC, at + rt_frame::UC as u32);
        f[rt_frame::INFO..rt_frame::INFO + SIGINFO_SIZE].copy_from_slice(&info.emit());
        let uc = rt_frame::UC;
        put(&mut f, uc + uc::STACK, alt.sp);
        let ss_flags = if alt.flags & SS_DISABLE != 0 {
            SS_DISABLE
        } else if on_alt {
            SS_ONSTACK
        } else {
            0
        };
        put(&mut f, uc + uc::STACK + 4, ss_flags);
        put(&mut f, uc + uc::STACK + 8, alt.size);
        f[uc + uc::MCONTEXT..uc + uc::MCONTEXT + sc::SIZE].copy_from_slice(&sc);
        f[uc + uc::SIGMASK..uc + uc::SIGMASK + 8].copy_from_slice(&mask.to_le_bytes());
        f[rt_frame::RETCODE..rt_frame::RETCODE + 8].copy_from_slice(&RT_RETCODE);
    } else {
        put(&mut f, frame::PRETCODE, restorer(SIGRETURN_OFFSET));
        put(&mut f, frame::SIG, info.signo);
        f[frame::SC..frame::SC + sc::SIZE].copy_from_slice(&sc);
        put(&mut f, frame::EXTRAMASK, (mask >> 32) as u32);
        f[frame::RETCODE..frame::RETCODE + 8].copy_from_slice(&RETCODE);
    }
    task.mem(|m| uaccess::write_bytes(m, at, &f))?;

    // Linux starts a handler with a fresh FPU (empty x87 stack, default
    // MXCSR) and gives the interrupted state back at sigreturn.
    let fpu = std::mem::take(&mut task.cpu.fpu);
    task.sig.save_fpu(at, fpu);
    let cpu = &mut task.cpu;
    cpu.set_reg(Reg::Esp, at);
    cpu.eip = act.handler;
    cpu.set_reg(Reg::Eax, info.signo);
    let (edx, ecx) = if rt {
        (at + rt_frame::INFO as u32, at + rt_frame::UC as u32)
    } else {
        (0, 0)
    };
    cpu.set_reg(Reg::Edx, edx);
    cpu.set_reg(Reg::Ecx, ecx);
    cpu.set_eflags(cpu.eflags() & !HANDLER_CLEARS);
    for (s, sel) in [
        (Segment::Ds, tabvm_cpu::USER_DS),
        (Segment::Es, tabvm_cpu::USER_DS),
        (Segment::Ss, tabvm_cpu::USER_DS),
        (Segment::Cs, tabvm_cpu::USER_CS),
    ] {
        cpu.load_segment(s, sel);
    }
    Ok(())
}

/// Implements sigreturn(2) (`rt` false) and rt_sigreturn(2): restores the
/// registers, flags, mask (and for `rt` the alternate stack) saved in the
/// frame below `esp`, returning the restored `eax`. `EFAULT` for a frame that
/// cannot be read or holds bad segments (the caller raises SIGSEGV).
pub(crate) fn sigreturn(task: &mut Task, rt: bool) -> Result<u32, Errno> {
    let esp = task.cpu.reg(Reg::Esp);
    // The restorer's `ret` popped pretcode; the classic one also popped `sig`.
    let (at, sc_off) = if rt {
        (esp.wrapping_sub(4), rt_frame::UC + uc::MCONTEXT)
    } else {
        (esp.wrapping_sub(8), frame::SC)
    };
    let size = if rt { RT_SIGFRAME_SIZE } else { SIGFRAME_SIZE };
    let f = task.mem(|m| uaccess::read_bytes(m, at, size))?;
    let sc = &f[sc_off..sc_off + sc::SIZE];
    let mask = if rt {
        let m = rt_frame::UC + uc::SIGMASK;
        u64::from(get(&f, m)) | (u64::from(get(&f, m + 4)) << 32)
    } else {
        u64::from(get(sc, sc::OLDMASK)) | (u64::from(get(&f, frame::EXTRAMASK)) << 32)
    };
    let mut cpu = task.cpu.clone();
    for (off, s) in SEGS {
        if !cpu.load_segment(s, get(sc, off) as u16) {
            return Err(Errno::EFAULT);
        }
    }
    for (off, r) in GPRS {
        cpu.set_reg(r, get(sc, off));
    }
    cpu.eip = get(sc, sc::EIP);
    cpu.set_eflags(get(sc, sc::EFLAGS));
    if let Some(fpu) = task.sig.restore_fpu(at) {
        cpu.fpu = fpu;
    }
    task.cpu = cpu;
    task.sig.mask = mask & !UNBLOCKABLE;
    if rt {
        let st = rt_frame::UC + uc::STACK;
        let (sp, flags, size) = (get(&f, st), get(&f, st + 4), get(&f, st + 8));
        // Like Linux's restore_altstack: a bad one is ignored, not fatal.
        if !task.sig.altstack.contains(task.cpu.reg(Reg::Esp))
            && (flags & SS_DISABLE != 0 || size >= MINSIGSTKSZ)
        {
            task.sig.altstack = super::AltStack {
                sp,
                size,
                flags: flags & SS_DISABLE,
            };
        }
    }
    Ok(task.cpu.reg(Reg::Eax))
}

#[cfg(test)]
mod tests {
    use tabvm_mem::Prot;

    use super::*;
    use crate::vfs::{FdTable, FsContext};

    fn task() -> Task {
        let mut t = Task::new(1, FdTable::default(), FsContext::default(), 0);
        t.mem(|m| m.map_fixed(0x1000_0000, 0x10000, Prot::READ | Prot::WRITE, "stack"))
            .unwrap();
        for (i, r) in [
            Reg::Eax,
            Reg::Ecx,
            Reg::Edx,
            Reg::Ebx,
            Reg::Ebp,
            Reg::Esi,
            Reg::Edi,
        ]
        .into_iter()
        .enumerate()
        {
            t.cpu.set_reg(r, 0x100 + i as u32);
        }
        t.cpu.set_reg(Reg::Esp, 0x1000_8003);
        t.cpu.eip = 0x0804_8123;
        t.cpu.set_eflags(0x0000_0ed7);
        t
    }

    /// Pushes a frame, simulates the handler's `ret` (and the classic
    /// restorer's `pop`), returns through sigreturn: all registers come back.
    #[test]
    fn frames_round_trip_through_sigreturn() {
        for rt in [false, true] {
            let mut t = task();
            let before = t.cpu.clone();
            let flags = SA_RESTORER | if rt { SA_SIGINFO } else { 0 };
            let act = SigAction {
                handler: 0x0804_9000,
                flags,
                restorer: 0x0804_a000,
                mask: 0,
            };
            let info = SigInfo::user(SIGUSR1, SI_USER, 7, 0);
            setup(&mut t, &act, &info, 0x1_0000_0002).unwrap();
            let esp = t.cpu.reg(Reg::Esp);
            assert_eq!((esp + 4) % 16, 0, "alignment at handler entry");
            assert_eq!(t.cpu.eip, 0x0804_9000);
            assert_eq!(t.cpu.reg(Reg::Eax), SIGUSR1);
            assert_eq!(t.mem(|m| m.read_u32(esp)), Ok(0x0804_a000));
            assert_eq!(t.mem(|m| m.read_u32(esp + 4)), Ok(SIGUSR1));
            if rt {
                let pinfo = t.mem(|m| m.read_u32(esp + 8)).unwrap();
                assert_eq!(pinfo, esp + rt_frame::INFO as u32);
                assert_eq!(t.mem(|m| m.read_u32(pinfo + 12)), Ok(7)); // si_pid
                assert_eq!(t.cpu.reg(Reg::Edx), pinfo);
            }
            t.cpu.set_reg(Reg::Eax, 0xdead);
            t.cpu.set_reg(Reg::Esp, esp + if rt { 4 } else { 8 });
            t.sig.mask = 0;
            assert_eq!(sigreturn(&mut t, rt), Ok(0x100));
            assert_eq!(t.cpu.regs, before.regs);
            assert_eq!(t.cpu.eip, before.eip);
            assert_eq!(t.cpu.eflags(), before.eflags());
            assert_eq!(t.sig.mask, 0x1_0000_0002);
        }
    }

    #[test]
    fn unwritable_stack_is_an_error() {
        let mut t = task();
        t.cpu.set_reg(Reg::Esp, 0x2000_0000);
        let act = SigAction {
            handler: 1234,
            ..SigAction::default()
        };
        assert_eq!(
            setup(&mut t, &act, &SigInfo::kernel(SIGINT), 0),
            Err(Errno::EFAULT)
        );
    }
}
