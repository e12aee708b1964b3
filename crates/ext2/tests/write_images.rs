//! Write workloads on fresh `mke2fs` images: the result must pass
//! `e2fsck -fn` and read back through `debugfs` as the workload left it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use tabvm_disk::MemoryDevice;
use tabvm_ext2::{Error, Ext2, FileType, Owner, SetAttr};

const ROOT: Owner = Owner { uid: 0, gid: 0 };

/// First byte offset served by the triple indirect block.
fn triple_start(block: u32) -> u64 {
    let p = u64::from(block / 4);
    (12 + p + p * p) * u64::from(block)
}

/// Contents `debugfs` must show for each regular file we wrote.
type Model = BTreeMap<String, Vec<u8>>;

fn parent_and_name<'a>(fs: &mut Ext2<MemoryDevice>, path: &'a str) -> (u32, &'a str) {
    let (dir, name) = path.rsplit_once('/').unwrap();
    (resolve(fs, dir), name)
}

fn put_file(fs: &mut Ext2<MemoryDevice>, model: &mut Model, path: &str, data: &[u8]) {
    let (dir, name) = parent_and_name(fs, path);
    let ino = fs.create(dir, name.as_bytes(), 0o644, ROOT).unwrap();
    assert_eq!(fs.write(ino, 0, data), Ok(data.len()));
    model.insert(path.to_string(), data.to_vec());
}

fn long_name(i: usize) -> String {
    format!("a-file-name-long-enough-to-fill-blocks-{i:04}")
}

