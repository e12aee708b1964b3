//! A chunked image read through a slow, fallible transport: the device
//! behind `tabvm run --image URL` and the browser's root disk.
//!
//! The host supplies a [`ChunkSource`] that fetches chunk files by name (HTTP
//! natively, `fetch` in the browser; either may answer from a local cache of
//! chunks fetched before). [`ChunkedDevice`] holds the policy, one copy for
//! both hosts:
//!
//! - A read of a chunk not yet here requests it and answers
//!   [`Completion::Pending`]; the kernel parks the task and retries.
//! - A chunk is used only if it decodes and matches its hash. A failed or
//!   corrupt fetch is retried with exponential backoff; after
//!   [`MAX_ATTEMPTS`] the read fails with an error naming the chunk and its
//!   source (the guest sees `EIO`). The next read of it starts afresh, so a
//!   network that comes back heals the disk.
//! - Reads of consecutive chunks prefetch the next [`PREFETCH`] ones.
//! - Decoded chunks are kept in memory up to [`MEMORY_CHUNKS`], oldest
//!   dropped first (a source with a local cache makes a refetch cheap).
//!
//! Counters of what was fetched ([`ChunkStats`]) feed the page's activity
//! display and the bytes-to-prompt benchmark.

use std::collections::{HashMap, VecDeque};

use super::{check_range, BlockDevice, Completion, DiskError};
use crate::manifest::{chunk_file_name, ChunkHash, ChunkRef, Manifest};

/// Fetches of one chunk before its read fails.
pub const MAX_ATTEMPTS: u32 = 5;
/// Delay before the first retry; doubled for each further one.
pub const FIRST_BACKOFF_MS: u32 = 200;
/// Chunks requested ahead of a sequential reader: 1 MiB.
pub const PREFETCH: usize = 8;
/// Decoded chunks kept in memory: 128 MiB. A restarted read needs every
/// chunk it covers at once, so this bounds the largest file a program can
/// load in one call (gcc's `cc1` is 36 MB); with less, such a read evicts
/// its own chunks and refetches them without end.
pub const MEMORY_CHUNKS: usize = 1024;

/// A request to a [`ChunkSource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkRequest {
    pub hash: ChunkHash,
    /// The chunk file's name, relative to the image (its manifest's folder).
    pub file: String,
    /// Wait this long before fetching (backoff after a failure).
    pub delay_ms: u32,
}

/// A finished request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub hash: ChunkHash,
    /// The file's bytes as stored (still compressed), or why there are none.
    pub result: Result<Vec<u8>, String>,
    /// Bytes that crossed the network for it: 0 when a local cache answered.
    pub network_bytes: u64,
    /// Time from the start of the fetch to its end.
    pub millis: u32,
}

/// The host's transport for chunk files.
pub trait ChunkSource {
    /// Starts fetching a chunk file. The device never requests a chunk that
    /// is already in flight.
    fn request(&mut self, req: ChunkRequest);
    /// Hands over the requests finished since the last call.
    fn poll(&mut self) -> Vec<Fetched>;
    /// Where a chunk file comes from, for error messages (e.g. its URL).
    fn locate(&self, file: &str) -> String;
    /// A chunk failed for good (every attempt did); the reads that need it
    /// fail with `error` now. A host shows it where a person will see it
    /// (stderr, the page's console), since the guest sees only `EIO`.
    fn give_up(&mut self, error: &DiskError) {
        let _ = error;
    }
}

/// What the device has fetched so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChunkStats {
    /// Chunks that arrived intact.
    pub fetched: u64,
    /// Of those, answered by a local cache.
    pub from_cache: u64,
    /// Bytes that crossed the network (compressed size).
    pub network_bytes: u64,
    /// Fetches that failed or brought corrupt data.
    pub failures: u64,
    /// Requests not finished yet.
    pub in_flight: u64,
    /// Latency of the last intact fetch.
    pub last_millis: u32,
}

