"""Data-movement families: mov/movzx/movsx and the sign-extension
conversions, the exchanges (xchg xadd cmpxchg cmpxchg8b), lea in every
addressing form (32- and 16-bit), and xlat."""

from insncase import (RNG, Case, Regs, FLAG_MASKS, FLAGS_BASIC, FLAG_MIXES, R32, R16, REGS,
                      SUFFIX, M_OFF, parent, values, rand, mem_forms, maybe_lock)

EXTENDS = [("movzbw", 8, 16), ("movzbl", 8, 32), ("movzwl", 16, 32),
           ("movsbw", 8, 16), ("movsbl", 8, 32), ("movswl", 16, 32)]


def movx_family():
    cases = []
    for op, ssize, dsize in EXTENDS:
        for v in values(ssize, 12):
            regs, mem = Regs(), []
            dst = RNG.choice(REGS[dsize])
            if RNG.random() < 0.6:
                src = RNG.choice(REGS[ssize])
                regs.set(src, v)
                src = f"%{src}"
            else:
                src = mem_forms(regs, {parent(dst)[0]})
                mem = [(M_OFF, ssize, v)]
            cases.append(Case(f"{op} {src}, %{dst}", regs, RNG.choice(FLAGS_BASIC), mem=mem))
    for op, reg in (("cbtw", "ax"), ("cwtl", "eax"), ("cwtd", "ax"), ("cltd", "eax")):
        size = 16 if reg == "ax" else 32
        for v in values(size, 10):
            cases.append(Case(op, Regs().set(reg, v), RNG.choice(FLAGS_BASIC)))
    for size in (8, 16, 32):
        for v in values(size, 6):
            regs = Regs()
            dst, src = RNG.choice(REGS[size]), RNG.choice(REGS[size])
            regs.set(src, v)
            cases.append(Case(f"mov{SUFFIX[size]} %{src}, %{dst}", regs))
            regs = Regs()
            reg = RNG.choice(REGS[size])
            addr = mem_forms(regs, {parent(reg)[0]})
            regs.set(reg, v)
            cases.append(Case(f"mov{SUFFIX[size]} %{reg}, {addr}", regs))
            regs = Regs()
            cases.append(Case(f"mov{SUFFIX[size]} ${v:#x}, {mem_forms(regs, set())}", regs))
            regs = Regs()
            reg = RNG.choice(REGS[size])
            addr = mem_forms(regs, {parent(reg)[0]})
            cases.append(Case(f"mov{SUFFIX[size]} {addr}, %{reg}", regs,
                              mem=[(M_OFF, size, v)]))
    return cases


def exchange_family():
    cases = []
    acc = {8: "al", 16: "ax", 32: "eax"}
    for size in (8, 16, 32):
        sfx = SUFFIX[size]
        for _ in range(60):
            a, b, c = (RNG.choice(values(size, 2)) for _ in range(3))
            equal = RNG.random() < 0.5
            fl = RNG.choice(FLAGS_BASIC + FLAG_MIXES)
            for op in ("xchg", "xadd", "cmpxchg"):
                regs, mem = Regs(), []
                src = RNG.choice(REGS[size])
                avoid = {parent(src)[0]} | ({"eax"} if op == "cmpxchg" else set())
                prefix = ""
                if RNG.random() < 0.5:
                    dst = mem_forms(regs, avoid)
                    mem = [(M_OFF, size, a)]
                    prefix = maybe_lock() if op != "xchg" else ""
                else:
                    # xchg/xadd may pair a register with itself or its other half.
                    pool = REGS[size] if op != "cmpxchg" and RNG.random() < 0.2 else \
                        [r for r in REGS[size] if parent(r)[0] not in avoid]
                    reg = RNG.choice(pool)
                    regs.set(reg, a)
                    dst = f"%{reg}"
                regs.set(src, b)
                if op == "cmpxchg":
                    regs.set(acc[size], a if equal else c)
                mask = FLAG_MASKS["all"]
                cases.append(Case(f"{prefix}{op}{sfx} %{src}, {dst}", regs, fl, mask, mem))
    for _ in range(120):
        lo, hi = rand(32), rand(32)
        regs = Regs()
        addr = mem_forms(regs, {"eax", "edx", "ecx", "ebx"}, pick=RNG.choice([0, 1, 2, 3, 6]))
        equal = RNG.random() < 0.5
        regs.set("eax", lo if equal or RNG.random() < 0.3 else rand(32))
        regs.set("edx", hi if equal else rand(32))
        regs.set("ecx", rand(32)).set("ebx", rand(32))
        fl = RNG.choice(FLAGS_BASIC + FLAG_MIXES)
        cases.append(Case(f"{maybe_lock()}cmpxchg8b {addr}", regs, fl,
                          mem=[(M_OFF, 32, lo), (M_OFF + 4, 32, hi)]))
    return cases


def lea_family():
    cases = []
    for _ in range(500):
        regs = Regs()
        base = RNG.choice(R32 + ["esp", None])
        index = RNG.choice(R32 + [None])
        scale = RNG.choice([1, 2, 4, 8])
        disp = RNG.choice([0, rand(8), (-rand(7)) & 0xFFFFFFFF, rand(32)])
        dst = RNG.choice(R32 + R16)
        parts = [f"%{base}" if base else ""] + ([f"%{index}", str(scale)] if index else [])
        inner = ",".join(parts)
        mode = f"{disp:#x}({inner})" if base or index else f"{disp:#x}"
        cases.append(Case(f"lea{'w' if dst in R16 else 'l'} {mode}, %{dst}", regs))
    pairs16 = [("bx", "si"), ("bx", "di"), ("bp", "si"), ("bp", "di"), ("si", None),
               ("di", None), ("bp", None), ("bx", None)]
    for _ in range(150):
        regs = Regs()
        b, i = RNG.choice(pairs16)
        disp = RNG.choice([0, rand(7), rand(16)])
        inner = f"%{b}" + (f",%{i}" if i else "")
        dst = RNG.choice(R32 + R16)
        cases.append(Case(f"lea{'w' if dst in R16 else 'l'} {disp:#x}({inner}), %{dst}", regs))
    for _ in range(200):
        regs = Regs().set("ebx", "scr").set("al", rand(8))
        cases.append(Case("xlat", regs, RNG.choice(FLAGS_BASIC)))
    return cases


def families():
    yield "movx", movx_family()
    yield "exchange", exchange_family()
    yield "lea", lea_family()

