//! Interpreter tests on machine code: each program is loaded at 0x1000 (its
//! assembly is kept beside its bytes in `code!`), run until it exits, and
//! registers, flags and memory are checked. Expected values are worked out
//! from the Intel manual and were checked on a real CPU where flags matter.

use tabvm_cpu::{BlockCache, Cpu, Exit, Reg};
use tabvm_mem::{Access, AddressSpace, Prot};

const CODE: u32 = 0x1000;
const DATA: u32 = 0x10000;
const STACK_TOP: u32 = 0x30000;

const CF: u32 = 1;
const PF: u32 = 4;
const AF: u32 = 0x10;
const ZF: u32 = 0x40;
const SF: u32 = 0x80;
const OF: u32 = 0x800;

/// A test program: its assembly (Intel syntax, linked at `CODE`) and the
/// machine code bytes it assembles to.
macro_rules! code {
    ($asm:literal, $bytes:expr) => {
        $bytes
    };
}

struct Machine {
    cpu: Cpu,
    mem: AddressSpace,
    cache: BlockCache,
}

impl Machine {
    fn new(code: &[u8]) -> Machine {
        let mut mem = AddressSpace::new();
        let rwx = Prot::READ | Prot::WRITE | Prot::EXEC;
        mem.map_fixed(CODE, 0x1000, rwx, "code").unwrap();
        mem.map_fixed(DATA, 0x8000, Prot::READ | Prot::WRITE, "data")
            .unwrap();
        mem.map_fixed(
            STACK_TOP - 0x2000,
            0x2000,
            Prot::READ | Prot::WRITE,
            "stack",
        )
        .unwrap();
        mem.poke(CODE, code).unwrap();
        let mut cpu = Cpu::new();
        cpu.eip = CODE;
        cpu.set_reg(Reg::Esp, STACK_TOP);
        Machine {
            cpu,
            mem,
            cache: BlockCache::new(),
        }
    }

    fn run(&mut self) -> Exit {
        self.cpu.run(&mut self.mem, &mut self.cache, 1_000_000)
    }

    fn reg(&self, r: Reg) -> u32 {
        self.cpu.reg(r)
    }
}

/// Runs `code` to its `int 0x80` and returns the machine.
fn run(code: &[u8]) -> Machine {
    let mut m = Machine::new(code);
    assert_eq!(m.run(), Exit::Syscall);
    m
}

