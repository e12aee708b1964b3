"""Integer arithmetic families: two-operand ALU ops, inc/dec/neg/not, the
mul/imul forms and div/idiv (only operands that do not raise #DE; the
divide-error programs are written by gen.py)."""

from insncase import (RNG, Case, Regs, FLAG_MASKS, FLAGS_BASIC, FLAG_MIXES, FLAGS_SET,
                      REGS, SUFFIX, M_OFF, parent, values, interesting, rand,
                      mask_of, sext, mem_forms, maybe_lock)

ALU_OPS = {"add": "all", "adc": "all", "sub": "all", "sbb": "all", "cmp": "all",
           "and": "logic", "or": "logic", "xor": "logic", "test": "logic"}
FORMS = ["rr", "ri", "mr", "rm", "mi"]


def two_regs(size):
    """A destination and a source register; sometimes the same one."""
    regs = REGS[size]
    dst = RNG.choice(regs)
    src = dst if RNG.random() < 0.1 else RNG.choice([r for r in regs if r != dst])
    return dst, src


def lock(op):
    return "" if op in ("cmp", "test") else maybe_lock()


def binop(op, size, form, a, b, flags, mask):
    """`op` with destination value a and source value b in operand form `form`."""
    regs, sfx, mem = Regs(), SUFFIX[size], []
    if form == "rr":
        dst, src = two_regs(size)
        regs.set(src, b).set(dst, a)
        # {load} selects the reg <- r/m opcode (e.g. 03 instead of 01).
        direction = "{load} " if RNG.random() < 0.5 else ""
        text = f"{direction}{op}{sfx} %{src}, %{dst}"
    elif form == "ri":
        dst = RNG.choice(REGS[size])
        regs.set(dst, a)
        text = f"{op}{sfx} ${b:#x}, %{dst}"
    elif form == "mi":
        text = f"{lock(op)}{op}{sfx} ${b:#x}, {mem_forms(regs, set())}"
        mem = [(M_OFF, size, a)]
    else:
        reg = RNG.choice(REGS[size])
        addr = mem_forms(regs, {parent(reg)[0]})
        if form == "mr":
            regs.set(reg, b)
            mem = [(M_OFF, size, a)]
            text = f"{lock(op)}{op}{sfx} %{reg}, {addr}"
        else:
            regs.set(reg, a)
            mem = [(M_OFF, size, b)]
            text = f"{op}{sfx} {addr}, %{reg}"
    return Case(text, regs, flags, mask, mem)


def alu_family(op):
    mask = FLAG_MASKS[ALU_OPS[op]]
    forms = ["rr", "ri", "mr", "mi"] if op == "test" else FORMS
    flag_sets = FLAGS_BASIC + (FLAG_MIXES[:2] if op in ("adc", "sbb") else [])
    cases = []
    for size in (8, 16, 32):
        vals = interesting(size)
        pairs = [(a, b) for a in vals for b in vals]
        pairs += [(rand(size), rand(size)) for _ in range(40)]
        for a, b in pairs:
            for fl in flag_sets:
                cases.append(binop(op, size, "rr", a, b, fl, mask))
        for form in forms[1:]:
            for _ in range(30):
                a = RNG.choice(vals + [rand(size)])
                b = RNG.choice(vals + [rand(size)])
                for fl in flag_sets:
                    cases.append(binop(op, size, form, a, b, fl, mask))
    return cases + (alias_82_cases(op) if op in GROUP1 else [])


def unary_family():
    cases = []
    for op in ("inc", "dec", "neg", "not"):
        for size in (8, 16, 32):
            for v in values(size, 8):
                for fl in FLAGS_BASIC + FLAG_MIXES:
                    regs = Regs()
                    if RNG.random() < 0.7:
                        reg = RNG.choice(REGS[size])
                        regs.set(reg, v)
                        cases.append(Case(f"{op}{SUFFIX[size]} %{reg}", regs, fl))
                    else:
                        addr = mem_forms(regs, set())
                        cases.append(Case(f"{maybe_lock()}{op}{SUFFIX[size]} {addr}", regs, fl,
                                          mem=[(M_OFF, size, v)]))
    return cases


