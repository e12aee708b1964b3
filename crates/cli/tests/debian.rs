//! Debian userland differential tests: the cases in `tests/debian/` run in the
//! Debian bookworm i386 root of `dev/debian-root.sh`, natively (the oracle) and
//! under `tabvm run --root`; stdout, stderr and exit status must be identical.
//!
//! Both runs use the same working directory inside the root,
//! `/var/tmp/tabvm-test/<case>`, emptied and refilled from `tests/debian/`
//! before each run. Building the root and chrooting need root privileges,
//! which CI has.

mod common;

use common::debian::{run_native, run_tabvm, work_dir};
use common::{describe_difference, repo_root, Outcome};
use std::fs;

const ENV: &[&str] = &[
    "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
    "HOME=/root",
    "USER=root",
    "LC_ALL=C",
    "TZ=UTC",
    "TERM=dumb",
];

/// Runs `argv` in a working directory holding `files` (of `tests/debian/`;
/// a directory's files are copied flat), natively and under tabvm.
fn check(name: &str, files: &[&str], argv: &[&str]) {
    let run = |under_tabvm: bool| -> Outcome {
        let (guest, host) = work_dir(name);
        let src = repo_root().join("tests/debian");
        for f in files {
            let from = src.join(f);
            if from.is_dir() {
                for entry in fs::read_dir(&from).expect("read case dir").flatten() {
                    fs::copy(entry.path(), host.join(entry.file_name())).expect("copy");
                }
            } else {
                fs::copy(&from, host.join(f)).expect("copy case file");
            }
        }
        if under_tabvm {
            run_tabvm(&guest, ENV, argv)
        } else {
            run_native(&guest, ENV, argv)
        }
    };
    let native = run(false);
    assert_eq!(
        native.status,
        0,
        "case {name} fails natively:\n{}{}",
        String::from_utf8_lossy(&native.stdout),
        native.stderr_text()
    );
    let emulated = run(true);
    if let Some(diff) = describe_difference(&native, &emulated) {
        panic!(
            "case {name} differs under tabvm:\n{diff}\ntabvm stderr:\n{}",
            emulated.stderr_text()
        );
    }
}

#[test]
fn bash_script() {
    check("shell", &["shell.sh"], &["/bin/bash", "shell.sh"]);
}

#[test]
fn everyday_tools() {
    check("tools", &["tools.sh"], &["/bin/bash", "tools.sh"]);
}

#[test]
fn python3_standard_library() {
    check("python", &["python.py"], &["/usr/bin/python3", "python.py"]);
}

#[test]
fn perl_script() {
    check("perl", &["perl.pl"], &["/usr/bin/perl", "perl.pl"]);
}

#[test]
fn make_builds_a_multi_file_c_program() {
    check("make", &["make"], &["/usr/bin/make", "-s", "check"]);
}

#[test]
fn missing_library_is_reported_by_the_loader() {
    check(
        "missing-lib",
        &["missing-lib.sh"],
        &["/bin/bash", "missing-lib.sh"],
    );
}

/// procps and /proc: output differs between runs (pids, times), so this
/// checks structure under tabvm only: the processes that must be listed,
/// the fields top reports, and the descriptors a process has.
#[test]
fn ps_top_and_proc_fd_show_the_guest() {
    let (cwd, _) = work_dir("procps");
    let script = "sleep 30 & ps aux; echo ==; top -bn1 | head -n 7; echo ==; \
                  ls -l /proc/self/fd; kill %1";
    let out = run_tabvm(&cwd, ENV, &["/bin/bash", "-c", script]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status, 0, "{text}\n{}", out.stderr_text());
    let sections: Vec<&str> = text.split("==\n").collect();
    assert_eq!(sections.len(), 3, "{text}");
    let (ps, top, fds) = (sections[0], sections[1], sections[2]);
    assert!(ps.starts_with("USER "), "ps header:\n{ps}");
    for needle in ["root ", "bash -c", "sleep 30", "ps aux"] {
        assert!(ps.contains(needle), "ps aux lacks {needle:?}:\n{ps}");
    }
    for needle in ["Tasks:", "MiB Mem", "PID USER", "top"] {
        assert!(top.contains(needle), "top lacks {needle:?}:\n{top}");
    }
    // The host streams reach the guest as pipes.
    for needle in ["0 -> pipe:[", "1 -> pipe:[", "2 -> pipe:[", "3 -> /proc/"] {
        assert!(
            fds.contains(needle),
            "/proc/self/fd lacks {needle:?}:\n{fds}"
        );
    }
}
