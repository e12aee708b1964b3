"""Control-flow and sequence families: setcc/cmovcc/jcc over every flag
combination, loop/loope/loopne/jecxz/jcxz sequences, the string instructions
with rep prefixes in both directions (including overlapping copies),
push/pop/pusha/popa/pushf/popf/enter/leave on the scratch stack (esp =
stk+128 at the start of each case), calls/returns/indirect jumps, self-
modifying code, and unusual prefix orders."""

from insncase import (RNG, Case, Regs, FLAGS_BASIC, FLAG_MIXES, CF, PF, ZF, SF, OF, DF,
                      AF, R8, REGS, SUFFIX, M_OFF, parent, rand, mem_forms)

CONDS = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
COND_FLAGS = [CF, PF, ZF, SF, OF]


def flag_combos():
    """All 32 combinations of the five flags conditions read (AF varies too)."""
    for n in range(32):
        fl = sum(f for i, f in enumerate(COND_FLAGS) if n >> i & 1)
        yield fl | (AF if n % 3 == 0 else 0)


def cc_family():
    cases = []
    for cc in CONDS:
        for fl in flag_combos():
            regs = Regs()
            if RNG.random() < 0.7:
                text = f"set{cc} %{RNG.choice(R8)}"
            else:
                text = f"set{cc} {mem_forms(regs, set())}"
            cases.append(Case(text, regs, fl))
            size = RNG.choice([16, 32])
            regs = Regs()
            dst = RNG.choice(REGS[size])
            if RNG.random() < 0.6:
                src = f"%{RNG.choice(REGS[size])}"
                mem = []
            else:
                src = mem_forms(regs, {parent(dst)[0]})
                mem = [(M_OFF, size, rand(size))]
            cases.append(Case(f"cmov{cc}{SUFFIX[size]} {src}, %{dst}", regs, fl, mem=mem))
            cases.append(Case(f"j{cc} 1f; movl $0x11111111, %esi; 1:", Regs(), fl))
            cases.append(Case(f"j{cc} 1f; movl $0x22222222, %edi; .fill 130, 1, 0x90; 1:",
                              Regs(), fl))
    return cases


def loop_family():
    cases = []
    for n in list(range(0, 12)) + [rand(6) for _ in range(20)]:
        for fl in FLAGS_BASIC:
            cases.append(Case("jecxz 1f; movl $0x33333333, %esi; 1:", Regs().set("ecx", n), fl))
            # jcxz (address-size prefix) tests only cx.
            cases.append(Case("jcxz 1f; movl $0x44444444, %esi; 1:",
                              Regs().set("ecx", (rand(16) << 16) | (n & 1)), fl))
            if n:
                cases.append(Case("1: addl $3, %eax; loop 1b", Regs().set("ecx", n), fl))
            regs = Regs().set("ecx", n or 1)
            start = rand(32)
            regs.set("edx", start).set("ebx", (start + RNG.randrange(1, 40)) & 0xFFFFFFFF)
            cases.append(Case("1: incl %edx; cmpl %edx, %ebx; loopne 1b", regs, fl))
            regs = Regs().set("ecx", n or 1).set("edx", rand(32))
            cases.append(Case("1: incl %edx; testl $3, %edx; loope 1b", regs, fl))
            regs = Regs().set("ecx", n or 1).set("edx", rand(32))
            cases.append(Case("1: addl $0x40000000, %edx; loopz 1b", regs, fl))
    return cases


# String operands: the destination region is D = scr+64 (the dumped window),
# the source region S = scr+160; 32 bytes each, written by the case.
D_OFF, S_OFF, REGION = M_OFF, 160, 32


def string_case(op, esize, prefix, df, count, kind):
    """`kind` decides the data: how many leading elements compare equal."""
    n = REGION // esize
    elems = [rand(esize * 8) for _ in range(n)]
    src, dst = list(elems), [rand(esize * 8) for _ in range(n)]
    acc = rand(esize * 8)
    k = {"none": 0, "some": RNG.randrange(1, max(2, count + 1)), "all": n}[kind]
    order = list(range(n)) if not df else list(reversed(range(n)))
    for j, pos in enumerate(order):
        if op == "cmps":
            dst[pos] = src[pos] if (j < k) == (prefix != "repne") else dst[pos] ^ 1
        elif op == "scas":
            dst[pos] = acc if (j < k) == (prefix != "repne") else acc ^ 0x10
    mem = []
    for base, data in ((S_OFF, src), (D_OFF, dst)):
        raw = b"".join(v.to_bytes(esize, "little") for v in data)
        mem += [(base + i, 32, int.from_bytes(raw[i:i + 4], "little")) for i in range(0, REGION, 4)]
    first = 0 if not df else REGION - esize
    regs = Regs().set("ecx", count).set("esi", f"scr+{S_OFF + first}")
    regs.set("edi", f"scr+{D_OFF + first}").set("eax", rand(32))
    regs.set({1: "al", 2: "ax", 4: "eax"}[esize], acc)
    text = (prefix + " " if prefix else "") + op + SUFFIX[esize * 8]
    fl = RNG.choice(FLAGS_BASIC + FLAG_MIXES) | (DF if df else 0)
    return Case(text, regs, fl, mem=mem)


