//! An image read piece by piece through a slow, fallible transport: the
//! device behind `tabvm run --image URL` and the browser's root disk.
//!
//! An image comes in one of two [`Layout`]s: chunked (a manifest and chunk
//! files named by their hash) or a raw image file read by byte ranges of
//! [`RANGE_PIECE`] bytes. The host supplies a [`ChunkSource`] that fetches
//! a [`Piece`] of either kind (HTTP natively, `fetch` in the browser; either
//! may answer from a local cache of chunks fetched before). [`ChunkedDevice`]
//! holds the policy, one copy for both hosts and both layouts:
//!
//! - A read of a piece not yet here requests it and answers
//!   [`Completion::Pending`]; the kernel parks the task and retries.
//! - A chunk is used only if it decodes and matches its hash; a byte range,
//!   with no hash to check, only if it has exactly the length asked for
//!   (the source checks that the server answered that very range). A failed
//!   or corrupt fetch is retried with exponential backoff; after
//!   [`MAX_ATTEMPTS`] the read fails with an error naming the piece and its
//!   URL (the guest sees `EIO`). The next read of it starts afresh, so a
//!   network that comes back heals the disk.
//! - Reads of consecutive pieces prefetch the next [`PREFETCH`] ones. Each
//!   request says whether a read waits for it or it is a prefetch, so a
//!   source can serve waiting reads first; a read that comes to need a
//!   piece already asked for as a prefetch [promotes](ChunkSource::promote)
//!   it.
//! - Decoded pieces are kept in memory up to [`MEMORY_CHUNKS`], oldest
//!   dropped first (a source with a local cache makes a refetch cheap).
//!
//! Counters of what was fetched ([`ChunkStats`]) feed the page's activity
//! display and the bytes-to-prompt benchmark.

use std::collections::{HashMap, VecDeque};
use std::ops::Range;

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

/// The piece size of an image read by byte ranges: the chunk size, so
/// both layouts fetch, prefetch and cache alike.
pub const RANGE_PIECE: u64 = crate::manifest::CHUNK_SIZE as u64;

/// How an image is cut into pieces.
#[derive(Clone, Debug)]
pub enum Layout {
    /// Chunk files listed by a manifest.
    Chunked(Manifest),
    /// A raw image file of `size` bytes, read in pieces of [`RANGE_PIECE`].
    Ranges { size: u64 },
}

/// One fetchable piece of an image; also its name in the device's tables.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    /// The chunk file with this content (`chunk_file_name` names it).
    Chunk(ChunkHash),
    /// These bytes of a raw image file.
    Range(Range<u64>),
}

/// A request to a [`ChunkSource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkRequest {
    pub piece: Piece,
    /// Wait this long before fetching (backoff after a failure).
    pub delay_ms: u32,
    /// No read waits for it yet: serve it after the requests a read waits
    /// for.
    pub prefetch: bool,
}

/// A finished request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub piece: Piece,
    /// The piece's bytes as stored (a chunk file still compressed), or why
    /// there are none.
    pub result: Result<Vec<u8>, String>,
    /// Bytes that crossed the network for it: 0 when a local cache answered.
    pub network_bytes: u64,
    /// Time from the start of the fetch to its end.
    pub millis: u32,
}

/// The host's transport for pieces of an image.
pub trait ChunkSource {
    /// Starts fetching a piece. The device never requests a piece that is
    /// already in flight.
    fn request(&mut self, req: ChunkRequest);
    /// A read now waits for a piece requested as a prefetch: from now on it
    /// is no prefetch. A source that does not order its requests ignores it.
    fn promote(&mut self, piece: &Piece) {
        let _ = piece;
    }
    /// Hands over the requests finished since the last call.
    fn poll(&mut self) -> Vec<Fetched>;
    /// Where a piece comes from, for error messages: a chunk file's URL,
    /// or the image file's for a range.
    fn locate(&self, piece: &Piece) -> String;
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

/// A read-only device over a streamed image; see the module doc.
pub struct ChunkedDevice<S> {
    layout: Layout,
    source: S,
    /// Decoded pieces, and the order they arrived in for eviction.
    chunks: HashMap<Piece, Vec<u8>>,
    arrival: VecDeque<Piece>,
    /// Requests in flight: the attempt each one is, and whether it is
    /// (still) a prefetch.
    in_flight: HashMap<Piece, (u32, bool)>,
    /// Pieces whose last attempt failed: the error for the next read.
    failed: HashMap<Piece, DiskError>,
    /// The last chunk a read needed, to spot sequential reading.
    last_index: Option<usize>,
    stats: ChunkStats,
}

impl<S: ChunkSource> ChunkedDevice<S> {
    /// A device over the chunked image `manifest` describes.
    pub fn new(manifest: Manifest, source: S) -> Self {
        Self::with_layout(Layout::Chunked(manifest), source)
    }

