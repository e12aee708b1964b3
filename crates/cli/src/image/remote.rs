//! The guest root of `tabvm run --image http://…`: an image streamed from a
//! web server piece by piece as the guest reads it, with writes kept in an
//! overlay file as for a local image. The image is chunked (a manifest and
//! chunk files) or a raw image file read by byte ranges; see
//! [`ImageUrl::layout`] for how the URL tells which.
//!
//! The device answers `Pending` while a chunk is on its way. Inside the
//! guest that parks the reading task; before the guest starts (mounting,
//! reading `/etc/passwd`) the caller's `wait` blocks until a fetch finishes,
//! and the operation is tried again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tabvm_disk::{ChunkedDevice, Compression, Layout, OverlayDevice};
use tabvm_ext2::{Error, Ext2, MountOptions};
use tabvm_host::{FileStore, HttpSource, ImageUrl, Traffic, Wake};
use tabvm_kernel::vfs::Ext2Fs;

use super::{cache_dir, overlay_path, reset_overlay};

/// The root file system of a streamed image.
pub type Root = Ext2Fs<OverlayDevice<ChunkedDevice<HttpSource>, FileStore>>;

/// Whether `--image` names an image on a web server.
pub fn is_url(image: &Path) -> bool {
    image
        .to_str()
        .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"))
}

/// Finds out how the image at `url` is laid out and mounts it over an overlay
/// (`overlay`, or one under the user's cache named after the URL; `reset`
/// drops it first). Fetch threads call `wake` as chunks arrive; `wait`
/// blocks until the next such call. Returns the root, its `/etc/passwd`
/// and the counters of what was fetched.
pub fn open(
    url: &str,
    overlay: Option<&Path>,
    reset: bool,
    wake: Wake,
    wait: &dyn Fn(),
) -> Result<(Root, String, Arc<Traffic>), String> {
    let url = ImageUrl::parse(url)?;
    let layout = url.layout()?;
    // Only chunk files have a local cache: a byte range has no content name.
    let (compression, chunks) = match &layout {
        Layout::Chunked(manifest) => {
            let chunks = cache_dir().ok().map(|c| c.join("chunks"));
            if let Some(dir) = &chunks {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            (manifest.compression(), chunks)
        }
        Layout::Ranges { .. } => (Compression::None, None),
    };
    let source = HttpSource::new(url.clone(), compression, chunks, wake);
    let traffic = source.traffic();
    let overlay = match overlay {
        Some(path) => path.to_owned(),
        None => default_overlay(&url)?,
    };
    if reset {
        reset_overlay(&overlay)?;
    }
    let dev = OverlayDevice::new(
        ChunkedDevice::with_layout(layout, source),
        FileStore::open(&overlay)?,
    );
    let options = MountOptions { read_only: false };
    let mut mounted = Ext2::mount(dev, options);
    let mut fs = loop {
        match mounted {
            Ok(fs) => break fs,
            Err(e) if e.error == Error::WouldBlock => {
                wait();
                mounted = e.retry(options);
            }
            Err(e) => return Err(format!("{}: {}", url.as_str(), e.error)),
        }
    };
    let passwd = read_passwd(&mut fs, wait);
    Ok((Ext2Fs::new(fs), passwd, traffic))
}

/// The overlay of a streamed image: named after its URL.
fn default_overlay(url: &ImageUrl) -> Result<PathBuf, String> {
    let id = tabvm_disk::ChunkHash::of(url.as_str().as_bytes()).to_string();
    overlay_path(&id[..16])
}

/// `/etc/passwd`, or empty if the image has none.
fn read_passwd<D: tabvm_disk::BlockDevice>(fs: &mut Ext2<D>, wait: &dyn Fn()) -> String {
    let read = |fs: &mut Ext2<D>| -> Result<Vec<u8>, Error> {
        let etc = fs.lookup(fs.root(), b"etc")?;
        let ino = fs.lookup(etc, b"passwd")?;
        let mut buf = vec![0; fs.stat(ino)?.size as usize];
        let n = fs.read(ino, 0, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    };
    // Fetches the chunks it needs first: the read restarts until they are here.
    let read = loop {
        match read(fs) {
            Err(Error::WouldBlock) => wait(),
            other => break other,
        }
    };
    read.ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}
