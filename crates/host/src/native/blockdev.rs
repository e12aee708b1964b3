//! Block devices and stores over local files: a raw image file, a chunked
//! image directory (manifest plus chunk files named by hash), and the
//! overlay log file. They never answer `Pending`: local reads are quick
//! enough to do inside a system call.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use tabvm_disk::dev::overlay::{log, BLOCK};
use tabvm_disk::{
    chunk_file_name, BlockDevice, BlockStore, ChunkHash, ChunkRef, Completion, DiskError, Manifest,
};

/// The name of the manifest inside a chunked image directory.
pub const MANIFEST_NAME: &str = "manifest.json";

fn io(what: impl std::fmt::Display, e: std::io::Error) -> DiskError {
    DiskError::Io {
        what: format!("{what}: {e}"),
    }
}

/// An image file, read-only or read-write.
#[derive(Debug)]
pub struct FileDevice {
    file: File,
    path: PathBuf,
    size: u64,
}

impl FileDevice {
    pub fn open(path: &Path, writable: bool) -> Result<Self, DiskError> {
        let file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|e| io(path.display(), e))?;
        let size = file.metadata().map_err(|e| io(path.display(), e))?.len();
        Ok(FileDevice {
            file,
            path: path.to_owned(),
            size,
        })
    }
}

impl BlockDevice for FileDevice {
    fn size(&self) -> u64 {
        self.size
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        tabvm_disk::dev::check_range(self.size, offset, buf.len())?;
        self.file
            .read_exact_at(buf, offset)
            .map_err(|e| io(format_args!("read {} at {offset}", self.path.display()), e))?;
        Ok(Completion::Done)
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        tabvm_disk::dev::check_range(self.size, offset, data.len())?;
        self.file
            .write_all_at(data, offset)
            .map_err(|e| io(format_args!("write {} at {offset}", self.path.display()), e))?;
        Ok(Completion::Done)
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        self.file
            .sync_data()
            .map_err(|e| io(self.path.display(), e))?;
        Ok(Completion::Done)
    }
}

/// A chunked image in a local directory, read-only. Each chunk is checked
/// against its hash when loaded; the last few are kept in memory.
#[derive(Debug)]
pub struct ChunkDirDevice {
    dir: PathBuf,
    manifest: Manifest,
    cache: HashMap<usize, Vec<u8>>,
}

/// Chunks kept in memory (16 MiB of 128 KiB chunks).
const CHUNK_CACHE: usize = 128;

