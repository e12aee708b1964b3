//! Restartability: on a device that answers `Pending` or fails, every
//! operation either completes or changes nothing, so re-running it gives
//! exactly the image an undisturbed run gives.

mod common;

use common::*;
use tabvm_disk::{BlockDevice, FaultDevice, FaultPlan, MemoryDevice};
use tabvm_ext2::{Error, Ext2, MountOptions, Owner};

const ROOT: Owner = Owner { uid: 0, gid: 0 };

/// Runs an operation until it stops waiting or failing on the device;
/// counts the extra runs.
macro_rules! retry {
    ($retries:expr, $op:expr) => {
        loop {
            match $op {
                Err(Error::WouldBlock | Error::Device(_)) => $retries += 1,
                other => break other,
            }
        }
    };
}

/// Mounts, retrying while the device waits or fails.
fn mount_retrying<D: BlockDevice + std::fmt::Debug>(dev: D, retries: &mut u32) -> Ext2<D> {
    let mut attempt = Ext2::mount(dev, MountOptions::default());
    loop {
        match attempt {
            Ok(mut fs) => {
                fs.set_time(NOW);
                return fs;
            }
            Err(e) => {
                assert!(
                    matches!(e.error, Error::WouldBlock | Error::Device(_)),
                    "{}",
                    e.error
                );
                *retries += 1;
                attempt = e.retry(MountOptions::default());
            }
        }
    }
}

/// A workload touching every kind of change on a populated image.
fn workload<D: BlockDevice>(fs: &mut Ext2<D>) -> u32 {
    let mut r = 0;
    let root = fs.root();
    let docs = retry!(r, fs.lookup(root, b"docs")).unwrap();
    let old = retry!(r, fs.lookup(docs, b"old")).unwrap();
    let mut buf = vec![0; 5000];
    assert_eq!(retry!(r, fs.read(old, 100, &mut buf)), Ok(5000));
    assert_eq!(
        retry!(r, fs.write(old, 1500, b"patched in the middle")),
        Ok(21)
    );
    let new = retry!(r, fs.create(docs, b"new", 0o644, ROOT)).unwrap();
    assert_eq!(retry!(r, fs.write(new, 70_000, &[3; 9000])), Ok(9000));
    let sub = retry!(r, fs.mkdir(root, b"sub", 0o755, ROOT)).unwrap();
    retry!(r, fs.rename(docs, b"new", sub, b"renamed")).unwrap();
    retry!(r, fs.unlink(docs, b"victim")).unwrap();
    retry!(r, fs.truncate(old, 2000)).unwrap();
    retry!(r, fs.symlink(sub, b"link", &[b'L'; 100], ROOT)).unwrap();
    retry!(r, fs.link(old, sub, b"hard")).unwrap();
    for i in 0..30 {
        retry!(r, fs.create(docs, format!("f{i}").as_bytes(), 0o600, ROOT)).unwrap();
    }
    retry!(r, fs.sync()).unwrap();
    r
}

fn populated_image(dir: &std::path::Path) -> Vec<u8> {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("docs")).unwrap();
    let mut rng = Rng::new(3);
    std::fs::write(src.join("docs/old"), rng.bytes(400_000)).unwrap();
    std::fs::write(src.join("docs/victim"), rng.bytes(300_000)).unwrap();
    for i in 0..40 {
        std::fs::write(src.join(format!("docs/filler-{i}")), rng.bytes(100)).unwrap();
    }
    std::fs::read(mkfs(dir, 1, 1024, 4096, Some(&src), &[])).unwrap()
}

#[test]
fn pending_and_failing_reads_change_nothing() {
    let tmp = tempdir();
    let image = populated_image(tmp.path());

    let mut none = 0;
    let mut fs = mount_retrying(MemoryDevice::from_bytes(image.clone()), &mut none);
    assert_eq!(workload(&mut fs), 0);
    let reference = fs.into_device().into_bytes();
    assert_ne!(reference, image);
    let path = tmp.path().join("reference.img");
    std::fs::write(&path, &reference).unwrap();
    fsck_clean(&path);

    // Every read waits once (twice) first.
    for pending_reads in [1, 2] {
        let plan = FaultPlan {
            pending_reads,
            ..FaultPlan::default()
        };
        let mut retries = 0;
        let mut fs = mount_retrying(
            FaultDevice::new(MemoryDevice::from_bytes(image.clone()), plan),
            &mut retries,
        );
        retries += workload(&mut fs);
        // Each read waited `pending_reads` times, each wait cost one re-run.
        let reads = fs.device().reads();
        assert!(reads > 20, "only {reads} reads");
        assert_eq!(u64::from(retries), reads * u64::from(pending_reads));
        assert!(
            fs.device().inner().as_bytes() == reference.as_slice(),
            "pending_reads {pending_reads}"
        );
    }

    // The Nth read fails, for every N the workload reaches.
    let total_reads = {
        let mut fs = mount_retrying(
            FaultDevice::new(
                MemoryDevice::from_bytes(image.clone()),
                FaultPlan::default(),
            ),
            &mut 0,
        );
        workload(&mut fs);
        fs.device().reads()
    };
    for n in 1..=total_reads {
        let plan = FaultPlan {
            fail_read: Some(n),
            ..FaultPlan::default()
        };
        let mut retries = 0;
        let mut fs = mount_retrying(
            FaultDevice::new(MemoryDevice::from_bytes(image.clone()), plan),
            &mut retries,
        );
        retries += workload(&mut fs);
        assert_eq!(retries, 1, "read {n}");
        assert!(
            fs.device().inner().as_bytes() == reference.as_slice(),
            "failing read {n}"
        );
    }
}

#[test]
fn failed_write_back_keeps_changes_for_later() {
    let tmp = tempdir();
    let image = populated_image(tmp.path());
    let plan = FaultPlan {
        fail_writes: true,
        ..FaultPlan::default()
    };
    let mut fs = mount_retrying(
        FaultDevice::new(MemoryDevice::from_bytes(image.clone()), plan),
        &mut 0,
    );
    let root = fs.root();
    let f = fs.create(root, b"kept", 0o644, ROOT).unwrap();
    fs.write(f, 0, b"still here").unwrap();
    let dirty = fs.dirty_blocks();
    assert!(matches!(fs.sync(), Err(Error::Device(_))));
    assert_eq!(fs.dirty_blocks(), dirty);
    assert!(
        fs.device().inner().as_bytes() == image.as_slice(),
        "nothing written"
    );
    let mut buf = [0; 10];
    assert_eq!(fs.read(f, 0, &mut buf), Ok(10));
    assert_eq!(&buf, b"still here");
}
