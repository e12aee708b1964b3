//! Execution of decoded x87 instructions.
//!
//! [`execute`] maps a mnemonic to a handler, named by what it does, and runs
//! it; the operand forms (memory m16/m32/m64/m80, `st(0),st(i)`,
//! `st(i),st(0)`, popping variants) are told apart by the decoded operands,
//! not by opcode bytes. Every handler reads its memory operand or checks its
//! store first, so a page fault leaves the FPU untouched (precise faults),
//! and it commits the exceptions before writing any register.

use iced_x86::{Instruction, Mnemonic, OpKind, Register};
use rustc_apfloat::Round;
use tabvm_mem::AddressSpace;

use super::arith::{self, Op};
use super::f80::{Class, Constant, Exc, BIAS, C0, C1, C2, C3, F80};
use super::memory::{
    load_control, load_env, load_push, load_state, push_constant, reset, save_env, save_state,
    source, store, store_word,
};
use super::stack::{Fpu, SF};
use super::transcendental;
use crate::{Cpu, Exit};

type Handler = fn(&mut Cpu, &mut AddressSpace, &Instruction) -> Result<(), Exit>;

/// Runs `insn` if it is an x87 instruction; `None` if it is not.
pub(crate) fn execute(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
) -> Option<Result<(), Exit>> {
    let (waits, run) = handler(insn.mnemonic())?;
    // A pending unmasked exception is reported (#MF → SIGFPE) by the next
    // x87 instruction that waits, before it does anything.
    if waits && cpu.fpu.pending() {
        return Some(Err(Exit::FpuError));
    }
    Some(run(cpu, mem, insn))
}

