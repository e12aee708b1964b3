#!/usr/bin/env python3
"""Generate the differential instruction tests of tabvm.

Usage: gen.py OUTDIR

For every instruction family this writes OUTDIR/<family>.s, an i386 program
assembled with `gcc -m32 -static -nostdlib`, and OUTDIR/<family>.tsv, the
case table (index, instruction text, inputs, defined-flag mask). It also
writes OUTDIR/de_*.s: small programs that end in a divide error or another
fault, whose exit status (SIGFPE, SIGSEGV) is what gets compared.

Each program runs its cases one after another. A case resets the 256-byte
scratch area `scr` and the 256-byte scratch stack `stk` from fixed
patterns, stores its memory inputs, switches esp to stk+128, loads EFLAGS
with push/popf and the seven other registers with mov, runs the
instruction, then appends a record to a buffer. At the end the buffer is
written to stdout with write(2) and the program exits 0. Only the write
and exit system calls (int 0x80) are used.

Record layout (24 little-endian dwords, 96 bytes):
    0       case index
    1..7    eax ecx edx ebx esi edi ebp
    8       EFLAGS & defined-flag mask of the case
    9       esp - (stk+128)
    10..21  scr+56 .. scr+104 (the memory operand slot scr+64 and around it)
    22      hash of the whole scr area
    23      hash of the whole stk area
The hash is h = rol(h, 5) ^ dword over the area; the runner only compares it.
SIMD cases (fam_simd.py) store vector results and MXCSR into scr, so the same
record carries them; `fxarea` (512 bytes, not compared) is their fxsave area.

The runner is crates/cli/tests/insn.rs: `cargo test -p tabvm-cli --test insn`.
"""

import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from insncase import RNG, R32, SCR_SIZE, STK_SIZE, STK_TOP_OFF  # noqa: E402
import fam_arith  # noqa: E402
import fam_shift  # noqa: E402
import fam_bits  # noqa: E402
import fam_move  # noqa: E402
import fam_flow  # noqa: E402
import fam_simd  # noqa: E402

REC_DWORDS = 24
# Families whose cases store into their own code: their code goes in a
# writable and executable section instead of .text.
WRITABLE_CODE = {"smc"}

# Fixed support code: scratch reset, record dump, area hash, final write.
RUNTIME = f"""
        .text
reset:
        movl $pat_scr, %esi
        movl $scr, %edi
        movl ${SCR_SIZE // 4}, %ecx
        call copy
        movl $pat_stk, %esi
        movl $stk, %edi
        movl ${STK_SIZE // 4}, %ecx
copy:
        movl (%esi), %eax
        movl %eax, (%edi)
        addl $4, %esi
        addl $4, %edi
        decl %ecx
        jnz copy
        ret
hash:
        xorl %eax, %eax
1:      roll $5, %eax
        xorl (%esi), %eax
        addl $4, %esi
        decl %ecx
        jnz 1b
        ret
dump:
        movl recp, %edi
        movl o_idx, %eax
        movl %eax, (%edi)
        movl $o_regs, %esi
        leal 4(%edi), %edi
        movl $7, %ecx
        call copy
        movl o_flags, %eax
        andl o_mask, %eax
        movl %eax, (%edi)
        movl o_esp, %eax
        subl $stk+{STK_TOP_OFF}, %eax
        movl %eax, 4(%edi)
        movl $scr+56, %esi
        addl $8, %edi
        movl $12, %ecx
        call copy
        pushl %edi
        movl $scr, %esi
        movl ${SCR_SIZE // 4}, %ecx
        call hash
        popl %edi
        movl %eax, (%edi)
        pushl %edi
        movl $stk, %esi
        movl ${STK_SIZE // 4}, %ecx
        call hash
        popl %edi
        movl %eax, 4(%edi)
        addl ${REC_DWORDS * 4}, recp
        ret
finish:
        movl $buf, %ecx
        movl recp, %edx
        subl %ecx, %edx
        jz 2f
1:      movl $4, %eax
        movl $1, %ebx
        int $0x80
        testl %eax, %eax
        jle 3f
        addl %eax, %ecx
        subl %eax, %edx
        jnz 1b
2:      movl $1, %eax
        xorl %ebx, %ebx
        int $0x80
3:      movl $1, %eax
        movl $2, %ebx
        int $0x80
"""


def dwords(n):
    words = [RNG.getrandbits(32) for _ in range(n)]
    return "\n".join("        .long " + ", ".join(f"{w:#010x}" for w in words[i:i + 8])
                     for i in range(0, n, 8))


def fmt(v):
    return f"${v:#x}" if isinstance(v, int) else f"${v}"


