//! The run loop and the instruction dispatcher.
//!
//! [`Cpu::run`] finds the block at `eip` in the [`BlockCache`] and executes
//! its pre-decoded instructions one by one.
//!
//! While a block runs, `eip` holds the block's fall-through address: only
//! the last instruction can branch, and it sets `eip` itself, so
//! straight-line instructions need not maintain it. The generic handler sets
//! `eip` past its instruction (what `call` and `int` need) and restores it
//! after a straight-line one. If an instruction exits with a fault, `eip` is
//! put on it; every handler leaves all state untouched when it fails: loads
//! and stores happen before registers and flags change.
//!
//! The budget is checked once per block, and a handler's `Result` is the
//! only thing looked at per instruction. A handler that stores to a page
//! holding decoded code says so ([`CODE_WRITTEN`]): the block stops after
//! it and stale blocks are dropped before the next one is looked up, so the
//! next instruction is decoded from the new bytes.
//!
//! [`Cpu::step`] maps the iced-x86 mnemonic onto a handler named for its
//! topic module in `interp/`; anything not handled there is offered to the
//! x87 unit, then to the SIMD units (`simd/`), then reported as #UD.

use iced_x86::{Instruction, Mnemonic as M, OpKind};
use tabvm_mem::{AddressSpace, Fault};

use crate::cache::{Block, BlockCache};
use crate::exit::Exit;
use crate::fast::Op;
use crate::jit::{self, Visit};
use crate::state::Cpu;

/// What a dispatcher handler (`interp/`, x87) returns: `Ok` to go on with
/// the next instruction.
pub(crate) type Step = Result<(), Exit>;

/// What an [`Op`] handler returns. The exit is boxed so that `Ok` is a
/// null word the run loop tests with one instruction and handlers return
/// with one; exits are rare next to instructions, so their allocation is
/// of no account.
pub(crate) type Flow = Result<(), Box<Exit>>;

impl From<Fault> for Box<Exit> {
    #[cold]
    fn from(f: Fault) -> Self {
        Box::new(Exit::PageFault(f))
    }
}

/// Not an exit but a handler's note to the run loop: the instruction
/// completed and wrote to a page holding decoded code, so the block stops
/// after it and the stale blocks are dropped before anything else runs.
/// Handlers never return `Budget` otherwise, so it is free to mean this.
pub(crate) const CODE_WRITTEN: Exit = Exit::Budget;

/// [`CODE_WRITTEN`] if the last store hit a code page: what every handler
/// that stores calls afterwards.
#[inline(always)]
pub(crate) fn check_code_written(mem: &AddressSpace) -> Flow {
    if mem.has_dirty_code() {
        return Err(Box::new(CODE_WRITTEN));
    }
    Ok(())
}

/// Drops the blocks decoded from code pages written since the last call.
#[inline(always)]
fn drop_stale_blocks(mem: &mut AddressSpace, cache: &mut BlockCache) {
    if mem.has_dirty_code() {
        cache.invalidate(&mem.take_dirty_code());
    }
}

impl Cpu {
    /// Runs guest code until an exit; at most `budget` instructions.
    pub fn run(&mut self, mem: &mut AddressSpace, cache: &mut BlockCache, budget: u64) -> Exit {
        let mut jit = jit::take();
        let exit = self.run_blocks(mem, cache, budget, jit.as_mut());
        if let Some(j) = jit {
            jit::put_back(j);
        }
        exit
    }

