"""Test-case vocabulary shared by every instruction family.

A *case* is: initial values of the seven general registers (esp is owned by the
harness and points into a scratch stack), EFLAGS loaded with push/popf, a few
memory initialisations in the scratch area, one instruction (or a short
sequence of them) in AT&T syntax, and the mask of flags whose value after the
instruction is architecturally defined.

This module owns:
- the flag constants and the table of *defined-flag masks* (FLAG_MASKS below,
  taken from the "Flags Affected" sections of the Intel SDM vol. 2);
- the register model (`Regs`) that writes an operand value into al/ah/ax/eax
  and keeps every register fully determined;
- the interesting operand values and the fixed-seed random source;
- the memory-operand addressing forms (`mem_forms`), all of which resolve to
  the operand slot `M` = scr+64 of the scratch area.
"""

import random
from dataclasses import dataclass, field

CF, PF, AF, ZF, SF, DF, OF = 0x1, 0x4, 0x10, 0x40, 0x80, 0x400, 0x800
ARITH = CF | PF | AF | ZF | SF | OF

# Defined-flag masks. DF is in every mask: no tested instruction may change
# it except popf/sahf-style loads, whose result is defined too. A flag an
# instruction leaves *unaffected* is defined (it must keep its input value),
# so only the flags the SDM calls "undefined" are removed:
#
#   add adc sub sbb cmp neg inc dec xadd cmpxchg ...  all defined
#   and or xor test                                   AF undefined
#   shl shr sar, count&31 == 0                        all defined (unchanged)
#   shl shr sar, count&31 != 0                        AF undefined; OF undefined
#                                                     unless count == 1; for shl/
#                                                     shr CF undefined when count
#                                                     >= operand size
#   rol ror rcl rcr, count&31 != 0                    OF undefined unless count == 1
#   shld shrd, 1 <= count <= size                     AF undefined; OF undefined
#                                                     unless count == 1 (count >
#                                                     size: everything undefined,
#                                                     such cases are not generated)
#   mul imul (all forms)                              SF ZF AF PF undefined
#   div idiv                                          all six undefined
#   bsf bsr                                           all but ZF undefined (zero
#                                                     input: destination undefined,
#                                                     not generated)
#   bt bts btr btc                                    OF SF AF PF undefined
#   daa das                                           OF undefined
#   aaa aas                                           OF SF ZF PF undefined
#   aam aad                                           OF AF CF undefined
FLAG_MASKS = {
    "all": ARITH | DF,
    "logic": (ARITH & ~AF) | DF,
    "mul": CF | OF | DF,
    "div": DF,
    "bsf": ZF | DF,
    "bt": CF | ZF | DF,
    "daa": (ARITH & ~OF) | DF,
    "aaa": CF | AF | DF,
    "aam": SF | ZF | PF | DF,
}


def shift_mask(op, count, size):
    """Defined flags after shl/shr/sar/rol/ror/rcl/rcr/shld/shrd by `count`."""
    c = count & 31
    if c == 0:
        return FLAG_MASKS["all"]
    mask = FLAG_MASKS["all"]
    if c != 1:
        mask &= ~OF
    if op in ("shl", "sal", "shr", "sar", "shld", "shrd"):
        mask &= ~AF
    if op in ("shl", "sal", "shr") and c >= size:
        mask &= ~CF
    return mask


# Flags-in variants: all clear, all set, and mixes (DF stays 0).
FLAGS_CLEAR, FLAGS_SET = 0, ARITH
FLAG_MIXES = [CF | ZF, PF | AF | SF, OF | CF | PF, ZF | SF | OF]
FLAGS_BASIC = [FLAGS_CLEAR, FLAGS_SET]

R32 = ["eax", "ecx", "edx", "ebx", "esi", "edi", "ebp"]
R16 = ["ax", "cx", "dx", "bx", "si", "di", "bp"]
R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
REGS = {8: R8, 16: R16, 32: R32}
# ModRM register numbers, for cases written as raw bytes.
REG_NUMBER = {"eax": 0, "ecx": 1, "edx": 2, "ebx": 3, "ebp": 5, "esi": 6, "edi": 7}
SUFFIX = {8: "b", 16: "w", 32: "l"}


