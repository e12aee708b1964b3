//! `image chunk`: streams an image file into content-named chunk files and
//! a manifest. Each chunk file is written under a temporary name and
//! renamed, and the manifest comes last, so an interrupted run leaves no
//! manifest pointing at missing or partial chunks.
//!
//! Chunk files are named by the hash of their uncompressed bytes whatever
//! the codec, so a directory must not mix codecs: files already present are
//! reused only when the directory's manifest names the same codec.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use tabvm_disk::manifest::CHUNK_SIZE;
use tabvm_disk::{chunk_file_name, ChunkHash, ChunkRef, Compression, Manifest};
use tabvm_host::{is_terminal, MANIFEST_NAME};

/// What a run did, for the summary line.
#[derive(Default)]
struct Tally {
    zero: u64,
    dedup: u64,
    /// Distinct stored chunks and their uncompressed bytes.
    stored: u64,
    stored_bytes: u64,
    /// Bytes of chunk files written (after compression).
    written_bytes: u64,
    /// Chunk files already present from an earlier run.
    reused: u64,
}

pub fn main(image: &Path, out: &Path, compression: Compression) -> Result<(), String> {
    let name = |p: &Path| p.display().to_string();
    let start = Instant::now();
    let mut file = File::open(image).map_err(|e| format!("{}: {e}", name(image)))?;
    let size = file
        .metadata()
        .map_err(|e| format!("{}: {e}", name(image)))?
        .len();
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", name(out)))?;
    let reuse = existing_codec(out)? == Some(compression);
    let total = size.div_ceil(CHUNK_SIZE.into());
    let mut progress = is_terminal(2).then(|| Progress::new(total));
    let (mut chunks, mut seen, mut t) = (Vec::new(), HashSet::new(), Tally::default());
    let mut buf = vec![0; CHUNK_SIZE as usize];
    for index in 0..total {
        let len = (size - index * u64::from(CHUNK_SIZE)).min(CHUNK_SIZE.into()) as usize;
        file.read_exact(&mut buf[..len])
            .map_err(|e| format!("{}: chunk {index}: {e}", name(image)))?;
        if let Some(p) = &mut progress {
            p.show(index);
        }
        let bytes = &buf[..len];
        if bytes.iter().all(|&b| b == 0) {
            t.zero += 1;
            chunks.push(ChunkRef::Zero);
            continue;
        }
        let hash = ChunkHash::of(bytes);
        chunks.push(ChunkRef::Stored(hash));
        if !seen.insert(hash) {
            t.dedup += 1;
            continue;
        }
        t.stored += 1;
        t.stored_bytes += len as u64;
        let path = out.join(chunk_file_name(&hash));
        if reuse && path.exists() {
            t.reused += 1;
            continue;
        }
        let encoded = compression.encode(bytes);
        write_atomically(&path, &encoded)?;
        t.written_bytes += encoded.len() as u64;
    }
    if progress.is_some() {
        eprint!("\r\x1b[K");
    }
    let manifest = Manifest::from_chunks(size, compression, chunks).map_err(|e| e.to_string())?;
    write_atomically(&out.join(MANIFEST_NAME), manifest.to_json().as_bytes())?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{total} chunks of {} KiB: {} zero (not stored), {} duplicates, {} stored \
         ({} MiB); {} chunk files written, {} MiB {}, {} already present; \
         {:.1} s, {:.0} MB/s of image, into {}",
        CHUNK_SIZE / 1024,
        t.zero,
        t.dedup,
        t.stored,
        mib(t.stored_bytes),
        t.stored - t.reused,
        mib(t.written_bytes),
        compression.name(),
        t.reused,
        secs,
        size as f64 / 1e6 / secs.max(1e-9),
        name(out)
    );
    Ok(())
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / f64::from(1 << 20))
}

/// The codec of the image already in `dir`, if it holds one.
fn existing_codec(dir: &Path) -> Result<Option<Compression>, String> {
    let path = dir.join(MANIFEST_NAME);
    match std::fs::read(&path) {
        Ok(json) => Manifest::parse(&json)
            .map(|m| Some(m.compression()))
            .map_err(|e| format!("{}: {e} (use an empty directory)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct Progress {
    total: u64,
    start: Instant,
    drawn: Instant,
}

impl Progress {
    fn new(total: u64) -> Self {
        let now = Instant::now();
        Progress {
            total,
            start: now,
            drawn: now,
        }
    }

    fn show(&mut self, index: u64) {
        if self.drawn.elapsed().as_millis() < 100 {
            return;
        }
        self.drawn = Instant::now();
        const WIDTH: u64 = 30;
        let filled = (index * WIDTH / self.total.max(1)) as usize;
        let mb = (index * u64::from(CHUNK_SIZE)) as f64 / 1e6;
        eprint!(
            "\r[{}{}] chunk {index}/{} {:.0} MB/s",
            "#".repeat(filled),
            " ".repeat(WIDTH as usize - filled),
            self.total,
            mb / self.start.elapsed().as_secs_f64()
        );
    }
}

/// Writes `path` through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut f = File::create(&tmp).map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}