/// The handler of a mnemonic and whether it first checks for pending
/// exceptions: all but the `fn…` control instructions do (their `f…` forms
/// are `fwait` + `fn…`).
fn handler(m: Mnemonic) -> Option<(bool, Handler)> {
    use Mnemonic as M;
    let waits = !matches!(
        m,
        M::Fninit | M::Fnclex | M::Fnstcw | M::Fnstsw | M::Fnstenv | M::Fnsave
    );
    Some((
        waits,
        match m {
            M::Fninit | M::Finit => |c, _, _| reset(c),
            M::Fnclex | M::Fclex => |c, _, _| on_stack(c, Fpu::clear_exceptions),
            M::Fnstcw | M::Fstcw => |c, m, i| store_word(c, m, i, c.fpu.control_word()),
            M::Fnstsw | M::Fstsw => |c, m, i| store_word(c, m, i, c.fpu.status_word()),
            M::Fnstenv | M::Fstenv => save_env,
            M::Fnsave | M::Fsave => save_state,
            M::Fldcw => load_control,
            M::Fldenv => load_env,
            M::Frstor => load_state,
            // The 8087's interrupt and 287's protected-mode switches are no-ops
            // since the 387.
            M::Wait
            | M::Fnop
            | M::Feni
            | M::Fneni
            | M::Fdisi
            | M::Fndisi
            | M::Fsetpm
            | M::Fnsetpm => |_, _, _| Ok(()),

            M::Fld | M::Fild | M::Fbld => load_push,
            M::Fld1 => |c, _, _| push_constant(c, Constant::ONE),
            M::Fldz => |c, _, _| push_constant(c, Constant::ZERO),
            M::Fldpi => |c, _, _| push_constant(c, Constant::PI),
            M::Fldl2e => |c, _, _| push_constant(c, Constant::L2E),
            M::Fldl2t => |c, _, _| push_constant(c, Constant::L2T),
            M::Fldlg2 => |c, _, _| push_constant(c, Constant::LG2),
            M::Fldln2 => |c, _, _| push_constant(c, Constant::LN2),
            M::Fst | M::Fist => |c, m, i| store(c, m, i, None, false),
            M::Fstp | M::Fstpnce | M::Fistp | M::Fbstp => |c, m, i| store(c, m, i, None, true),
            M::Fisttp => |c, m, i| store(c, m, i, Some(Round::TowardZero), true),

            M::Fadd | M::Fiadd => |c, m, i| arith(c, m, i, Op::Add, false),
            M::Fsub | M::Fisub => |c, m, i| arith(c, m, i, Op::Sub, false),
            M::Fsubr | M::Fisubr => |c, m, i| arith(c, m, i, Op::SubR, false),
            M::Fmul | M::Fimul => |c, m, i| arith(c, m, i, Op::Mul, false),
            M::Fdiv | M::Fidiv => |c, m, i| arith(c, m, i, Op::Div, false),
            M::Fdivr | M::Fidivr => |c, m, i| arith(c, m, i, Op::DivR, false),
            M::Faddp => |c, m, i| arith(c, m, i, Op::Add, true),
            M::Fsubp => |c, m, i| arith(c, m, i, Op::Sub, true),
            M::Fsubrp => |c, m, i| arith(c, m, i, Op::SubR, true),
            M::Fmulp => |c, m, i| arith(c, m, i, Op::Mul, true),
            M::Fdivp => |c, m, i| arith(c, m, i, Op::Div, true),
            M::Fdivrp => |c, m, i| arith(c, m, i, Op::DivR, true),

            M::Fcom | M::Ficom => |c, m, i| compare(c, m, i, Compare::fcom(0)),
            M::Fcomp | M::Ficomp => |c, m, i| compare(c, m, i, Compare::fcom(1)),
            M::Fcompp => |c, m, i| compare(c, m, i, Compare::fcom(2)),
            M::Fucom => |c, m, i| compare(c, m, i, Compare::fucom(0)),
            M::Fucomp => |c, m, i| compare(c, m, i, Compare::fucom(1)),
            M::Fucompp => |c, m, i| compare(c, m, i, Compare::fucom(2)),
            M::Fcomi => |c, m, i| compare(c, m, i, Compare::fcom(0).to_eflags()),
            M::Fcomip => |c, m, i| compare(c, m, i, Compare::fcom(1).to_eflags()),
            M::Fucomi => |c, m, i| compare(c, m, i, Compare::fucom(0).to_eflags()),
            M::Fucomip => |c, m, i| compare(c, m, i, Compare::fucom(1).to_eflags()),
            M::Ftst => test_zero,
            M::Fxam => |c, _, _| on_stack(c, examine),

            M::Fxch => exchange,
            M::Fcmovb
            | M::Fcmove
            | M::Fcmovbe
            | M::Fcmovu
            | M::Fcmovnb
            | M::Fcmovne
            | M::Fcmovnbe
            | M::Fcmovnu => conditional_move,
            M::Ffree => |c, _, i| on_stack(c, |f| f.free(st(i, 0))),
            M::Ffreep => |c, _, i| {
                on_stack(c, |f| {
                    f.free(st(i, 0));
                    f.pop();
                })
            },
            M::Fincstp => |c, _, _| on_stack(c, |f| rotate(f, 1)),
            M::Fdecstp => |c, _, _| on_stack(c, |f| rotate(f, -1)),

            M::Fchs => |c, _, _| on_stack(c, |f| unary(f, |a, _| (a.with_sign(!a.sign()), 0))),
            M::Fabs => |c, _, _| on_stack(c, |f| unary(f, |a, _| (a.with_sign(false), 0))),
            M::Fsqrt => |c, _, _| {
                on_stack(c, |f| {
                    let bits = f.precision();
                    unary(f, |a, r| arith::sqrt(a, r, bits))
                })
            },
            M::Frndint => |c, _, _| on_stack(c, |f| unary(f, arith::round_int)),
            M::F2xm1 => |c, _, _| on_stack(c, |f| unary(f, transcendental::exp2_minus_1)),
            M::Fscale => |c, _, _| on_stack(c, scale),
            M::Fxtract => |c, _, _| on_stack(c, extract),
            M::Fprem => |c, _, _| on_stack(c, |f| partial_remainder(f, false)),
            M::Fprem1 => |c, _, _| on_stack(c, |f| partial_remainder(f, true)),
            M::Fsin => |c, _, _| on_stack(c, |f| trig(f, transcendental::sin)),
            M::Fcos => |c, _, _| on_stack(c, |f| trig(f, transcendental::cos)),
            M::Fsincos => |c, _, _| on_stack(c, |f| trig(f, transcendental::sincos)),
            M::Fptan => |c, _, _| on_stack(c, |f| trig(f, transcendental::tan)),
            M::Fpatan => |c, _, _| on_stack(c, |f| into_st1(f, transcendental::atan2)),
            M::Fyl2x => |c, _, _| {
                on_stack(c, |f| {
                    into_st1(f, |x, y, r| transcendental::y_log2_x(x, y, false, r))
                })
            },
            M::Fyl2xp1 => |c, _, _| {
                on_stack(c, |f| {
                    into_st1(f, |x, y, r| transcendental::y_log2_x(x, y, true, r))
                })
            },
            _ => return None,
        },
    ))
}

