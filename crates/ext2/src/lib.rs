//! # tabvm-ext2: a read-write ext2 file system over a block device
//!
//! This crate owns the ext2 on-disk format and its semantics: revisions 0
//! and 1, 1/2/4 KiB blocks, the `sparse_super`, `large_file` and `filetype`
//! features, the direct and indirect block map with holes, fast and slow
//! symlinks, hard links, device nodes, FIFOs and sockets, owners, modes and
//! times, and orphans (unlinked files that stay until their last release).
//! Images it writes pass `e2fsck -fn`.
//!
//! It must not know about the kernel, tasks or guest memory, and it does no
//! host I/O: it sees a [`tabvm_disk::BlockDevice`] and names nodes by inode
//! number, so the kernel's VFS can adapt [`Ext2`] to its `FileSystem`.
//!
//! **Restartability** (DESIGN rule 1): any device read may answer `Pending`.
//! Every operation stages its writes in a per-operation write set over the
//! block cache and commits them only when it has succeeded; on
//! [`Error::WouldBlock`] nothing visible changed and the caller simply runs
//! the same operation again later. Completed changes are written back by
//! [`Ext2::sync`] in the order data, bitmaps, trees, summaries (`cache.rs`),
//! ending with the device's `flush`. What a sync writes is always a volume
//! `e2fsck` finds clean (an orphan still open is given a name in
//! `/lost+found` for it), so over a device that commits atomically at its
//! `flush` — the overlay — a crash at any moment leaves a clean volume.
//!
//! Module map: `layout/` is the byte format (superblock, group descriptor,
//! inode, directory entry); `cache.rs` the block cache and write-back;
//! `fs/` the operations; `error.rs` the error type.
//!
//! ```
//! use tabvm_disk::MemoryDevice;
//! use tabvm_ext2::{Error, Ext2, MountOptions};
//! // A blank device is no ext2 volume, and says so.
//! let err = Ext2::mount(MemoryDevice::new(8192), MountOptions::default()).err().unwrap();
//! assert!(matches!(err.error, Error::Corrupt(ref what) if what.contains("magic")));
//! ```

mod cache;
mod error;
mod fs;
mod layout;

pub use error::{Error, Result};
pub use fs::{DirEntry, Ext2, Ino, MountError, MountOptions, Owner, SetAttr, Stat, StatFs};
pub use layout::inode::FileType;