/// The workload; returns the model of regular-file contents and the huge
/// sparse file's known pieces (offset, bytes).
fn workload(
    fs: &mut Ext2<MemoryDevice>,
    block: u32,
    rng: &mut Rng,
) -> (Model, Vec<(u64, Vec<u8>)>) {
    let mut model = Model::new();
    let root = fs.root();
    let d1 = fs.mkdir(root, b"d1", 0o755, ROOT).unwrap();
    let d2 = fs
        .mkdir(root, b"d2", 0o750, Owner { uid: 7, gid: 8 })
        .unwrap();
    fs.mkdir(d1, b"sub", 0o700, ROOT).unwrap();
    put_file(fs, &mut model, "/d1/sub/inner", b"inner file");

    // Enough long names to push /d1 past its direct blocks with 1 KiB blocks.
    for i in 0..300 {
        put_file(
            fs,
            &mut model,
            &format!("/d1/{}", long_name(i)),
            format!("file {i}\n").as_bytes(),
        );
    }
    assert!(fs.stat(d1).unwrap().size > 12 * u64::from(block) || block > 1024);

    // A file written in odd-sized pieces, past the double indirect block.
    let big_data = rng.bytes(700 * 1024);
    let big = fs.create(root, b"big", 0o600, ROOT).unwrap();
    for (i, chunk) in big_data.chunks(7001).enumerate() {
        assert_eq!(fs.write(big, (i * 7001) as u64, chunk), Ok(chunk.len()));
    }
    // Shrink (freeing indirect blocks), grow with a hole, write into it.
    fs.truncate(big, 100_000).unwrap();
    fs.truncate(big, 200_000).unwrap();
    fs.write(big, 150_000, b"in the hole").unwrap();
    assert_eq!(fs.write(big, 10_000_000, b""), Ok(0));
    assert_eq!(
        fs.stat(big).unwrap().size,
        200_000,
        "empty writes change nothing"
    );
    let mut expect = big_data[..100_000].to_vec();
    expect.resize(200_000, 0);
    expect[150_000..150_011].copy_from_slice(b"in the hole");
    model.insert("/big".into(), expect);

    // A sparse file reaching the triple indirect tree.
    let sparse = fs.create(root, b"sparse", 0o644, ROOT).unwrap();
    let far = triple_start(block) + 12345;
    let pieces = vec![
        (0, b"start".to_vec()),
        (5 << 20, rng.bytes(3000)),
        (far, b"far away".to_vec()),
    ];
    for (off, data) in &pieces {
        fs.write(sparse, *off, data).unwrap();
    }
    // A second sparse file that reaches triple indirection, then is cut
    // back below it: every tree block must be freed again.
    let cut = fs.create(root, b"cut", 0o644, ROOT).unwrap();
    fs.write(cut, far, b"gone soon").unwrap();
    fs.write(cut, 3000, b"kept").unwrap();
    fs.truncate(cut, 4000).unwrap();
    let mut kept = vec![0; 4000];
    kept[3000..3004].copy_from_slice(b"kept");
    model.insert("/cut".into(), kept);

    // Unlink every other file (entries merge), then fill the slack again.
    for i in (0..300).step_by(2) {
        fs.unlink(d1, long_name(i).as_bytes()).unwrap();
        model.remove(&format!("/d1/{}", long_name(i)));
    }
    for i in 0..40 {
        put_file(fs, &mut model, &format!("/d1/new-{i}"), &rng.bytes(i * 100));
    }

    // Renames: across directories, a directory (its `..` moves), over a file.
    fs.rename(d1, long_name(1).as_bytes(), d2, b"moved")
        .unwrap();
    let data = model.remove(&format!("/d1/{}", long_name(1))).unwrap();
    model.insert("/d2/moved".into(), data);
    put_file(fs, &mut model, "/d2/victim", b"to be replaced");
    fs.rename(d1, long_name(3).as_bytes(), d2, b"victim")
        .unwrap();
    let data = model.remove(&format!("/d1/{}", long_name(3))).unwrap();
    model.insert("/d2/victim".into(), data);
    fs.rename(d1, b"sub", d2, b"sub2").unwrap();
    let data = model.remove("/d1/sub/inner").unwrap();
    model.insert("/d2/sub2/inner".into(), data);
    let sub2 = resolve(fs, "/d2/sub2");
    assert_eq!(fs.lookup(sub2, b".."), Ok(d2));
    assert_eq!(fs.rename(root, b"d2", sub2, b"loop"), Err(Error::Invalid));
    assert_eq!(fs.rename(d2, b"moved", root, b"d1"), Err(Error::IsDir));
    assert_eq!(fs.rename(root, b"d1", d2, b"moved"), Err(Error::NotDir));
    assert_eq!(fs.rename(root, b"d2", root, b"d1"), Err(Error::NotEmpty));

    // Hard links.
    fs.link(big, d2, b"big-link").unwrap();
    model.insert("/d2/big-link".into(), model["/big"].clone());
    assert_eq!(fs.stat(big).unwrap().nlink, 2);
    assert_eq!(fs.link(d1, d2, b"dir-link"), Err(Error::NotPermitted));
    assert_eq!(fs.link(big, d2, b"moved"), Err(Error::Exists));

    // Symlinks, fast and slow.
    fs.symlink(d2, b"s-short", b"../big", ROOT).unwrap();
    let long_target = "x/".repeat(150);
    fs.symlink(d2, b"s-long", long_target.as_bytes(), ROOT)
        .unwrap();
    let too_long = vec![b'y'; block as usize];
    assert_eq!(
        fs.symlink(d2, b"s-bad", &too_long, ROOT),
        Err(Error::NameTooLong)
    );

    // Special files.
    fs.mknod(root, b"null", FileType::CharDev, 0o666, (1, 3), ROOT)
        .unwrap();
    fs.mknod(root, b"sda1", FileType::BlockDev, 0o660, (8, 1), ROOT)
        .unwrap();
    fs.mknod(root, b"wide", FileType::CharDev, 0o600, (300, 70000), ROOT)
        .unwrap();
    fs.mknod(root, b"fifo", FileType::Fifo, 0o644, (0, 0), ROOT)
        .unwrap();
    fs.mknod(root, b"sock", FileType::Socket, 0o755, (0, 0), ROOT)
        .unwrap();

    // Attributes.
    let attr = SetAttr {
        mode: Some(0o2755),
        uid: Some(1000),
        gid: Some(100),
        atime: Some(1_600_000_000),
        mtime: Some(1_500_000_000),
        size: None,
    };
    fs.set_attr(sparse, attr).unwrap();

    // Directory removal.
    let d3 = fs.mkdir(root, b"d3", 0o755, ROOT).unwrap();
    let empty = fs.mkdir(d3, b"empty", 0o755, ROOT).unwrap();
    assert_eq!(fs.rmdir(root, b"d3"), Err(Error::NotEmpty));
    assert_eq!(fs.unlink(d3, b"empty"), Err(Error::IsDir));
    fs.open(empty);
    fs.rmdir(d3, b"empty").unwrap();
    assert_eq!(fs.readdir(empty), Ok(vec![]), "removed but open");
    assert_eq!(fs.create(empty, b"f", 0o644, ROOT), Err(Error::NotFound));
    fs.release(empty).unwrap();
    fs.rmdir(root, b"d3").unwrap();
    assert_eq!(fs.lookup(root, b"d3"), Err(Error::NotFound));
    assert_eq!(fs.create(root, b"null", 0o644, ROOT), Err(Error::Exists));
    assert_eq!(
        fs.create(root, &[b'n'; 256], 0o644, ROOT),
        Err(Error::NameTooLong)
    );
    (model, pieces)
}

