"""Shift and rotate families: shl shr sar rol ror rcl rcr by immediate and by
cl, on registers and memory, and the double shifts shld/shrd."""

from insncase import (RNG, Case, Regs, FLAGS_BASIC, FLAG_MIXES, REGS, SUFFIX, M_OFF,
                      parent, interesting, rand, mem_forms, shift_mask, R32, REG_NUMBER)

COUNTS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33]


def shift_case(op, size, count, v, flags, by_cl, in_mem):
    regs, sfx, mem = Regs(), SUFFIX[size], []
    avoid = {"ecx"} if by_cl else set()
    if in_mem:
        dst = mem_forms(regs, avoid)
        mem = [(M_OFF, size, v)]
    else:
        reg = RNG.choice([r for r in REGS[size] if parent(r)[0] not in avoid])
        regs.set(reg, v)
        dst = f"%{reg}"
    if by_cl:
        regs.set("cl", count)
        text = f"{op}{sfx} %cl, {dst}"
    else:
        text = f"{op}{sfx} ${count}, {dst}"
    return Case(text, regs, flags, shift_mask(op, count, size), mem)


def shift_family(ops):
    cases = []
    for op in ops:
        # rcl/rcr read CF; for count 0 every flag must survive: use the mixes.
        flag_sets = FLAGS_BASIC + FLAG_MIXES[:2]
        for size in (8, 16, 32):
            vals = interesting(size)[:10] + [rand(size) for _ in range(3)]
            for count in COUNTS:
                for v in vals:
                    for by_cl in (False, True):
                        fl = RNG.choice(flag_sets)
                        cases.append(shift_case(op, size, count, v, fl, by_cl, False))
                for _ in range(3):
                    v = RNG.choice(vals)
                    cases.append(shift_case(op, size, count, v, RNG.choice(flag_sets),
                                            RNG.random() < 0.5, True))
    return cases + c1_by_one_cases(ops)


# Shift/rotate group /digit, for the C1 encoding with an immediate count of
# 1, which assemblers replace with the shorter D1 form.
GROUP2 = {"rol": 0, "ror": 1, "rcl": 2, "rcr": 3, "shl": 4, "shr": 5, "sar": 7}


def c1_by_one_cases(ops):
    cases = []
    for op in ops:
        for reg in R32:
            modrm = 0xC0 | GROUP2[op] << 3 | REG_NUMBER[reg]
            text = f".byte 0xc1, {modrm:#x}, 1  # {op}l $1, %{reg} (C1 form)"
            cases.append(Case(text, Regs().set(reg, rand(32)), RNG.choice(FLAGS_BASIC + FLAG_MIXES),
                              shift_mask(op, 1, 32)))
    return cases


def double_shift_family():
    cases = []
    for op in ("shld", "shrd"):
        for size in (16, 32):
            vals = interesting(size)[:8]
            for count in COUNTS + [3, 24]:
                if 0 < count & 31 and count & 31 > size:
                    continue  # result and flags undefined
                for _ in range(14):
                    a = RNG.choice(vals + [rand(size)])
                    b = RNG.choice(vals + [rand(size)])
                    by_cl = RNG.random() < 0.5
                    regs, mem = Regs(), []
                    avoid = {"ecx"} if by_cl else set()
                    src = RNG.choice([r for r in REGS[size] if parent(r)[0] not in avoid])
                    avoid.add(parent(src)[0])
                    if RNG.random() < 0.3:
                        dst = mem_forms(regs, avoid)
                        mem = [(M_OFF, size, a)]
                    else:
                        reg = RNG.choice([r for r in REGS[size] if parent(r)[0] not in avoid])
                        regs.set(reg, a)
                        dst = f"%{reg}"
                    regs.set(src, b)
                    cnt = "%cl" if by_cl else f"${count}"
                    if by_cl:
                        regs.set("cl", count)
                    fl = RNG.choice(FLAGS_BASIC + FLAG_MIXES)
                    cases.append(Case(f"{op}{SUFFIX[size]} {cnt}, %{src}, {dst}", regs, fl,
                                      shift_mask(op, count, size), mem))
    return cases


def families():
    yield "shift", shift_family(("shl", "shr", "sar"))
    yield "rotate", shift_family(("rol", "ror", "rcl", "rcr"))
    yield "shld", double_shift_family()
