//! CPython's own test suite from the Debian root (`python3 -m test -v`),
//! natively in a chroot and under tabvm: every test case that passes
//! natively must pass under tabvm. The counts are printed.
//!
//! By default a selection that fits CI's time budget runs; set
//! `TABVM_CPYTHON_TESTS` to a space-separated list of test modules to run
//! others, e.g. the issue's full selection:
//!
//! ```sh
//! TABVM_CPYTHON_TESTS="test_math test_float test_long test_json test_re test_struct \
//!   test_string test_bisect test_heapq test_subprocess test_threading test_signal \
//!   test_select test_os" cargo test --release -p tabvm-cli --test cpython -- --nocapture
//! ```

mod common;

use common::debian::{run_native, run_tabvm, work_dir};
use std::collections::BTreeMap;

/// Modules run when `TABVM_CPYTHON_TESTS` is not set.
const DEFAULT_TESTS: &str = "test_bisect test_heapq test_json test_struct test_string test_select";

const ENV: &[&str] = &[
    "PATH=/usr/bin:/bin",
    "HOME=/root",
    "LC_ALL=C.UTF-8",
    "TZ=UTC",
];

/// The outcome of every test case in verbose unittest output, by id
/// (`test.test_math.MathTests.testFsum`): "ok", "FAIL", "ERROR",
/// "skipped …", "expected failure"…
fn outcomes(output: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut pending: Option<String> = None;
    for line in output.lines() {
        if let Some((head, rest)) = line.split_once(" ... ") {
            let id = head
                .rsplit_once(" (")
                .and_then(|(_, id)| id.strip_suffix(')'))
                .filter(|id| !id.contains(' '));
            if let Some(id) = id {
                if rest.trim().is_empty() {
                    pending = Some(id.to_owned());
                } else {
                    found.insert(id.to_owned(), rest.trim().to_owned());
                    pending = None;
                }
                continue;
            }
        }
        // A case that printed output has its verdict on a later line.
        if let Some(id) = &pending {
            let word = line.trim();
            if ["ok", "FAIL", "ERROR"].contains(&word) || word.starts_with("skipped") {
                found.insert(id.clone(), word.to_owned());
                pending = None;
            }
        }
    }
    found
}

#[test]
fn cases_passing_natively_pass_under_tabvm() {
    let selection = std::env::var("TABVM_CPYTHON_TESTS").unwrap_or(DEFAULT_TESTS.to_owned());
    let mut argv = vec!["/usr/bin/python3", "-m", "test", "-v"];
    argv.extend(selection.split_whitespace());
    let (cwd, _) = work_dir("cpython");
    let native = run_native(&cwd, ENV, &argv);
    let native_cases = outcomes(&String::from_utf8_lossy(&native.stdout));
    let (cwd, _) = work_dir("cpython");
    let emulated = run_tabvm(&cwd, ENV, &argv);
    let tabvm_cases = outcomes(&String::from_utf8_lossy(&emulated.stdout));

    let passed = |cases: &BTreeMap<String, String>| cases.values().filter(|v| *v == "ok").count();
    eprintln!(
        "CPython tests ({selection}): {} cases natively, {} pass; under tabvm {} cases, {} pass",
        native_cases.len(),
        passed(&native_cases),
        tabvm_cases.len(),
        passed(&tabvm_cases)
    );
    assert!(
        passed(&native_cases) > 0,
        "no test case passed natively — is the test package installed?\n{}",
        String::from_utf8_lossy(&native.stdout)
    );
    let regressions: Vec<String> = native_cases
        .iter()
        .filter(|(_, v)| *v == "ok")
        .filter(|(id, _)| tabvm_cases.get(*id).map(String::as_str) != Some("ok"))
        .map(|(id, _)| format!("{id}: {}", tabvm_cases.get(id).map_or("missing", |v| v)))
        .collect();
    assert!(
        regressions.is_empty(),
        "{} cases pass natively but not under tabvm:\n{}\ntabvm stderr (end):\n{}",
        regressions.len(),
        regressions.join("\n"),
        tail(&emulated.stderr_text(), 40)
    );
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn verbose_output_is_parsed() {
    let out = "test_a (test.m.C.test_a) ... ok\n\
               test_b (test.m.C.test_b) ... \nsome output\nFAIL\n\
               test_c (test.m.C.test_c) ... skipped 'no'\n";
    let o = outcomes(out);
    assert_eq!(o["test.m.C.test_a"], "ok");
    assert_eq!(o["test.m.C.test_b"], "FAIL");
    assert_eq!(o["test.m.C.test_c"], "skipped 'no'");
}