/// Reads `len` bytes of logical block `l` of `path` the way debugfs maps it.
fn oracle_block(image: &Path, block: u32, path: &str, l: u64) -> Vec<u8> {
    let text = String::from_utf8(debugfs(image, &format!("bmap {path} {l}"))).unwrap();
    let phys: u64 = text
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("bmap {path} {l}: {text}"));
    let bytes = std::fs::read(image).unwrap();
    let at = (phys * u64::from(block)) as usize;
    bytes[at..at + block as usize].to_vec()
}

fn check_with_debugfs(image: &Path, block: u32, model: &Model, pieces: &[(u64, Vec<u8>)]) {
    for (path, data) in model {
        assert_eq!(
            &debugfs(image, &format!("cat {path}")),
            data,
            "contents of {path}"
        );
    }
    let listing = String::from_utf8(debugfs(image, "ls -l /d1")).unwrap();
    // debugfs also lists unused first-in-block slots, with inode 0.
    let names = listing
        .lines()
        .filter(|l| l.split_whitespace().next().is_some_and(|ino| ino != "0"))
        .count();
    let want = 2 + model.keys().filter(|p| p.starts_with("/d1/")).count();
    assert_eq!(names, want, "{listing}");
    for (off, data) in pieces {
        let b = u64::from(block);
        let within = (off % b) as usize;
        let n = data.len().min(block as usize - within);
        let got = oracle_block(image, block, "/sparse", off / b);
        assert_eq!(
            &got[within..within + n],
            &data[..n],
            "sparse piece at {off}"
        );
    }
    let stat = String::from_utf8(debugfs(image, "stat /sparse")).unwrap();
    assert!(stat.contains("Mode:  02755"), "{stat}");
    assert!(stat.contains("User:  1000   Group:   100"), "{stat}");
    let stat = String::from_utf8(debugfs(image, "stat /wide")).unwrap();
    assert!(
        stat.contains("Device major/minor number: 300:70000"),
        "{stat}"
    );
    let stat = String::from_utf8(debugfs(image, "stat /d2/s-short")).unwrap();
    assert!(stat.contains("Fast link dest: \"../big\""), "{stat}");
    assert_eq!(
        debugfs(image, "cat /d2/s-long"),
        "x/".repeat(150).as_bytes()
    );
    let stat = String::from_utf8(debugfs(image, "stat /d2/big-link")).unwrap();
    assert!(stat.contains("Links: 2"), "{stat}");
}

#[test]
fn workload_passes_fsck_and_reads_back() {
    let tmp = tempdir();
    for (rev, block) in LAYOUTS {
        let image = mkfs(tmp.path(), rev, block, 16384, None, &[]);
        let mut fs = mount(&image);
        let before = fs.statfs().unwrap();
        let mut rng = Rng::new(u64::from(block) + u64::from(rev));
        let (model, pieces) = workload(&mut fs, block, &mut rng);
        save(fs, &image);
        fsck_clean(&image);
        check_with_debugfs(&image, block, &model, &pieces);

        // Mounted again, our reads agree, and deleting everything gives the
        // space back.
        let mut fs = mount(&image);
        for (path, data) in &model {
            let ino = resolve(&mut fs, path);
            assert_eq!(&read_all(&mut fs, ino), data, "{path}");
        }
        let root = fs.root();
        remove_tree(&mut fs, root);
        let after = fs.statfs().unwrap();
        assert_eq!((after.bfree, after.ffree), (before.bfree, before.ffree));
        save(fs, &image);
        fsck_clean(&image);
    }
}

