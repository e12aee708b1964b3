//! busybox differential test: `tests/busybox/script.sh`, a POSIX sh script using
//! shell features and dozens of applets, run by Debian's static i386 busybox
//! natively and under `tabvm run --root /`; stdout, stderr and status must match.
//!
//! The busybox binary comes from `dev/busybox.sh` (downloaded once into
//! `~/.cache/tabvm`). With root `/` the guest sees the host's files, so both runs use
//! the same absolute paths for busybox, the script and its scratch directory.

mod common;

use common::{describe_difference, fresh_dir, repo_root, scratch, Invocation};
use std::path::PathBuf;
use std::process::Command;

/// Path of the i386 busybox binary, fetching it on first use.
fn busybox() -> PathBuf {
    let fetch = repo_root().join("dev/busybox.sh");
    let out = Command::new("sh")
        .arg(&fetch)
        .output()
        .expect("run dev/busybox.sh");
    assert!(
        out.status.success(),
        "dev/busybox.sh could not provide busybox-static:i386 (needs apt-get download \
         with the i386 architecture enabled, and dpkg-deb):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("utf-8 path").trim())
}

#[test]
fn busybox_script_matches_native() {
    let script = repo_root().join("tests/busybox/script.sh");
    let cwd = scratch("busybox-work");
    fresh_dir(&cwd);
    let mut inv = Invocation::new(busybox(), cwd);
    inv.args = vec!["sh".into(), script.into()];
    // A PATH without host binaries: applets must come from busybox itself (its shell
    // prefers applets), never from the host's 64-bit tools.
    inv.env = [
        ("PATH", "/nonexistent-tabvm-path"),
        ("LC_ALL", "C"),
        ("TZ", "UTC"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec();
    let native = inv.run_native();
    assert_eq!(
        native.status,
        0,
        "the script fails natively:\n{}",
        native.stderr_text()
    );
    let emulated = inv.run_tabvm(&[]);
    if let Some(diff) = describe_difference(&native, &emulated) {
        panic!(
            "busybox script differs under tabvm:\n{diff}\ntabvm stderr:\n{}",
            emulated.stderr_text()
        );
    }
    println!(
        "busybox script: {} lines of output identical",
        native.stdout.split(|&b| b == b'\n').count() - 1
    );
}
