//! Lazy flags in generated code, the interpreter's scheme (`tabvm-cpu`'s
//! `flags.rs`) kept in Wasm locals: a flag-setting instruction records
//! its operation, operands and result (`OP SIGN LA LB LRES`), and a flag is
//! computed only where an instruction reads it.
//!
//! The translator knows the pending operation statically after the first
//! flag-setting instruction of a block ([`Pending::Known`]), and then emits
//! only the formula of that operation — for a compare or test followed by
//! a `jcc`, a single Wasm comparison. Before it (at the loop head) the
//! operation comes from the context and the formulas are chosen at run
//! time. The formulas are the interpreter's, so state passes between the
//! two at any exit unchanged.

use iced_x86::ConditionCode;
use wasm_encoder::{BlockType, ValType};

use crate::abi::flag_op as op;
use crate::emit::{local, Emitter, Width};

pub(crate) const CF: u32 = 1 << 0;
pub(crate) const AF: u32 = 1 << 4;
pub(crate) const OF: u32 = 1 << 11;

/// What the translator knows about the pending flag operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pending {
    Unknown,
    Known(u32, Width),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flag {
    Cf,
    Pf,
    Zf,
    Sf,
    Of,
}

impl Flag {
    fn bit(self) -> i32 {
        match self {
            Flag::Cf => 0,
            Flag::Pf => 2,
            Flag::Zf => 6,
            Flag::Sf => 7,
            Flag::Of => 11,
        }
    }
}

impl Emitter {
    /// Records a flag-setting result: `a` and `b` locals, result in `res`
    /// (masked here to the width).
    pub fn gen_set_lazy(&mut self, p: &mut Pending, code: u32, w: Width, a: u32, b: u32, res: u32) {
        self.i()
            .i32_const(code as i32)
            .local_set(local::OP)
            .i32_const(w.sign() as i32)
            .local_set(local::SIGN)
            .local_get(a)
            .local_set(local::LA)
            .local_get(b)
            .local_set(local::LB)
            .local_get(res)
            .i32_const(w.mask() as i32)
            .i32_and()
            .local_set(local::LRES);
        *p = Pending::Known(code, w);
    }

    /// Copies the current CF into `FLAGS` so an `inc`/`dec` can keep it.
    pub fn gen_keep_cf(&mut self, p: Pending) {
        self.i()
            .local_get(local::FLAGS)
            .i32_const(!CF as i32)
            .i32_and();
        self.gen_flag(p, Flag::Cf);
        self.i().i32_or().local_set(local::FLAGS);
    }

    /// Sets CF and OF from the 0/1 values in locals `cf` and `of`, clears
    /// AF, and derives ZF SF PF from `res` lazily (shifts, multiplies).
    pub fn gen_set_result(&mut self, p: &mut Pending, w: Width, res: u32, cf: u32, of: u32) {
        self.i()
            .local_get(local::FLAGS)
            .i32_const(!(CF | OF | AF) as i32)
            .i32_and()
            .local_get(cf)
            .i32_or()
            .local_get(of)
            .i32_const(11)
            .i32_shl()
            .i32_or()
            .local_set(local::FLAGS);
        self.gen_set_lazy(p, op::RESULT, w, res, res, res);
    }

    /// Pushes the carry flag (0 or 1): what `adc`/`sbb` add in.
    pub fn gen_cf(&mut self, p: Pending) {
        self.gen_flag(p, Flag::Cf);
    }

    /// Pushes 1 if condition `cc` holds, else 0.
    pub fn gen_cond(&mut self, p: Pending, cc: ConditionCode) {
        use ConditionCode as C;
        if let Pending::Known(code, w) = p {
            if self.gen_fast_cond(code, w, cc) {
                return;
            }
        }
        let negate = matches!(
            cc,
            C::no | C::ae | C::ne | C::a | C::ns | C::np | C::ge | C::g
        );
        match cc {
            C::o | C::no => self.gen_flag(p, Flag::Of),
            C::b | C::ae => self.gen_flag(p, Flag::Cf),
            C::e | C::ne => self.gen_flag(p, Flag::Zf),
            C::be | C::a => {
                self.gen_flag(p, Flag::Cf);
                self.gen_flag(p, Flag::Zf);
                self.i().i32_or();
            }
            C::s | C::ns => self.gen_flag(p, Flag::Sf),
            C::p | C::np => self.gen_flag(p, Flag::Pf),
            C::l | C::ge => self.gen_sf_ne_of(p),
            C::le | C::g => {
                self.gen_flag(p, Flag::Zf);
                self.gen_sf_ne_of(p);
                self.i().i32_or();
            }
            C::None => {
                self.i().i32_const(1);
            }
        }
        if negate {
            self.i().i32_const(1).i32_xor();
        }
    }

    fn gen_sf_ne_of(&mut self, p: Pending) {
        self.gen_flag(p, Flag::Sf);
        self.gen_flag(p, Flag::Of);
        self.i().i32_xor();
    }

