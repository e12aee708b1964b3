"""SIMD families: MMX, SSE, SSE2, SSE3 and SSSE3 instructions.

A case loads its vector inputs from the scratch area, runs one instruction
and stores what it changed back, so the record carries it:

    scr+64   source operand B (16 bytes; also the memory operand slot M)
    scr+80   the destination after the instruction (16 bytes)
    scr+96   MXCSR after the instruction (stmxcsr)
    scr+120  MXCSR before it (ldmxcsr)
    scr+128  the destination's initial value A (16 bytes)

Register destinations and sources are picked at random among xmm0-7 /
mm0-7 (sometimes the same register); memory sources use every addressing
form of `mem_forms`. MMX cases end with `emms`. Results of general-register
destinations and EFLAGS (comis*) are in the record's registers and flags.

Floating-point inputs mix special values (zeros, denormals, infinities,
quiet and signalling NaNs, limits of the integer conversions) with random
numbers, some pairs close to each other; MXCSR has every rounding mode, DAZ
and FTZ, sticky flags already set, all exceptions masked. (An unmasked one
kills the program; the `xm_*` programs of gen.py check that.) `rcpps` and
`rsqrtps` are approximations that differ between CPU makers: their cases
compare only whether the result is within the documented 1.5 × 2^-12
relative error.
"""

import struct

from insncase import RNG, Case, Regs, FLAG_MASKS, M_OFF, mem_forms, rand

SRC, DST, MXCSR_OUT, MXCSR_IN, INIT = M_OFF, M_OFF + 16, M_OFF + 32, M_OFF + 56, M_OFF + 64
ALL = FLAG_MASKS["all"]

# --- values -----------------------------------------------------------------

F32_SPECIAL = [0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00400000, 0x00800000,
               0x80800000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x7f7fffff, 0xff7fffff,
               0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0xff812345,
               0x7fc12345, 0x4b000000, 0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001,
               0x3f000000, 0x3effffff, 0xbfc00000, 0x40200000, 0x0c000000, 0x7e000000,
               0x00000010, 0x1f800000, 0x5f800000]
F64_SPECIAL = [0, 1 << 63, 1, 0x800fffffffffffff, 0x0008000000000000, 0x0010000000000000,
               0x8010000000000000, 0x3ff0000000000000, 0xbff0000000000000,
               0x3ff8000000000000, 0x7fefffffffffffff, 0xffefffffffffffff,
               0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
               0xfff8000000000000, 0x7ff4000000000001, 0xfff0000000012345,
               0x7ff8000012345678, 0x41dfffffffc00000, 0x41e0000000000000,
               0xc1e0000000000000, 0xc1e0000000200000, 0x41dfffffffffffff,
               0x3fe0000000000000, 0x3fdfffffffffffff, 0xbff8000000000000,
               0x0180000000000000, 0x7e00000000000000, 0x3690000000000000,
               0x47efffffe0000000, 0x47f0000000000000, 0x380fffffe0000000]


def rand_float(bits, special):
    """One lane: a special value, a random number near 1, or anywhere."""
    exp_bits, frac_bits = (8, 23) if bits == 32 else (11, 52)
    bias = (1 << (exp_bits - 1)) - 1
    r = RNG.random()
    if r < 0.3:
        return RNG.choice(special)
    if r < 0.75:
        e = bias + RNG.randint(-40, 40)
    else:
        e = RNG.randint(0, (1 << exp_bits) - 2)
    return RNG.getrandbits(1) << (bits - 1) | e << frac_bits | RNG.getrandbits(frac_bits)


