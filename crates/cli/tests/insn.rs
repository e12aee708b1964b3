//! Differential instruction tests: tens of thousands of instruction ×
//! operand × flags-in cases, run natively (the oracle) and under
//! `tabvm run`, compared record by record.
//!
//! `tests/insn/gen.py` writes one assembly program and one case table
//! (`<family>.tsv`: index, instruction text, inputs, defined-flag mask) per
//! instruction family; each program prints one 96-byte record per case (the
//! layout is documented in gen.py and mirrored by `FIELDS`). Flags the Intel
//! SDM calls undefined are already masked out by the programs, so every
//! difference is a real one. The `de_*` programs end in a divide error; for
//! them the output and exit status (128+SIGFPE) are compared.
//!
//! Set `TABVM_INSN_EMULATOR` (e.g. to `qemu-i386`) to compare against
//! another emulator instead of tabvm — useful to check the masks.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};
use std::sync::OnceLock;

const RECORD_BYTES: usize = 96;
/// Names of the 24 dwords of a record (see gen.py).
const FIELDS: [&str; 24] = [
    "index",
    "eax",
    "ecx",
    "edx",
    "ebx",
    "esi",
    "edi",
    "ebp",
    "eflags",
    "esp-(stk+128)",
    "[scr+56]",
    "[scr+60]",
    "[scr+64]",
    "[scr+68]",
    "[scr+72]",
    "[scr+76]",
    "[scr+80]",
    "[scr+84]",
    "[scr+88]",
    "[scr+92]",
    "[scr+96]",
    "[scr+100]",
    "hash(scr)",
    "hash(stk)",
];
/// Fields always shown for a failing case; the memory ones only when they differ.
const ALWAYS_SHOWN: usize = 10;
/// Failing cases printed in full per family; the rest are only counted.
const SHOWN_PER_FAMILY: usize = 4;
const FLAG_NAMES: [(u32, &str); 7] = [
    (0x1, "CF"),
    (0x4, "PF"),
    (0x10, "AF"),
    (0x40, "ZF"),
    (0x80, "SF"),
    (0x400, "DF"),
    (0x800, "OF"),
];

/// The generated and assembled programs, shared by the tests of this file.
struct Suite {
    dir: PathBuf,
    families: Vec<String>,
    divide_errors: Vec<String>,
}

fn suite() -> &'static Suite {
    static SUITE: OnceLock<Suite> = OnceLock::new();
    SUITE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("insn");
        let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/insn/gen.py");
        check(
            Command::new("python3").arg(&gen).arg(&dir),
            "python3 tests/insn/gen.py",
        );
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("read generated directory")
            .filter_map(|e| {
                e.ok()?
                    .file_name()
                    .to_str()?
                    .strip_suffix(".s")
                    .map(String::from)
            })
            .collect();
        names.sort();
        for name in &names {
            let src = dir.join(format!("{name}.s"));
            let exe = dir.join(name);
            check(
                Command::new("gcc")
                    .args([
                        "-m32",
                        "-static",
                        "-nostdlib",
                        "-Wl,--no-warn-rwx-segments",
                        "-o",
                    ])
                    .arg(&exe)
                    .arg(&src),
                "gcc -m32 -static -nostdlib (needs gcc-multilib)",
            );
        }
        let (divide_errors, families) = names.into_iter().partition(|n| n.starts_with("de_"));
        Suite {
            dir,
            families,
            divide_errors,
        }
    })
}

fn check(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_native(exe: &Path) -> Output {
    Command::new(exe)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()))
}

fn run_emulated(exe: &Path) -> Output {
    let mut cmd = match std::env::var("TABVM_INSN_EMULATOR") {
        Ok(prefix) => {
            let mut words = prefix.split_whitespace();
            let mut cmd = Command::new(words.next().expect("TABVM_INSN_EMULATOR is empty"));
            cmd.args(words);
            cmd
        }
        Err(_) => {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_tabvm"));
            cmd.args(["run", "--root", "/", "--"]);
            cmd
        }
    };
    cmd.arg(exe)
        .output()
        .unwrap_or_else(|e| panic!("emulate {}: {e}", exe.display()))
}

/// Exit status as a shell reports it: 128+N for death by signal N.
fn shell_status(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

struct CaseRow {
    text: String,
    inputs: String,
    mask: String,
}

fn read_table(path: &Path) -> Vec<CaseRow> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 4, "{}: bad row {line:?}", path.display());
            CaseRow {
                text: cols[1].into(),
                inputs: cols[2].into(),
                mask: cols[3].into(),
            }
        })
        .collect()
}