    /// The run loop, offering each block to the JIT first if there is one.
    /// One loop for both cases: a second copy specialised for "no JIT" made
    /// the interpreter 5% slower through code size alone.
    fn run_blocks(
        &mut self,
        mem: &mut AddressSpace,
        cache: &mut BlockCache,
        budget: u64,
        mut jit: Option<&mut jit::Jit>,
    ) -> Exit {
        // Signed, so that it is updated without saturation: a fused `jcc`
        // may take it to -1.
        let mut left = i64::try_from(budget).unwrap_or(i64::MAX);
        // Code pages may have been written, unmapped or re-protected by the
        // kernel since the last run.
        drop_stale_blocks(mem, cache);
        'blocks: loop {
            let block = match cache.get(mem, self.eip) {
                Ok(b) => b,
                Err(fault) => return Exit::PageFault(fault),
            };
            // A block that branches back to itself (a tight loop) runs again
            // without a lookup.
            loop {
                if let Some(j) = jit.as_deref_mut() {
                    if let Visit::Ran(done) = j.visit(self, mem, block, left) {
                        self.retired += u64::from(done);
                        left -= i64::from(done);
                        continue 'blocks;
                    }
                }
                // The budget is checked per block: a block that fits runs
                // without further checks (its fused `jcc` may take it one
                // past the budget).
                if block.ops.len() as i64 > left {
                    return self.run_partial(mem, block, left.max(0) as usize);
                }
                self.eip = block.fallthrough;
                for op in block.ops.iter() {
                    if let Err(e) = (op.exec)(self, mem, op) {
                        let (done, exit) = self.stopped(block, op, *e);
                        self.retired += done as u64;
                        if let Some(exit) = exit {
                            return exit;
                        }
                        // The op wrote to a code page (`CODE_WRITTEN`).
                        left -= done as i64;
                        drop_stale_blocks(mem, cache);
                        continue 'blocks;
                    }
                }
                self.retired += block.count as u64;
                left -= block.count as i64;
                if self.eip != block.eip {
                    continue 'blocks;
                }
            }
        }
    }

    /// Runs the first `n` ops of a block that does not fit the budget left,
    /// then stops with `eip` on the next one.
    #[cold]
    fn run_partial(&mut self, mem: &mut AddressSpace, block: &Block, n: usize) -> Exit {
        self.eip = block.fallthrough;
        let ops = &block.ops[..n];
        for op in ops {
            if let Err(e) = (op.exec)(self, mem, op) {
                let (done, exit) = self.stopped(block, op, *e);
                self.retired += done as u64;
                // After a code write the budget may as well end here.
                return exit.unwrap_or(Exit::Budget);
            }
        }
        self.eip = block.ops[n].insn.ip32();
        self.retired += n as u64;
        Exit::Budget
    }

    /// Settles a block that `op` stopped with `e`: how many of its
    /// instructions retired, and the exit to return, if any. Faults put
    /// `eip` on the faulting instruction; system calls and breakpoints leave
    /// it past theirs.
    #[cold]
    fn stopped(&mut self, block: &Block, op: &Op, e: Exit) -> (usize, Option<Exit>) {
        let at = usize::from(op.idx);
        match e {
            CODE_WRITTEN => {
                // `op` completed; go on after it with freshly decoded code.
                if at + 1 == block.ops.len() {
                    return (block.count, None);
                }
                self.eip = op.insn.next_ip32();
                (at + 1, None)
            }
            Exit::Syscall | Exit::Breakpoint => (at + 1, Some(e)),
            _ => {
                self.eip = op.insn.ip32();
                (at, Some(e))
            }
        }
    }

    /// Executes one instruction; `eip` already points past it.
    pub(crate) fn step(&mut self, mem: &mut AddressSpace, insn: &Instruction) -> Step {
        if insn.has_lock_prefix() && !lockable(insn) {
            return Err(Exit::InvalidOpcode);
        }
        match insn.mnemonic() {
            // Data movement (interp/data.rs).
            M::Mov => self.mov(mem, insn),
            M::Movzx => self.movzx(mem, insn),
            M::Movsx => self.movsx(mem, insn),
            M::Lea => self.lea(insn),
            M::Xchg => self.xchg(mem, insn),
            M::Cmova
            | M::Cmovae
            | M::Cmovb
            | M::Cmovbe
            | M::Cmove
            | M::Cmovg
            | M::Cmovge
            | M::Cmovl
            | M::Cmovle
            | M::Cmovne
            | M::Cmovno
            | M::Cmovnp
            | M::Cmovns
            | M::Cmovo
            | M::Cmovp
            | M::Cmovs => self.cmovcc(mem, insn),
            M::Seta
            | M::Setae
            | M::Setb
            | M::Setbe
            | M::Sete
            | M::Setg
            | M::Setge
            | M::Setl
            | M::Setle
            | M::Setne
            | M::Setno
            | M::Setnp
            | M::Setns
            | M::Seto
            | M::Setp
            | M::Sets => self.setcc(mem, insn),
            M::Bswap => self.bswap(insn),
            M::Xlatb => self.xlat(mem, insn),
            M::Cbw | M::Cwde | M::Cwd | M::Cdq => self.convert(insn),
            M::Xadd => self.xadd(mem, insn),
            M::Cmpxchg => self.cmpxchg(mem, insn),
            M::Cmpxchg8b => self.cmpxchg8b(mem, insn),
            // Arithmetic and logic (interp/alu.rs).
            M::Add | M::Adc | M::Sub | M::Sbb | M::And | M::Or | M::Xor | M::Cmp | M::Test => {
                self.alu(mem, insn)
            }
            M::Inc | M::Dec => self.inc_dec(mem, insn),
            M::Neg | M::Not => self.neg_not(mem, insn),
            M::Mul | M::Imul | M::Div | M::Idiv => self.muldiv(mem, insn),
            // Shifts and rotates (interp/shift.rs).
            M::Shl | M::Sal | M::Shr | M::Sar | M::Rol | M::Ror | M::Rcl | M::Rcr => {
                self.shift(mem, insn)
            }
            M::Shld | M::Shrd => self.shift_double(mem, insn),
            // Bit tests and scans (interp/bits.rs).
            M::Bt | M::Bts | M::Btr | M::Btc => self.bit_test(mem, insn),
            M::Bsf | M::Bsr | M::Tzcnt | M::Lzcnt => self.bit_scan(mem, insn),
            // Strings (interp/string.rs).
            M::Movsb
            | M::Movsw
            | M::Movsd
            | M::Stosb
            | M::Stosw
            | M::Stosd
            | M::Lodsb
            | M::Lodsw
            | M::Lodsd
            | M::Cmpsb
            | M::Cmpsw
            | M::Cmpsd
            | M::Scasb
            | M::Scasw
            | M::Scasd
                if is_string(insn) =>
            {
                self.string(mem, insn)
            }
            // Stack (interp/stack.rs).
            M::Push => self.push_op(mem, insn),
            M::Pop => self.pop_op(mem, insn),
            M::Pusha | M::Pushad => self.pusha(mem, insn),
            M::Popa | M::Popad => self.popa(mem, insn),
            M::Pushf | M::Pushfd => self.pushf(mem, insn),
            M::Popf | M::Popfd => self.popf(mem, insn),
            M::Enter => self.enter(mem, insn),
            M::Leave => self.leave(mem, insn),
            // Control flow (interp/control.rs).
            M::Jmp => self.jmp(mem, insn),
            M::Ja
            | M::Jae
            | M::Jb
            | M::Jbe
            | M::Je
            | M::Jg
            | M::Jge
            | M::Jl
            | M::Jle
            | M::Jne
            | M::Jno
            | M::Jnp
            | M::Jns
            | M::Jo
            | M::Jp
            | M::Js => {
                if self.cond(insn.condition_code()) {
                    self.eip = insn.near_branch32();
                }
                Ok(())
            }
            M::Call => self.call(mem, insn),
            M::Ret => self.ret(mem, insn),
            M::Loop | M::Loope | M::Loopne | M::Jecxz | M::Jcxz => self.loop_jcxz(insn),
            M::Int => match insn.immediate8() {
                0x80 => Err(Exit::Syscall),
                // Linux lets user code raise the breakpoint vector directly.
                3 => Err(Exit::Breakpoint),
                _ => Err(Exit::GeneralProtection),
            },
            // `icebp` raises #DB, which Linux also reports as SIGTRAP.
            M::Int3 | M::Int1 => Err(Exit::Breakpoint),
            M::Into if self.of() => Err(Exit::GeneralProtection),
            M::Into => Ok(()),
            M::Sysenter => Err(Exit::Syscall),
            // Flags, BCD, identification (interp/misc.rs).
            M::Clc | M::Stc | M::Cmc | M::Cld | M::Std | M::Lahf | M::Sahf => self.flag_op(insn),
            M::Daa | M::Das | M::Aaa | M::Aas => self.bcd_adjust(insn),
            M::Aam | M::Aad => self.bcd_ascii(insn),
            M::Cpuid => {
                self.cpuid();
                Ok(())
            }
            M::Rdtsc => {
                self.regs[0] = self.retired as u32;
                self.regs[2] = (self.retired >> 32) as u32;
                Ok(())
            }
            M::Nop
            | M::Pause
            | M::Endbr32
            | M::Lfence
            | M::Mfence
            | M::Sfence
            | M::Prefetchnta
            | M::Prefetcht0
            | M::Prefetcht1
            | M::Prefetcht2
            | M::Prefetchw => Ok(()),
            // Without shadow stacks (CET), RDSSP is a no-op that leaves its
            // register alone; glibc's cancellation unwinding probes with it.
            M::Rdsspd => Ok(()),
            M::Hlt
            | M::Cli
            | M::Sti
            | M::In
            | M::Out
            | M::Insb
            | M::Insw
            | M::Insd
            | M::Outsb
            | M::Outsw
            | M::Outsd
            | M::Iret
            | M::Iretd
            | M::Retf
            | M::Lgdt
            | M::Lidt
            | M::Lldt
            | M::Ltr
            | M::Invd
            | M::Wbinvd
            | M::Invlpg
            | M::Rdmsr
            | M::Wrmsr
            | M::Clts
            | M::Lmsw => Err(Exit::GeneralProtection),
            M::INVALID | M::Ud0 | M::Ud1 | M::Ud2 => Err(Exit::InvalidOpcode),
            _ => crate::x87::execute(self, mem, insn)
                .or_else(|| crate::simd::execute(self, mem, insn))
                .unwrap_or(Err(Exit::InvalidOpcode)),
        }
    }
}

/// String mnemonics `movsd`/`cmpsd` also name SSE2 instructions; only the
/// forms with implicit string operands are handled as strings.
fn is_string(insn: &Instruction) -> bool {
    let string = |k| {
        matches!(
            k,
            OpKind::MemorySegSI | OpKind::MemorySegESI | OpKind::MemoryESDI | OpKind::MemoryESEDI
        )
    };
    string(insn.op0_kind()) || string(insn.op1_kind())
}

/// True if a `lock` prefix is allowed: a read-modify-write instruction with
/// a memory destination.
fn lockable(insn: &Instruction) -> bool {
    insn.op0_kind() == OpKind::Memory
        && matches!(
            insn.mnemonic(),
            M::Add
                | M::Adc
                | M::Sub
                | M::Sbb
                | M::And
                | M::Or
                | M::Xor
                | M::Inc
                | M::Dec
                | M::Neg
                | M::Not
                | M::Bts
                | M::Btr
                | M::Btc
                | M::Xadd
                | M::Xchg
                | M::Cmpxchg
                | M::Cmpxchg8b
        )
}
