//! `image chunk`: streams an image file into content-named chunk files and
//! a manifest. Each chunk file is written under a temporary name and
//! renamed, and the manifest comes last, so an interrupted run leaves no
//! manifest pointing at missing or partial chunks.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use tabvm_disk::manifest::CHUNK_SIZE;
use tabvm_disk::{chunk_file_name, ChunkHash, ChunkRef, Manifest};
use tabvm_host::{is_terminal, MANIFEST_NAME};

pub fn main(image: &Path, out: &Path) -> Result<(), String> {
    let name = |p: &Path| p.display().to_string();
    let mut file = File::open(image).map_err(|e| format!("{}: {e}", name(image)))?;
    let size = file
        .metadata()
        .map_err(|e| format!("{}: {e}", name(image)))?
        .len();
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", name(out)))?;
    let total = size.div_ceil(CHUNK_SIZE.into());
    let progress = is_terminal(2);
    let (mut chunks, mut seen) = (Vec::new(), HashSet::new());
    let (mut zero, mut dedup, mut written) = (0u64, 0u64, 0u64);
    let mut buf = vec![0; CHUNK_SIZE as usize];
    for index in 0..total {
        let len = (size - index * u64::from(CHUNK_SIZE)).min(CHUNK_SIZE.into()) as usize;
        file.read_exact(&mut buf[..len])
            .map_err(|e| format!("{}: chunk {index}: {e}", name(image)))?;
        let bytes = &buf[..len];
        if bytes.iter().all(|&b| b == 0) {
            zero += 1;
            chunks.push(ChunkRef::Zero);
            continue;
        }
        let hash = ChunkHash::of(bytes);
        chunks.push(ChunkRef::Stored(hash));
        if !seen.insert(hash) {
            dedup += 1;
            continue;
        }
        let path = out.join(chunk_file_name(&hash));
        if !path.exists() {
            write_atomically(&path, bytes)?;
            written += len as u64;
        }
        if progress && index % 64 == 0 {
            eprint!("\rchunk {index}/{total}");
        }
    }
    if progress {
        eprint!("\r");
    }
    let manifest = Manifest::from_chunks(size, chunks).map_err(|e| e.to_string())?;
    write_atomically(&out.join(MANIFEST_NAME), manifest.to_json().as_bytes())?;
    println!(
        "{total} chunks of {} KiB: {zero} zero (not stored), {dedup} duplicates, {} stored; \
         {written} bytes written to {}",
        CHUNK_SIZE / 1024,
        seen.len(),
        name(out)
    );
    Ok(())
}

/// Writes `path` through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut f = File::create(&tmp).map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}