/// Runs an instruction that only touches the register stack.
fn on_stack(cpu: &mut Cpu, f: impl FnOnce(&mut Fpu)) -> Result<(), Exit> {
    f(&mut cpu.fpu);
    Ok(())
}

/// ST index of register operand `n`.
pub(super) fn st(insn: &Instruction, n: u32) -> usize {
    (insn.op_register(n) as usize).wrapping_sub(Register::ST0 as usize) & 7
}

/// The masked response to a stack underflow is the indefinite, whatever
/// the operation would have made of it.
pub(super) fn unless_underflow(exc: Exc, r: F80) -> F80 {
    if exc & SF != 0 {
        F80::INDEFINITE
    } else {
        r
    }
}

/// `fadd`/`fsub`/…, their `p` and `fi` forms: destination = dest op source.
fn arith(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    op: Op,
    pop: bool,
) -> Result<(), Exit> {
    let (src, e1) = source(cpu, mem, insn)?;
    let dst = if insn.op0_kind() == OpKind::Memory || insn.op_count() < 2 {
        0
    } else {
        st(insn, 0)
    };
    let fpu = &mut cpu.fpu;
    let (a, e2) = fpu.get(dst);
    let (r, e3) = arith::binary(op, a, src, fpu.round(), fpu.precision());
    let exc = e1 | e2 | e3;
    if fpu.commit(exc) {
        fpu.set(dst, unless_underflow(exc, r));
        if pop {
            fpu.pop();
        }
    }
    Ok(())
}

/// The shape of a compare instruction.
#[derive(Clone, Copy)]
struct Compare {
    /// `fcom` (IE on QNaN too) rather than `fucom`.
    ordered: bool,
    pops: u8,
    /// `fcomi`: result in ZF PF CF rather than C3 C2 C0.
    eflags: bool,
}

impl Compare {
    fn fcom(pops: u8) -> Compare {
        Compare {
            ordered: true,
            pops,
            eflags: false,
        }
    }

    fn fucom(pops: u8) -> Compare {
        Compare {
            ordered: false,
            pops,
            eflags: false,
        }
    }

    fn to_eflags(self) -> Compare {
        Compare {
            eflags: true,
            ..self
        }
    }
}

fn compare(
    cpu: &mut Cpu,
    mem: &mut AddressSpace,
    insn: &Instruction,
    how: Compare,
) -> Result<(), Exit> {
    let src = source(cpu, mem, insn)?;
    compare_st0(cpu, src, how);
    Ok(())
}

fn test_zero(cpu: &mut Cpu, _: &mut AddressSpace, _: &Instruction) -> Result<(), Exit> {
    compare_st0(cpu, (F80::ZERO, 0), Compare::fcom(0));
    Ok(())
}

fn compare_st0(cpu: &mut Cpu, (b, e1): (F80, Exc), how: Compare) {
    let (a, e2) = cpu.fpu.get(0);
    let (order, e3) = arith::compare(a, b, how.ordered);
    let exc = e1 | e2 | e3;
    let order = if exc & SF != 0 { None } else { order };
    if !cpu.fpu.commit(exc) {
        return;
    }
    let cc = arith::compare_cc(order);
    if how.eflags {
        // C3 C2 C0 become ZF PF CF; OF SF AF are cleared.
        let bit = |c: u16, f: u32| if cc & c != 0 { f } else { 0 };
        let flags = bit(C3, 0x40) | bit(C2, 0x04) | bit(C0, 0x01);
        cpu.set_eflags((cpu.eflags() & !0x8d5) | flags);
    } else {
        cpu.fpu.set_cc(C3 | C2 | C0, cc);
    }
    for _ in 0..how.pops {
        cpu.fpu.pop();
    }
}

fn examine(fpu: &mut Fpu) {
    let cc = arith::examine(fpu.raw(0), fpu.is_empty(0));
    fpu.set_cc(C3 | C2 | C1 | C0, cc);
}

/// `fxch`: the masked response to an empty operand exchanges the indefinite.
fn exchange(cpu: &mut Cpu, _: &mut AddressSpace, insn: &Instruction) -> Result<(), Exit> {
    let i = if insn.op_count() < 2 { 1 } else { st(insn, 1) };
    let fpu = &mut cpu.fpu;
    let ((a, e1), (b, e2)) = (fpu.get(0), fpu.get(i));
    if fpu.commit(e1 | e2) {
        fpu.set(0, b);
        fpu.set(i, a);
    }
    Ok(())
}