/// A read-only device over a chunked image; see the module doc.
pub struct ChunkedDevice<S> {
    manifest: Manifest,
    source: S,
    /// Decoded chunks, and the order they arrived in for eviction.
    chunks: HashMap<ChunkHash, Vec<u8>>,
    arrival: VecDeque<ChunkHash>,
    /// Requests in flight: the attempt each one is.
    in_flight: HashMap<ChunkHash, u32>,
    /// Chunks whose last attempt failed: the error for the next read.
    failed: HashMap<ChunkHash, DiskError>,
    /// The last chunk a read needed, to spot sequential reading.
    last_index: Option<usize>,
    stats: ChunkStats,
}

impl<S: ChunkSource> ChunkedDevice<S> {
    pub fn new(manifest: Manifest, source: S) -> Self {
        ChunkedDevice {
            manifest,
            source,
            chunks: HashMap::new(),
            arrival: VecDeque::new(),
            in_flight: HashMap::new(),
            failed: HashMap::new(),
            last_index: None,
            stats: ChunkStats::default(),
        }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    pub fn stats(&self) -> ChunkStats {
        ChunkStats {
            in_flight: self.in_flight.len() as u64,
            ..self.stats
        }
    }

    /// Takes in every finished fetch. Hosts call it when their source
    /// signals progress; reads call it too.
    pub fn pump(&mut self) {
        for fetched in self.source.poll() {
            let Some(attempt) = self.in_flight.remove(&fetched.hash) else {
                continue; // not ours: a duplicate answer
            };
            match self.check(&fetched) {
                Ok(bytes) => {
                    self.stats.fetched += 1;
                    self.stats.from_cache += u64::from(fetched.network_bytes == 0);
                    self.stats.network_bytes += fetched.network_bytes;
                    self.stats.last_millis = fetched.millis;
                    self.keep(fetched.hash, bytes);
                }
                Err(error) => {
                    self.stats.failures += 1;
                    self.stats.network_bytes += fetched.network_bytes;
                    if attempt < MAX_ATTEMPTS {
                        let delay_ms = FIRST_BACKOFF_MS << (attempt - 1);
                        self.start(fetched.hash, attempt + 1, delay_ms);
                    } else {
                        self.source.give_up(&error);
                        self.failed.insert(fetched.hash, error);
                    }
                }
            }
        }
    }

    /// The decoded, verified bytes of a fetch, or why it cannot be used.
    fn check(&self, fetched: &Fetched) -> Result<Vec<u8>, DiskError> {
        let file = chunk_file_name(&fetched.hash);
        let what = |problem: String| format!("chunk {file} from {}: {problem}", self.locate(&file));
        let stored = fetched
            .result
            .clone()
            .map_err(|e| DiskError::Io { what: what(e) })?;
        let bytes = self
            .manifest
            .compression()
            .decode(stored)
            .map_err(|e| DiskError::Corrupt { what: what(e) })?;
        if ChunkHash::of(&bytes) != fetched.hash {
            return Err(DiskError::Corrupt {
                what: what(format!("{} bytes that do not match its hash", bytes.len())),
            });
        }
        Ok(bytes)
    }

    fn locate(&self, file: &str) -> String {
        self.source.locate(file)
    }

    fn keep(&mut self, hash: ChunkHash, bytes: Vec<u8>) {
        if self.chunks.len() >= MEMORY_CHUNKS {
            if let Some(old) = self.arrival.pop_front() {
                self.chunks.remove(&old);
            }
        }
        self.chunks.insert(hash, bytes);
        self.arrival.push_back(hash);
    }

    fn start(&mut self, hash: ChunkHash, attempt: u32, delay_ms: u32) {
        self.in_flight.insert(hash, attempt);
        self.source.request(ChunkRequest {
            hash,
            file: chunk_file_name(&hash),
            delay_ms,
        });
    }

    /// Requests chunk `index` unless it is here, on its way, or zero.
    fn want(&mut self, index: usize) {
        if let Some(&ChunkRef::Stored(hash)) = self.manifest.chunks().get(index) {
            if !self.chunks.contains_key(&hash) && !self.in_flight.contains_key(&hash) {
                self.start(hash, 1, 0);
            }
        }
    }

    /// Makes sure chunk `index` is here: `Ok(false)` while it is on its way.
    fn ready(&mut self, index: usize) -> Result<bool, DiskError> {
        let hash = match self.manifest.chunks()[index] {
            ChunkRef::Zero => return Ok(true),
            ChunkRef::Stored(hash) => hash,
        };
        if self.chunks.contains_key(&hash) {
            return Ok(true);
        }
        if let Some(error) = self.failed.remove(&hash) {
            return Err(error);
        }
        self.want(index);
        Ok(false)
    }

    fn note_access(&mut self, first: usize) {
        if self.last_index.is_some_and(|last| first == last + 1) {
            for ahead in first + 1..=first + PREFETCH {
                self.want(ahead);
            }
        }
    }
}

impl<S: ChunkSource> BlockDevice for ChunkedDevice<S> {
    fn size(&self) -> u64 {
        self.manifest.size()
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        let range = check_range(self.size(), offset, buf.len())?;
        if range.is_empty() {
            return Ok(Completion::Done);
        }
        self.pump();
        let chunk = u64::from(self.manifest.chunk_size());
        let (first, last) = (
            (range.start / chunk) as usize,
            ((range.end - 1) / chunk) as usize,
        );
        let mut missing = false;
        for index in first..=last {
            missing |= !self.ready(index)?;
        }
        if first != self.last_index.unwrap_or(usize::MAX) {
            self.note_access(first);
            self.last_index = Some(last);
        }
        if missing {
            return Ok(Completion::Pending);
        }
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let index = (pos / chunk) as usize;
            let within = (pos % chunk) as usize;
            let n = (chunk as usize - within).min(buf.len() - done);
            let out = &mut buf[done..done + n];
            match self.manifest.chunks()[index] {
                ChunkRef::Zero => out.fill(0),
                ChunkRef::Stored(hash) => {
                    out.copy_from_slice(&self.chunks[&hash][within..within + n])
                }
            }
            done += n;
        }
        Ok(Completion::Done)
    }

