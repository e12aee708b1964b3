//! Translated code against the interpreter: each program runs once
//! interpreted and once with every block translated on first execution
//! (`JitMode::Force`), and must stop with the same exit, registers, flags,
//! retired count and memory — including at faults, at an exhausted budget
//! and after the program rewrites its own code.

use tabvm_cpu::{install_jit, remove_jit, BlockCache, Cpu, JitMode};
use tabvm_jit::WasmtimeEngine;
use tabvm_mem::{AddressSpace, Prot};

const CODE: u32 = 0x1000;
const DATA: u32 = 0x10_0000;
const STACK_TOP: u32 = 0x20_0000;

/// Everything a run leaves behind.
#[derive(Debug, PartialEq)]
struct Outcome {
    exit: String,
    regs: [u32; 8],
    eip: u32,
    eflags: u32,
    retired: u64,
    data: Vec<u8>,
}

fn run(code: &[u8], budget: u64, jit: bool) -> Outcome {
    if jit {
        let engine = WasmtimeEngine::new().expect("wasmtime engine");
        install_jit(JitMode::Force, Box::new(engine));
    }
    let mut mem = AddressSpace::new();
    let rwx = Prot::READ | Prot::WRITE | Prot::EXEC;
    mem.map_fixed(CODE, 0x1000, rwx, "code").unwrap();
    mem.poke(CODE, code).unwrap();
    mem.map_fixed(DATA, 0x4000, Prot::READ | Prot::WRITE, "data")
        .unwrap();
    let pattern: Vec<u8> = (0..0x4000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    mem.poke(DATA, &pattern).unwrap();
    mem.map_fixed(
        STACK_TOP - 0x4000,
        0x4000,
        Prot::READ | Prot::WRITE,
        "stack",
    )
    .unwrap();
    let mut cpu = Cpu::new();
    cpu.regs = [
        0x1234_5678,
        7,
        0x8000_0001,
        0xffff_fff0,
        STACK_TOP - 0x100,
        0x42,
        DATA,
        DATA + 0x2000,
    ];
    cpu.eip = CODE;
    let mut cache = BlockCache::new();
    let exit = cpu.run(&mut mem, &mut cache, budget);
    let mut data = vec![0; 0x4000];
    mem.read_bytes(DATA, &mut data).unwrap();
    remove_jit();
    Outcome {
        exit: format!("{exit:?}"),
        regs: cpu.regs,
        eip: cpu.eip,
        eflags: cpu.eflags(),
        retired: cpu.retired(),
        data,
    }
}

fn same_both_ways(code: &[u8], budget: u64) -> Outcome {
    let interpreted = run(code, budget, false);
    let translated = run(code, budget, true);
    assert_eq!(translated, interpreted);
    interpreted
}

/// A loop of loads, a read-modify-write store and a counter.
const SUM: &[u8] = &[
    0xb9, 0xe8, 0x03, 0x00, 0x00, // mov ecx, 1000
    0x8b, 0x04, 0x8e, // L: mov eax, [esi+ecx*4]
    0x01, 0xc2, // add edx, eax
    0x31, 0x14, 0x8f, // xor [edi+ecx*4], edx
    0x49, // dec ecx
    0x75, 0xf5, // jnz L
    0xcd, 0x80, // int 0x80
];

#[test]
fn loops_with_loads_and_stores_agree() {
    let out = same_both_ways(SUM, 1_000_000);
    assert_eq!((out.exit.as_str(), out.retired), ("Syscall", 5002));
}

#[test]
fn an_exhausted_budget_stops_both_at_the_same_instruction() {
    for budget in [1, 2, 3, 777, 4000] {
        assert_eq!(same_both_ways(SUM, budget).exit, "Budget");
    }
}

/// Arithmetic, logic, shifts, multiplies, byte registers, conditional
/// moves and sets, calls and the stack, in a loop whose flags feed
/// branches (see the assembly in the comments).
const MIX: &[u8] = &[
    0xb9, 0x2c, 0x01, 0x00, 0x00, // mov ecx, 300
    0x69, 0xc0, 0x6d, 0x4e, 0xc6, 0x41, // L: imul eax, eax, 1103515245
    0x05, 0x39, 0x30, 0x00, 0x00, // add eax, 12345
    0x89, 0xc3, // mov ebx, eax
    0xc1, 0xeb, 0x07, // shr ebx, 7
    0xc1, 0xfa, 0x03, // sar edx, 3
    0x38, 0xc3, // cmp bl, al
    0x0f, 0x92, 0xc6, // setb dh
    0x11, 0xda, // adc edx, ebx
    0x19, 0xc5, // sbb ebp, eax
    0xf7, 0xdd, // neg ebp
    0xf7, 0xd3, // not ebx
    0x0f, 0xbe, 0xff, // movsx edi, bh
    0x0f, 0xb7, 0xf2, // movzx esi, dx
    0xf7, 0xc6, 0x40, 0x00, 0x00, 0x00, // test esi, 0x40
    0x0f, 0x45, 0xd7, // cmovnz edx, edi
    0xc1, 0xe7, 0x05, // shl edi, 5
    0x09, 0xfd, // or ebp, edi
    0x30, 0xfa, // xor dl, bh
    0x8d, 0x7c, 0x58, 0x07, // lea edi, [eax+ebx*2+7]
    0xe8, 0x13, 0x00, 0x00, 0x00, // call f
    0x89, 0x44, 0x24, 0xc0, // mov [esp-64], eax
    0x2b, 0x44, 0x24, 0xc0, // sub eax, [esp-64]
    0x39, 0xea, // cmp edx, ebp
    0x7f, 0x01, // jg +1
    0x42, // inc edx
    0x99, // cdq
    0x49, // dec ecx
    0x75, 0xb0, // jnz L
    0xcd, 0x80, // int 0x80
    0x53, // f: push ebx
    0x68, 0x34, 0x12, 0x00, 0x00, // push 0x1234
    0x5b, // pop ebx
    0x0f, 0xbe, 0xd8, // movsx ebx, al
    0x39, 0xd3, // cmp ebx, edx
    0x0f, 0x4c, 0xd3, // cmovl edx, ebx
    0x0f, 0x9e, 0xc3, // setle bl
    0x01, 0xdd, // add ebp, ebx
    0x5b, // pop ebx
    0xc3, // ret
];

#[test]
fn integer_mix_agrees_flag_for_flag() {
    assert_eq!(same_both_ways(MIX, 1_000_000).exit, "Syscall");
    for budget in [50, 1001, 5003] {
        same_both_ways(MIX, budget);
    }
}

#[test]
fn a_fault_leaves_the_state_of_the_faulting_instruction() {
    let probe = [
        0x8b, 0x06, // L: mov eax, [esi]
        0x81, 0xc6, 0x00, 0x10, 0x00, 0x00, // add esi, 4096
        0x41, // inc ecx
        0xeb, 0xf5, // jmp L
    ];
    let out = same_both_ways(&probe, 1_000_000);
    assert!(out.exit.starts_with("PageFault"), "{}", out.exit);
    assert_eq!((out.eip, out.regs[6]), (CODE, DATA + 0x4000));
}

#[test]
fn code_that_rewrites_itself_runs_the_new_bytes() {
    let smc = [
        0xb9, 0x32, 0x00, 0x00, 0x00, // mov ecx, 50
        0xb8, 0x00, 0x00, 0x00, 0x00, // L: mov eax, 0 (the immediate at 0x1006)
        0xff, 0x05, 0x06, 0x10, 0x00, 0x00, // inc dword [0x1006]
        0x01, 0xc2, // add edx, eax
        0x49, // dec ecx
        0x75, 0xf0, // jnz L
        0xcd, 0x80, // int 0x80
    ];
    let out = same_both_ways(&smc, 1_000_000);
    // edx started at 0x8000_0001 and gained 0 + 1 + … + 49.
    assert_eq!(out.regs[2], 0x8000_0001 + 49 * 50 / 2);
}