def parent(reg):
    """The 32-bit register holding `reg`, and the bit position of its low bit."""
    if reg in R32:
        return reg, 0
    if reg in R16:
        return "e" + reg, 0
    base = {"a": "eax", "c": "ecx", "d": "edx", "b": "ebx"}[reg[0]]
    return base, (8 if reg[1] == "h" else 0)


def width(reg):
    return 32 if reg in R32 else 16 if reg in R16 else 8


def mask_of(size):
    return (1 << size) - 1


def sext(v, size):
    v &= mask_of(size)
    return v - (1 << size) if v >> (size - 1) else v


RNG = random.Random(0x7AB7)


def rand(size):
    return RNG.getrandbits(size)


def interesting(size):
    base = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
            0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x81, 0xFE, 0x0F, 0x10, 0x8001, 0xFFFE]
    out = []
    for v in base:
        v &= mask_of(size)
        if v not in out:
            out.append(v)
    return out


def values(size, nrand):
    return interesting(size) + [rand(size) for _ in range(nrand)]


class Regs:
    """Initial values of the seven GPRs: random, with operands written in.

    A value is an int, or a string naming a link-time address expression
    (e.g. "scr+64-8") for registers used to address memory.
    """

    def __init__(self):
        self.v = {r: rand(32) for r in R32}

    def set(self, reg, value):
        if isinstance(value, str):
            assert reg in R32
            self.v[reg] = value
            return self
        p, shift = parent(reg)
        m = mask_of(width(reg)) << shift
        old = self.v[p] if isinstance(self.v[p], int) else 0
        self.v[p] = (old & ~m) | ((value << shift) & m)
        return self

    def get(self, reg):
        p, shift = parent(reg)
        return (self.v[p] >> shift) & mask_of(width(reg))


# The scratch area: scr is 256 bytes, reset before every case from a fixed
# pattern; a memory operand lives at M = scr+64 so that negative offsets and
# large bit offsets stay inside it.
SCR_SIZE, M_OFF = 256, 64
STK_SIZE, STK_TOP_OFF = 256, 128


@dataclass
class Case:
    text: str
    regs: Regs
    flags: int = 0
    mask: int = FLAG_MASKS["all"]
    mem: list = field(default_factory=list)   # (offset in scr, size in bits, value)

    def describe(self):
        parts = []
        for r in R32:
            v = self.regs.v[r]
            parts.append(f"{r}={v:#010x}" if isinstance(v, int) else f"{r}={v}")
        parts.append(f"flags={self.flags:#05x}")
        for off, size, v in self.mem:
            parts.append(f"[scr+{off}]{size}={v:#x}")
        return " ".join(parts)


def mem_forms(regs, avoid, pick=None):
    """Addressing forms that all reach scr+64; each returns the operand text
    after assigning address values to registers not in `avoid` (32-bit
    names). `pick` selects one form by index, default: a random one."""
    free = [r for r in R32 if r not in avoid]
    RNG.shuffle(free)
    b, i = free[0], free[1]
    k = RNG.randrange(0, 40)
    forms = [
        lambda: "scr+64",
        lambda: (regs.set(b, "scr+64"), f"(%{b})")[1],
        lambda: (regs.set(b, "scr+64+8"), f"-8(%{b})")[1],
        lambda: (regs.set(b, "scr+64-0x7c"), f"0x7c(%{b})")[1],
        lambda: (regs.set(b, "scr+64-0x12345"), f"0x12345(%{b})")[1],
        lambda: (regs.set(b, "scr+64").set(i, 0), f"(%{b},%{i})")[1],
        lambda: (regs.set(i, k).set(b, f"scr+64-{k}*4-0x10"), f"0x10(%{b},%{i},4)")[1],
        lambda: (regs.set(i, k).set(b, f"scr+64-{k}*8+0x1000"), f"-0x1000(%{b},%{i},8)")[1],
        lambda: (regs.set(i, k), f"scr+64-{k}*2(,%{i},2)")[1],
        lambda: (regs.set(i, (-k) & 0xFFFFFFFF).set(b, f"scr+64+{k}"), f"(%{b},%{i},1)")[1],
    ]
    idx = pick if pick is not None else RNG.randrange(len(forms))
    return forms[idx % len(forms)]()


N_MEM_FORMS = 10


def maybe_lock():
    """A lock prefix for a quarter of the lockable memory-destination cases:
    glibc uses lock-prefixed read-modify-write instructions everywhere."""
    return "lock " if RNG.random() < 0.25 else ""
