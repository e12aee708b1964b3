//! `tabvm image` and `tabvm run --image`: build an ext2 image holding a
//! static i386 busybox, chunk and verify it, run busybox from it (image file
//! and chunked directory) with changes kept in an overlay, reset the overlay,
//! and check the merged image with `e2fsck -fn`. Needs e2fsprogs and the
//! busybox of `dev/busybox.sh`.

mod common;

use std::path::{Path, PathBuf};

use common::image::{build_and_chunk, busybox, busybox_sh, e2fsck_problems, ok, tabvm};
use common::{fresh_dir, scratch};

/// Runs `busybox sh -c script` from `image` with the overlay `overlay`.
fn sh(image: &Path, overlay: &Path, extra: &[&str], script: &str) -> String {
    ok(&busybox_sh(image, overlay, extra, script)
        .output()
        .expect("run tabvm"))
}

#[test]
fn build_chunk_verify_run_with_overlay_and_reset() {
    let dir = scratch("image-test");
    fresh_dir(&dir);
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::create_dir_all(tree.join("etc")).unwrap();
    std::fs::copy(busybox(), tree.join("bin/busybox")).unwrap();
    std::fs::write(tree.join("etc/motd"), "hello from ext2\n").unwrap();
    let (image, chunks, stats) = build_and_chunk(&tree, "32M", &dir);
    assert_eq!(std::fs::metadata(&image).unwrap().len(), 32 << 20);

    // Chunking: most of a fresh 32 MiB volume is zeros.
    assert!(stats.starts_with("256 chunks of 128 KiB: "), "{stats}");
    let zero: u32 = stats
        .split(": ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(zero > 200, "{stats}");
    assert!(ok(&tabvm(&[&"image", &"verify", &chunks])).contains("256 chunks ok"));

    // Inspection without booting, from the file and from the chunks.
    for img in [&image, &chunks] {
        assert_eq!(
            ok(&tabvm(&[&"image", &"cat", img, &"/etc/motd"])),
            "hello from ext2\n"
        );
        let listing = ok(&tabvm(&[&"image", &"ls", img, &"/"]));
        assert!(
            listing.contains(" bin\n") && listing.contains(" etc\n"),
            "{listing}"
        );
    }

    // Changes persist in the overlay, never in the image; --reset drops them.
    let before = std::fs::read(&image).unwrap();
    let overlay = dir.join("root.overlay");
    let script = "echo changed > /etc/motd; mkdir -p /home/u; echo x > /home/u/f; cat /etc/motd";
    assert_eq!(sh(&image, &overlay, &[], script), "changed\n");
    assert_eq!(
        sh(&image, &overlay, &[], "cat /etc/motd /home/u/f"),
        "changed\nx\n"
    );
    assert_eq!(
        std::fs::read(&image).unwrap(),
        before,
        "the image was written"
    );

    // The merged image is a clean ext2 volume with the changes.
    let merged = dir.join("merged.ext2");
    ok(&tabvm(&[&"image", &"merge", &image, &overlay, &merged]));
    if let Some(report) = e2fsck_problems(&merged) {
        panic!("e2fsck -fn of the merged image:\n{report}");
    }
    assert_eq!(
        ok(&tabvm(&[&"image", &"cat", &merged, &"/home/u/f"])),
        "x\n"
    );

    let reset = sh(
        &image,
        &overlay,
        &["--reset"],
        "cat /etc/motd; ls /home 2>&1 || true",
    );
    assert!(reset.starts_with("hello from ext2\n"), "{reset}");
    assert!(reset.contains("No such file"), "{reset}");

    // A chunked image works as a base too, with its own overlay.
    let overlay2 = dir.join("chunks.overlay");
    assert_eq!(
        sh(&chunks, &overlay2, &[], "echo y > /y; cat /y /etc/motd"),
        "y\nhello from ext2\n"
    );
    assert_eq!(sh(&chunks, &overlay2, &[], "cat /y"), "y\n");
}

#[test]
fn verify_names_a_damaged_chunk() {
    let dir = scratch("image-verify");
    fresh_dir(&dir);
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("f"), "data").unwrap();
    let (_, chunks, _) = build_and_chunk(&tree, "1M", &dir);
    let stored: Vec<PathBuf> = std::fs::read_dir(&chunks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "manifest.json")
        .collect();
    assert!(!stored.is_empty());
    for chunk in &stored {
        std::fs::write(chunk, "garbage").unwrap();
    }
    let out = tabvm(&[&"image", &"verify", &chunks]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for chunk in &stored {
        let name = chunk.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name), "{name} not named in: {err}");
    }
    assert!(err.contains("do not match"), "{err}");
    // ls on the damaged image names the problem instead of showing garbage.
    assert!(!tabvm(&[&"image", &"ls", &chunks, &"/"]).status.success());
}