def src_operand(regs, size, avoid, value):
    """A register or memory source holding `value`, not using `avoid` registers."""
    if RNG.random() < 0.6:
        reg = RNG.choice([r for r in REGS[size] if parent(r)[0] not in avoid])
        regs.set(reg, value)
        return f"%{reg}", []
    return mem_forms(regs, avoid), [(M_OFF, size, value)]


ACC = {8: ("al",), 16: ("ax", "dx"), 32: ("eax", "edx")}


def mul_family():
    mask, cases = FLAG_MASKS["mul"], []
    for size in (8, 16, 32):
        vals = values(size, 6)
        for a in vals:
            for b in vals:
                fl = RNG.choice(FLAGS_BASIC)
                for op in ("mul", "imul"):
                    regs = Regs()
                    regs.set(ACC[size][0], a)
                    src, mem = src_operand(regs, size, {"eax", "edx"}, b)
                    cases.append(Case(f"{op}{SUFFIX[size]} {src}", regs, fl, mask, mem))
                if size == 8:
                    continue
                regs = Regs()
                dst = RNG.choice(REGS[size])
                src, mem = src_operand(regs, size, {parent(dst)[0]}, b)
                regs.set(dst, a)
                cases.append(Case(f"imul{SUFFIX[size]} {src}, %{dst}", regs, fl, mask, mem))
                regs = Regs()
                dst = RNG.choice(REGS[size])
                imm = RNG.choice([a & 0x7F, sext(a, 8) & mask_of(size), a])
                src, mem = src_operand(regs, size, set(), b)
                cases.append(Case(f"imul{SUFFIX[size]} ${imm:#x}, {src}, %{dst}",
                                  regs, fl, mask, mem))
    return cases


def divisors(size):
    return [v for v in values(size, 10) if v]


def signed_dividend(size, d):
    """A dividend whose quotient by signed d fits in `size` bits, or None."""
    q = sext(RNG.choice(values(size, 4)), size) >> RNG.randrange(0, size)
    if RNG.random() < 0.5:
        q = -q
    prod = q * d
    r = RNG.randrange(0, abs(d))
    if prod < 0 or (prod == 0 and RNG.random() < 0.5):
        r = -r
    n = prod + r
    lim = 1 << (2 * size - 1)
    quot = abs(n) // abs(d) * (1 if (n >= 0) == (d >= 0) else -1)
    if not -lim <= n < lim or not -(1 << (size - 1)) <= quot < (1 << (size - 1)):
        return None
    return n & mask_of(2 * size)


def div_family():
    mask, cases = FLAG_MASKS["div"], []
    for size in (8, 16, 32):
        for d in divisors(size):
            for _ in range(6):
                for op in ("div", "idiv"):
                    if op == "div":
                        hi = rand(size) % d
                        n = (hi << size) | rand(size)
                    else:
                        n = signed_dividend(size, sext(d, size))
                        if n is None:
                            continue
                    regs = Regs()
                    if size == 8:
                        regs.set("ax", n)
                    else:
                        regs.set(ACC[size][0], n & mask_of(size)).set(ACC[size][1], n >> size)
                    src, mem = src_operand(regs, size, {"eax", "edx"}, d)
                    cases.append(Case(f"{op}{SUFFIX[size]} {src}", regs,
                                      RNG.choice(FLAGS_BASIC + [FLAGS_SET]), mask, mem))
    return cases


# Opcode 0x82 is the 8-bit immediate group again (valid outside 64-bit mode);
# assemblers never emit it. /digit of each op in the group:
GROUP1 = {"add": 0, "or": 1, "adc": 2, "sbb": 3, "and": 4, "sub": 5, "xor": 6, "cmp": 7}


def alias_82_cases(op):
    cases = []
    for _ in range(24):
        reg = RNG.randrange(8)
        a, imm = RNG.choice(interesting(8)), rand(8)
        regs = Regs().set(REGS[8][reg], a)
        modrm = 0xC0 | GROUP1[op] << 3 | reg
        text = f".byte 0x82, {modrm:#x}, {imm:#x}  # {op}b ${imm:#x}, %{REGS[8][reg]}"
        cases.append(Case(text, regs, RNG.choice(FLAGS_BASIC), FLAG_MASKS[ALU_OPS[op]]))
    return cases


def families():
    for op in ALU_OPS:
        yield op, alu_family(op)
    yield "unary", unary_family()
    yield "mul", mul_family()
    yield "div", div_family()
