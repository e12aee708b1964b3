"""Bit and flag families: bt/bts/btr/btc, bsf/bsr, bswap, the BCD adjusts
(daa das aaa aas aam aad), lahf/sahf and the single-flag instructions."""

from insncase import (RNG, Case, Regs, FLAG_MASKS, FLAGS_BASIC, FLAG_MIXES, AF, CF,
                      R32, REGS, SUFFIX, M_OFF, parent, values, rand, mem_forms, maybe_lock)


def bt_family():
    mask, cases = FLAG_MASKS["bt"], []
    for op in ("bt", "bts", "btr", "btc"):
        for size in (16, 32):
            sfx = SUFFIX[size]
            lock = (lambda: "") if op == "bt" else maybe_lock
            for v in values(size, 10):
                for form in ("rr", "ri", "mi", "mr"):
                    regs, mem = Regs(), []
                    fl = RNG.choice(FLAGS_BASIC + FLAG_MIXES)
                    if form == "ri":
                        dst = RNG.choice(REGS[size])
                        regs.set(dst, v)
                        text = f"{op}{sfx} ${RNG.randrange(256)}, %{dst}"
                    elif form == "rr":
                        dst, idx = RNG.sample(REGS[size], 2)
                        regs.set(dst, v).set(idx, rand(size))
                        text = f"{op}{sfx} %{idx}, %{dst}"
                    elif form == "mi":
                        text = f"{lock()}{op}{sfx} ${RNG.randrange(256)}, {mem_forms(regs, set())}"
                        mem = [(M_OFF, size, v)]
                    else:
                        # Register bit offsets address memory beyond the operand:
                        # keep them inside the scratch area (M-64 .. M+192).
                        idx = RNG.choice(REGS[size])
                        addr = mem_forms(regs, {parent(idx)[0]})
                        off = RNG.choice([RNG.randrange(-500, 1400), RNG.randrange(0, size)])
                        regs.set(idx, off & ((1 << size) - 1))
                        text = f"{lock()}{op}{sfx} %{idx}, {addr}"
                        mem = [(M_OFF, size, v)]
                    cases.append(Case(text, regs, fl, mask, mem))
    return cases


def bsf_family():
    mask, cases = FLAG_MASKS["bsf"], []
    for op in ("bsf", "bsr"):
        for size in (16, 32):
            vals = [v for v in values(size, 20) if v]
            vals += [1 << RNG.randrange(size) for _ in range(10)]
            for v in vals:
                for _ in range(2):
                    regs, mem = Regs(), []
                    dst = RNG.choice(REGS[size])
                    if RNG.random() < 0.6:
                        src = RNG.choice(REGS[size])
                        regs.set(src, v)
                        src = f"%{src}"
                    else:
                        src = mem_forms(regs, {parent(dst)[0]})
                        mem = [(M_OFF, size, v)]
                    cases.append(Case(f"{op}{SUFFIX[size]} {src}, %{dst}", regs,
                                      RNG.choice(FLAGS_BASIC + FLAG_MIXES), mask, mem))
    for reg in R32:
        for v in values(32, 3):
            cases.append(Case(f"bswap %{reg}", Regs().set(reg, v), RNG.choice(FLAGS_BASIC)))
    return cases


def bcd_family():
    cases = []
    for op, mask in (("daa", "daa"), ("das", "daa"), ("aaa", "aaa"), ("aas", "aaa")):
        for al in range(256):
            for fl in (0, AF, CF, AF | CF):
                regs = Regs().set("al", al)
                cases.append(Case(op, regs, fl | RNG.choice([0, 0x8c4]), FLAG_MASKS[mask]))
    for op in ("aam", "aad"):
        for base in (10, 16, 7, 1, 255):
            for _ in range(40):
                regs = Regs().set("ax", rand(16))
                text = op if base == 10 else f"{op} ${base}"
                cases.append(Case(text, regs, RNG.choice(FLAGS_BASIC), FLAG_MASKS["aam"]))
    for fl in range(0, 0x100, 3):
        cases.append(Case("lahf", Regs(), fl & 0xD5 | RNG.choice([0, 0x800])))
        regs = Regs().set("ah", fl)
        cases.append(Case("sahf", regs, RNG.choice(FLAGS_BASIC + FLAG_MIXES)))
    for text in ("clc", "stc", "cmc", "std", "cld", "std; cld", "stc; cmc; cmc"):
        for fl in FLAGS_BASIC + FLAG_MIXES:
            cases.append(Case(text, Regs(), fl))
    return cases


def families():
    yield "bt", bt_family()
    yield "bsf", bsf_family()
    yield "bcd", bcd_family()
