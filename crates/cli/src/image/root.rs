//! The guest root of `tabvm run --image`: ext2 over the image, with every
//! write kept in an overlay file so the image itself never changes.

use std::path::Path;

use tabvm_disk::{BlockDevice, OverlayDevice};
use tabvm_host::FileStore;
use tabvm_kernel::vfs::Ext2Fs;

use super::{default_overlay, mount, open_base, reset_overlay, resolve};

/// The root file system of an image run.
pub type Root = Ext2Fs<OverlayDevice<Box<dyn BlockDevice>, FileStore>>;

/// The mounted root, and its `/etc/passwd` (empty if it has none) for
/// `--user`.
pub fn open(image: &Path, overlay: Option<&Path>, reset: bool) -> Result<(Root, String), String> {
    let base = open_base(image)?;
    let overlay = match overlay {
        Some(path) => path.to_owned(),
        None => default_overlay(image)?,
    };
    if reset {
        reset_overlay(&overlay)?;
    }
    let dev = OverlayDevice::new(base, FileStore::open(&overlay)?);
    let mut fs = mount(dev, false).map_err(|e| format!("{}: {e}", image.display()))?;
    let passwd = read_file(&mut fs, "/etc/passwd").unwrap_or_default();
    Ok((Ext2Fs::new(fs), passwd))
}

fn read_file<D: BlockDevice>(fs: &mut tabvm_ext2::Ext2<D>, path: &str) -> Option<String> {
    let ino = resolve(fs, path).ok()?;
    let size = fs.stat(ino).ok()?.size;
    let mut buf = vec![0; usize::try_from(size).ok()?];
    let n = fs.read(ino, 0, &mut buf).ok()?;
    buf.truncate(n);
    String::from_utf8(buf).ok()
}
