//! Damaged and foreign images: clear errors that say what and where, never
//! a panic.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::*;
use tabvm_disk::MemoryDevice;
use tabvm_ext2::{Error, Ext2, FileType, MountOptions, Owner};

fn populated(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    let mut rng = Rng::new(11);
    std::fs::write(src.join("hello"), b"hello").unwrap();
    std::fs::write(src.join("big"), rng.bytes(200_000)).unwrap();
    std::fs::write(src.join("sub/x"), rng.bytes(3000)).unwrap();
    std::os::unix::fs::symlink("x".repeat(80), src.join("sub/slow")).unwrap();
    mkfs(dir, 1, 1024, 2048, Some(&src), &[])
}

fn mount_bytes(bytes: Vec<u8>, read_only: bool) -> Result<Ext2<MemoryDevice>, Error> {
    Ext2::mount(MemoryDevice::from_bytes(bytes), MountOptions { read_only }).map_err(|e| e.error)
}

fn expect_corrupt(result: Result<impl std::fmt::Debug, Error>, words: &[&str]) {
    match result {
        Err(Error::Corrupt(what)) => {
            for w in words {
                assert!(what.contains(w), "{what:?} should mention {w:?}");
            }
        }
        other => panic!("expected corruption naming {words:?}, got {other:?}"),
    }
}