    /// A device over an image in either layout.
    pub fn with_layout(layout: Layout, source: S) -> Self {
        ChunkedDevice {
            layout,
            source,
            chunks: HashMap::new(),
            arrival: VecDeque::new(),
            in_flight: HashMap::new(),
            failed: HashMap::new(),
            last_index: None,
            stats: ChunkStats::default(),
        }
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
            let Some((attempt, prefetch)) = self.in_flight.remove(&fetched.piece) else {
                continue; // not ours: a duplicate answer
            };
            match self.check(&fetched) {
                Ok(bytes) => {
                    self.stats.fetched += 1;
                    self.stats.from_cache += u64::from(fetched.network_bytes == 0);
                    self.stats.network_bytes += fetched.network_bytes;
                    self.stats.last_millis = fetched.millis;
                    self.keep(fetched.piece, bytes);
                }
                Err(error) => {
                    self.stats.failures += 1;
                    self.stats.network_bytes += fetched.network_bytes;
                    if attempt < MAX_ATTEMPTS {
                        let delay_ms = FIRST_BACKOFF_MS << (attempt - 1);
                        self.start(fetched.piece, attempt + 1, delay_ms, prefetch);
                    } else {
                        self.source.give_up(&error);
                        self.failed.insert(fetched.piece, error);
                    }
                }
            }
        }
    }

    /// The decoded, verified bytes of a fetch, or why it cannot be used.
    fn check(&self, fetched: &Fetched) -> Result<Vec<u8>, DiskError> {
        let what = |problem: String| match &fetched.piece {
            Piece::Chunk(hash) => format!(
                "chunk {} from {}: {problem}",
                chunk_file_name(hash),
                self.source.locate(&fetched.piece)
            ),
            Piece::Range(range) => format!(
                "bytes {}-{} of {}: {problem}",
                range.start,
                range.end - 1,
                self.source.locate(&fetched.piece)
            ),
        };
        let stored = fetched
            .result
            .clone()
            .map_err(|e| DiskError::Io { what: what(e) })?;
        match (&self.layout, &fetched.piece) {
            (Layout::Chunked(manifest), Piece::Chunk(hash)) => {
                let bytes = manifest
                    .compression()
                    .decode(stored)
                    .map_err(|e| DiskError::Corrupt { what: what(e) })?;
                if ChunkHash::of(&bytes) != *hash {
                    return Err(DiskError::Corrupt {
                        what: what(format!("{} bytes that do not match its hash", bytes.len())),
                    });
                }
                Ok(bytes)
            }
            (_, Piece::Range(range)) if stored.len() as u64 == range.end - range.start => {
                Ok(stored)
            }
            _ => Err(DiskError::Corrupt {
                what: what(format!("{} bytes, not the piece asked for", stored.len())),
            }),
        }
    }

    fn keep(&mut self, piece: Piece, bytes: Vec<u8>) {
        if self.chunks.len() >= MEMORY_CHUNKS {
            if let Some(old) = self.arrival.pop_front() {
                self.chunks.remove(&old);
            }
        }
        self.chunks.insert(piece.clone(), bytes);
        self.arrival.push_back(piece);
    }

    fn start(&mut self, piece: Piece, attempt: u32, delay_ms: u32, prefetch: bool) {
        self.in_flight.insert(piece.clone(), (attempt, prefetch));
        self.source.request(ChunkRequest {
            piece,
            delay_ms,
            prefetch,
        });
    }