def emit_case(idx, case):
    out = [f"# case {idx}: {case.text}", "        call reset"]
    suffix = {8: "b", 16: "w", 32: "l"}
    for off, size, v in case.mem:
        out.append(f"        mov{suffix[size]} {fmt(v)}, scr+{off}")
    out += ["        movl %esp, real_esp",
            f"        movl $stk+{STK_TOP_OFF}, %esp",
            f"        pushl ${case.flags:#x}",
            "        popfl"]
    out += [f"        movl {fmt(case.regs.v[r])}, %{r}" for r in R32]
    out.append("        " + case.text)
    out += [f"        movl %{r}, o_regs+{4 * i}" for i, r in enumerate(R32)]
    out += ["        movl %esp, o_esp",
            "        movl $fstk+64, %esp",
            "        pushfl",
            "        popl o_flags",
            "        movl real_esp, %esp",
            f"        movl ${idx}, o_idx",
            f"        movl ${case.mask:#x}, o_mask",
            "        call dump"]
    return "\n".join(out)


def write_family(outdir, name, cases):
    section = '.section .wtext, "awx", @progbits' if name in WRITABLE_CODE else ".text"
    body = [f"# tabvm instruction tests: family {name}, {len(cases)} cases (generated by gen.py)",
            "        .globl _start", "        " + section,
            "_start:", "        movl $buf, recp"]
    body += [emit_case(i, c) for i, c in enumerate(cases)]
    body.append("        jmp finish")
    body.append(RUNTIME)
    body += ["        .data", "        .align 16",
             f"pat_scr:\n{dwords(SCR_SIZE // 4)}", f"pat_stk:\n{dwords(STK_SIZE // 4)}",
             "        .align 16", f"scr:    .space {SCR_SIZE}", f"stk:    .space {STK_SIZE}",
             "fstk:   .space 64", "real_esp: .long 0", "recp:   .long 0", "o_idx:  .long 0",
             "o_mask: .long 0", "o_flags: .long 0", "o_esp:  .long 0", "o_regs: .space 28",
             "        .align 16", "fxarea: .space 512",
             "        .bss", "        .align 16", f"buf:    .space {len(cases) * REC_DWORDS * 4}"]
    with open(os.path.join(outdir, name + ".s"), "w") as f:
        f.write("\n".join(body) + "\n")
    with open(os.path.join(outdir, name + ".tsv"), "w") as f:
        for i, c in enumerate(cases):
            f.write(f"{i}\t{c.text}\t{c.describe()}\t{c.mask:#x}\n")


# Programs that must die of a signal (SIGFPE, or SIGSEGV for gp_*) after
# writing "ok\n", or exit 0: the runner compares their exit status and
# output natively and emulated.
DE_PROGRAMS = {
    "div0_32": "movl $5, %eax; xorl %edx, %edx; xorl %ecx, %ecx; divl %ecx",
    "div0_8": "movl $5, %eax; xorb %cl, %cl; divb %cl",
    "div_big": "movl $1, %edx; movl $0, %eax; movl $1, %ecx; divl %ecx",
    "idiv_ovf": "movl $0x80000000, %eax; cltd; movl $-1, %ecx; idivl %ecx",
    "idiv_ovf16": "movl $0x8000, %eax; cwtd; movw $-1, %cx; idivw %cx",
    "aam0": "movl $5, %eax; .byte 0xd4, 0x00",
    # Unmasked SIMD exceptions (#XM): zero divide, invalid, and an exception
    # flag already set when it is unmasked does not trap by itself.
    "xm_divss": "pushl $0x1d80; ldmxcsr (%esp); xorps %xmm1, %xmm1; movl $0x3f800000, (%esp); "
                "movss (%esp), %xmm0; divss %xmm1, %xmm0",
    "xm_sqrtsd": "pushl $0xbff00000; pushl $0; movsd (%esp), %xmm1; pushl $0x1f00; "
                 "ldmxcsr (%esp); sqrtsd %xmm1, %xmm0",
    "xm_sticky": "pushl $0x1f04; ldmxcsr (%esp); pxor %xmm0, %xmm0; pushl $0x1d84; ldmxcsr (%esp); "
                 "addps %xmm0, %xmm0; movl $1, %eax; xorl %ebx, %ebx; int $0x80",
    # A misaligned 16-byte operand is #GP (SIGSEGV).
    "gp_movaps": "andl $-16, %esp; subl $32, %esp; movaps 4(%esp), %xmm0",
}


def write_de(outdir):
    for name, text in DE_PROGRAMS.items():
        src = f"""        .globl _start
        .text
_start: movl $4, %eax
        movl $1, %ebx
        movl $msg, %ecx
        movl $3, %edx
        int $0x80
        {text}
        movl $1, %eax
        movl $0, %ebx
        int $0x80
        .data
msg:    .ascii "ok\\n"
"""
        with open(os.path.join(outdir, f"de_{name}.s"), "w") as f:
            f.write(src)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    total = 0
    for module in (fam_arith, fam_shift, fam_bits, fam_move, fam_flow, fam_simd):
        for name, cases in module.families():
            write_family(outdir, name, cases)
            total += len(cases)
    write_de(outdir)
    print(f"gen.py: {total} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