/// Removes everything below `dir` except `lost+found`.
fn remove_tree(fs: &mut Ext2<MemoryDevice>, dir: u32) {
    for e in fs.readdir(dir).unwrap() {
        if e.name == b"lost+found" {
            continue;
        }
        if e.kind == FileType::Directory {
            remove_tree(fs, e.ino);
            fs.rmdir(dir, &e.name).unwrap();
        } else {
            fs.unlink(dir, &e.name).unwrap();
        }
    }
}

#[test]
fn large_files_need_large_file() {
    let tmp = tempdir();
    // Revision 0 cannot record the feature: past 2 GiB is EFBIG.
    let image = mkfs(tmp.path(), 0, 1024, 4096, None, &[]);
    let mut fs = mount(&image);
    let root = fs.root();
    let f = fs.create(root, b"f", 0o644, ROOT).unwrap();
    assert_eq!(fs.write(f, 3 << 30, b"x"), Err(Error::FileTooBig));
    assert_eq!(fs.write(f, (1 << 31) - 2, b"x"), Ok(1));
    save(fs, &image);
    fsck_clean(&image);

    // Revision 1 without it gets it set, as Linux does.
    let image = mkfs(tmp.path(), 1, 1024, 4096, None, &["-O", "^large_file"]);
    let features = |image: &Path| String::from_utf8(debugfs(image, "features")).unwrap();
    assert!(!features(&image).contains("large_file"));
    let mut fs = mount(&image);
    let f = fs.create(root, b"f", 0o644, ROOT).unwrap();
    fs.write(f, 3 << 30, b"x").unwrap();
    save(fs, &image);
    assert!(features(&image).contains("large_file"));
    fsck_clean(&image);
}

#[test]
fn open_unlinked_file_lives_until_release() {
    let tmp = tempdir();
    let image = mkfs(tmp.path(), 1, 1024, 4096, None, &[]);
    let mut fs = mount(&image);
    let before = fs.statfs().unwrap();
    let root = fs.root();
    let f = fs.create(root, b"f", 0o644, ROOT).unwrap();
    fs.write(f, 0, &[9; 50_000]).unwrap();
    fs.open(f);
    fs.open(f);
    fs.unlink(root, b"f").unwrap();
    assert_eq!(fs.lookup(root, b"f"), Err(Error::NotFound));
    assert_eq!(fs.stat(f).unwrap().nlink, 0);
    // Still readable and writable through the open description.
    fs.write(f, 50_000, b"more").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(fs.read(f, 49_998, &mut buf), Ok(4));
    assert_eq!(&buf, &[9, 9, b'm', b'o']);
    fs.truncate(f, 10).unwrap();
    assert!(fs.statfs().unwrap().bfree < before.bfree);
    fs.release(f).unwrap();
    assert!(fs.statfs().unwrap().ffree < before.ffree);
    fs.release(f).unwrap();
    let after = fs.statfs().unwrap();
    assert_eq!((after.bfree, after.ffree), (before.bfree, before.ffree));
    save(fs, &image);
    fsck_clean(&image);
    let stat = String::from_utf8(debugfs(&image, "stat <12>")).unwrap();
    assert!(stat.contains(&format!("dtime: {:#x}", NOW)), "{stat}");
}

#[test]
fn a_full_volume_ends_writes_short() {
    let tmp = tempdir();
    let image = mkfs(tmp.path(), 1, 1024, 1024, None, &[]);
    let mut fs = mount(&image);
    let root = fs.root();
    let free = fs.statfs().unwrap().bfree;
    let f = fs.create(root, b"filler", 0o644, ROOT).unwrap();
    let data = vec![5u8; 2 << 20];
    let written = fs.write(f, 0, &data).unwrap();
    assert!(written > 0 && written < data.len(), "{written}");
    assert_eq!(written % 1024, 0);
    assert_eq!(fs.stat(f).unwrap().size, written as u64);
    assert_eq!(fs.statfs().unwrap().bfree, 0);
    assert_eq!(fs.write(f, written as u64, b"more"), Err(Error::NoSpace));
    assert_eq!(fs.create(root, b"empty", 0o644, ROOT).map(drop), Ok(()));
    assert_eq!(fs.mkdir(root, b"dir", 0o755, ROOT), Err(Error::NoSpace));
    // Data blocks plus the indirect blocks that map them.
    assert!(written as u64 / 1024 < free);
    save(fs, &image);
    fsck_clean(&image);
    assert_eq!(debugfs(&image, "cat /filler"), &data[..written]);
}
