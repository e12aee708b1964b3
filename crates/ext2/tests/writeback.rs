//! The write-back order on a real volume: `sync` writes file data, then
//! bitmaps, then inode tables and directories, then the group descriptors
//! and superblock — as `debugfs` locates each of those blocks.

mod common;

use common::*;
use tabvm_disk::{MemoryDevice, Op, TraceDevice};
use tabvm_ext2::{Ext2, MountOptions, Owner};

fn number_after(text: &str, key: &str) -> u64 {
    let at = text.find(key).unwrap_or_else(|| panic!("{key} in {text}")) + key.len();
    let w = text[at..].split_whitespace().next().unwrap();
    w.trim_end_matches(',').parse().unwrap()
}

#[test]
fn sync_writes_data_first_and_summaries_last() {
    let tmp = tempdir();
    let image = mkfs(tmp.path(), 1, 1024, 2048, None, &[]);
    let bytes = std::fs::read(&image).unwrap();
    let mut fs = Ext2::mount(
        TraceDevice::new(MemoryDevice::from_bytes(bytes)),
        MountOptions::default(),
    )
    .unwrap();
    fs.set_time(NOW);
    let root = fs.root();
    let f = fs.create(root, b"f", 0o644, Owner::default()).unwrap();
    fs.write(f, 0, b"payload").unwrap();
    assert!(
        fs.device().entries().iter().all(|e| e.op == Op::Read),
        "operations only read; writing waits for sync"
    );
    fs.sync().unwrap();
    let written: Vec<u64> = fs
        .device()
        .entries()
        .iter()
        .filter(|e| e.op == Op::Write)
        .map(|e| e.offset / 1024)
        .collect();
    assert_eq!(fs.device().entries().last().unwrap().op, Op::Flush);
    std::fs::write(&image, fs.into_device().inner().as_bytes()).unwrap();
    fsck_clean(&image);

    let data = number_after(
        &String::from_utf8(debugfs(&image, "bmap /f 0")).unwrap(),
        "",
    );
    let inode_block = number_after(
        &String::from_utf8(debugfs(&image, "imap /f")).unwrap(),
        "located at block",
    );
    let root_inode = number_after(
        &String::from_utf8(debugfs(&image, "imap <2>")).unwrap(),
        "located at block",
    );
    let root_dir = number_after(&String::from_utf8(debugfs(&image, "bmap / 0")).unwrap(), "");
    let stats = String::from_utf8(debugfs(&image, "stats")).unwrap();
    let block_bitmap = number_after(&stats, "block bitmap at");
    let inode_bitmap = number_after(&stats, "inode bitmap at");
    let (superblock, descriptors) = (1, 2);
    let expected_ranks = [
        (data, 0),
        (block_bitmap, 1),
        (inode_bitmap, 1),
        (inode_block, 2),
        (root_inode, 2),
        (root_dir, 2),
        (descriptors, 3),
        (superblock, 3),
    ];
    let mut ranks = Vec::new();
    for b in &written {
        let rank = expected_ranks
            .iter()
            .find(|(block, _)| block == b)
            .unwrap_or_else(|| panic!("unexpected write of block {b} in {written:?}"))
            .1;
        ranks.push(rank);
    }
    assert_eq!(written.len(), expected_ranks.len(), "{written:?}");
    assert!(
        ranks.is_sorted(),
        "write order {written:?} has kinds {ranks:?}"
    );
}

#[test]
fn an_open_orphan_is_written_back_with_a_name_in_lost_found() {
    let tmp = tempdir();
    let image = mkfs(tmp.path(), 1, 1024, 2048, None, &[]);
    let mut fs = mount(&image);
    let root = fs.root();
    let f = fs.create(root, b"f", 0o644, Owner::default()).unwrap();
    fs.write(f, 0, &[7; 5000]).unwrap();
    fs.open(f);
    fs.unlink(root, b"f").unwrap();
    fs.sync().unwrap();
    // What reached the device: a clean volume, the orphan in lost+found
    // under e2fsck's name, with its data.
    let on_disk = fs.device().as_bytes().to_vec();
    let crashed = tmp.path().join("crashed.ext2");
    std::fs::write(&crashed, on_disk).unwrap();
    fsck_clean(&crashed);
    let name = format!("/lost+found/#{f}");
    let dumped = debugfs(&crashed, &format!("cat {name}"));
    assert_eq!(dumped, vec![7; 5000], "{name}");
    // The guest saw nothing of it.
    let lost_found = resolve(&mut fs, "/lost+found");
    assert!(fs.readdir(lost_found).unwrap().is_empty());
    assert_eq!(fs.stat(f).unwrap().nlink, 0);
    // Released, the orphan goes for good.
    fs.release(f).unwrap();
    save(fs, &image);
    let report = fsck_clean(&image);
    assert!(
        report.contains(": 11/"),
        "only mke2fs's 11 inodes: {report}"
    );
    let listing = String::from_utf8(debugfs(&image, "ls /lost+found")).unwrap();
    assert!(!listing.contains('#'), "{listing}");
}