    /// The bytes of a piece.
    fn piece_size(&self) -> u64 {
        match &self.layout {
            Layout::Chunked(manifest) => manifest.chunk_size().into(),
            Layout::Ranges { .. } => RANGE_PIECE,
        }
    }

    /// What piece `index` is: `None` for an all-zero chunk, which is not
    /// stored, or past the end.
    fn piece(&self, index: usize) -> Option<Piece> {
        match &self.layout {
            Layout::Chunked(manifest) => match manifest.chunks().get(index)? {
                ChunkRef::Zero => None,
                ChunkRef::Stored(hash) => Some(Piece::Chunk(*hash)),
            },
            Layout::Ranges { size } => {
                let start = index as u64 * RANGE_PIECE;
                (start < *size).then(|| Piece::Range(start..(start + RANGE_PIECE).min(*size)))
            }
        }
    }

    /// Requests piece `index` unless it is here or zero. A piece on its way
    /// as a prefetch is promoted when a read now waits for it.
    fn want(&mut self, index: usize, prefetch: bool) {
        let Some(piece) = self.piece(index) else {
            return;
        };
        if self.chunks.contains_key(&piece) {
            return;
        }
        match self.in_flight.get_mut(&piece) {
            None => self.start(piece, 1, 0, prefetch),
            Some((_, queued_as_prefetch)) if *queued_as_prefetch && !prefetch => {
                *queued_as_prefetch = false;
                self.source.promote(&piece);
            }
            Some(_) => {}
        }
    }

    /// Makes sure piece `index` is here: `Ok(false)` while it is on its way.
    fn ready(&mut self, index: usize) -> Result<bool, DiskError> {
        let Some(piece) = self.piece(index) else {
            return Ok(true);
        };
        if self.chunks.contains_key(&piece) {
            return Ok(true);
        }
        if let Some(error) = self.failed.remove(&piece) {
            return Err(error);
        }
        self.want(index, false);
        Ok(false)
    }

    fn note_access(&mut self, first: usize) {
        if self.last_index.is_some_and(|last| first == last + 1) {
            for ahead in first + 1..=first + PREFETCH {
                self.want(ahead, true);
            }
        }
    }
}