def overlap_cases():
    """rep movs between overlapping regions must move element by element
    (a forward copy onto itself replicates the first elements), and long
    rep stos/movs cross the dumped window."""
    cases = []
    for esize in (1, 2, 4):
        for gap in (1, 2, 3, 4, 8):
            for df in (False, True):
                for ahead in (False, True):
                    count = RNG.choice([5, 9])
                    start = 64 + (32 if df else 0)
                    src, dst = (start, start + gap) if ahead else (start + gap, start)
                    regs = Regs().set("ecx", count)
                    regs.set("esi", f"scr+{src}").set("edi", f"scr+{dst}")
                    fl = RNG.choice(FLAGS_BASIC) | (DF if df else 0)
                    cases.append(Case(f"rep movs{SUFFIX[esize * 8]}", regs, fl))
        for df in (False, True):
            start = 64 + (120 if df else 0)
            regs = Regs().set("ecx", 120 // esize).set("esi", f"scr+{start + (-60 if df else 60)}")
            regs.set("edi", f"scr+{start}").set("eax", rand(32))
            fl = RNG.choice(FLAGS_BASIC) | (DF if df else 0)
            cases.append(Case(f"rep movs{SUFFIX[esize * 8]}", regs, fl))
            regs = Regs().set("ecx", 120 // esize).set("edi", f"scr+{start}").set("eax", rand(32))
            cases.append(Case(f"rep stos{SUFFIX[esize * 8]}", regs, fl))
    return cases


def string_family():
    cases = overlap_cases()
    prefixes = {"movs": ["", "rep"], "stos": ["", "rep"], "lods": ["", "rep"],
                "cmps": ["", "repe", "repne"], "scas": ["", "repe", "repne"]}
    for op, pres in prefixes.items():
        kinds = ["none", "some", "all"] if op in ("cmps", "scas") else ["none"]
        for esize in (1, 2, 4):
            for prefix in pres:
                for df in (False, True):
                    for count in (0, 1, 2, 3, 5, 7):
                        for kind in kinds:
                            cases.append(string_case(op, esize, prefix, df, count, kind))
    return cases


SAFE_FLAG_BITS = 0xCD5 | 0x3228  # arithmetic, DF, reserved bits 3 and 5, IF, IOPL (ignored)


def stack_family():
    texts = []
    for size in (16, 32):
        sfx = SUFFIX[size]
        a, c, d, b, sp = (f"%{r}" for r in REGS[size][:4] + (["sp"] if size == 16 else ["esp"]))
        for reg in REGS[size]:
            texts += [f"push{sfx} %{reg}", f"pop{sfx} %{reg}"]
        texts += [f"push{sfx} $0x7f", f"push{sfx} $-3", f"push{sfx} ${rand(size):#x}",
                  f"push{sfx} MEM", f"pop{sfx} MEM", f"pusha{sfx}", f"popa{sfx}",
                  f"pushf{sfx}", f"push{sfx} 4(%esp)", f"pop{sfx} 4(%esp)", f"pop{sfx} (%esp)",
                  f"push{sfx} {sp}", f"pop{sfx} {sp}",
                  f"push{sfx} {a}; push{sfx} {c}; pop{sfx} {d}; pop{sfx} {b}"]
    texts += ["pushl %eax; popfl; pushfl; popl %ebx", "pushw %ax; popfw; pushfw; popw %bx",
              "enter $16, $0", "enter $8, $1", "enter $4, $2", "enter $12, $3", "enter $0, $6",
              "enter $20, $33", "enterw $8, $1", "leave", "leavew", "enter $8, $2; leave",
              "pushal; popal", "pushal; addl $12, %esp; popl %ebx"]
    cases = []
    for text in texts:
        for _ in range(6):
            # ebp points into the scratch stack for enter/leave; eax holds
            # a value that is safe to load into EFLAGS.
            regs = Regs().set("ebp", RNG.choice(["stk+192", "stk+160", "stk+200"]))
            regs.set("eax", rand(32) & SAFE_FLAG_BITS)
            text2 = text.replace("MEM", mem_forms(regs, {"eax", "ebp"})) if "MEM" in text else text
            cases.append(Case(text2, regs, RNG.choice(FLAGS_BASIC + FLAG_MIXES),
                              mem=[(M_OFF, 32, rand(32))]))
    return cases


# Control transfers whose effects are visible in registers and the stack:
# pushed return addresses (static, so equal natively and emulated), ret imm16,
# indirect jumps and calls through registers, memory and a jump table.
BRANCHES = [
    "call 1f; 1: popl %esi",
    "call 2f; jmp 3f; 2: ret; 3:",
    "call 2f; jmp 3f; 2: ret $8; 3:",
    "call 2f; jmp 3f; 2: movl (%esp), %edx; ret; 3:",
    "movl $1f, %eax; call *%eax; 1: popl %edi",
    "movl $2f, scr+64; call *scr+64; jmp 3f; 2: ret; 3:",
    "movl $1f, %ecx; jmp *%ecx; movl $0, %ebx; 1:",
    "movl $1f, scr+64; jmp *scr+64; movl $0, %ebx; 1:",
    "movl $2f, scr+72; movl $2, %esi; jmp *scr+64(,%esi,4); movl $0, %ebx; 2:",
    "pushl $1f; ret; movl $0, %ebx; 1:",
    "jmp 1f; movl $0, %ebx; 1:",
    "jmp 2f; .fill 200, 1, 0x90; 2:",
    "call 2f; jmp 3f; 2: repz ret; 3:",
    # Multi-byte nops as compilers pad with them.
    "nopl 0x0(%eax); nopw 0x0(%eax,%eax,1); nopl 0x12345678(%ebx,%esi,4); xchgw %ax, %ax",
    ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0  # cs nopw 0x0(%eax,%eax,1)",
]

# Self-modifying code (the "smc" family lives in a writable code section).
# x86 guarantees that a store to an instruction not yet executed is seen,
# even in the same basic block, so every write below must take effect.
SMC = [
    # patch a called function's immediate between two calls
    "call 2f; movl %eax, %ebx; movl $0x22222222, 2f+1; call 2f; jmp 3f;"
    " 2: movl $0x11111111, %eax; ret; 3:",
    # patch the next instruction of the running block
    "movl $0x55555555, 1f+1; 1: movl $0x44444444, %eax",
    "movb $0x40, 1f; 1: nop",
    # a loop that rewrites its own body on every iteration
    "movl $3, %ecx; 1: addl $1, %edx; incb 1b+2; loop 1b",
    # rep stos over the instructions right after it
    "movl $1f, %edi; movb $0x90, %al; movl $2, %ecx; rep stosb; 1: incl %esi; incl %esi",
]


# Prefix orders and redundant prefixes, written as raw bytes in front of
# an ordinary instruction (assemblers choose one canonical order).
PREFIXED = [
    "movl $scr+160, %esi; movl $scr+64, %edi; movl $3, %ecx; .byte 0xf3, 0x66, 0xa5  # rep movsw",
    "movl $scr+64, %edi; movl $2, %ecx; .byte 0x66, 0xf3, 0xab  # rep stosw",
    ".byte 0x3e; addl %eax, scr+64  # ds",
    ".byte 0x36; movl scr+64, %ecx  # ss",
    ".byte 0x26, 0x2e; subl scr+64, %edx  # es cs",
    ".byte 0x66; addw $0x1234, %ax  # 66 66",
    ".byte 0x66, 0xf0; addl %ecx, scr+64  # 66 lock: lock addw",
    ".byte 0xf0, 0x66; xaddl %ebx, scr+64  # lock 66: lock xaddw",
    ".byte 0x2e; jz 1f; movl $0, %esi; 1:  # branch hint",
    ".byte 0x3e; jnz 1f; movl $0, %edi; 1:  # branch hint",
]


def prefix_family():
    return [Case(text, Regs(), RNG.choice(FLAGS_BASIC + FLAG_MIXES)) for text in PREFIXED
            for _ in range(6)]


def smc_family():
    return [Case(text, Regs(), RNG.choice(FLAGS_BASIC)) for text in SMC for _ in range(4)]


def branch_family():
    return [Case(text, Regs(), RNG.choice(FLAGS_BASIC + FLAG_MIXES))
            for text in BRANCHES for _ in range(6)]


def families():
    yield "cc", cc_family()
    yield "loop", loop_family()
    yield "string", string_family()
    yield "stack", stack_family()
    yield "branch", branch_family()
    yield "smc", smc_family()
    yield "prefix", prefix_family()

