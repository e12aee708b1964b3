//! The page's root disk: the chunked image next to the page, streamed by
//! the worker, under an overlay whose blocks the worker keeps in IndexedDB,
//! mounted as ext2 (as `tabvm run --image` does natively).
//!
//! Mounting reads the superblock and group descriptors, which may not be
//! here yet: [`Mount::attempt`] gives back what to retry with after the next
//! chunk lands, keeping what it already read.

use std::cell::Cell;
use std::rc::Rc;

use tabvm_disk::{
    BlockDevice, ChunkStats, ChunkedDevice, Completion, DiskError, Manifest, OverlayDevice,
};
use tabvm_ext2::{Error, Ext2, MountError, MountOptions};
use tabvm_host::{ChunkInbox, CommitLink, DiskHost, IdbStore, WebChunkSource};

/// The root device: the image with the user's changes over it.
pub type Device = OverlayDevice<Streamed, IdbStore>;

/// The chunked image, publishing its counters after every request: the
/// device ends up deep inside the kernel, and the page still wants them.
pub struct Streamed {
    dev: ChunkedDevice<WebChunkSource>,
    stats: Rc<Cell<ChunkStats>>,
}

impl Streamed {
    fn publish<T>(&mut self, result: T) -> T {
        self.stats.set(self.dev.stats());
        result
    }
}

impl BlockDevice for Streamed {
    fn size(&self) -> u64 {
        self.dev.size()
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        let result = self.dev.read(offset, buf);
        self.publish(result)
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        self.dev.write(offset, data)
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        self.dev.flush()
    }
}

/// The ends of the disk the worker talks to while the kernel owns it.
pub struct Links {
    pub inbox: ChunkInbox,
    pub commits: CommitLink,
    pub stats: Rc<Cell<ChunkStats>>,
}

/// The root device over the image whose `manifest.json` is `manifest` and
/// whose chunk files lie at `base` (a URL ending in `/`), with the overlay
/// blocks read back from IndexedDB: block `numbers[i]` is the i-th
/// [`BLOCK`](tabvm_disk::dev::overlay::BLOCK) bytes of `blocks`.
pub fn open(
    manifest: &[u8],
    base: String,
    host: DiskHost,
    numbers: &[f64],
    blocks: &[u8],
) -> Result<(Device, Links), String> {
    let manifest = Manifest::parse(manifest).map_err(|e| format!("{base}manifest.json: {e}"))?;
    let (source, inbox) = WebChunkSource::new(base, host.clone());
    let (mut store, commits) = IdbStore::new(host);
    let block = tabvm_disk::dev::overlay::BLOCK;
    if blocks.len() != numbers.len() * block {
        return Err(format!(
            "overlay: {} stored blocks but {} bytes of them",
            numbers.len(),
            blocks.len()
        ));
    }
    for (&n, data) in numbers.iter().zip(blocks.chunks_exact(block)) {
        store.restore(n as u64, data)?;
    }
    let stats = Rc::new(Cell::new(ChunkStats::default()));
    let streamed = Streamed {
        dev: ChunkedDevice::new(manifest, source),
        stats: stats.clone(),
    };
    let links = Links {
        inbox,
        commits,
        stats,
    };
    Ok((OverlayDevice::new(streamed, store), links))
}

/// A mount in progress.
pub enum Mount {
    Start(Device),
    /// The last attempt waited for the device.
    Retry(MountError<Device>),
}

/// What a mount attempt came to.
pub enum Mounted {
    Done(Ext2<Device>),
    /// Waiting for chunks: attempt again once one lands.
    Waiting(Mount),
}

impl Mount {
    pub fn attempt(self) -> Result<Mounted, String> {
        let options = MountOptions { read_only: false };
        let result = match self {
            Mount::Start(dev) => Ext2::mount(dev, options),
            Mount::Retry(failed) => failed.retry(options),
        };
        match result {
            Ok(fs) => Ok(Mounted::Done(fs)),
            Err(e) if matches!(e.error, Error::WouldBlock) => Ok(Mounted::Waiting(Mount::Retry(e))),
            Err(e) => Err(format!("root disk: {}", e.error)),
        }
    }
}