    /// A compare or test answered from its operands or result, as the
    /// interpreter's `cond` does; `false` if `cc` has no such form.
    fn gen_fast_cond(&mut self, code: u32, w: Width, cc: ConditionCode) -> bool {
        use ConditionCode as C;
        match code {
            op::SUB => {
                // Flipping the sign bit maps signed order onto unsigned order.
                let flip = if matches!(cc, C::l | C::ge | C::le | C::g) {
                    w.sign()
                } else {
                    0
                };
                let operand = |e: &mut Emitter, l| {
                    e.i().local_get(l);
                    if w != Width::D {
                        e.i().i32_const(w.mask() as i32).i32_and();
                    }
                    if flip != 0 {
                        e.i().i32_const(flip as i32).i32_xor();
                    }
                };
                if !matches!(
                    cc,
                    C::e | C::ne | C::b | C::ae | C::be | C::a | C::l | C::ge | C::le | C::g
                ) {
                    return false;
                }
                operand(self, local::LA);
                operand(self, local::LB);
                match cc {
                    C::e => self.i().i32_eq(),
                    C::ne => self.i().i32_ne(),
                    C::b | C::l => self.i().i32_lt_u(),
                    C::ae | C::ge => self.i().i32_ge_u(),
                    C::be | C::le => self.i().i32_le_u(),
                    _ => self.i().i32_gt_u(),
                };
                true
            }
            op::LOGIC => {
                // CF = OF = 0: signed conditions reduce to the result's sign.
                // `zero` and `neg` say which of ZF and SF the condition
                // reads (either one sets it), `invert` whether it is negated.
                let (zero, neg, invert) = match cc {
                    C::e | C::be => (true, false, false),
                    C::ne | C::a => (true, false, true),
                    C::s | C::l => (false, true, false),
                    C::ns | C::ge => (false, true, true),
                    C::le => (true, true, false),
                    C::g => (true, true, true),
                    _ => return false,
                };
                if zero {
                    self.i().local_get(local::LRES).i32_eqz();
                }
                if neg {
                    self.i()
                        .local_get(local::LRES)
                        .i32_const(w.sign() as i32)
                        .i32_and()
                        .i32_const(0)
                        .i32_ne();
                }
                if zero && neg {
                    self.i().i32_or();
                }
                if invert {
                    self.i().i32_eqz();
                }
                true
            }
            _ => false,
        }
    }

    /// Pushes one flag (0 or 1).
    fn gen_flag(&mut self, p: Pending, flag: Flag) {
        match p {
            Pending::Known(code, _) => self.gen_flag_of_op(code, flag),
            Pending::Unknown => self.gen_flag_by_op(flag, op::NONE),
        }
    }

    /// The operation is only known at run time: test `OP` against each
    /// code from `from` on, nesting `if`s.
    fn gen_flag_by_op(&mut self, flag: Flag, from: u32) {
        if from == op::RESULT {
            self.gen_flag_of_op(op::RESULT, flag);
            return;
        }
        self.i()
            .local_get(local::OP)
            .i32_const(from as i32)
            .i32_eq();
        self.open_if(BlockType::Result(ValType::I32));
        self.gen_flag_of_op(from, flag);
        self.i().else_();
        self.gen_flag_by_op(flag, from + 1);
        self.close();
    }

    /// Pushes one flag given the pending operation `code` (the formulas of
    /// the interpreter's `cf()`, `of()`…).
    fn gen_flag_of_op(&mut self, code: u32, flag: Flag) {
        use local::{FLAGS, LA, LB, LRES, SIGN};
        let saved = |e: &mut Emitter| {
            e.i()
                .local_get(FLAGS)
                .i32_const(flag.bit())
                .i32_shr_u()
                .i32_const(1)
                .i32_and();
        };
        let signed_nonzero = |e: &mut Emitter| {
            e.i().local_get(SIGN).i32_and().i32_const(0).i32_ne();
        };
        if code == op::NONE {
            saved(self);
            return;
        }
        match flag {
            Flag::Zf => {
                self.i().local_get(LRES).i32_eqz();
            }
            Flag::Sf => {
                self.i().local_get(LRES);
                signed_nonzero(self);
            }
            Flag::Pf => {
                self.i()
                    .local_get(LRES)
                    .i32_const(0xff)
                    .i32_and()
                    .i32_popcnt()
                    .i32_const(1)
                    .i32_and()
                    .i32_eqz();
            }
            Flag::Cf => match code {
                // ((a & b) | ((a | b) & !res)) & sign
                op::ADD | op::ADC => {
                    self.i()
                        .local_get(LA)
                        .local_get(LB)
                        .i32_and()
                        .local_get(LA)
                        .local_get(LB)
                        .i32_or()
                        .local_get(LRES)
                        .i32_const(-1)
                        .i32_xor()
                        .i32_and()
                        .i32_or();
                    signed_nonzero(self);
                }
                // ((!a & b) | ((!a | b) & res)) & sign
                op::SUB | op::SBB => {
                    self.i()
                        .local_get(LA)
                        .i32_const(-1)
                        .i32_xor()
                        .local_get(LB)
                        .i32_and()
                        .local_get(LA)
                        .i32_const(-1)
                        .i32_xor()
                        .local_get(LB)
                        .i32_or()
                        .local_get(LRES)
                        .i32_and()
                        .i32_or();
                    signed_nonzero(self);
                }
                op::LOGIC => {
                    self.i().i32_const(0);
                }
                _ => saved(self),
            },
            Flag::Of => match code {
                // (a ^ res) & (b ^ res) & sign
                op::ADD | op::ADC | op::INC => {
                    self.i()
                        .local_get(LA)
                        .local_get(LRES)
                        .i32_xor()
                        .local_get(LB)
                        .local_get(LRES)
                        .i32_xor()
                        .i32_and();
                    signed_nonzero(self);
                }
                // (a ^ b) & (a ^ res) & sign
                op::SUB | op::SBB | op::DEC => {
                    self.i()
                        .local_get(LA)
                        .local_get(LB)
                        .i32_xor()
                        .local_get(LA)
                        .local_get(LRES)
                        .i32_xor()
                        .i32_and();
                    signed_nonzero(self);
                }
                op::LOGIC => {
                    self.i().i32_const(0);
                }
                _ => saved(self),
            },
        }
    }
}