def float_vec(bits):
    special = F32_SPECIAL if bits == 32 else F64_SPECIAL
    return join([rand_float(bits, special) for _ in range(128 // bits)], bits)


def near(v, bits):
    """`v` with its lanes nudged by a few units in the last place."""
    lanes = split(v, bits)
    return join([(x + RNG.randint(-3, 3)) % (1 << bits) for x in lanes], bits)


def float_pair(bits):
    a = float_vec(bits)
    return a, (near(a, bits) if RNG.random() < 0.2 else float_vec(bits))


INT_LANES = {8: [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81], 16: [0, 1, 0x7fff, 0x8000, 0xffff, 0x8001, 0xff],
             32: [0, 1, 0x7fffffff, 0x80000000, 0xffffffff], 64: [0, 1, 1 << 63, (1 << 64) - 1]}


def int_vec():
    """128 bits whose lanes of some width are often interesting values."""
    bits = RNG.choice([8, 16, 32, 64])
    return join([RNG.choice(INT_LANES[bits]) if RNG.random() < 0.3 else rand(bits)
                 for _ in range(128 // bits)], bits)


def split(v, bits):
    return [(v >> (bits * i)) & ((1 << bits) - 1) for i in range(128 // bits)]


def join(lanes, bits):
    return sum(x << (bits * i) for i, x in enumerate(lanes))


def mxcsr():
    """Masked exceptions, any rounding, sometimes DAZ/FTZ and sticky flags."""
    v = 0x1f80 | RNG.randrange(4) << 13
    if RNG.random() < 0.2:
        v |= 0x40
    if RNG.random() < 0.2:
        v |= 0x8000
    if RNG.random() < 0.2:
        v |= RNG.getrandbits(6)
    return v


# --- cases ------------------------------------------------------------------

def mem128(off, v):
    return [(off + 4 * i, 32, (v >> (32 * i)) & 0xffffffff) for i in range(4)]


def vec_case(op, kind, a, b, imm=None, mx=0x1f80, mem_src=None):
    """`op` on a vector destination (initial value a) and a source of
    `kind`: "xmm", "mm" (register or memory; "mm_src" for an XMM
    destination) or "r32" (register or memory), holding b. An "mm:" prefix
    on `op` asks for an MMX destination."""
    mmx = kind == "mm" or op.startswith("mm:")
    op = op.removeprefix("mm:")
    regs = Regs()
    reg = "mm" if mmx else "xmm"
    move = "movq" if mmx else "movdqu"
    d = RNG.randrange(8)
    s = d if RNG.random() < 0.1 else RNG.choice([r for r in range(8) if r != d])
    if mem_src is None:
        mem_src = RNG.random() < 0.4
    text = [f"ldmxcsr scr+{MXCSR_IN}", f"{move} scr+{INIT}, %{reg}{d}"]
    if mem_src:
        src = mem_forms(regs, set())
    elif kind == "r32":
        gpr = RNG.choice(["eax", "ecx", "edx", "ebx", "esi", "edi", "ebp"])
        regs.set(gpr, b & 0xffffffff)
        src = f"%{gpr}"
    else:
        src_reg = "xmm" if kind == "xmm" else "mm"
        text.append(f"{'movdqu' if src_reg == 'xmm' else 'movq'} scr+{SRC}, %{src_reg}{s}")
        src = f"%{src_reg}{s}"
    args = (f"${imm:#x}, " if imm is not None else "") + f"{src}, %{reg}{d}"
    text += [f"{op} {args}", f"{move} %{reg}{d}, scr+{DST}", f"stmxcsr scr+{MXCSR_OUT}"]
    if mmx or kind == "mm_src":
        text.append("emms")
    mem = mem128(SRC, b) + mem128(INIT, a) + [(MXCSR_IN, 32, mx)]
    return Case("; ".join(text), regs, 0, ALL, mem)


def reg_case(op, kind, b, imm=None, mx=0x1f80, dst="eax"):
    """`op` from a vector source of `kind` (xmm or mm, register or memory)
    to a general register."""
    regs = Regs()
    mmx = kind == "mm"
    reg, move = ("mm", "movq") if mmx else ("xmm", "movdqu")
    s = RNG.randrange(8)
    text = [f"ldmxcsr scr+{MXCSR_IN}"]
    if RNG.random() < 0.4 and imm is None and op not in ("pmovmskb", "movmskps", "movmskpd", "movd"):
        src = mem_forms(regs, {dst})
    else:
        text.append(f"{move} scr+{SRC}, %{reg}{s}")
        src = f"%{reg}{s}"
    args = (f"${imm:#x}, " if imm is not None else "") + f"{src}, %{dst}"
    text += [f"{op} {args}", f"stmxcsr scr+{MXCSR_OUT}"]
    if mmx:
        text.append("emms")
    return Case("; ".join(text), regs, 0, ALL, mem128(SRC, b) + [(MXCSR_IN, 32, mx)])


# --- families ---------------------------------------------------------------

INT_BINARY = """paddb paddw paddd paddq psubb psubw psubd psubq paddsb paddsw psubsb psubsw
paddusb paddusw psubusb psubusw pmullw pmulhw pmulhuw pmuludq pmaddwd pavgb pavgw
pminub pmaxub pminsw pmaxsw pcmpeqb pcmpeqw pcmpeqd pcmpgtb pcmpgtw pcmpgtd pand pandn
por pxor packsswb packssdw packuswb punpcklbw punpcklwd punpckldq punpckhbw punpckhwd
punpckhdq psadbw psllw pslld psllq psrlw psrld psrlq psraw psrad
pshufb phaddw phaddd phaddsw phsubw phsubd phsubsw pmaddubsw pmulhrsw psignb psignw
psignd pabsb pabsw pabsd""".split()
XMM_ONLY = "punpcklqdq punpckhqdq".split()
SHIFT_IMM = "psllw pslld psllq psrlw psrld psrlq psraw psrad".split()


def shift_source(b):
    """Shift counts: mostly in range, sometimes past the lane width."""
    if RNG.random() < 0.7:
        return b & ~0xffffffffffffffff | RNG.choice([0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 200])
    return b


def int_family(kind):
    cases = []
    ops = INT_BINARY + (XMM_ONLY if kind == "xmm" else [])
    for op in ops:
        for _ in range(24):
            a, b = int_vec(), int_vec()
            if op[:3] in ("psl", "psr"):
                b = shift_source(b)
            cases.append(vec_case(op, kind, a, b))
    for op in SHIFT_IMM:
        for count in (0, 1, 5, 15, 16, 31, 32, 63, 64, 255):
            cases.append(vec_case_imm_only(op, kind, int_vec(), count))
    for _ in range(30):
        cases.append(vec_case("palignr", kind, int_vec(), int_vec(),
                              imm=RNG.choice([0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 255])))
        shuf = "pshufd" if kind == "xmm" else "pshufw"
        cases.append(vec_case(shuf, kind, int_vec(), int_vec(), imm=rand(8)))
        cases.append(reg_case("pmovmskb", kind, int_vec()))
        cases.append(reg_case("pextrw", kind, int_vec(), imm=rand(8)))
        cases.append(vec_case("pinsrw", "r32", int_vec(), rand(32), imm=rand(8),
                              mem_src=RNG.random() < 0.4) if kind == "xmm" else
                     vec_case("mm:pinsrw", "r32", int_vec(), rand(32), imm=rand(8)))
        if kind == "xmm":
            for op in ("pshuflw", "pshufhw"):
                cases.append(vec_case(op, kind, int_vec(), int_vec(), imm=rand(8)))
            for op in ("pslldq", "psrldq"):
                cases.append(vec_case_imm_only(op, kind, int_vec(),
                                               RNG.choice([0, 1, 7, 8, 15, 16, 200])))
    return cases


def vec_case_imm_only(op, kind, a, count):
    """A shift of the destination by an immediate (no source operand)."""
    mmx = kind == "mm"
    reg, move = ("mm", "movq") if mmx else ("xmm", "movdqu")
    d = RNG.randrange(8)
    text = [f"{move} scr+{INIT}, %{reg}{d}", f"{op} ${count:#x}, %{reg}{d}",
            f"{move} %{reg}{d}, scr+{DST}"] + (["emms"] if mmx else [])
    return Case("; ".join(text), Regs(), 0, ALL, mem128(INIT, a))


FP_BINARY = "add sub mul div min max".split()


def fp_family(bits):
    """Packed and scalar arithmetic, compares, conversions and shuffles of
    singles (bits 32) or doubles (64)."""
    p, s = ("ps", "ss") if bits == 32 else ("pd", "sd")
    cases = []
    for op in FP_BINARY:
        for suffix in (p, s):
            for _ in range(100):
                a, b = float_pair(bits)
                cases.append(vec_case(op + suffix, "xmm", a, b, mx=mxcsr()))
    for suffix in (p, s):
        for _ in range(60):
            a, b = float_pair(bits)
            cases.append(vec_case("sqrt" + suffix, "xmm", a, b, mx=mxcsr()))
        for pred in range(8):
            for _ in range(12):
                a, b = float_pair(bits)
                cases.append(vec_case("cmp" + suffix, "xmm", a, b, imm=pred, mx=mxcsr()))
    for op in ("comi", "ucomi"):
        for _ in range(60):
            a, b = float_pair(bits)
            cases.append(flags_case(op + s, a, b, mxcsr()))
    for op in ("and", "andn", "or", "xor", "unpckl", "unpckh"):
        for _ in range(10):
            cases.append(vec_case(op + p, "xmm", float_vec(bits), float_vec(bits)))
    for _ in range(20):
        cases.append(vec_case("shuf" + p, "xmm", float_vec(bits), float_vec(bits), imm=rand(8)))
        cases.append(reg_case("movmsk" + p, "xmm", float_vec(bits)))
    for op in ("hadd", "hsub", "addsub"):
        for _ in range(40):
            a, b = float_pair(bits)
            cases.append(vec_case(op + p, "xmm", a, b, mx=mxcsr()))
    cases += conversions(bits)
    return cases


def int_sources(n):
    """Integers to convert: small, limits, random."""
    pool = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x00ffffff, 0x01000001, 0xfeffffff]
    return join([RNG.choice(pool) if RNG.random() < 0.4 else rand(32) for _ in range(n)], 32)


def conversions(bits):
    cases = []
    if bits == 32:
        to_int = [("cvtss2si", "xmm"), ("cvttss2si", "xmm")]
        from_int = ["cvtsi2ssl"]
        packed = [("cvtps2dq", 32), ("cvttps2dq", 32), ("cvtdq2ps", None), ("cvtps2pd", 32),
                  ("cvtss2sd", 32)]
        mmx = [("cvtpi2ps", None), ("cvtps2pi", 32), ("cvttps2pi", 32)]
    else:
        to_int = [("cvtsd2si", "xmm"), ("cvttsd2si", "xmm")]
        from_int = ["cvtsi2sdl"]
        packed = [("cvtpd2dq", 64), ("cvttpd2dq", 64), ("cvtdq2pd", None), ("cvtpd2ps", 64),
                  ("cvtsd2ss", 64)]
        mmx = [("cvtpi2pd", None), ("cvtpd2pi", 64), ("cvttpd2pi", 64)]
    for _ in range(60):
        for op, kind in to_int:
            cases.append(reg_case(op, kind, float_vec(bits), mx=mxcsr()))
        for op in from_int:
            cases.append(vec_case(op, "r32", float_vec(bits), rand(32) if RNG.random() < 0.6
                                  else int_sources(1), mx=mxcsr()))
        for op, src_bits in packed:
            b = float_vec(src_bits) if src_bits else int_sources(4)
            cases.append(vec_case(op, "xmm", float_vec(bits), b, mx=mxcsr()))
        for op, src_bits in mmx:
            b = float_vec(src_bits) if src_bits else int_sources(4)
            if op in ("cvtpi2ps", "cvtpi2pd"):
                cases.append(vec_case(op, "mm_src", float_vec(bits), b, mx=mxcsr()))
            else:
                cases.append(mmx_dest_case(op, b, mxcsr()))
    return cases


def flags_case(op, a, b, mx):
    """comis*/ucomis*: the result is EFLAGS."""
    regs = Regs()
    text = [f"ldmxcsr scr+{MXCSR_IN}", f"movdqu scr+{INIT}, %xmm1"]
    if RNG.random() < 0.4:
        src = mem_forms(regs, set())
    else:
        text.append(f"movdqu scr+{SRC}, %xmm6")
        src = "%xmm6"
    text += [f"{op} {src}, %xmm1", f"stmxcsr scr+{MXCSR_OUT}"]
    flags = RNG.choice([0, 0x8d5])
    return Case("; ".join(text), regs, flags, ALL,
                mem128(SRC, b) + mem128(INIT, a) + [(MXCSR_IN, 32, mx)])


def mmx_dest_case(op, b, mx):
    """Conversions to an MMX register (cvtps2pi and friends)."""
    regs = Regs()
    d = RNG.randrange(8)
    text = [f"ldmxcsr scr+{MXCSR_IN}", f"movq scr+{INIT}, %mm{d}"]
    if RNG.random() < 0.4:
        src = mem_forms(regs, set())
    else:
        text.append(f"movdqu scr+{SRC}, %xmm3")
        src = "%xmm3"
    text += [f"{op} {src}, %mm{d}", f"movq %mm{d}, scr+{DST}", f"stmxcsr scr+{MXCSR_OUT}", "emms"]
    return Case("; ".join(text), regs, 0, ALL,
                mem128(SRC, b) + mem128(INIT, rand(128)) + [(MXCSR_IN, 32, mx)])


def approximation_family():
    """rcp/rsqrt: 1 in a lane if the result r of x satisfies
    |r·x - 1| < 1.5·2^-12 (|r²·x - 1| < 3·2^-12 for rsqrt), computed in
    double precision; special inputs compare exactly."""
    cases = []
    for op in ("rcpps", "rsqrtps", "rcpss", "rsqrtss"):
        for _ in range(40):
            lanes = [RNG.choice([0x3f800000, 0x7f800000, 0, 0x80000000, 0x7fc00000, 0xbf800000,
                                 0x00000001, 0x7f7fffff])
                     if RNG.random() < 0.2 else
                     (RNG.getrandbits(1) << 31 | RNG.randint(64, 190) << 23 | RNG.getrandbits(23))
                     for _ in range(4)]
            if op.startswith("rsqrt"):
                lanes = [x & 0x7fffffff if RNG.random() < 0.9 else x for x in lanes]
            cases.append(approx_case(op, join(lanes, 32)))
    return cases


def approx_case(op, x):
    """The check runs in the program: convert x and r to double, form the
    error term, compare with the bound; exact special results are kept."""
    sqrt = op.startswith("rsqrt")
    bound = 3 * 2.0 ** -12 if sqrt else 1.5 * 2.0 ** -12
    bound_bits = struct.unpack("<Q", struct.pack("<d", bound))[0]
    regs = Regs()
    lanes = 4 if op.endswith("ps") else 1
    text = [f"movdqu scr+{SRC}, %xmm1", "pxor %xmm0, %xmm0", f"{op} %xmm1, %xmm0"]
    # Per lane: xmm2 = |r*x - 1| (or |r*r*x - 1|) in double; ok if < bound,
    # or if the result is exactly the special one (checked by equality
    # with the exact result computed natively in double and rounded).
    for k in range(lanes):
        text += [f"movss scr+{SRC}+{4 * k}, %xmm1", "cvtss2sd %xmm1, %xmm1",
                 "pshufd $0, %xmm0, %xmm2" if k == 0 else
                 f"pshufd ${k * 0x55:#x}, %xmm0, %xmm2",
                 "cvtss2sd %xmm2, %xmm2"]
        if sqrt:
            text.append("mulsd %xmm2, %xmm2")
        text += ["mulsd %xmm1, %xmm2", f"subsd scr+{INIT}, %xmm2",
                 f"andpd scr+{INIT}+16, %xmm2", f"cmpltsd scr+{INIT}+32, %xmm2",
                 "movd %xmm2, %eax", f"movl %eax, scr+{DST}+{4 * k}"]
    one = struct.unpack("<Q", struct.pack("<d", 1.0))[0]
    consts = [(INIT, 32, one & 0xffffffff), (INIT + 4, 32, one >> 32),
              (INIT + 16, 32, 0xffffffff), (INIT + 20, 32, 0x7fffffff),
              (INIT + 32, 32, bound_bits & 0xffffffff), (INIT + 36, 32, bound_bits >> 32)]
    # Special inputs (zero, infinity, NaN, denormal, negative for rsqrt)
    # have exact results: those lanes of the result are stored as they are.
    special = [0xffffffff if ((v >> 23) & 0xff) in (0, 0xff) or (sqrt and v >> 31 and v & 0x7fffffff)
               else 0 for v in split(x, 32)[:lanes]]
    if any(special):
        text = text[:3] + ["movdqa %xmm0, %xmm3", f"andps scr+{INIT}+48, %xmm3",
                           "movdqu %xmm3, scr+192"] + text[3:]
    return Case("; ".join(text), regs, 0, ALL,
                mem128(SRC, x) + consts + mem128(INIT + 48, join(special, 32)))


def move_family():
    cases = []
    for _ in range(20):
        a, b = rand(128), rand(128)
        for op in ("movdqa", "movdqu", "movaps", "movups", "movapd", "movupd",
                   "movddup", "movshdup", "movsldup"):
            cases.append(vec_case(op, "xmm", a, b))
        cases.append(vec_case("lddqu", "xmm", a, b, mem_src=True))
        for op in ("movss", "movsd", "movq"):
            cases.append(vec_case(op, "xmm", a, b))
        for op in ("movlps", "movhps", "movlpd", "movhpd"):
            cases.append(vec_case(op, "xmm", a, b, mem_src=True))
        for op in ("movhlps", "movlhps"):
            cases.append(vec_case(op, "xmm", a, b, mem_src=False))
        cases.append(vec_case("movd", "r32", a, b & 0xffffffff))
        cases.append(vec_case("mm:movd", "r32", a, b & 0xffffffff))
        cases.append(vec_case("movq", "mm", a, b))
        cases.append(reg_case("movd", "xmm", b, dst=RNG.choice(["eax", "ebx", "esi"])))
        cases.append(reg_case("movd", "mm", b, dst=RNG.choice(["ecx", "edx", "edi"])))
        for op in ("movss", "movsd", "movlps", "movhps", "movlpd", "movhpd", "movq", "movd",
                   "movaps", "movups", "movdqa", "movdqu", "movapd", "movupd", "movntdq",
                   "movntps", "movntpd"):
            cases.append(store_case(op, "xmm", b))
        for op in ("movq", "movntq", "movd"):
            cases.append(store_case(op, "mm", b))
        cases.append(store_case("movnti", "r32", b))
        cases.append(cross_case("movq2dq", a, b))
        cases.append(cross_case("movdq2q", a, b))
        cases.append(maskmov_case("maskmovdqu", b, int_vec()))
        cases.append(maskmov_case("maskmovq", b, int_vec()))
        # The unaligned forms at odd addresses.
        op, k, d = RNG.choice(["movdqu", "movups", "movupd", "lddqu"]), RNG.randrange(1, 16), RNG.randrange(8)
        cases.append(Case(f"{op} scr+{SRC}+{k}, %xmm{d}; movdqu %xmm{d}, scr+{DST}+{16 - k}", Regs(), 0, ALL,
                          mem128(SRC, a) + mem128(SRC + 16, b)))
    return cases


def store_case(op, kind, b):
    """A store of the source register to the memory slot M (scr+64, which
    holds random bytes first)."""
    regs = Regs()
    text = []
    if kind == "r32":
        regs.set("ecx", b & 0xffffffff)
        src = "%ecx"
    else:
        reg, move = ("mm", "movq") if kind == "mm" else ("xmm", "movdqu")
        s = RNG.randrange(8)
        text.append(f"{move} scr+{INIT}, %{reg}{s}")
        src = f"%{reg}{s}"
    text.append(f"{op} {src}, {mem_forms(regs, {'ecx'})}")
    if kind == "mm":
        text.append("emms")
    return Case("; ".join(text), regs, 0, ALL, mem128(INIT, b))


def cross_case(op, a, b):
    """movq2dq xmm, mm / movdq2q mm, xmm."""
    d, s = RNG.randrange(8), RNG.randrange(8)
    if op == "movq2dq":
        text = [f"movdqu scr+{INIT}, %xmm{d}", f"movq scr+{SRC}, %mm{s}",
                f"movq2dq %mm{s}, %xmm{d}", f"movdqu %xmm{d}, scr+{DST}", "emms"]
    else:
        text = [f"movq scr+{INIT}, %mm{d}", f"movdqu scr+{SRC}, %xmm{s}",
                f"movdq2q %xmm{s}, %mm{d}", f"movq %mm{d}, scr+{DST}", "emms"]
    return Case("; ".join(text), Regs(), 0, ALL, mem128(SRC, b) + mem128(INIT, a))


def maskmov_case(op, data, mask):
    regs = Regs().set("edi", f"scr+{DST}")
    reg, move = ("mm", "movq") if op == "maskmovq" else ("xmm", "movdqu")
    text = [f"{move} scr+{SRC}, %{reg}1", f"{move} scr+{INIT}, %{reg}2",
            f"{op} %{reg}2, %{reg}1"] + (["emms"] if reg == "mm" else [])
    return Case("; ".join(text), regs, 0, ALL, mem128(SRC, data) + mem128(INIT, mask))


def state_family():
    """MXCSR loads and stores, fxsave/fxrstor round trips, what MMX
    instructions and emms do to the x87 tag word and TOP, fisttp, and the
    cache-control instructions."""
    cases = []
    for _ in range(40):
        mx = mxcsr() | RNG.getrandbits(6) << 7
        cases.append(Case(f"ldmxcsr scr+{MXCSR_IN}; stmxcsr scr+{MXCSR_OUT}; "
                          f"movl $0x1f80, scr+{MXCSR_IN}; ldmxcsr scr+{MXCSR_IN}",
                          Regs(), 0, ALL, [(MXCSR_IN, 32, mx)]))
    for _ in range(40):
        a, b = rand(128), rand(128)
        mx = mxcsr()
        # Save xmm3 and MXCSR, clobber both, restore, store what came back;
        # copy the saved MXCSR and xmm3 fields of the image too.
        text = [f"ldmxcsr scr+{MXCSR_IN}", f"movdqu scr+{SRC}, %xmm3",
                f"movq scr+{INIT}, %mm2", "fxsave fxarea", "pxor %xmm3, %xmm3",
                "pxor %mm2, %mm2", f"movl $0x1f80, scr+{MXCSR_IN}", f"ldmxcsr scr+{MXCSR_IN}",
                "fxrstor fxarea", f"movdqu %xmm3, scr+{DST}", f"stmxcsr scr+{MXCSR_OUT}",
                f"movq %mm2, scr+{INIT}+16", "movl fxarea+24, %edx", "movl fxarea+160+48, %ebx",
                "movl fxarea+160+60, %esi", "movl fxarea+32+2*16, %edi",
                "movzbl fxarea+4, %ebp", "movzwl fxarea, %ecx", "fnstsw %ax", "emms"]
        cases.append(Case("; ".join(text), Regs(), 0, ALL,
                          mem128(SRC, a) + mem128(INIT, b) + [(MXCSR_IN, 32, mx)]))
    for _ in range(20):
        # TOP and the tag word after an MMX instruction, then after emms.
        text = ["finit", "fldz", "fld1", f"movq scr+{INIT}, %mm{RNG.randrange(8)}",
                "fnstenv fstk", "movzwl fstk+4, %eax", "movzwl fstk+8, %ebx", "emms",
                "fnstenv fstk", "movzwl fstk+8, %ecx", "fninit"]
        cases.append(Case("; ".join(text), Regs(), 0, ALL, mem128(INIT, rand(128))))
    for _ in range(60):
        # SSE3's fisttp: truncating x87 stores of every width, with the
        # status word (IE/PE) and the integer indefinite for out of range.
        v = rand_float(64, F64_SPECIAL)
        text = ["fninit", f"fldl scr+{SRC}", "fld %st(0)", "fld %st(0)", f"fisttps scr+{DST}",
                f"fisttpl scr+{DST}+4", f"fisttpll scr+{DST}+8", "fnstsw %ax", "fninit"]
        cases.append(Case("; ".join(text), Regs(), 0, ALL, [(SRC, 32, v & 0xffffffff), (SRC + 4, 32, v >> 32)]))
    # Cache control and hints change nothing.
    regs = Regs()
    addr = mem_forms(regs, set())
    cases.append(Case(f"clflush {addr}; lfence; mfence; sfence; prefetchnta scr; prefetcht0 {addr}; "
                      f"prefetcht1 scr+8; prefetcht2 scr+16; pause", regs, 0, ALL, mem128(SRC, rand(128))))
    return cases


def families():
    yield "simd_mmx", int_family("mm")
    yield "simd_int", int_family("xmm")
    yield "simd_f32", fp_family(32)
    yield "simd_f64", fp_family(64)
    yield "simd_approx", approximation_family()
    yield "simd_move", move_family()
    yield "simd_state", state_family()