fn conditional_move(cpu: &mut Cpu, _: &mut AddressSpace, insn: &Instruction) -> Result<(), Exit> {
    use Mnemonic as M;
    let f = cpu.eflags();
    let (cf, pf, zf) = (f & 0x01 != 0, f & 0x04 != 0, f & 0x40 != 0);
    let cond = match insn.mnemonic() {
        M::Fcmovb => cf,
        M::Fcmove => zf,
        M::Fcmovbe => cf || zf,
        M::Fcmovu => pf,
        M::Fcmovnb => !cf,
        M::Fcmovne => !zf,
        M::Fcmovnbe => !(cf || zf),
        _ => !pf,
    };
    let fpu = &mut cpu.fpu;
    let ((_, e1), (b, e2)) = (fpu.get(0), fpu.get(st(insn, 1)));
    let exc = e1 | e2;
    if fpu.commit(exc) && (cond || exc & SF != 0) {
        fpu.set(0, unless_underflow(exc, b));
    }
    Ok(())
}

fn rotate(fpu: &mut Fpu, by: i8) {
    fpu.rotate(by);
    fpu.commit(0);
}

/// ST(0) = f(ST(0)).
fn unary(fpu: &mut Fpu, f: impl Fn(F80, Round) -> (F80, Exc)) {
    let (a, e1) = fpu.get(0);
    let (r, e2) = f(a, fpu.round());
    let exc = e1 | e2;
    if fpu.commit(exc) {
        fpu.set(0, unless_underflow(exc, r));
    }
}

/// ST(1) = f(ST(0), ST(1)), then pop.
fn into_st1(fpu: &mut Fpu, f: fn(F80, F80, Round) -> (F80, Exc)) {
    let ((a, e1), (b, e2)) = (fpu.get(0), fpu.get(1));
    let (r, e3) = f(a, b, fpu.round());
    let exc = e1 | e2 | e3;
    if fpu.commit(exc) {
        fpu.set(1, unless_underflow(exc, r));
        fpu.pop();
    }
}

fn scale(fpu: &mut Fpu) {
    let ((a, e1), (b, e2)) = (fpu.get(0), fpu.get(1));
    let (r, e3) = arith::scale(a, b, fpu.round());
    let exc = e1 | e2 | e3;
    if fpu.commit(exc) {
        fpu.set(0, unless_underflow(exc, r));
    }
}

/// `fxtract`: ST(0) becomes the exponent, the significand is pushed.
fn extract(fpu: &mut Fpu) {
    let (a, e1) = fpu.get(0);
    let (exp, sig, e2) = arith::xtract(a);
    let exc = e1 | e2;
    if fpu.commit(exc) {
        fpu.set(0, unless_underflow(exc, exp));
        fpu.push(unless_underflow(exc, sig), 0);
    }
}

fn partial_remainder(fpu: &mut Fpu, ieee: bool) {
    let ((a, e1), (b, e2)) = (fpu.get(0), fpu.get(1));
    let (r, cc, e3) = arith::prem(a, b, ieee);
    let exc = e1 | e2 | e3;
    if fpu.commit(exc) {
        fpu.set(0, unless_underflow(exc, r));
        match cc {
            Some(cc) => fpu.set_cc(C3 | C2 | C1 | C0, cc),
            None => fpu.set_cc(C2, 0),
        }
    }
}