impl<S: ChunkSource> BlockDevice for ChunkedDevice<S> {
    fn size(&self) -> u64 {
        match &self.layout {
            Layout::Chunked(manifest) => manifest.size(),
            Layout::Ranges { size } => *size,
        }
    }

    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<Completion, DiskError> {
        let range = check_range(self.size(), offset, buf.len())?;
        if range.is_empty() {
            return Ok(Completion::Done);
        }
        self.pump();
        let chunk = self.piece_size();
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
            match self.piece(index) {
                None => out.fill(0),
                Some(piece) => out.copy_from_slice(&self.chunks[&piece][within..within + n]),
            }
            done += n;
        }
        Ok(Completion::Done)
    }

    fn write(&mut self, offset: u64, _data: &[u8]) -> Result<Completion, DiskError> {
        Err(DiskError::Io {
            what: format!("write at {offset} to a streamed image, which is read-only"),
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

    /// A source over pieces in memory that answers when told to, and can be
    /// made to fail or corrupt chosen pieces.
    #[derive(Default)]
    struct Script {
        /// What each piece is stored as.
        files: HashMap<Piece, Vec<u8>>,
        requests: Vec<ChunkRequest>,
        /// Pieces whose next fetches fail, counted down.
        failing: HashMap<Piece, u32>,
        /// Pieces that arrive one byte short.
        corrupt: HashSet<Piece>,
        answered: Vec<Fetched>,
        /// What `give_up` was told.
        gave_up: Vec<DiskError>,
        /// What `promote` was told.
        promoted: Vec<Piece>,
    }

    impl Script {
        /// Answers every request made so far.
        fn deliver(&mut self) {
            for req in std::mem::take(&mut self.requests) {
                let result = match self.failing.get_mut(&req.piece) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        Err("connection reset".to_owned())
                    }
                    _ => {
                        let mut bytes = self.files[&req.piece].clone();
                        if self.corrupt.contains(&req.piece) {
                            bytes.pop();
                        }
                        Ok(bytes)
                    }
                };
                self.answered.push(Fetched {
                    piece: req.piece,
                    network_bytes: result.as_ref().map_or(0, |b| b.len() as u64),
                    result,
                    millis: 1,
                });
            }
        }

        /// The first byte of each piece requested: which chunk it is.
        fn asked(&self) -> Vec<(u8, bool)> {
            let asked = self.requests.iter();
            asked
                .map(|r| (self.files[&r.piece][0], r.prefetch))
                .collect()
        }
    }

    impl ChunkSource for Script {
        fn request(&mut self, req: ChunkRequest) {
            self.requests.push(req);
        }
        fn poll(&mut self) -> Vec<Fetched> {
            std::mem::take(&mut self.answered)
        }
        fn locate(&self, piece: &Piece) -> String {
            match piece {
                Piece::Chunk(hash) => format!("test:/{}", chunk_file_name(hash)),
                Piece::Range(_) => "test:/disk.img".to_owned(),
            }
        }
        fn give_up(&mut self, error: &DiskError) {
            self.gave_up.push(error.clone());
        }
        fn promote(&mut self, piece: &Piece) {
            self.promoted.push(piece.clone());
        }
    }

    const CHUNK: u64 = crate::manifest::CHUNK_SIZE as u64;

    /// An image of `n` chunks: chunk `i` filled with byte `i`, chunk 0 zero.
    fn image(n: usize) -> Vec<u8> {
        (0..n).flat_map(|i| vec![i as u8; CHUNK as usize]).collect()
    }

    /// The image of `n` chunks, chunked.
    fn device(n: usize) -> ChunkedDevice<Script> {
        let image = image(n);
        let (manifest, stored) = Manifest::from_image(&image);
        let files = stored
            .into_iter()
            .map(|(hash, bytes)| (Piece::Chunk(hash), bytes.to_vec()))
            .collect();
        ChunkedDevice::new(
            manifest,
            Script {
                files,
                ..Script::default()
            },
        )
    }

    /// The image of `n` chunks and `tail` more bytes, read by ranges.
    fn ranges(n: usize, tail: usize) -> ChunkedDevice<Script> {
        let mut image = image(n);
        image.extend(vec![0xee; tail]);
        let files = image
            .chunks(RANGE_PIECE as usize)
            .enumerate()
            .map(|(i, bytes)| {
                let start = i as u64 * RANGE_PIECE;
                (
                    Piece::Range(start..start + bytes.len() as u64),
                    bytes.to_vec(),
                )
            })
            .collect();
        let layout = Layout::Ranges {
            size: image.len() as u64,
        };
        let source = Script {
            files,
            ..Script::default()
        };
        ChunkedDevice::with_layout(layout, source)
    }

    fn chunk(i: u8) -> Piece {
        Piece::Chunk(ChunkHash::of(&[i; CHUNK as usize]))
    }

    fn read(
        dev: &mut ChunkedDevice<Script>,
        offset: u64,
        len: usize,
    ) -> Result<Completion, DiskError> {
        dev.read(offset, &mut vec![0; len])
    }

    /// Reads until the source has answered everything the read needs.
    fn read_through(dev: &mut ChunkedDevice<Script>, offset: u64, buf: &mut [u8]) {
        while dev.read(offset, buf) == Ok(Completion::Pending) {
            dev.source.deliver();
        }
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
        dev.source.failing.insert(chunk(1), MAX_ATTEMPTS);
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
        dev.source.corrupt.insert(chunk(1));
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
        read_through(&mut dev, CHUNK, &mut [0; 512]);
        // Chunk 2 right after chunk 1: it and the next PREFETCH are asked for.
        assert_eq!(read(&mut dev, 2 * CHUNK, 512), Ok(Completion::Pending));
        let asked: Vec<u8> = dev.source.asked().into_iter().map(|(i, _)| i).collect();
        assert_eq!(asked, (2..=2 + PREFETCH as u8).collect::<Vec<_>>());
    }

    #[test]
    fn reads_are_served_before_prefetches() {
        let mut dev = device(20);
        read_through(&mut dev, CHUNK, &mut [0; 512]);
        assert_eq!(read(&mut dev, 2 * CHUNK, 512), Ok(Completion::Pending));
        // The read waits for chunk 2; chunks 3.. are prefetches.
        let mut expected = vec![(2, false)];
        expected.extend((3..=2 + PREFETCH as u8).map(|i| (i, true)));
        assert_eq!(dev.source.asked(), expected);
        // A read of chunk 5 now waits for it: it is promoted, not requested
        // again, and promoted once however often the read is restarted.
        for _ in 0..2 {
            assert_eq!(read(&mut dev, 5 * CHUNK, 512), Ok(Completion::Pending));
        }
        assert_eq!(dev.source.requests.len(), 1 + PREFETCH);
        assert_eq!(dev.source.promoted, [chunk(5)]);
    }

    #[test]
    fn a_retry_keeps_its_priority() {
        let mut dev = device(3);
        dev.source.failing.insert(chunk(2), 1);
        assert_eq!(read(&mut dev, 2 * CHUNK, 1), Ok(Completion::Pending));
        dev.source.deliver();
        dev.pump();
        let retry = &dev.source.requests[0];
        assert_eq!((retry.delay_ms, retry.prefetch), (FIRST_BACKOFF_MS, false));
    }

    #[test]
    fn writes_are_refused() {
        let mut dev = device(1);
        assert!(matches!(dev.write(0, b"x"), Err(DiskError::Io { .. })));
    }

    #[test]
    fn ranges_are_read_in_pieces_with_a_short_last_one() {
        let mut dev = ranges(3, 512);
        assert_eq!(dev.size(), 3 * CHUNK + 512);
        // Across the last full piece and the short one.
        let mut buf = [0u8; 4];
        read_through(&mut dev, 3 * CHUNK - 2, &mut buf);
        assert_eq!(buf, [2, 2, 0xee, 0xee]);
        // Every piece is fetched, the zero one too: nothing says it is zero.
        read_through(&mut dev, 0, &mut buf);
        assert_eq!(buf, [0; 4]);
        assert_eq!(dev.stats().network_bytes, 2 * CHUNK + 512);
        // Sequential reads prefetch up to the end, and no further.
        let mut dev = ranges(4, 512);
        read_through(&mut dev, 0, &mut buf);
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Pending));
        let asked: Vec<_> = dev
            .source
            .requests
            .iter()
            .map(|r| r.piece.clone())
            .collect();
        let end = 4 * CHUNK + 512;
        let expected = [
            CHUNK..2 * CHUNK,
            2 * CHUNK..3 * CHUNK,
            3 * CHUNK..4 * CHUNK,
            4 * CHUNK..end,
        ];
        assert_eq!(asked, expected.map(Piece::Range));
    }

    #[test]
    fn a_range_of_the_wrong_length_is_retried_then_reported() {
        let mut dev = ranges(2, 0);
        let piece = Piece::Range(CHUNK..2 * CHUNK);
        dev.source.corrupt.insert(piece.clone());
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Pending));
        for _ in 0..MAX_ATTEMPTS {
            assert_eq!(dev.source.requests.len(), 1);
            dev.source.deliver();
            dev.pump();
        }
        let error = read(&mut dev, CHUNK, 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "corrupt data: bytes {CHUNK}-{} of test:/disk.img: {} bytes, not the piece asked for",
                2 * CHUNK - 1,
                CHUNK - 1
            )
        );
        assert_eq!(dev.source.gave_up, [error]);
        // A failing range names its bytes and the URL too.
        dev.source.corrupt.clear();
        dev.source.failing.insert(piece, MAX_ATTEMPTS);
        assert_eq!(read(&mut dev, CHUNK, 1), Ok(Completion::Pending));
        for _ in 0..MAX_ATTEMPTS {
            dev.source.deliver();
            dev.pump();
        }
        let error = read(&mut dev, CHUNK, 1).unwrap_err();
        assert!(error
            .to_string()
            .ends_with("of test:/disk.img: connection reset"));
    }
}
