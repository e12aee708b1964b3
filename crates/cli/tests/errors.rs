//! Bad input and bad guest behaviour: `tabvm run` must refuse files it cannot run
//! with one clear line on stderr (prefixed `tabvm: `) and the shell's exit codes
//! (127 not found, 126 not runnable), and a misbehaving guest must meet the same fate
//! as natively (SIGILL, SIGSEGV, -ENOSYS) without the engine failing.

mod common;

use common::{
    describe_difference, fresh_dir, require_gcc_m32, scratch, Invocation, Outcome, I386_STATIC,
};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn work_dir(name: &str) -> PathBuf {
    let dir = scratch("errors").join(name);
    fresh_dir(&dir);
    dir
}

/// Writes `source` to a file and builds it with `flags`.
fn build(name: &str, source: &str, flags: &[&str]) -> PathBuf {
    let src = scratch("errors-src").join(format!("{name}.c"));
    // Only rewrite when changed, so the compile cache keeps working across runs.
    if fs::read_to_string(&src).ok().as_deref() != Some(source) {
        fs::write(&src, source).expect("write test source");
    }
    common::compile(&src, flags, "err").unwrap_or_else(|e| panic!("{e}"))
}

fn write_executable(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).expect("write file");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Asserts a refused program: the exit status and a single `tabvm: ` line
/// containing `needle` (case-insensitive).
fn assert_refused(out: &Outcome, status: i32, needle: &str) {
    let err = out.stderr_text();
    assert_eq!(out.status, status, "wrong exit status; stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "refusal printed to stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        err.lines().count(),
        1,
        "expected exactly one line on stderr, got: {err:?}"
    );
    assert!(
        err.starts_with("tabvm: "),
        "stderr lacks the `tabvm: ` prefix: {err:?}"
    );
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "stderr {err:?} does not mention {needle:?}"
    );
}

/// Runs `program` under tabvm; refused programs never start, so the working directory
/// is shared by the tests (which run in parallel) and never cleared.
fn tabvm_on(program: &Path) -> Outcome {
    Invocation::new(program, scratch("errors")).run_tabvm(&[])
}

#[test]
fn missing_program_is_127() {
    let out = tabvm_on(Path::new("/nonexistent/tabvm-test/program"));
    assert_refused(&out, 127, "no such file");
}

#[test]
fn text_file_is_not_an_elf() {
    let path = work_dir("text").join("script.txt");
    write_executable(&path, b"just some text, not a program\n");
    assert_refused(&tabvm_on(&path), 126, "not an ELF executable");
}

#[test]
fn elf64_is_refused() {
    let prog = build("hello64", "int main(void) { return 0; }\n", &["-static"]);
    assert_refused(
        &tabvm_on(&prog),
        126,
        "64-bit ELF executables are not supported",
    );
}

/// A minimal ELF32 little-endian executable header for ARM (e_machine 40) with one
/// PT_LOAD program header: valid enough that only the machine is wrong.
fn arm_elf() -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(b"\x7fELF");
    f.extend_from_slice(&[1, 1, 1, 0]); // ELFCLASS32, little endian, version 1, SysV ABI
    f.extend_from_slice(&[0; 8]); // padding up to e_ident[16]
    let half = |f: &mut Vec<u8>, v: u16| f.extend_from_slice(&v.to_le_bytes());
    let word = |f: &mut Vec<u8>, v: u32| f.extend_from_slice(&v.to_le_bytes());
    half(&mut f, 2); // e_type ET_EXEC
    half(&mut f, 40); // e_machine EM_ARM
    word(&mut f, 1); // e_version
    word(&mut f, 0x8054); // e_entry
    word(&mut f, 52); // e_phoff
    word(&mut f, 0); // e_shoff
    word(&mut f, 0x0500_0000); // e_flags (EABI5)
    half(&mut f, 52); // e_ehsize
    half(&mut f, 32); // e_phentsize
    half(&mut f, 1); // e_phnum
    half(&mut f, 40); // e_shentsize
    half(&mut f, 0); // e_shnum
    half(&mut f, 0); // e_shstrndx
    assert_eq!(f.len(), 52);
    for v in [1u32, 0, 0x8000, 0x8000, 0x58, 0x58, 5, 0x1000] {
        word(&mut f, v); // PT_LOAD of the whole file, R+X
    }
    f.extend_from_slice(&[0; 4]);
    f
}

