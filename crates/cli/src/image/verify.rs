//! `image verify`: every stored chunk of a chunked image is present, of the
//! right length and matches its hash.

use std::path::Path;

use tabvm_disk::ChunkRef;
use tabvm_host::ChunkDirDevice;

/// 0 if the image is whole, 1 (after naming each bad chunk) if not.
pub fn main(dir: &Path) -> Result<i32, String> {
    let dev = ChunkDirDevice::open(dir)?;
    let chunks = dev.manifest().chunks();
    let mut bad = 0;
    for (index, chunk) in chunks.iter().enumerate() {
        if let ChunkRef::Stored(_) = chunk {
            if let Err(e) = dev.load(index) {
                eprintln!("tabvm: {e}");
                bad += 1;
            }
        }
    }
    if bad > 0 {
        eprintln!(
            "tabvm: {bad} of {} chunks are missing or damaged",
            chunks.len()
        );
        return Ok(1);
    }
    println!("{}: {} chunks ok", dir.display(), chunks.len());
    Ok(0)
}
