//! Mounting: the superblock and group descriptors are checked before any
//! operation may run, and a mount that had to wait for the device can be
//! retried without losing what it read.

use std::collections::BTreeSet;

use tabvm_disk::{BlockDevice, Completion};

use super::names::OpenCounts;
use super::txn::{Geometry, Txn};
use super::{Ext2, MountOptions};
use crate::cache::BlockCache;
use crate::error::{corrupt, Error, Result};
use crate::layout::inode::{FileType, ROOT_INO};
use crate::layout::superblock::{self, Superblock};

/// A failed [`Ext2::mount`]: why, and the device back.
#[derive(Debug)]
pub struct MountError<D> {
    pub error: Error,
    pub device: D,
    progress: Box<Progress>,
}

impl<D: BlockDevice> MountError<D> {
    /// Mounts again, reusing the blocks the failed attempt read (a device
    /// that is slow for every block still lets a mount finish).
    pub fn retry(self, options: MountOptions) -> std::result::Result<Ext2<D>, MountError<D>> {
        Ext2::mount_from(self.device, options, self.progress)
    }
}

/// What a mount attempt has read so far.
#[derive(Debug, Default)]
struct Progress {
    superblock: Option<Vec<u8>>,
    cache: Option<BlockCache>,
}

/// Reads and checks the superblock, and that the device can hold the volume.
fn read_superblock(
    dev: &mut impl BlockDevice,
    options: MountOptions,
    progress: &mut Progress,
) -> Result<Superblock> {
    if dev.size() < superblock::OFFSET + superblock::LEN as u64 {
        return Err(corrupt!(
            "device of {} bytes is too small for ext2",
            dev.size()
        ));
    }
    let raw = match &progress.superblock {
        Some(raw) => raw,
        None => {
            let mut raw = vec![0; superblock::LEN];
            if dev.read(superblock::OFFSET, &mut raw)? == Completion::Pending {
                return Err(Error::WouldBlock);
            }
            progress.superblock.insert(raw)
        }
    };
    let sb = Superblock::parse(raw)?;
    sb.check_features(options.read_only)?;
    let need = u64::from(sb.blocks_count) * u64::from(sb.block_size);
    if dev.size() < need {
        return Err(corrupt!(
            "superblock: {} blocks of {} bytes need {need} bytes, the device has {}",
            sb.blocks_count,
            sb.block_size,
            dev.size()
        ));
    }
    Ok(sb)
}

impl<D: BlockDevice> Ext2<D> {
    /// Mounts the volume on `dev`: checks superblock, features and group
    /// descriptors, and that the root is a directory. Nothing is written.
    /// A failure gives the device back; after `WouldBlock`, call
    /// [`MountError::retry`], which keeps what was already read.
    pub fn mount(dev: D, options: MountOptions) -> std::result::Result<Ext2<D>, MountError<D>> {
        Ext2::mount_from(dev, options, Box::default())
    }

    fn mount_from(
        mut dev: D,
        options: MountOptions,
        mut progress: Box<Progress>,
    ) -> std::result::Result<Ext2<D>, MountError<D>> {
        let sb = match read_superblock(&mut dev, options, &mut progress) {
            Ok(sb) => sb,
            Err(error) => {
                return Err(MountError {
                    error,
                    device: dev,
                    progress,
                })
            }
        };
        let mut fs = Ext2 {
            cache: progress
                .cache
                .take()
                .unwrap_or_else(|| BlockCache::new(sb.block_size)),
            geo: Geometry::new(&sb),
            dev,
            read_only: options.read_only,
            now: sb.wtime.max(sb.mtime),
            open: OpenCounts::new(),
            orphans: BTreeSet::new(),
        };
        let checked = fs.run(|tx| {
            tx.check_groups()?;
            let root = tx.inode(ROOT_INO)?;
            if root.kind() != Some(FileType::Directory) {
                return Err(corrupt!(
                    "root inode {ROOT_INO} is not a directory (mode {:o})",
                    root.mode
                ));
            }
            Ok(())
        });
        match checked {
            Ok(()) => Ok(fs),
            Err(error) => {
                progress.cache = Some(fs.cache);
                Err(MountError {
                    error,
                    device: fs.dev,
                    progress,
                })
            }
        }
    }
}

impl<D: BlockDevice> Txn<'_, D> {
    /// Checks that every group's bitmaps and inode table lie inside its
    /// volume, so later accesses cannot run off it.
    fn check_groups(&mut self) -> Result<()> {
        let geo = self.geo;
        let table = geo.inode_table_blocks();
        for g in 0..geo.groups {
            let d = self.group(g)?;
            let what = |name: &'static str| move || format!("group {g} descriptor, {name}");
            geo.check_block(d.block_bitmap, what("block bitmap"))?;
            geo.check_block(d.inode_bitmap, what("inode bitmap"))?;
            geo.check_block(d.inode_table, what("inode table"))?;
            geo.check_block(
                d.inode_table.saturating_add(table - 1),
                what("inode table end"),
            )?;
        }
        Ok(())
    }
}