impl ChunkDirDevice {
    /// Opens `dir`, reading and validating its manifest.
    pub fn open(dir: &Path) -> Result<Self, String> {
        let path = dir.join(MANIFEST_NAME);
        let json = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let manifest = Manifest::parse(&json).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ChunkDirDevice {
            dir: dir.to_owned(),
            manifest,
            cache: HashMap::new(),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The path of a stored chunk.
    pub fn chunk_path(&self, hash: &ChunkHash) -> PathBuf {
        self.dir.join(chunk_file_name(hash))
    }

    /// Reads chunk `index` from its file and checks length and hash.
    pub fn load(&self, index: usize) -> Result<Vec<u8>, DiskError> {
        let len = self.manifest.chunk_len(index).unwrap_or(0) as usize;
        let hash = match self.manifest.chunks()[index] {
            ChunkRef::Zero => return Ok(vec![0; len]),
            ChunkRef::Stored(hash) => hash,
        };
        let path = self.chunk_path(&hash);
        let stored = std::fs::read(&path)
            .map_err(|e| io(format_args!("chunk {index} ({})", path.display()), e))?;
        let stored_len = stored.len();
        let data = self
            .manifest
            .compression()
            .decode(stored)
            .map_err(|e| DiskError::Corrupt {
                what: format!(
                    "chunk {index} ({}): {stored_len} bytes that do not match its hash ({e})",
                    path.display()
                ),
            })?;
        if data.len() != len || ChunkHash::of(&data) != hash {
            return Err(DiskError::Corrupt {
                what: format!(
                    "chunk {index} ({}): {} bytes that do not match its hash",
                    path.display(),
                    data.len()
                ),
            });
        }
        Ok(data)
    }
}

impl BlockDevice for ChunkDirDevice {
    fn size(&self) -> u64 {
        self.manifest.size()
    }
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        tabvm_disk::dev::check_range(self.size(), offset, buf.len())?;
        let chunk = u64::from(self.manifest.chunk_size());
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let index = (pos / chunk) as usize;
            if !self.cache.contains_key(&index) {
                if self.cache.len() >= CHUNK_CACHE {
                    self.cache.clear();
                }
                let data = self.load(index)?;
                self.cache.insert(index, data);
            }
            let data = &self.cache[&index];
            let at = (pos % chunk) as usize;
            let take = (data.len() - at).min(buf.len() - done);
            buf[done..done + take].copy_from_slice(&data[at..at + take]);
            done += take;
        }
        Ok(Completion::Done)
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> Result<Completion, DiskError> {
        Err(DiskError::Io {
            what: format!(
                "write of {} bytes at {offset}: chunked image {} is read-only",
                data.len(),
                self.dir.display()
            ),
        })
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        Ok(Completion::Done)
    }
}

/// An overlay's blocks in a local log file (format: `tabvm_disk`'s
/// `dev::overlay::log`). Opening replays the log up to its last commit and
/// cuts off the rest; `put` appends a block record, `flush` a commit record
/// followed by `fdatasync`. The log grows with every write-back (metadata
/// blocks are written again and again), so opening rewrites a log that has
/// grown much larger than its blocks.
#[derive(Debug)]
pub struct FileStore {
    file: File,
    path: PathBuf,
    blocks: HashMap<u64, Vec<u8>>,
    /// Length of the log through its last complete record: where the next
    /// record goes.
    end: u64,
    /// Block records appended since the last commit record.
    uncommitted: u64,
}

/// A log is rewritten at open when it is over twice the size of its blocks
/// and at least this long (so small logs are not rewritten at every start).
const COMPACT_AT: u64 = 64 << 20;

/// Makes the directory entries of `path`'s directory durable.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    File::open(dir.unwrap_or(Path::new("."))).and_then(|d| d.sync_all())
}

impl FileStore {
    /// Opens or creates the log at `path`; `Err` says what is wrong.
    pub fn open(path: &Path) -> Result<Self, String> {
        Self::open_compacting_at(path, COMPACT_AT)
    }

    fn open_compacting_at(path: &Path, compact_at: u64) -> Result<Self, String> {
        let fail = |e: std::io::Error| format!("overlay {}: {e}", path.display());
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(fail)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(fail)?;
        let replayed =
            log::replay(&bytes).map_err(|e| format!("overlay {}: {e}", path.display()))?;
        drop(bytes);
        let mut end = replayed.valid_len;
        let live = replayed.blocks.len() as u64 * log::RECORD as u64;
        if end >= compact_at && end > 2 * live {
            (file, end) = Self::compact(path, &replayed.blocks).map_err(fail)?;
        } else if replayed.torn > 0 {
            file.set_len(end).map_err(fail)?;
        }
        if end == 0 {
            // A new log: make the header, and the file's name, durable.
            file.write_all_at(log::MAGIC, 0).map_err(fail)?;
            file.sync_all().map_err(fail)?;
            sync_dir(path).map_err(fail)?;
            end = log::MAGIC.len() as u64;
        }
        Ok(FileStore {
            file,
            path: path.to_owned(),
            blocks: replayed.blocks,
            end,
            uncommitted: 0,
        })
    }

    /// Writes `blocks` as a new log of one commit beside `path` and renames
    /// it over `path`: a crash leaves the old log or the new one. Returns
    /// the new log and its length.
    fn compact(path: &Path, blocks: &HashMap<u64, Vec<u8>>) -> std::io::Result<(File, u64)> {
        let tmp = path.with_extension("compacting");
        let mut out = std::io::BufWriter::new(File::create(&tmp)?);
        out.write_all(log::MAGIC)?;
        let mut numbers: Vec<u64> = blocks.keys().copied().collect();
        numbers.sort_unstable();
        for n in numbers {
            out.write_all(&log::record(n, &blocks[&n]))?;
        }
        out.write_all(&log::commit(blocks.len() as u64))?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_dir(path)?;
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let end = file.metadata()?.len();
        Ok((file, end))
    }