/// The number after `key` in text, in decimal or 0x hex.
fn number_after(text: &str, key: &str) -> usize {
    let at = text.find(key).unwrap_or_else(|| panic!("{key} in {text}")) + key.len();
    let w = text[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches(',');
    match w.strip_prefix("0x") {
        Some(hex) => usize::from_str_radix(hex, 16).unwrap(),
        None => w.parse().unwrap(),
    }
}

#[test]
fn damaged_metadata_is_named() {
    let tmp = tempdir();
    let image = populated(tmp.path());
    let clean = std::fs::read(&image).unwrap();

    let mut b = clean.clone();
    b[1024 + 56] = 0;
    expect_corrupt(mount_bytes(b, false), &["superblock", "magic"]);

    let mut b = clean.clone();
    b[1024 + 40..1024 + 44].fill(0);
    expect_corrupt(mount_bytes(b, false), &["inodes_per_group"]);

    expect_corrupt(mount_bytes(clean[..100_000].to_vec(), false), &["device"]);

    // Group 0's descriptor (block 2 with 1 KiB blocks): inode table far away.
    let mut b = clean.clone();
    b[2048 + 8..2048 + 12].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    expect_corrupt(
        mount_bytes(b, false),
        &["group 0 descriptor", "inode table"],
    );

    // The root directory's first entry gets an impossible rec_len.
    let root_block: usize = String::from_utf8(debugfs(&image, "bmap / 0"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut b = clean.clone();
    b[root_block * 1024 + 4..root_block * 1024 + 6].copy_from_slice(&3u16.to_le_bytes());
    let mut fs = mount_bytes(b, false).unwrap();
    expect_corrupt(
        fs.readdir(2),
        &["directory inode 2, block 0", "bad rec_len 3"],
    );
    expect_corrupt(fs.lookup(2, b"hello"), &["directory inode 2"]);

    // A file's first block pointer points outside the volume.
    let imap = String::from_utf8(debugfs(&image, "imap /big")).unwrap();
    let ino = number_after(&imap, "Inode");
    let at = number_after(&imap, "located at block") * 1024 + number_after(&imap, "offset");
    let mut b = clean.clone();
    b[at + 40..at + 44].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
    let mut fs = mount_bytes(b, false).unwrap();
    let big = fs.lookup(2, b"big").unwrap();
    assert_eq!(big as usize, ino);
    expect_corrupt(
        fs.read(big, 0, &mut [0; 10]),
        &[&format!("inode {ino}, block 0"), "outside the volume"],
    );
    // Its single indirect block is still fine to read through.
    assert_eq!(fs.read(big, 20 * 1024, &mut [0; 10]), Ok(10));
    // A mode naming no file type.
    let mut b2 = clean.clone();
    b2[at..at + 2].copy_from_slice(&0o170644u16.to_le_bytes());
    let mut fs2 = mount_bytes(b2, false).unwrap();
    expect_corrupt(
        fs2.read(big, 0, &mut [0; 10]),
        &[&format!("inode {ino}"), "mode 170644"],
    );
    // Deleting it meets the bad pointer and changes nothing.
    expect_corrupt(fs.unlink(2, b"big"), &["outside the volume"]);
    assert_eq!(fs.lookup(2, b"big"), Ok(big));
}

#[test]
fn unsupported_features_are_named() {
    let tmp = tempdir();
    let ext4 = tmp.path().join("ext4.img");
    let st = std::process::Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext4", ext4.to_str().unwrap(), "8M"])
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&ext4).unwrap();
    for read_only in [false, true] {
        match mount_bytes(bytes.clone(), read_only) {
            Err(Error::Unsupported(what)) => {
                assert!(what.contains("extent") && what.contains("64bit"), "{what}")
            }
            other => panic!("ext4 mounted: {:?}", other.map(|_| ())),
        }
    }

    // A read-only-compatible feature: read-only mounts work, writable don't.
    let image = mkfs(tmp.path(), 1, 1024, 2048, None, &["-O", "uninit_bg"]);
    let bytes = std::fs::read(&image).unwrap();
    match mount_bytes(bytes.clone(), false) {
        Err(Error::Unsupported(what)) => assert!(what.contains("uninit_bg"), "{what}"),
        other => panic!("mounted read-write: {:?}", other.map(|_| ())),
    }
    let mut fs = mount_bytes(bytes, true).unwrap();
    assert!(fs
        .readdir(2)
        .unwrap()
        .iter()
        .any(|e| e.name == b"lost+found"));
    assert_eq!(
        fs.create(2, b"f", 0o644, Owner::default()),
        Err(Error::ReadOnly)
    );
}

/// Visits every node reachable from the root, reading everything; errors
/// are fine, panics are not.
fn walk(fs: &mut Ext2<MemoryDevice>, dir: u32, seen: &mut HashSet<u32>) {
    let Ok(entries) = fs.readdir(dir) else { return };
    for e in entries {
        if !seen.insert(e.ino) {
            continue;
        }
        let _ = fs.stat(e.ino);
        match e.kind {
            FileType::Directory => walk(fs, e.ino, seen),
            FileType::Symlink => drop(fs.readlink(e.ino)),
            _ => drop(fs.read(e.ino, 0, &mut vec![0; 300_000])),
        }
    }
}

#[test]
fn random_damage_never_panics() {
    let tmp = tempdir();
    let image = populated(tmp.path());
    let clean = std::fs::read(&image).unwrap();
    // The bytes that matter: superblock, group descriptor, the first inodes,
    // the root directory and the sub directory.
    let imap = String::from_utf8(debugfs(&image, "imap <1>")).unwrap();
    let table = number_after(&imap, "located at block") * 1024;
    let block_of = |path: &str| -> usize {
        let text = String::from_utf8(debugfs(&image, &format!("bmap {path} 0"))).unwrap();
        text.trim().parse::<usize>().unwrap() * 1024
    };
    let regions = [
        (1024, 100),
        (2048, 32),
        (table, 20 * 256),
        (block_of("/"), 1024),
        (block_of("/sub"), 1024),
    ];
    let mut rng = Rng::new(99);
    let (mut mounted, mut noticed) = (0, 0);
    for _ in 0..300 {
        let mut b = clean.clone();
        for _ in 0..1 + rng.below(4) {
            let (start, len) = regions[rng.below(regions.len() as u64) as usize];
            b[start + rng.below(len as u64) as usize] = rng.next() as u8;
        }
        let Ok(mut fs) = mount_bytes(b, false) else {
            noticed += 1;
            continue;
        };
        mounted += 1;
        fs.set_time(NOW);
        walk(&mut fs, 2, &mut HashSet::new());
        let who = Owner::default();
        if let Ok(f) = fs.create(2, b"new", 0o644, who) {
            let _ = fs.write(f, 5000, &[1; 70_000]);
            let _ = fs.truncate(f, 100);
        }
        let results = [
            fs.mkdir(2, b"d", 0o755, who).map(drop),
            fs.rename(2, b"hello", 2, b"d"),
            fs.unlink(2, b"big"),
            fs.rmdir(2, b"sub"),
            fs.symlink(2, b"s", &[b'y'; 100], who).map(drop),
            fs.sync(),
        ];
        if results.iter().any(|r| matches!(r, Err(Error::Corrupt(_)))) {
            noticed += 1;
        }
    }
    assert!(
        mounted > 100 && noticed > 20,
        "mounted {mounted}, damage noticed {noticed} times"
    );
}
