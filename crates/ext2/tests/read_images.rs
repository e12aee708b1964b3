//! Reading images made by `mke2fs -d`: every directory listing, inode and
//! file body must match what `debugfs` reports, for each revision and block
//! size.

mod common;

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::*;
use tabvm_disk::MemoryDevice;
use tabvm_ext2::{Ext2, FileType, Ino};

const LONG_TARGET: &str =
    "a/very/long/symlink/target/that/does/not/fit/in/the/sixty/bytes/of/an/inode";

/// Fills `dir` with one of everything.
fn populate(dir: &Path) {
    let mut rng = Rng::new(7);
    std::fs::write(dir.join("hello"), b"hello, ext2\n").unwrap();
    // 300 KiB: past the single indirect block with 1 KiB blocks.
    std::fs::write(dir.join("big"), rng.bytes(300 * 1024)).unwrap();
    let sparse = std::fs::File::create(dir.join("sparse")).unwrap();
    use std::os::unix::fs::FileExt;
    sparse.write_at(&rng.bytes(5000), 0).unwrap();
    sparse.write_at(b"tail", 3 << 20).unwrap();
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    std::fs::write(dir.join("sub/deeper/note"), b"deep").unwrap();
    std::fs::create_dir(dir.join("many")).unwrap();
    for i in 0..60 {
        std::fs::write(
            dir.join(format!("many/file-with-a-longish-name-{i:03}")),
            format!("{i}"),
        )
        .unwrap();
    }
    symlink("hello", dir.join("short-link")).unwrap();
    symlink(LONG_TARGET, dir.join("long-link")).unwrap();
    std::fs::hard_link(dir.join("hello"), dir.join("sub/hard")).unwrap();
    let owned = dir.join("owned");
    std::fs::write(&owned, b"x").unwrap();
    std::os::unix::fs::chown(&owned, Some(1234), Some(56)).unwrap();
    std::fs::set_permissions(&owned, std::fs::Permissions::from_mode(0o4751)).unwrap();
    for (name, args) in [
        ("fifo", vec!["p"]),
        ("null", vec!["c", "1", "3"]),
        ("disk", vec!["b", "8", "1"]),
    ] {
        let st = Command::new("mknod")
            .arg(dir.join(name))
            .args(args)
            .status()
            .unwrap();
        assert!(st.success(), "mknod {name}");
    }
    std::os::unix::net::UnixListener::bind(dir.join("socket")).unwrap();
}

/// The fields of `debugfs stat` we compare.
#[derive(Debug, Default, PartialEq)]
struct Oracle {
    mode: u32,
    links: u32,
    uid: u32,
    gid: u32,
    size: u64,
    blocks: u64,
    atime: u32,
    mtime: u32,
    ctime: u32,
    rdev: Option<(u32, u32)>,
    fast_link: bool,
}

fn word_after<'a>(text: &'a str, key: &str) -> &'a str {
    let at = text
        .find(key)
        .unwrap_or_else(|| panic!("no {key} in {text}"))
        + key.len();
    text[at..].split_whitespace().next().unwrap()
}

fn oracle_stat(image: &Path, path: &str) -> Oracle {
    let text = String::from_utf8(debugfs(image, &format!("stat {path}"))).unwrap();
    let hex = |key: &str| {
        // "0x6b026ea4" or, with large inodes, "0x6b026ea4:00000000" (extra bits).
        let w = word_after(&text, key).trim_start_matches("0x");
        u32::from_str_radix(w.split(':').next().unwrap(), 16).unwrap()
    };
    let kind = word_after(&text, "Type:");
    let type_bits = match kind {
        "regular" => 0o100000,
        "directory" => 0o040000,
        "symlink" => 0o120000,
        "character" => 0o020000,
        "block" => 0o060000,
        "FIFO" => 0o010000,
        "socket" => 0o140000,
        other => panic!("type {other}"),
    };
    let rdev = text.contains("Device major/minor number:").then(|| {
        let d = word_after(&text, "Device major/minor number:");
        let (maj, min) = d.split_once(':').unwrap();
        (maj.parse().unwrap(), min.parse().unwrap())
    });
    Oracle {
        mode: type_bits | u32::from_str_radix(word_after(&text, "Mode:"), 8).unwrap(),
        links: word_after(&text, "Links:").parse().unwrap(),
        uid: word_after(&text, "User:").parse().unwrap(),
        gid: word_after(&text, "Group:").parse().unwrap(),
        size: word_after(&text, "Size:").parse().unwrap(),
        blocks: word_after(&text, "Blockcount:").parse().unwrap(),
        atime: hex("atime:"),
        mtime: hex("mtime:"),
        ctime: hex("ctime:"),
        rdev,
        fast_link: text.contains("Fast link dest:"),
    }
}

