//! Differential C corpus: every `tests/guest/*.c` is built with `gcc -m32 -static`
//! at `-O0` and `-O2`, run natively and under `tabvm run --root /`, and the two runs
//! must agree byte for byte on stdout, stderr and exit status.
//!
//! Companion files next to `name.c` customise a run: `name.args` (one argument per
//! line), `name.env` (`KEY=value` per line; the environment is otherwise empty) and
//! `name.stdin` (otherwise stdin is `/dev/null`); a first line `// cflags: <flags>`
//! adds compiler flags (e.g. `-msse2 -mssse3`). Each run gets a fresh, empty working
//! directory with the same path natively and under tabvm, so programs may create files
//! with fixed relative names; the files left there must match too (DESIGN rule 4).
//!
//! `TABVM_CORPUS_FILTER=substr` runs only the programs whose name contains `substr`.
//! All mismatches are collected and reported together, one block per program and
//! optimisation level, naming the first differing line.

mod common;

use common::{
    companion, describe_difference, describe_files_difference, fresh_dir, parallel_map, parse_env,
    read_lines, require_gcc_m32, scratch, snapshot_dir, Invocation, I386_STATIC,
};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

const OPT_LEVELS: &[&str] = &["-O0", "-O2"];

/// One program at one optimisation level.
struct Case {
    src: PathBuf,
    opt: &'static str,
}

impl Case {
    fn name(&self) -> String {
        let stem = self.src.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        format!("{stem} {}", self.opt)
    }

    fn invocation(&self, program: PathBuf) -> Invocation {
        let stem = self
            .src
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("prog");
        let cwd = scratch("corpus-work").join(format!("{stem}{}", self.opt));
        let mut inv = Invocation::new(program, cwd);
        if let Some(p) = companion(&self.src, "args") {
            inv.args = read_lines(&p).into_iter().map(OsString::from).collect();
        }
        if let Some(p) = companion(&self.src, "env") {
            inv.env = parse_env(&read_lines(&p));
        }
        inv.stdin = companion(&self.src, "stdin");
        inv
    }

    /// Builds, runs both ways and returns a description of any difference.
    fn check(&self) -> Option<String> {
        let extra = extra_flags(&self.src);
        let mut flags = I386_STATIC.to_vec();
        flags.push(self.opt);
        flags.extend(extra.iter().map(String::as_str));
        let program = match common::compile(&self.src, &flags, self.opt.trim_start_matches('-')) {
            Ok(p) => p,
            Err(e) => return Some(format!("build failed: {e}")),
        };
        let inv = self.invocation(program);
        fresh_dir(&inv.cwd);
        let native = inv.run_native();
        let native_files = snapshot_dir(&inv.cwd);
        fresh_dir(&inv.cwd);
        let emulated = inv.run_tabvm(&[]);
        let emulated_files = snapshot_dir(&inv.cwd);
        let diffs: Vec<String> = [
            describe_difference(&native, &emulated),
            describe_files_difference(&native_files, &emulated_files),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!diffs.is_empty()).then(|| diffs.join("\n"))
    }
}

/// Compiler flags a program asks for on its first line, as in
/// `// cflags: -msse2 -mssse3`.
fn extra_flags(src: &Path) -> Vec<String> {
    let text = fs::read_to_string(src).unwrap_or_default();
    let first = text.lines().next().unwrap_or("");
    first
        .strip_prefix("// cflags:")
        .map(|f| f.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

fn corpus() -> Vec<PathBuf> {
    let dir = common::repo_root().join("tests/guest");
    let filter = std::env::var("TABVM_CORPUS_FILTER").unwrap_or_default();
    let mut srcs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .filter(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.contains(&filter))
        })
        .collect();
    srcs.sort();
    srcs
}

#[test]
fn guest_corpus_matches_native() {
    require_gcc_m32();
    let srcs = corpus();
    assert!(
        !srcs.is_empty(),
        "no programs in tests/guest match TABVM_CORPUS_FILTER"
    );
    let cases: Vec<Case> = srcs
        .iter()
        .flat_map(|src| {
            OPT_LEVELS.iter().map(|&opt| Case {
                src: src.clone(),
                opt,
            })
        })
        .collect();
    // Progress lines (shown with --nocapture) make a hanging guest easy to identify:
    // it is the one that started and never finished.
    let results = parallel_map(&cases, |case| {
        println!("started  {}", case.name());
        let diff = case.check();
        println!(
            "finished {}: {}",
            case.name(),
            if diff.is_some() { "DIFFERS" } else { "ok" }
        );
        diff
    });
    let failures: Vec<String> = cases
        .iter()
        .zip(&results)
        .filter_map(|(case, diff)| diff.as_ref().map(|d| format!("== {}\n{d}", case.name())))
        .collect();
    println!(
        "guest corpus: {} programs x {} optimisation levels = {} runs, {} mismatched",
        srcs.len(),
        OPT_LEVELS.len(),
        cases.len(),
        failures.len()
    );
    if !failures.is_empty() {
        panic!(
            "{} of {} runs differ from native:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }
}