#[test]
fn non_x86_elf_is_refused() {
    let path = work_dir("arm").join("arm-program");
    write_executable(&path, &arm_elf());
    assert_refused(&tabvm_on(&path), 126, "not i386");
}

#[test]
fn dynamic_elf_runs_with_the_roots_loader() {
    require_gcc_m32();
    let prog = build("dynamic32", "int main(void) { return 7; }\n", &["-m32"]);
    let out = tabvm_on(&prog);
    assert_eq!(out.status, 7, "{}", out.stderr_text());
}

#[test]
fn missing_program_interpreter_is_named() {
    require_gcc_m32();
    let prog = build(
        "nointerp",
        "int main(void) { return 0; }\n",
        &["-m32", "-Wl,--dynamic-linker=/lib/ld-tabvm-missing.so.2"],
    );
    assert_refused(
        &tabvm_on(&prog),
        127,
        "its program interpreter /lib/ld-tabvm-missing.so.2 does not exist",
    );
}

#[test]
fn missing_root_is_a_clear_error() {
    let out = std::process::Command::new(common::tabvm_bin())
        .args([
            "run",
            "--root",
            "/nonexistent/tabvm-root",
            "--",
            "/bin/true",
        ])
        .env_clear()
        .output()
        .expect("run tabvm");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "tabvm accepted a missing root");
    assert_eq!(
        err.lines().count(),
        1,
        "expected one line on stderr: {err:?}"
    );
    assert!(
        err.starts_with("tabvm: ") && err.contains("/nonexistent/tabvm-root"),
        "unclear error: {err:?}"
    );
}

/// Builds `source` as a static i386 program and checks that tabvm matches native.
fn same_as_native(name: &str, source: &str, expected_status: i32) -> (Invocation, Outcome) {
    require_gcc_m32();
    let mut flags = I386_STATIC.to_vec();
    flags.push("-O1");
    let inv = Invocation::new(build(name, source, &flags), work_dir(name));
    let native = inv.run_native();
    assert_eq!(
        native.status, expected_status,
        "native run of {name} is not what the test expects"
    );
    let emulated = inv.run_tabvm(&[]);
    if let Some(diff) = describe_difference(&native, &emulated) {
        panic!("{name} under tabvm differs from native:\n{diff}");
    }
    (inv, native)
}

#[test]
fn invalid_opcode_is_sigill() {
    let src = "#include <stdio.h>\nint main(void) { puts(\"before\"); fflush(stdout);\n\
               __asm__ volatile(\"ud2\"); puts(\"after\"); return 0; }\n";
    same_as_native("ud2", src, 128 + 4);
}

#[test]
fn wild_store_is_sigsegv() {
    let src = "#include <stdio.h>\nint main(void) { puts(\"before\"); fflush(stdout);\n\
               *(volatile int *)0x10 = 1; puts(\"after\"); return 0; }\n";
    same_as_native("wild_store", src, 128 + 11);
}

const UNKNOWN_SYSCALL: &str = r#"
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void)
{
    long r;
    /* int 0x80 directly, so the number reaches the kernel unchanged. */
    __asm__ volatile("int $0x80" : "=a"(r) : "0"(1000L) : "memory");
    printf("int 0x80 with eax=1000 -> %ld (-ENOSYS is %d)\n", r, -ENOSYS);
    errno = 0;
    r = syscall(1000);
    printf("syscall(1000) -> %ld errno ENOSYS=%d\n", r, errno == ENOSYS);
    return 0;
}
"#;

#[test]
fn unknown_syscall_is_enosys_and_logged() {
    let (inv, native) = same_as_native("unknown_syscall", UNKNOWN_SYSCALL, 0);
    let logged = inv.run_tabvm(&["--log"]);
    assert_eq!(
        logged.stdout, native.stdout,
        "--log changed the guest's output"
    );
    assert_eq!(logged.status, native.status);
    let err = logged.stderr_text();
    assert!(
        err.contains("unimplemented system call"),
        "--log did not name the system call: {err:?}"
    );
    assert!(
        err.contains("1000"),
        "log line does not give the number 1000: {err:?}"
    );
}
