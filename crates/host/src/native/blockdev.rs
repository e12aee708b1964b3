//! Block devices and stores over local files: a raw image file, a chunked
//! image directory (manifest plus chunk files named by hash), and the
//! overlay log file. They never answer `Pending`: local reads are quick
//! enough to do inside a system call.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
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
        let data = std::fs::read(&path)
            .map_err(|e| io(format_args!("chunk {index} ({})", path.display()), e))?;
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
/// `dev::overlay::log`). Opening replays the log and cuts a torn tail.
#[derive(Debug)]
pub struct FileStore {
    file: File,
    path: PathBuf,
    blocks: HashMap<u64, Vec<u8>>,
}

impl FileStore {
    /// Opens or creates the log at `path`; `Err` says what is wrong.
    pub fn open(path: &Path) -> Result<Self, String> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("overlay {}: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("overlay {}: {e}", path.display()))?;
        let replayed =
            log::replay(&bytes).map_err(|e| format!("overlay {}: {e}", path.display()))?;
        let fail = |e: std::io::Error| format!("overlay {}: {e}", path.display());
        if bytes.is_empty() {
            file.write_all(log::MAGIC).map_err(fail)?;
        } else if replayed.torn > 0 {
            file.set_len(replayed.valid_len).map_err(fail)?;
        }
        file.seek(SeekFrom::End(0)).map_err(fail)?;
        Ok(FileStore {
            file,
            path: path.to_owned(),
            blocks: replayed.blocks,
        })
    }
}

impl BlockStore for FileStore {
    fn get(&self, n: u64) -> Option<&[u8]> {
        self.blocks.get(&n).map(Vec::as_slice)
    }
    fn put(&mut self, n: u64, data: &[u8]) -> Result<(), DiskError> {
        debug_assert_eq!(data.len(), BLOCK);
        self.file
            .write_all(&log::record(n, data))
            .map_err(|e| io(format_args!("append to {}", self.path.display()), e))?;
        self.blocks.insert(n, data.to_vec());
        Ok(())
    }
    fn flush(&mut self) -> Result<(), DiskError> {
        self.file
            .sync_data()
            .map_err(|e| io(self.path.display(), e))
    }
    fn len(&self) -> usize {
        self.blocks.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_survives_reopen_and_a_torn_tail() {
        let path = std::env::temp_dir().join(format!("tabvm-store-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        {
            let mut s = FileStore::open(&path).unwrap();
            s.put(3, &[3; BLOCK]).unwrap();
            s.put(5, &[5; BLOCK]).unwrap();
        }
        // A kill in the middle of the second append.
        let len = std::fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 10)
            .unwrap();
        let mut s = FileStore::open(&path).unwrap();
        assert_eq!(s.get(3), Some(&[3; BLOCK][..]));
        assert_eq!(s.get(5), None);
        s.put(5, &[6; BLOCK]).unwrap();
        drop(s);
        let s = FileStore::open(&path).unwrap();
        assert_eq!(s.get(5), Some(&[6; BLOCK][..]));
        std::fs::remove_file(&path).unwrap();
    }
}
