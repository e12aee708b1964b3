//! # tabvm-disk: block devices and chunked disk images
//!
//! This crate owns the storage layer below the file systems:
//!
//! - [`dev`]: the [`BlockDevice`] trait, whose operations may answer
//!   [`Completion::Pending`] — a device waiting for data (a chunk being
//!   fetched) says so instead of blocking, and the kernel parks the guest task
//!   and restarts its syscall later (DESIGN rule 1). Devices: [`MemoryDevice`],
//!   [`OverlayDevice`] (a read-only base plus a [`BlockStore`] of written
//!   blocks; `dev::overlay::log` is the crash-safe format of a store kept in
//!   a file), [`ChunkedDevice`] (a chunked image, or a raw image read by
//!   byte ranges, fetched through a host's [`ChunkSource`], with
//!   verification, retries, prefetch after demand reads), and two test
//!   wrappers, [`FaultDevice`] and [`TraceDevice`].
//! - [`manifest`]: the chunked-image manifest (image size, 128 KiB chunks,
//!   each named by its SHA-256 or `"zero"`), its parser with precise errors,
//!   and the splitter that turns an image into deduplicated chunks.
//!
//! It must not touch guest memory, tasks or file-system structure (ext2 lives
//! above it), nor do host I/O itself: file, HTTP and IndexedDB backends are
//! devices supplied by the native and browser hosts.
//!
//! ```
//! use tabvm_disk::{BlockDevice, Completion, MemoryDevice};
//! let mut dev = MemoryDevice::new(4096);
//! assert_eq!(dev.write(512, b"hello"), Ok(Completion::Done));
//! let mut buf = [0u8; 5];
//! assert_eq!(dev.read(512, &mut buf), Ok(Completion::Done));
//! assert_eq!(&buf, b"hello");
//! ```

pub mod dev;
pub mod manifest;

pub use dev::chunked::{
    ChunkRequest, ChunkSource, ChunkStats, ChunkedDevice, Fetched, Layout, Piece, RANGE_PIECE,
};
pub use dev::fault::{FaultDevice, FaultPlan};
pub use dev::memory::MemoryDevice;
pub use dev::overlay::{BlockStore, MemoryStore, OverlayDevice};
pub use dev::trace::{Op, TraceDevice, TraceEntry};
pub use dev::{BlockDevice, Completion, DiskError};
pub use manifest::{chunk_file_name, ChunkHash, ChunkRef, Compression, Manifest, ManifestError};