fn record(out: &[u8], i: usize) -> [u32; 24] {
    let bytes = &out[i * RECORD_BYTES..(i + 1) * RECORD_BYTES];
    std::array::from_fn(|k| u32::from_le_bytes(bytes[4 * k..4 * k + 4].try_into().unwrap()))
}

fn flag_names(bits: u32) -> String {
    FLAG_NAMES
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One failing case, with differing fields marked `*`.
fn describe(
    family: &str,
    i: usize,
    row: &CaseRow,
    native: &[u32; 24],
    emulated: &[u32; 24],
) -> String {
    let mut s = format!(
        "[{family}] case {i}: {}\n    inputs: {} (flags mask {})\n    {:<14} {:>10} {:>10}\n",
        row.text, row.inputs, row.mask, "field", "native", "emulated"
    );
    for k in 1..FIELDS.len() {
        let differs = native[k] != emulated[k];
        if k < ALWAYS_SHOWN || differs {
            let mark = if differs { '*' } else { ' ' };
            s += &format!(
                "  {mark} {:<14} {:>10x} {:>10x}",
                FIELDS[k], native[k], emulated[k]
            );
            if k == 8 && differs {
                s += &format!("   differ: {}", flag_names(native[k] ^ emulated[k]));
            }
            s.push('\n');
        }
    }
    s
}

/// Compares one family; returns (cases, failing cases) and prints details.
fn compare_family(suite: &Suite, family: &str) -> (usize, usize) {
    let rows = read_table(&suite.dir.join(format!("{family}.tsv")));
    let exe = suite.dir.join(family);
    let native = run_native(&exe);
    assert!(
        native.status.success() && native.stdout.len() == rows.len() * RECORD_BYTES,
        "{family}: native run is broken ({}, {} bytes for {} cases): generator bug",
        native.status,
        native.stdout.len(),
        rows.len()
    );
    let emulated = run_emulated(&exe);
    let done = (emulated.stdout.len() / RECORD_BYTES).min(rows.len());
    let mut failed = 0;
    for (i, row) in rows.iter().enumerate().take(done) {
        let (n, e) = (record(&native.stdout, i), record(&emulated.stdout, i));
        if n != e {
            if failed < SHOWN_PER_FAMILY {
                println!("{}", describe(family, i, row, &n, &e));
            }
            failed += 1;
        }
    }
    if failed > SHOWN_PER_FAMILY {
        println!(
            "[{family}] … and {} more differing cases\n",
            failed - SHOWN_PER_FAMILY
        );
    }
    if !emulated.status.success() || emulated.stdout.len() != native.stdout.len() {
        let next = rows
            .get(done)
            .map_or("-".to_string(), |r| format!("case {done}: {}", r.text));
        println!(
            "[{family}] emulated run ended with status {} after {done} of {} records \
             (next: {next})\n    stderr: {}",
            shell_status(emulated.status),
            rows.len(),
            String::from_utf8_lossy(&emulated.stderr).trim_end()
        );
        failed += rows.len() - done;
    }
    (rows.len(), failed)
}

#[test]
fn instructions_match_native() {
    let suite = suite();
    let mut summary = BTreeMap::new();
    let (mut total, mut total_failed) = (0, 0);
    for family in &suite.families {
        let (cases, failed) = compare_family(suite, family);
        total += cases;
        total_failed += failed;
        summary.insert(family.as_str(), (cases, failed));
    }
    for (family, (cases, failed)) in &summary {
        println!("  {family:<10} {cases:>6} cases  {failed:>6} differ");
    }
    println!(
        "insn: {total} cases in {} families, {total_failed} differ",
        summary.len()
    );
    assert_eq!(
        total_failed, 0,
        "{total_failed} of {total} instruction cases differ from native"
    );
}

#[test]
fn divide_errors_match_native() {
    let suite = suite();
    let mut bad = Vec::new();
    for name in &suite.divide_errors {
        let exe = suite.dir.join(name);
        let (native, emulated) = (run_native(&exe), run_emulated(&exe));
        let (ns, es) = (shell_status(native.status), shell_status(emulated.status));
        if ns != es || native.stdout != emulated.stdout {
            println!(
                "[{name}] native status {ns} output {:?}; \
                 emulated status {es} output {:?} stderr {:?}",
                String::from_utf8_lossy(&native.stdout),
                String::from_utf8_lossy(&emulated.stdout),
                String::from_utf8_lossy(&emulated.stderr).trim_end()
            );
            bad.push(name.as_str());
        }
    }
    println!(
        "insn: {} divide-error programs, {} differ",
        suite.divide_errors.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "divide-error programs differ: {bad:?}");
}
