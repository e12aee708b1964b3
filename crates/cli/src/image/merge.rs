//! `image merge`: a raw image of base plus overlay, e.g. to check it with
//! `e2fsck` or to publish it as a new base.
//!
//! The overlay is only read: its committed blocks are replayed into memory
//! (an uncommitted tail, left by a kill, is ignored but stays in the file
//! for `tabvm run` to cut). All-zero stretches of the result are left as
//! holes, so a large, mostly empty image costs little disk.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use tabvm_disk::dev::overlay::log;
use tabvm_disk::{BlockDevice, BlockStore, Completion, MemoryStore, OverlayDevice};

use super::open_base;

pub fn main(image: &Path, overlay: &Path, out: &Path) -> Result<(), String> {
    let bytes = std::fs::read(overlay).map_err(|e| format!("{}: {e}", overlay.display()))?;
    let replayed = log::replay(&bytes).map_err(|e| format!("{}: {e}", overlay.display()))?;
    let mut store = MemoryStore::default();
    for (n, data) in replayed.blocks {
        store.put(n, &data).map_err(|e| e.to_string())?;
    }
    let mut dev = OverlayDevice::new(open_base(image)?, store);
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
        if buf[..len].iter().all(|&b| b == 0) {
            file.seek(SeekFrom::Current(len as i64)).map_err(fail)?;
        } else {
            file.write_all(&buf[..len]).map_err(fail)?;
        }
        offset += len as u64;
    }
    file.set_len(dev.size()).map_err(fail)?;
    std::fs::rename(&tmp, out).map_err(fail)
}
