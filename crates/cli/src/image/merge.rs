//! `image merge`: a raw image of base plus overlay, e.g. to check it with
//! `e2fsck` or to publish it as a new base.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use tabvm_disk::{BlockDevice, Completion, OverlayDevice};
use tabvm_host::FileStore;

use super::open_base;

pub fn main(image: &Path, overlay: &Path, out: &Path) -> Result<(), String> {
    if !overlay.is_file() {
        return Err(format!("{}: no such overlay file", overlay.display()));
    }
    let mut dev = OverlayDevice::new(open_base(image)?, FileStore::open(overlay)?);
    let tmp = out.with_extension("tmp");
    let fail = |e: std::io::Error| format!("{}: {e}", out.display());
    let mut file = File::create(&tmp).map_err(fail)?;
    let mut buf = vec![0; 1 << 20];
    let mut offset = 0;
    while offset < dev.size() {
        let len = (dev.size() - offset).min(buf.len() as u64) as usize;
        // Local devices never answer `Pending`.
        match dev
            .read(offset, &mut buf[..len])
            .map_err(|e| e.to_string())?
        {
            Completion::Done => {}
            Completion::Pending => return Err("image device is still fetching".into()),
        }
        file.write_all(&buf[..len]).map_err(fail)?;
        offset += len as u64;
    }
    std::fs::rename(&tmp, out).map_err(fail)
}