fn our_stat(fs: &mut Ext2<MemoryDevice>, ino: Ino) -> Oracle {
    let st = fs.stat(ino).unwrap();
    let device = matches!(st.kind(), Some(FileType::CharDev | FileType::BlockDev));
    Oracle {
        mode: st.mode,
        links: st.nlink,
        uid: st.uid,
        gid: st.gid,
        size: st.size,
        blocks: st.blocks,
        atime: st.atime,
        mtime: st.mtime,
        ctime: st.ctime,
        rdev: device.then_some(st.rdev),
        fast_link: st.kind() == Some(FileType::Symlink) && st.blocks == 0,
    }
}

/// `debugfs ls -l` of a directory as (name, inode, mode), without `.`/`..`.
fn oracle_ls(image: &Path, path: &str) -> Vec<(String, u32, u32)> {
    let text = String::from_utf8(debugfs(image, &format!("ls -l {path}"))).unwrap();
    let mut out: Vec<_> = text
        .lines()
        .filter_map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            (w.len() >= 9).then(|| {
                (
                    w[8..].join(" "),
                    w[0].parse().unwrap(),
                    u32::from_str_radix(w[1], 8).unwrap(),
                )
            })
        })
        .filter(|(name, _, _)| name != "." && name != "..")
        .collect();
    out.sort();
    out
}

/// Compares the tree under `path` (directory `dir`) with the oracle.
fn compare_tree(
    fs: &mut Ext2<MemoryDevice>,
    image: &Path,
    src: &Path,
    dir: Ino,
    path: &str,
) -> usize {
    let mut ours: Vec<(String, u32, u32)> = fs
        .readdir(dir)
        .unwrap()
        .into_iter()
        .map(|e| {
            let mode = fs.stat(e.ino).unwrap().mode;
            assert_eq!(Some(e.kind), FileType::from_mode(mode as u16));
            (String::from_utf8(e.name).unwrap(), e.ino, mode)
        })
        .collect();
    ours.sort();
    assert_eq!(ours, oracle_ls(image, path), "listing of {path}");
    let mut checked = ours.len();
    for (name, ino, _) in ours {
        let child = format!("{}/{name}", path.trim_end_matches('/'));
        assert_eq!(fs.lookup(dir, name.as_bytes()), Ok(ino));
        assert_eq!(
            our_stat(fs, ino),
            oracle_stat(image, &child),
            "stat {child}"
        );
        match fs.stat(ino).unwrap().kind().unwrap() {
            FileType::Regular => {
                assert_eq!(
                    read_all(fs, ino),
                    debugfs(image, &format!("cat {child}")),
                    "contents of {child}"
                );
            }
            FileType::Directory => {
                assert_eq!(fs.lookup(ino, b".."), Ok(dir));
                checked += compare_tree(fs, image, src, ino, &child);
            }
            FileType::Symlink => {
                let want = std::fs::read_link(src.join(&child[1..])).unwrap();
                assert_eq!(
                    fs.readlink(ino).unwrap(),
                    want.to_str().unwrap().as_bytes(),
                    "{child}"
                );
            }
            _ => {}
        }
    }
    checked
}

#[test]
fn images_read_like_debugfs_says() {
    let tmp = tempdir();
    let src = tmp.path().join("src");
    std::fs::create_dir(&src).unwrap();
    populate(&src);
    for (rev, block) in LAYOUTS {
        let image = mkfs(tmp.path(), rev, block, 8192, Some(&src), &[]);
        let mut fs = mount(&image);
        let root = fs.root();
        assert_eq!(fs.lookup(root, b".."), Ok(root));
        let checked = compare_tree(&mut fs, &image, &src, root, "/");
        assert!(checked > 70, "{checked} nodes");
        // Both kinds of symlink are present.
        let short = resolve(&mut fs, "short-link");
        let long = resolve(&mut fs, "long-link");
        assert!(oracle_stat(&image, "/short-link").fast_link);
        assert!(!oracle_stat(&image, "/long-link").fast_link);
        assert_eq!(fs.readlink(long).unwrap(), LONG_TARGET.as_bytes());
        assert_eq!(fs.readlink(short).unwrap(), b"hello");
        // Holes read as zeros, and reads past the end give nothing.
        let sparse = resolve(&mut fs, "sparse");
        let mut buf = [1u8; 100];
        assert_eq!(fs.read(sparse, 1 << 20, &mut buf), Ok(100));
        assert_eq!(buf, [0; 100]);
        assert_eq!(fs.read(sparse, (3 << 20) + 2, &mut buf), Ok(2));
        assert_eq!(&buf[..2], b"il");
        assert_eq!(fs.read(sparse, 4 << 20, &mut buf), Ok(0));
        // statfs agrees with the superblock as dumpe2fs shows it.
        let sfs = fs.statfs().unwrap();
        let header = String::from_utf8(debugfs(&image, "stats")).unwrap();
        assert_eq!(
            sfs.bfree,
            word_after(&header, "Free blocks:").parse::<u64>().unwrap()
        );
        assert_eq!(
            sfs.ffree,
            word_after(&header, "Free inodes:").parse::<u64>().unwrap()
        );
        assert_eq!(
            sfs.blocks,
            word_after(&header, "Block count:").parse::<u64>().unwrap()
        );
        assert_eq!(sfs.bsize, block);
    }
}