    fn write(&mut self, offset: u64, _data: &[u8]) -> Result<Completion, DiskError> {
        Err(DiskError::Io {
            what: format!("write at {offset} to a chunked image, which is read-only"),
        })
    }

    fn flush(&mut self) -> Result<Completion, DiskError> {
        Ok(Completion::Done)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// A source over chunk files in memory that answers when told to, and
    /// can be made to fail or corrupt chosen files.
    #[derive(Default)]
    struct Script {
        files: HashMap<String, Vec<u8>>,
        requests: Vec<ChunkRequest>,
        /// Files whose next fetches fail, counted down.
        failing: HashMap<String, u32>,
        corrupt: HashSet<String>,
        answered: Vec<Fetched>,
        /// What `give_up` was told.
        gave_up: Vec<DiskError>,
    }

    impl Script {
        /// Answers every request made so far.
        fn deliver(&mut self) {
            for req in std::mem::take(&mut self.requests) {
                let result = match self.failing.get_mut(&req.file) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        Err("connection reset".to_owned())
                    }
                    _ => {
                        let mut bytes = self.files[&req.file].clone();
                        if self.corrupt.contains(&req.file) {
                            bytes[0] ^= 1;
                        }
                        Ok(bytes)
                    }
                };
                self.answered.push(Fetched {
                    hash: req.hash,
                    network_bytes: result.as_ref().map_or(0, |b| b.len() as u64),
                    result,
                    millis: 1,
                });
            }
        }
    }

    impl ChunkSource for Script {
        fn request(&mut self, req: ChunkRequest) {
            self.requests.push(req);
        }
        fn poll(&mut self) -> Vec<Fetched> {
            std::mem::take(&mut self.answered)
        }
        fn locate(&self, file: &str) -> String {
            format!("test:/{file}")
        }
        fn give_up(&mut self, error: &DiskError) {
            self.gave_up.push(error.clone());
        }
    }

    /// An image of `n` chunks: chunk `i` filled with byte `i`, chunk 0 zero.
    fn device(n: usize) -> ChunkedDevice<Script> {
        let image: Vec<u8> = (0..n).flat_map(|i| vec![i as u8; CHUNK as usize]).collect();
        let (manifest, stored) = Manifest::from_image(&image);
        let files = stored
            .into_iter()
            .map(|(hash, bytes)| (chunk_file_name(&hash), bytes.to_vec()))
            .collect();
        ChunkedDevice::new(
            manifest,
            Script {
                files,
                ..Script::default()
            },
        )
    }

    const CHUNK: u64 = crate::manifest::CHUNK_SIZE as u64;

    fn read(
        dev: &mut ChunkedDevice<Script>,
        offset: u64,
        len: usize,
    ) -> Result<Completion, DiskError> {
        dev.read(offset, &mut vec![0; len])
    }

    #[test]
    fn a_missing_chunk_is_pending_until_it_arrives() {
        let mut dev = device(3);
        let mut buf = [0u8; 4];
        assert_eq!(dev.read(CHUNK - 2, &mut buf), Ok(Completion::Pending));
        // Chunk 0 is zero and needs no fetch; chunk 1 does.
        assert_eq!(dev.source().requests.len(), 1);
        // Asking again while it is on its way requests nothing more.
        assert_eq!(dev.read(CHUNK - 2, &mut buf), Ok(Completion::Pending));
        assert_eq!(dev.source().requests.len(), 1);
        dev.source.deliver();
        assert_eq!(dev.read(CHUNK - 2, &mut buf), Ok(Completion::Done));
        assert_eq!(buf, [0, 0, 1, 1]);
        let stats = dev.stats();
        assert_eq!(
            (stats.fetched, stats.network_bytes, stats.in_flight),
            (1, CHUNK, 0)
        );
    }

    #[test]
    fn failures_are_retried_with_backoff_then_reported() {
        let mut dev = device(2);
        let file = chunk_file_name(&ChunkHash::of(&[1; CHUNK as usize]));
        dev.source.failing.insert(file.clone(), MAX_ATTEMPTS);
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Pending));
        let mut delays = Vec::new();
        for _ in 0..MAX_ATTEMPTS {
            delays.extend(dev.source.requests.iter().map(|r| r.delay_ms));
            dev.source.deliver();
            dev.pump();
        }
        assert_eq!(delays, [0, 200, 400, 800, 1600]);
        let Err(DiskError::Io { what }) = read(&mut dev, CHUNK, 1) else {
            panic!("expected an I/O error");
        };
        assert_eq!(dev.source.gave_up, [DiskError::Io { what: what.clone() }]);
        assert_eq!(
            what,
            format!("chunk {file} from test:/{file}: connection reset")
        );
        // The next read starts afresh, and the source works again.
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Pending));
        dev.source.deliver();
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Done));
        assert_eq!(dev.stats().failures, u64::from(MAX_ATTEMPTS));
    }

    #[test]
    fn a_corrupt_chunk_is_never_used() {
        let mut dev = device(2);
        let file = chunk_file_name(&ChunkHash::of(&[1; CHUNK as usize]));
        dev.source.corrupt.insert(file);
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Pending));
        for _ in 0..MAX_ATTEMPTS {
            dev.source.deliver();
            dev.pump();
        }
        let result = read(&mut dev, CHUNK, 1);
        assert!(
            matches!(&result, Err(DiskError::Corrupt { what }) if what.contains("do not match its hash")),
            "{result:?}"
        );
    }

    #[test]
    fn sequential_reads_prefetch() {
        let mut dev = device(20);
        while read(&mut dev, CHUNK, 512) == Ok(Completion::Pending) {
            dev.source.deliver();
        }
        // Chunk 2 right after chunk 1: it and the next PREFETCH are asked for.
        assert_eq!(read(&mut dev, 2 * CHUNK, 512), Ok(Completion::Pending));
        let asked: Vec<u8> = dev
            .source
            .requests
            .iter()
            .map(|r| dev.source.files[&r.file][0])
            .collect();
        assert_eq!(asked, (2..=2 + PREFETCH as u8).collect::<Vec<_>>());
    }

    #[test]
    fn writes_are_refused() {
        let mut dev = device(1);
        assert!(matches!(dev.write(0, b"x"), Err(DiskError::Io { .. })));
    }
}