    /// Appends `record` at the end of the log. A failed append is cut off
    /// again (best effort: replay would stop there anyway, but a later
    /// commit must not hide behind it).
    fn append(&mut self, record: &[u8]) -> Result<(), DiskError> {
        if let Err(e) = self.file.write_all_at(record, self.end) {
            let _ = self.file.set_len(self.end);
            return Err(io(format_args!("append to {}", self.path.display()), e));
        }
        self.end += record.len() as u64;
        Ok(())
    }
}

impl BlockStore for FileStore {
    fn get(&self, n: u64) -> Option<&[u8]> {
        self.blocks.get(&n).map(Vec::as_slice)
    }
    fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError> {
        debug_assert_eq!(data.len(), BLOCK);
        self.append(&log::record(n, data))?;
        self.uncommitted += 1;
        self.blocks.insert(n, data.to_vec());
        Ok(())
    }
    fn flush(&mut self) -> Result<Completion, DiskError> {
        if self.uncommitted > 0 {
            self.append(&log::commit(self.uncommitted))?;
            self.uncommitted = 0;
        }
        self.file
            .sync_data()
            .map_err(|e| io(self.path.display(), e))?;
        Ok(Completion::Done)
    }
    fn len(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_keeps_what_was_committed() {
        let path = std::env::temp_dir().join(format!("tabvm-store-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        {
            let mut s = FileStore::open(&path).unwrap();
            s.put(3, &[3; BLOCK]).unwrap();
            s.flush().unwrap();
            s.put(5, &[5; BLOCK]).unwrap();
            assert_eq!(s.get(5), Some(&[5; BLOCK][..]), "visible before commit");
            // Dropped without a flush: block 5 was never committed.
        }
        let mut s = FileStore::open(&path).unwrap();
        assert_eq!(s.get(3), Some(&[3; BLOCK][..]));
        assert_eq!(s.get(5), None);
        let committed = std::fs::metadata(&path).unwrap().len();
        s.put(5, &[6; BLOCK]).unwrap();
        s.put(3, &[7; BLOCK]).unwrap();
        s.flush().unwrap();
        drop(s);
        // A kill in the middle of the commit record loses the whole commit.
        let len = std::fs::metadata(&path).unwrap().len();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len - 10).unwrap();
        let mut s = FileStore::open(&path).unwrap();
        assert_eq!((s.get(3), s.get(5)), (Some(&[3; BLOCK][..]), None));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), committed);
        s.put(5, &[8; BLOCK]).unwrap();
        s.flush().unwrap();
        drop(s);
        let s = FileStore::open(&path).unwrap();
        assert_eq!(s.get(5), Some(&[8; BLOCK][..]));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_grown_log_is_compacted_at_open() {
        let path = std::env::temp_dir().join(format!("tabvm-compact-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut s = FileStore::open(&path).unwrap();
        for round in 0..10u8 {
            s.put(1, &[round; BLOCK]).unwrap();
            s.put(2, &[round; BLOCK]).unwrap();
            s.flush().unwrap();
        }
        s.put(3, &[3; BLOCK]).unwrap();
        drop(s);
        let grown = std::fs::metadata(&path).unwrap().len();
        let s = FileStore::open_compacting_at(&path, 4 * log::RECORD as u64).unwrap();
        assert_eq!(
            (s.get(1), s.get(2)),
            (Some(&[9; BLOCK][..]), Some(&[9; BLOCK][..]))
        );
        assert_eq!((s.get(3), s.len()), (None, 2), "uncommitted");
        let compact = std::fs::metadata(&path).unwrap().len();
        assert_eq!(
            compact as usize,
            log::MAGIC.len() + 2 * log::RECORD + log::COMMIT_RECORD
        );
        assert!(compact < grown);
        drop(s);
        let s = FileStore::open(&path).unwrap();
        assert_eq!(s.get(2), Some(&[9; BLOCK][..]));
        std::fs::remove_file(&path).unwrap();
    }
}