/// `fsin`/`fcos`/`fsincos`/`fptan`: ST(0) = the first result, the second
/// (if any) pushed. Operands of 2^63 or more are left alone with C2 set, as
/// the hardware does.
fn trig(fpu: &mut Fpu, f: fn(F80, Round) -> transcendental::Trig) {
    let (a, e1) = fpu.get(0);
    let finite = matches!(a.class(), Class::Normal | Class::Denormal);
    if e1 == 0 && finite && i32::from(a.exp()) >= BIAS + 63 {
        fpu.commit(0);
        fpu.set_cc(C2, C2);
        return;
    }
    let (r, pushed, e2) = f(a, fpu.round());
    let exc = e1 | e2;
    if fpu.commit(exc) {
        fpu.set_cc(C2, 0);
        fpu.set(0, unless_underflow(exc, r));
        if let Some(s) = pushed {
            fpu.push(unless_underflow(exc, s), 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use iced_x86::{Decoder, DecoderOptions};
    use tabvm_mem::Prot;

    use super::*;

    const DATA: u32 = 0x10000;
    const PE_FLAG: u16 = 0x20;

    /// A CPU with EBX pointing at a page of data.
    fn machine(data: &[u8]) -> (Cpu, AddressSpace) {
        let mut mem = AddressSpace::new();
        mem.map_fixed(DATA, 0x1000, Prot::READ | Prot::WRITE, "data")
            .unwrap();
        mem.poke(DATA, data).unwrap();
        let mut cpu = Cpu::new();
        cpu.regs[3] = DATA;
        (cpu, mem)
    }

    /// Executes machine code instruction by instruction.
    fn run(cpu: &mut Cpu, mem: &mut AddressSpace, code: &[u8]) -> Result<(), Exit> {
        for insn in Decoder::with_ip(32, code, 0x1000, DecoderOptions::NONE) {
            execute(cpu, mem, &insn).expect("an x87 instruction")?;
        }
        Ok(())
    }

    fn doubles(xs: &[f64]) -> Vec<u8> {
        xs.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn read_f64(mem: &mut AddressSpace, at: u32) -> f64 {
        f64::from_bits(mem.read_u64(DATA + at).unwrap())
    }

    #[test]
    fn x87_exec_load_divide_store() {
        let (mut cpu, mut mem) = machine(&doubles(&[1.0, 3.0]));
        // fld qword [ebx]; fld qword [ebx+8]; fdivp st(1),st(0); fstp qword [ebx+16]
        run(
            &mut cpu,
            &mut mem,
            &[0xdd, 0x03, 0xdd, 0x43, 0x08, 0xde, 0xf9, 0xdd, 0x5b, 0x10],
        )
        .unwrap();
        assert_eq!(read_f64(&mut mem, 16), 1.0 / 3.0);
        assert_eq!(cpu.fpu.status_word(), PE_FLAG);
        assert!(cpu.fpu.is_empty(0));
    }
    #[test]
    fn x87_exec_compare_to_ax_and_eflags() {
        let (mut cpu, mut mem) = machine(&doubles(&[2.0, 1.0]));
        // fld qword [ebx]; fld qword [ebx+8]; fcom st(1); fnstsw ax; fcomi st(0),st(1)
        run(
            &mut cpu,
            &mut mem,
            &[
                0xdd, 0x03, 0xdd, 0x43, 0x08, 0xd8, 0xd1, 0xdf, 0xe0, 0xdb, 0xf1,
            ],
        )
        .unwrap();
        assert_eq!(cpu.regs[0] & 0xffff, u32::from(C0 | 6 << 11));
        assert_eq!(cpu.eflags() & 0x45, 0x01);
        // fucomip st(0),st(0) on equal values: ZF only, then one pop.
        run(&mut cpu, &mut mem, &[0xdf, 0xe8]).unwrap();
        assert_eq!(cpu.eflags() & 0x45, 0x40);
        assert_eq!(cpu.fpu.status_word() >> 11 & 7, 7);
    }

    #[test]
    fn x87_exec_integer_store_honours_rounding_control() {
        let mut data = vec![0; 8];
        data.extend(doubles(&[-2.5, 1e10]));
        for (rc, want) in [(0u16, -2i32), (1, -3), (2, -2), (3, -2)] {
            let cw = 0x037f | rc << 10;
            data[..2].copy_from_slice(&cw.to_le_bytes());
            let (mut cpu, mut mem) = machine(&data);
            // fldcw [ebx]; fld qword [ebx+8]; fistp dword [ebx+24]
            run(
                &mut cpu,
                &mut mem,
                &[0xd9, 0x2b, 0xdd, 0x43, 0x08, 0xdb, 0x5b, 0x18],
            )
            .unwrap();
            assert_eq!(mem.read_u32(DATA + 24).unwrap() as i32, want, "rc {rc}");
        }
        // Out of range: the integer indefinite and IE.
        let (mut cpu, mut mem) = machine(&data);
        // fld qword [ebx+16]; fistp dword [ebx+24]
        run(&mut cpu, &mut mem, &[0xdd, 0x43, 0x10, 0xdb, 0x5b, 0x18]).unwrap();
        assert_eq!(mem.read_u32(DATA + 24).unwrap(), 0x8000_0000);
        assert_eq!(cpu.fpu.status_word() & 0x3f, 0x01);
    }

    #[test]
    fn x87_exec_faults_are_precise() {
        let (mut cpu, mut mem) = machine(&doubles(&[1.0]));
        // fld1; fld qword [ebx+0x2000] (unmapped)
        let r = run(
            &mut cpu,
            &mut mem,
            &[0xd9, 0xe8, 0xdd, 0x83, 0x00, 0x20, 0x00, 0x00],
        );
        assert!(matches!(r, Err(Exit::PageFault(_))));
        assert_eq!(cpu.fpu.status_word(), 7 << 11);
        // fstp qword [ebx+0xffc] straddles into an unmapped page: nothing changes.
        let r = run(&mut cpu, &mut mem, &[0xdd, 0x9b, 0xfc, 0x0f, 0x00, 0x00]);
        assert!(matches!(r, Err(Exit::PageFault(_))));
        assert_eq!(mem.read_u32(DATA + 0xffc).unwrap(), 0);
        assert_eq!(
            (cpu.fpu.status_word(), cpu.fpu.get(0).0),
            (7 << 11, F80::from_int(1))
        );
    }

    #[test]
    fn x87_exec_unmasked_exception_is_reported_by_the_next_instruction() {
        let (mut cpu, mut mem) = machine(&0x037bu16.to_le_bytes());
        // fldcw [ebx] (ZE unmasked); fld1; fldz; fdivp st(1),st(0)
        run(
            &mut cpu,
            &mut mem,
            &[0xd9, 0x2b, 0xd9, 0xe8, 0xd9, 0xee, 0xde, 0xf9],
        )
        .unwrap();
        assert_eq!(cpu.fpu.get(1).0, F80::from_int(1), "destination kept");
        // fld1 waits: #MF. fnstsw ax does not.
        assert_eq!(run(&mut cpu, &mut mem, &[0xd9, 0xe8]), Err(Exit::FpuError));
        run(&mut cpu, &mut mem, &[0xdf, 0xe0]).unwrap();
        assert_eq!(cpu.regs[0] & 0x80ff, 0x8084);
        // fnclex clears it.
        run(&mut cpu, &mut mem, &[0xdb, 0xe2, 0xd9, 0xe8]).unwrap();
    }

    #[test]
    fn x87_exec_env_round_trip_masks_exceptions() {
        let (mut cpu, mut mem) = machine(&0x0c72u16.to_le_bytes());
        // fldcw [ebx]; fld1; fnstenv [ebx+32]; fnstcw [ebx]
        run(
            &mut cpu,
            &mut mem,
            &[0xd9, 0x2b, 0xd9, 0xe8, 0xd9, 0x73, 0x20, 0xd9, 0x3b],
        )
        .unwrap();
        assert_eq!(mem.read_u16(DATA).unwrap(), 0x0c7f);
        assert_eq!(mem.read_u32(DATA + 32).unwrap(), 0xffff_0c72);
        assert_eq!(mem.read_u32(DATA + 40).unwrap(), 0xffff_3fff);
        // fninit; fldenv [ebx+32]
        run(&mut cpu, &mut mem, &[0xdb, 0xe3, 0xd9, 0x63, 0x20]).unwrap();
        assert_eq!(
            (cpu.fpu.control_word(), cpu.fpu.status_word()),
            (0x0c72, 7 << 11)
        );
        assert!(!cpu.fpu.is_empty(0));
    }

    /// Every x87 opcode (D8–DF with every ModRM byte, with and without an
    /// operand-size prefix) runs against live state without panicking.
    #[test]
    fn x87_exec_every_encoding() {
        let (mut cpu, mut mem) = machine(&doubles(&[1.5, -2.0, 1e300, 0.0]));
        for prefix in [&[][..], &[0x66]] {
            for op in 0xd8..=0xdfu8 {
                for modrm in 0..=255u8 {
                    let mut code = prefix.to_vec();
                    // A SIB byte (ebx base) and displacement for the forms that take them.
                    code.extend([op, modrm, 0x23, 0x08, 0, 0, 0]);
                    let insn = Decoder::with_ip(32, &code, 0x1000, DecoderOptions::NONE).decode();
                    // Memory forms address ebx-based data; faults and #UD are fine.
                    let _ = execute(&mut cpu, &mut mem, &insn);
                    if cpu.fpu.pending() {
                        cpu.fpu.clear_exceptions();
                    }
                }
            }
        }
    }

    #[test]
    fn x87_exec_not_x87() {
        let (mut cpu, mut mem) = machine(&[]);
        let insn = Decoder::with_ip(32, &[0x90], 0, DecoderOptions::NONE).decode();
        assert!(execute(&mut cpu, &mut mem, &insn).is_none());
    }
}