#[test]
fn adc_sbb_chain_flags() {
    let m = run(code!("mov eax, 0xffffffff; add eax, 1; mov ebx, 0x7fffffff; adc ebx, 0; pushfd; pop ecx; sub edx, edx; stc; sbb edx, 0; pushfd; pop esi; int 0x80", &[0xb8, 0xff, 0xff, 0xff, 0xff, 0x83, 0xc0, 0x01, 0xbb, 0xff, 0xff, 0xff, 0x7f, 0x83, 0xd3, 0x00, 0x9c, 0x59, 0x29, 0xd2, 0xf9, 0x83, 0xda, 0x00, 0x9c, 0x5e, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Ebx), 0x8000_0000);
    assert_eq!(m.reg(Reg::Ecx), 0x202 | OF | SF | AF | PF);
    assert_eq!(m.reg(Reg::Edx), 0xffff_ffff);
    assert_eq!(m.reg(Reg::Esi), 0x202 | CF | PF | AF | SF);
}

#[test]
fn byte_and_word_arithmetic() {
    // al + 0x80 overflows; ah high-byte register; 16-bit sub borrows.
    let m = run(code!("mov eax, 0x11118080; add al, 0x80; pushfd; pop ebx; mov ah, 0x7f; inc ah; pushfd; pop ecx; mov edx, 0xabcd0001; sub dx, 2; pushfd; pop esi; int 0x80", &[0xb8, 0x80, 0x80, 0x11, 0x11, 0x04, 0x80, 0x9c, 0x5b, 0xb4, 0x7f, 0xfe, 0xc4, 0x9c, 0x59, 0xba, 0x01, 0x00, 0xcd, 0xab, 0x66, 0x83, 0xea, 0x02, 0x9c, 0x5e, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Eax), 0x1111_8000);
    assert_eq!(m.reg(Reg::Ebx), 0x202 | CF | OF | ZF | PF);
    assert_eq!(m.reg(Reg::Ecx) & (OF | SF | ZF | CF), OF | SF | CF); // inc keeps CF
    assert_eq!(m.reg(Reg::Edx), 0xabcd_ffff);
    assert_eq!(m.reg(Reg::Esi) & (CF | SF | ZF | AF), CF | SF | AF);
}

#[test]
fn shift_counts_zero_one_thirty_one_thirty_two() {
    let m = run(code!("mov eax, 0x80000001; mov cl, 0; stc; shl eax, cl; setc bl; mov cl, 1; shl eax, cl; pushfd; pop esi; mov edx, 3; mov cl, 31; shl edx, cl; setc bh; mov edi, 0x12345678; mov cl, 32; shr edi, cl; int 0x80", &[0xb8, 0x01, 0x00, 0x00, 0x80, 0xb1, 0x00, 0xf9, 0xd3, 0xe0, 0x0f, 0x92, 0xc3, 0xb1, 0x01, 0xd3, 0xe0, 0x9c, 0x5e, 0xba, 0x03, 0x00, 0x00, 0x00, 0xb1, 0x1f, 0xd3, 0xe2, 0x0f, 0x92, 0xc7, 0xbf, 0x78, 0x56, 0x34, 0x12, 0xb1, 0x20, 0xd3, 0xef, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Ebx) & 0xffff, 0x0101);
    assert_eq!(m.reg(Reg::Eax), 2);
    assert_eq!(m.reg(Reg::Esi), 0x202 | CF | OF);
    assert_eq!(m.reg(Reg::Edx), 0x8000_0000);
    assert_eq!(m.reg(Reg::Edi), 0x1234_5678);
}

#[test]
fn sar_rotates_and_double_shifts() {
    let m = run(code!("mov eax, 0x80000010; sar eax, 4; mov ebx, 0x81; rol bl, 1; setc cl; mov edx, 0x12345678; mov esi, 0x9abcdef0; shld edx, esi, 8; mov edi, 0x12345678; shrd edi, esi, 8; clc; mov ebp, 1; rcr ebp, 1; setc ch; int 0x80", &[0xb8, 0x10, 0x00, 0x00, 0x80, 0xc1, 0xf8, 0x04, 0xbb, 0x81, 0x00, 0x00, 0x00, 0xd0, 0xc3, 0x0f, 0x92, 0xc1, 0xba, 0x78, 0x56, 0x34, 0x12, 0xbe, 0xf0, 0xde, 0xbc, 0x9a, 0x0f, 0xa4, 0xf2, 0x08, 0xbf, 0x78, 0x56, 0x34, 0x12, 0x0f, 0xac, 0xf7, 0x08, 0xf8, 0xbd, 0x01, 0x00, 0x00, 0x00, 0xd1, 0xdd, 0x0f, 0x92, 0xc5, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Eax), 0xf800_0001);
    assert_eq!(m.reg(Reg::Ebx), 0x03);
    assert_eq!(m.reg(Reg::Ecx) & 0xffff, 0x0101);
    assert_eq!(m.reg(Reg::Edx), 0x3456_789a);
    assert_eq!(m.reg(Reg::Edi), 0xf012_3456);
    assert_eq!(m.reg(Reg::Ebp), 0);
}

#[test]
fn imul_forms_and_overflow_flags() {
    let m = run(code!("mov eax, 0x10000; mov ecx, 0x10000; imul eax, ecx; pushfd; pop esi; mov eax, -2; mov ecx, 3; imul ecx; pushfd; pop edi; mov ebx, 7; imul ebx, ebx, -3; int 0x80", &[0xb8, 0x00, 0x00, 0x01, 0x00, 0xb9, 0x00, 0x00, 0x01, 0x00, 0x0f, 0xaf, 0xc1, 0x9c, 0x5e, 0xb8, 0xfe, 0xff, 0xff, 0xff, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xf7, 0xe9, 0x9c, 0x5f, 0xbb, 0x07, 0x00, 0x00, 0x00, 0x6b, 0xdb, 0xfd, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Esi) & (CF | OF), CF | OF);
    assert_eq!(
        (m.reg(Reg::Eax), m.reg(Reg::Edx)),
        (0xffff_fffa, 0xffff_ffff)
    );
    assert_eq!(m.reg(Reg::Edi) & (CF | OF), 0);
    assert_eq!(m.reg(Reg::Ebx), -21i32 as u32);
}

#[test]
fn mul_div_idiv() {
    let m = run(code!("mov eax, 0x80000000; mov ecx, 4; mul ecx; mov ebx, eax; mov esi, edx; mov eax, 100; cdq; mov ecx, -7; idiv ecx; int 0x80", &[0xb8, 0x00, 0x00, 0x00, 0x80, 0xb9, 0x04, 0x00, 0x00, 0x00, 0xf7, 0xe1, 0x89, 0xc3, 0x89, 0xd6, 0xb8, 0x64, 0x00, 0x00, 0x00, 0x99, 0xb9, 0xf9, 0xff, 0xff, 0xff, 0xf7, 0xf9, 0xcd, 0x80]));
    assert_eq!((m.reg(Reg::Ebx), m.reg(Reg::Esi)), (0, 2));
    assert_eq!((m.reg(Reg::Eax), m.reg(Reg::Edx)), (-14i32 as u32, 2));
}

#[test]
fn divide_by_zero_stops_at_the_div() {
    let mut m = Machine::new(code!(
        "mov eax, 5; xor edx, edx; xor ecx, ecx; div ecx",
        &[0xb8, 0x05, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x31, 0xc9, 0xf7, 0xf1]
    ));
    assert_eq!(m.run(), Exit::DivideError);
    assert_eq!(m.cpu.eip, CODE + 9);
    assert_eq!(m.reg(Reg::Eax), 5);
    // Quotient overflow: 0x80000000 / -1.
    let mut m = Machine::new(code!(
        "mov eax, 0x80000000; cdq; mov ecx, -1; idiv ecx",
        &[0xb8, 0x00, 0x00, 0x00, 0x80, 0x99, 0xb9, 0xff, 0xff, 0xff, 0xff, 0xf7, 0xf9]
    ));
    assert_eq!(m.run(), Exit::DivideError);
    assert_eq!(m.cpu.eip, CODE + 11);
}

#[test]
fn page_faults_are_precise() {
    let mut m = Machine::new(code!(
        "mov eax, 7; mov eax, [0x50000]",
        &[0xb8, 0x07, 0x00, 0x00, 0x00, 0xa1, 0x00, 0x00, 0x05, 0x00]
    ));
    let Exit::PageFault(f) = m.run() else {
        panic!("no fault")
    };
    assert_eq!((f.addr, f.access), (0x50000, Access::Read));
    assert_eq!((m.cpu.eip, m.reg(Reg::Eax)), (CODE + 5, 7));
    // A push that faults leaves esp alone.
    let mut m = Machine::new(code!(
        "mov esp, 0x50004; push 1",
        &[0xbc, 0x04, 0x00, 0x05, 0x00, 0x6a, 0x01]
    ));
    assert!(matches!(m.run(), Exit::PageFault(_)));
    assert_eq!((m.cpu.eip, m.reg(Reg::Esp)), (CODE + 5, 0x50004));
    // Jumping to unmapped code faults with eip at the target.
    let mut m = Machine::new(code!(
        "mov eax, 0x60000; jmp eax",
        &[0xb8, 0x00, 0x00, 0x06, 0x00, 0xff, 0xe0]
    ));
    let Exit::PageFault(f) = m.run() else {
        panic!("no fault")
    };
    assert_eq!(
        (f.addr, f.access, m.cpu.eip),
        (0x60000, Access::Exec, 0x60000)
    );
}

#[test]
fn rep_movsb_backwards_and_movsd_forwards() {
    let mut m = Machine::new(code!("mov esi, 0x10003; mov edi, 0x10103; mov ecx, 4; std; rep movsb; cld; mov esi, 0x10000; mov edi, 0x12000; mov ecx, 3000; rep movsd; int 0x80", &[0xbe, 0x03, 0x00, 0x01, 0x00, 0xbf, 0x03, 0x01, 0x01, 0x00, 0xb9, 0x04, 0x00, 0x00, 0x00, 0xfd, 0xf3, 0xa4, 0xfc, 0xbe, 0x00, 0x00, 0x01, 0x00, 0xbf, 0x00, 0x20, 0x01, 0x00, 0xb9, 0xb8, 0x0b, 0x00, 0x00, 0xf3, 0xa5, 0xcd, 0x80]));
    m.mem.poke(DATA, b"abcd").unwrap();
    let pattern: Vec<u8> = (0..12000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    m.mem.poke(DATA + 4, &pattern[4..]).unwrap();
    assert_eq!(m.run(), Exit::Syscall);
    let mut out = [0u8; 4];
    m.mem.read_bytes(DATA + 0x100, &mut out).unwrap();
    assert_eq!(&out, b"abcd");
    let mut copy = vec![0u8; 12000];
    m.mem.read_bytes(DATA + 0x2000, &mut copy).unwrap();
    assert_eq!(&copy[..4], b"abcd");
    // The copy overlaps its source from 0x12000 on: bytes come from the
    // already-copied prefix, exactly as element-by-element copying does.
    let mut expect: Vec<u8> = [b"abcd".as_slice(), &pattern[4..]].concat();
    expect[0x100..0x104].copy_from_slice(b"abcd"); // the first copy's output
    for i in 0x2000..12000 {
        expect[i] = expect[i - 0x2000];
    }
    let first_diff = copy.iter().zip(&expect).position(|(a, b)| a != b);
    assert_eq!(first_diff, None);
    assert_eq!(
        (m.reg(Reg::Ecx), m.reg(Reg::Esi), m.reg(Reg::Edi)),
        (0, 0x10000 + 12000, 0x12000 + 12000)
    );
}

#[test]
fn repne_scasb_finds_a_byte() {
    let mut m = Machine::new(code!(
        "mov edi, 0x10000; mov ecx, 100; mov al, 0; repne scasb; int 0x80",
        &[
            0xbf, 0x00, 0x00, 0x01, 0x00, 0xb9, 0x64, 0x00, 0x00, 0x00, 0xb0, 0x00, 0xf2, 0xae,
            0xcd, 0x80
        ]
    ));
    m.mem.poke(DATA, b"hello\0").unwrap();
    assert_eq!(m.run(), Exit::Syscall);
    assert_eq!((m.reg(Reg::Edi), m.reg(Reg::Ecx)), (DATA + 6, 94));
    assert_eq!(m.cpu.eflags() & ZF, ZF);
}

#[test]
fn cmpxchg8b_both_outcomes() {
    let mut m = Machine::new(code!("mov edx, 0x11111111; mov eax, 0x22222222; mov ecx, 0x33333333; mov ebx, 0x44444444; lock cmpxchg8b [0x10000]; setz bl; cmpxchg8b [0x10000]; setz bh; int 0x80", &[0xba, 0x11, 0x11, 0x11, 0x11, 0xb8, 0x22, 0x22, 0x22, 0x22, 0xb9, 0x33, 0x33, 0x33, 0x33, 0xbb, 0x44, 0x44, 0x44, 0x44, 0xf0, 0x0f, 0xc7, 0x0d, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x94, 0xc3, 0x0f, 0xc7, 0x0d, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x94, 0xc7, 0xcd, 0x80]));
    m.mem.write_u64(DATA, 0x1111_1111_2222_2222).unwrap();
    assert_eq!(m.run(), Exit::Syscall);
    // First: equal, so memory takes ecx:ebx. Second: not equal (memory
    // changed), so edx:eax takes memory.
    assert_eq!(m.mem.read_u64(DATA), Ok(0x3333_3333_4444_4444));
    assert_eq!(
        (m.reg(Reg::Edx), m.reg(Reg::Eax)),
        (0x3333_3333, 0x4444_4444)
    );
    assert_eq!(m.reg(Reg::Ebx) & 0xffff, 0x0001);
}

#[test]
fn xadd_cmpxchg_bt_bsf() {
    let mut m = Machine::new(code!("mov eax, 5; mov dword ptr [0x10010], 10; lock xadd [0x10010], eax; mov ecx, 5; mov eax, 15; cmpxchg [0x10010], ecx; mov ebx, -1; bts [0x10010+4], ebx; setc dl; bsr esi, [0x10010]; bsf edi, ecx; int 0x80", &[0xb8, 0x05, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x10, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0xc1, 0x05, 0x10, 0x00, 0x01, 0x00, 0xb9, 0x05, 0x00, 0x00, 0x00, 0xb8, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0xb1, 0x0d, 0x10, 0x00, 0x01, 0x00, 0xbb, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xab, 0x1d, 0x14, 0x00, 0x01, 0x00, 0x0f, 0x92, 0xc2, 0x0f, 0xbd, 0x35, 0x10, 0x00, 0x01, 0x00, 0x0f, 0xbc, 0xf9, 0xcd, 0x80]));
    assert_eq!(m.run(), Exit::Syscall);
    assert_eq!(m.mem.read_u32(DATA + 0x10), Ok(0x8000_0005));
    assert_eq!(m.reg(Reg::Edx) & 0xff, 0);
    assert_eq!((m.reg(Reg::Esi), m.reg(Reg::Edi)), (31, 0));
}

#[test]
fn self_modifying_code_is_redecoded() {
    // The store patches the immediate of the next instruction in the same block.
    let m = run(code!(
        "mov byte ptr [target+1], 42; target: mov eax, 0; int 0x80",
        &[0xc6, 0x05, 0x08, 0x10, 0x00, 0x00, 0x2a, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xcd, 0x80]
    ));
    assert_eq!(m.reg(Reg::Eax), 42);
    // A loop whose body is patched between iterations.
    let m = run(code!("xor ebx, ebx; mov ecx, 3; again: call body; inc byte ptr [body+2]; loop again; int 0x80; body: add ebx, 1; ret", &[0x31, 0xdb, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xe8, 0x0a, 0x00, 0x00, 0x00, 0xfe, 0x05, 0x18, 0x10, 0x00, 0x00, 0xe2, 0xf3, 0xcd, 0x80, 0x83, 0xc3, 0x01, 0xc3]));
    assert_eq!(m.reg(Reg::Ebx), 1 + 2 + 3);
}

#[test]
fn generic_store_to_code_and_three_operand_imul() {
    // `xchg` (a generic op) patches the next instruction of its block.
    let m = run(code!("mov eax, 42; xchg [target+1], eax; target: mov ebx, 0; imul ecx, ebx, -3; imul edx, [target+1], 1000; int 0x80", &[0xb8, 0x2a, 0x00, 0x00, 0x00, 0x87, 0x05, 0x0c, 0x10, 0x00, 0x00, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x6b, 0xcb, 0xfd, 0x69, 0x15, 0x0c, 0x10, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00, 0xcd, 0x80]));
    assert_eq!((m.reg(Reg::Eax), m.reg(Reg::Ebx)), (0, 42));
    assert_eq!((m.reg(Reg::Ecx), m.reg(Reg::Edx)), (-126i32 as u32, 42_000));
    assert_eq!(m.cpu.retired(), 6);
}

#[test]
fn calls_loops_enter_leave() {
    let m = run(code!("mov ecx, 10; xor eax, eax; l: add eax, ecx; loop l; push 1; push 2; call f; mov edx, esp; int 0x80; f: enter 8, 0; mov ebx, [ebp+8]; add ebx, [ebp+12]; leave; ret 8", &[0xb9, 0x0a, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc, 0x6a, 0x01, 0x6a, 0x02, 0xe8, 0x04, 0x00, 0x00, 0x00, 0x89, 0xe2, 0xcd, 0x80, 0xc8, 0x08, 0x00, 0x00, 0x8b, 0x5d, 0x08, 0x03, 0x5d, 0x0c, 0xc9, 0xc2, 0x08, 0x00]));
    assert_eq!(m.reg(Reg::Eax), 55);
    assert_eq!(m.reg(Reg::Ebx), 3);
    assert_eq!(m.reg(Reg::Edx), STACK_TOP);
}

#[test]
fn pusha_popa_pushf_lahf_sahf() {
    let m = run(code!("mov eax, 1; mov ebx, 2; pusha; mov eax, 9; mov ebx, 9; popa; mov ah, 0xd5; sahf; pushfd; pop ecx; xor eax, eax; lahf; int 0x80", &[0xb8, 0x01, 0x00, 0x00, 0x00, 0xbb, 0x02, 0x00, 0x00, 0x00, 0x60, 0xb8, 0x09, 0x00, 0x00, 0x00, 0xbb, 0x09, 0x00, 0x00, 0x00, 0x61, 0xb4, 0xd5, 0x9e, 0x9c, 0x59, 0x31, 0xc0, 0x9f, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Ebx), 2);
    assert_eq!(m.reg(Reg::Ecx) & 0xff, 0xd7);
    assert_eq!(m.reg(Reg::Eax), 0x4600);
}

#[test]
fn cpuid_says_genuine_intel_with_sse2_and_ssse3() {
    let m = run(code!(
        "xor eax, eax; cpuid; mov esi, ebx; mov eax, 1; cpuid; int 0x80",
        &[
            0x31, 0xc0, 0x0f, 0xa2, 0x89, 0xde, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0xcd,
            0x80
        ]
    ));
    assert_eq!(&m.reg(Reg::Esi).to_le_bytes(), b"Genu");
    // CMOV, MMX, FXSR, SSE, SSE2; SSE3, SSSE3 but not SSE4.1.
    let edx = 1 << 15 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26;
    assert_eq!(m.reg(Reg::Edx) & edx, edx);
    assert_eq!(m.reg(Reg::Ecx) & (1 | 1 << 9 | 1 << 19), 1 | 1 << 9);
}

#[test]
fn misaligned_sse_operand_is_a_general_protection_fault() {
    let mut m = Machine::new(code!(
        "mov eax, 0x10000; movdqa xmm1, [eax+4]",
        &[0xb8, 0x00, 0x00, 0x01, 0x00, 0x66, 0x0f, 0x6f, 0x48, 0x04]
    ));
    assert_eq!((m.run(), m.cpu.eip), (Exit::GeneralProtection, CODE + 5));
}

#[test]
fn unmasked_simd_exception_leaves_the_destination() {
    // MXCSR = 0 unmasks everything; 1.0 / 0.0 is a zero divide (#XM).
    let mut m = Machine::new(code!(
        "mov eax, 0x10000; mov dword ptr [eax], 0x3f800000; movss xmm0, [eax]; \
         xorps xmm1, xmm1; ldmxcsr [eax+16]; divss xmm0, xmm1",
        &[
            0xb8, 0x00, 0x00, 0x01, 0x00, 0xc7, 0x00, 0x00, 0x00, 0x80, 0x3f, 0xf3, 0x0f, 0x10,
            0x00, 0x0f, 0x57, 0xc9, 0x0f, 0xae, 0x50, 0x10, 0xf3, 0x0f, 0x5e, 0xc1
        ]
    ));
    assert_eq!((m.run(), m.cpu.eip), (Exit::FpuError, CODE + 22));
    let image = m.cpu.fpu.fxsave_image();
    assert_eq!(&image[24..28], &4u32.to_le_bytes(), "MXCSR has ZE");
    assert_eq!(&image[160..164], &0x3f80_0000u32.to_le_bytes(), "xmm0 kept");
}

#[test]
fn mmx_takes_over_the_x87_registers() {
    let m = run(code!(
        "mov eax, 0x12345678; movd mm3, eax; paddd mm3, mm3; movd xmm5, eax; \
         pshufd xmm5, xmm5, 0; paddusb xmm5, xmm5; pmovmskb ecx, xmm5; \
         fnstenv [0x10000]; emms; fnstenv [0x10020]; int 0x80",
        &[
            0xb8, 0x78, 0x56, 0x34, 0x12, 0x0f, 0x6e, 0xd8, 0x0f, 0xfe, 0xdb, 0x66, 0x0f, 0x6e,
            0xe8, 0x66, 0x0f, 0x70, 0xed, 0x00, 0x66, 0x0f, 0xdc, 0xed, 0x66, 0x0f, 0xd7, 0xcd,
            0xd9, 0x35, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x77, 0xd9, 0x35, 0x20, 0x00, 0x01, 0x00,
            0xcd, 0x80
        ]
    ));
    // Bytes f0 ac 68 24 (saturated doubles of 78 56 34 12): signs 0011.
    assert_eq!(m.reg(Reg::Ecx), 0x3333);
    let image = m.cpu.fpu.fxsave_image();
    assert_eq!(
        &image[32 + 3 * 16..32 + 3 * 16 + 10],
        &[0xf0, 0xac, 0x68, 0x24, 0, 0, 0, 0, 0xff, 0xff]
    );
    let mut m = m;
    let word = |m: &mut Machine, at: u32| {
        let mut b = [0; 2];
        m.mem.read_bytes(at, &mut b).unwrap();
        u16::from_le_bytes(b)
    };
    // After MMX: TOP 0, every register valid; mm3 (exponent all ones) is
    // "special", the others hold zeros.
    assert_eq!(word(&mut m, DATA + 4) >> 11 & 7, 0);
    assert_eq!(word(&mut m, DATA + 8), 0x5595);
    // After emms: all empty.
    assert_eq!(word(&mut m, DATA + 0x28), 0xffff);
}

#[test]
fn exits_for_bad_and_privileged_code() {
    let mut m = Machine::new(code!("nop; ud2", &[0x90, 0x0f, 0x0b]));
    assert_eq!((m.run(), m.cpu.eip), (Exit::InvalidOpcode, CODE + 1));
    let mut m = Machine::new(code!("int3", &[0xcc]));
    assert_eq!((m.run(), m.cpu.eip), (Exit::Breakpoint, CODE + 1));
    let mut m = Machine::new(code!("hlt", &[0xf4]));
    assert_eq!((m.run(), m.cpu.eip), (Exit::GeneralProtection, CODE));
    let mut m = Machine::new(code!("int 0x81", &[0xcd, 0x81]));
    assert_eq!(m.run(), Exit::GeneralProtection);
    let mut m = Machine::new(&[0xf0, 0x90]); // lock nop
    assert_eq!(m.run(), Exit::InvalidOpcode);
    let mut m = Machine::new(code!("l: jmp l", &[0xeb, 0xfe]));
    assert_eq!(m.cpu.run(&mut m.mem, &mut m.cache, 100), Exit::Budget);
}

#[test]
fn bcd_adjusts() {
    let m = run(code!("mov al, 0x19; add al, 0x28; daa; mov bl, al; mov al, 0x42; sub al, 0x13; das; mov bh, al; mov ax, 0x0009; add al, 3; aaa; mov ecx, eax; mov ax, 0x0035; aam 10; mov edx, eax; int 0x80", &[0xb0, 0x19, 0x04, 0x28, 0x27, 0x88, 0xc3, 0xb0, 0x42, 0x2c, 0x13, 0x2f, 0x88, 0xc7, 0x66, 0xb8, 0x09, 0x00, 0x04, 0x03, 0x37, 0x89, 0xc1, 0x66, 0xb8, 0x35, 0x00, 0xd4, 0x0a, 0x89, 0xc2, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Ebx) & 0xffff, 0x2947);
    assert_eq!(m.reg(Reg::Ecx) & 0xffff, 0x0102);
    assert_eq!(m.reg(Reg::Edx) & 0xffff, 0x0503);
}

#[test]
fn segment_override_uses_the_tls_base() {
    let mut m = Machine::new(code!(
        "mov eax, 0x33; mov gs, eax; mov eax, gs:[4]; int 0x80",
        &[
            0xb8, 0x33, 0x00, 0x00, 0x00, 0x8e, 0xe8, 0x65, 0xa1, 0x04, 0x00, 0x00, 0x00, 0xcd,
            0x80
        ]
    ));
    m.cpu.tls[0] = tabvm_cpu::TlsDescriptor {
        base: DATA,
        limit: 0xfffff,
        present: true,
    };
    m.mem.write_u32(DATA + 4, 0xfeed).unwrap();
    assert_eq!(m.run(), Exit::Syscall);
    assert_eq!(m.reg(Reg::Eax), 0xfeed);
}

#[test]
fn budget_stops_between_instructions_and_resumes() {
    let mut m = Machine::new(code!(
        "mov eax, 1; mov ebx, 2; mov ecx, 3; int 0x80; mov edx, 4; int 0x80",
        &[
            0xb8, 0x01, 0x00, 0x00, 0x00, 0xbb, 0x02, 0x00, 0x00, 0x00, 0xb9, 0x03, 0x00, 0x00,
            0x00, 0xcd, 0x80, 0xba, 0x04, 0x00, 0x00, 0x00, 0xcd, 0x80
        ]
    ));
    assert_eq!(m.cpu.run(&mut m.mem, &mut m.cache, 2), Exit::Budget);
    assert_eq!(
        (m.cpu.eip, m.reg(Reg::Ebx), m.reg(Reg::Ecx)),
        (CODE + 10, 2, 0)
    );
    assert_eq!(m.run(), Exit::Syscall);
    assert_eq!((m.cpu.eip, m.reg(Reg::Ecx)), (CODE + 17, 3));
    // The kernel resumes after `int 0x80`.
    assert_eq!(m.run(), Exit::Syscall);
    assert_eq!(m.reg(Reg::Edx), 4);
}

#[test]
fn remapped_code_page_is_redecoded() {
    let mut m = run(code!(
        "mov eax, 1; int 0x80",
        &[0xb8, 0x01, 0x00, 0x00, 0x00, 0xcd, 0x80]
    ));
    assert_eq!(m.reg(Reg::Eax), 1);
    // Replace the page as munmap + mmap + write would; the cached block must go.
    m.mem.unmap(CODE, 0x1000).unwrap();
    m.mem
        .map_fixed(CODE, 0x1000, Prot::READ | Prot::EXEC, "code")
        .unwrap();
    m.mem
        .poke(
            CODE,
            code!(
                "mov eax, 2; int 0x80",
                &[0xb8, 0x02, 0x00, 0x00, 0x00, 0xcd, 0x80]
            ),
        )
        .unwrap();
    m.cpu.eip = CODE;
    assert_eq!(m.run(), Exit::Syscall);
    assert_eq!(m.reg(Reg::Eax), 2);
}

#[test]
fn sixteen_bit_forms() {
    let m = run(code!("mov eax, 0x12345678; mov bx, 0xffff; add ax, bx; setc cl; movzx edx, ax; mov esi, 0x00010000; mov si, -2; movsx edi, si; pushw 0x1234; pop bp; int 0x80", &[0xb8, 0x78, 0x56, 0x34, 0x12, 0x66, 0xbb, 0xff, 0xff, 0x66, 0x01, 0xd8, 0x0f, 0x92, 0xc1, 0x0f, 0xb7, 0xd0, 0xbe, 0x00, 0x00, 0x01, 0x00, 0x66, 0xbe, 0xfe, 0xff, 0x0f, 0xbf, 0xfe, 0x66, 0x68, 0x34, 0x12, 0x66, 0x5d, 0xcd, 0x80]));
    assert_eq!(m.reg(Reg::Eax), 0x1234_5677);
    assert_eq!(m.reg(Reg::Ecx) & 0xff, 1);
    assert_eq!(m.reg(Reg::Edx), 0x5677);
    assert_eq!(
        (m.reg(Reg::Esi), m.reg(Reg::Edi)),
        (0x0001_fffe, 0xffff_fffe)
    );
    assert_eq!(m.reg(Reg::Ebp) & 0xffff, 0x1234);
    assert_eq!(m.reg(Reg::Esp), STACK_TOP);
}

/// Random bytes as code: whatever they decode to, the CPU must exit cleanly
/// (never panic), which is the engine's promise about guest input.
#[test]
fn random_code_never_panics() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let code: Vec<u8> = (0..96).map(|_| next() as u8).collect();
        let mut m = Machine::new(&code);
        for r in [
            Reg::Eax,
            Reg::Ebx,
            Reg::Ecx,
            Reg::Edx,
            Reg::Esi,
            Reg::Edi,
            Reg::Ebp,
        ] {
            // Mostly pointers into the data area, sometimes anything.
            let v = next() as u32;
            m.cpu.set_reg(
                r,
                if v & 3 == 0 {
                    v
                } else {
                    DATA + (v >> 8) % 0x8000
                },
            );
        }
        m.cpu.set_eflags(next() as u32);
        let mut exits = 0;
        while exits < 8 {
            match m.cpu.run(&mut m.mem, &mut m.cache, 200) {
                Exit::Syscall | Exit::Breakpoint => exits += 1,
                _ => break,
            }
        }
    }
}

/// Random two-byte-opcode instructions (the SIMD space: optional 66/F2/F3
/// prefix, 0F, random opcode, ModRM with a register or `[reg]` operand,
/// an immediate byte) with random vector state: nothing may panic.
#[test]
fn random_simd_code_never_panics() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let mut code = Vec::new();
        for _ in 0..16 {
            let r = next();
            if let Some(&p) = [0x66, 0xf2, 0xf3].get(r as usize % 5) {
                code.push(p);
            }
            // A register operand, or memory at [reg] (no SIB, no displacement).
            let reg = (r >> 16) as u8 & 0x38;
            let rm = (r >> 21) as usize;
            let modrm = if r >> 20 & 1 == 0 {
                0xc0 | reg | (rm & 7) as u8
            } else {
                reg | [0, 1, 2, 3, 6, 7][rm % 6]
            };
            code.extend([0x0f, (r >> 8) as u8, modrm, (r >> 24) as u8]);
        }
        code.extend([0xcd, 0x80]);
        let mut m = Machine::new(&code);
        for r in [Reg::Eax, Reg::Ebx, Reg::Ecx, Reg::Edx, Reg::Esi, Reg::Edi] {
            // Room for the 512-byte fxsave image within the data area.
            m.cpu.set_reg(r, DATA + (next() as u32 >> 8) % 0x7c00);
        }
        let mut image = m.cpu.fpu.fxsave_image();
        for b in &mut image[32..288] {
            *b = next() as u8;
        }
        image[24..28].copy_from_slice(&(0x1f80 | (next() as u32 & 0xe07f)).to_le_bytes());
        assert!(m.cpu.fpu.load_fxsave_image(&image));
        let mut exits = 0;
        while exits < 4 {
            match m.cpu.run(&mut m.mem, &mut m.cache, 200) {
                Exit::Syscall | Exit::Breakpoint => exits += 1,
                _ => break,
            }
        }
    }
}

#[test]
fn fused_compare_and_branch_is_precise() {
    // A loop ending in cmp + jcc (fused): counts, faults and budget stops.
    let m = run(code!(
        "xor eax, eax; l: inc eax; cmp eax, 1000; jb l; int 0x80",
        &[0x31, 0xc0, 0x40, 0x3d, 0xe8, 0x03, 0x00, 0x00, 0x72, 0xf8, 0xcd, 0x80]
    ));
    assert_eq!(m.reg(Reg::Eax), 1000);
    assert_eq!(m.cpu.eflags() & (ZF | CF), ZF);
    let mut m = Machine::new(code!(
        "mov eax, 3; cmp dword ptr [0x50000], eax; jne l; l: int 0x80",
        &[
            0xb8, 0x03, 0x00, 0x00, 0x00, 0x39, 0x05, 0x00, 0x00, 0x05, 0x00, 0x75, 0x00, 0xcd,
            0x80
        ]
    ));
    let Exit::PageFault(f) = m.run() else {
        panic!("no fault")
    };
    assert_eq!((f.addr, m.cpu.eip), (0x50000, CODE + 5));
    // Budget 2 ends between the two instructions of the first block at the latest.
    let mut m = Machine::new(code!(
        "l: inc eax; test eax, eax; jnz l",
        &[0x40, 0x85, 0xc0, 0x75, 0xfb]
    ));
    assert_eq!(m.cpu.run(&mut m.mem, &mut m.cache, 1), Exit::Budget);
    assert_eq!((m.cpu.eip, m.reg(Reg::Eax)), (CODE + 1, 1));
}
