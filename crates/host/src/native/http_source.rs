//! Images over HTTP for `tabvm run --image http://…`: the native
//! [`ChunkSource`] under a [`ChunkedDevice`](tabvm_disk::ChunkedDevice), for
//! chunk files and for byte ranges of a raw image file.
//!
//! A small pool of threads takes requests from a queue, waits out the
//! request's backoff delay, and answers a chunk from the local chunk cache
//! or with an HTTP/1.1 GET of `<base>/<file>`, and a byte range with a GET
//! of the image file with a `Range` header. A range counts only if the
//! server answers `206` with exactly the `Content-Range` asked for; raw
//! ranges are not cached locally, as nothing content-addressed names them.
//! Each answer goes on a channel that the device drains in `poll`, and a
//! wake-up callback tells the front end's loop that there is something to
//! drain, so it never polls on a timer.
//!
//! The queue serves requests a read waits for before prefetches, and never
//! lets prefetches take every thread: when each piece is slow, a read of a
//! far piece still starts at once instead of waiting behind the prefetches
//! of the last sequential run.
//!
//! The cache (`~/.cache/tabvm/chunks/`) is shared by every image: a chunk
//! file is named by the hash of its content, plus the codec, since the same
//! bytes stored with another codec are another file. A file is cached only
//! once it decodes to its hash, and a cached file is checked again when
//! read; a bad one is deleted and fetched anew. Files are written under a
//! temporary name and renamed, so a crash never leaves half a chunk.
//!
//! The HTTP client is `ureq` without TLS: a dependable HTTP/1.1 client
//! (chunked transfer, redirects, timeouts) that builds in seconds; `https`
//! URLs are refused with a clear message until TLS is worth its build cost.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tabvm_disk::{
    chunk_file_name, ChunkHash, ChunkRequest, ChunkSource, Compression, DiskError, Fetched, Layout,
    Manifest, Piece,
};

/// Fetches in parallel: enough to hide a round trip behind the device's
/// prefetch of 8 chunks, few enough not to flood a small static server.
const WORKERS: usize = 4;
/// Longest accepted chunk file: a chunk that does not compress grows a
/// little under gzip; anything much larger is not a chunk.
const MAX_CHUNK_FILE: u64 = 2 * tabvm_disk::manifest::CHUNK_SIZE as u64;
/// Longest accepted manifest: 64 MiB covers a 100 GiB image.
const MAX_MANIFEST: u64 = 64 << 20;
/// A stalled server fails the attempt (and the device retries) rather than
/// hanging a fetch thread forever.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Called from a fetch thread each time an answer is ready.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Where an image lives: a chunked image's folder or a raw image file,
/// without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUrl {
    base: String,
    /// Named as a chunked image: its manifest, or a folder (trailing `/`).
    chunked: bool,
}

impl ImageUrl {
    /// Accepts a chunked image's folder (`http://host/img` or `…/img/`) or
    /// its manifest (`…/img/manifest.json`), or a raw image file.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("https://") {
            return Err(format!(
                "{url}: https is not supported by this build yet; serve the image over http://"
            ));
        }
        if !url.starts_with("http://") {
            return Err(format!("{url}: not an http:// URL"));
        }
        let base = url.strip_suffix(super::MANIFEST_NAME).unwrap_or(url);
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            chunked: base.ends_with('/'),
        })
    }

    /// The URL of a file of the image.
    pub fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// How the image is laid out. A URL named as a chunked image must have
    /// a manifest; any other is chunked if `<url>/manifest.json` can be
    /// fetched, and else a raw image file, which must answer a byte range and
    /// be a whole number of 512-byte sectors. Errors name the URL.
    pub fn layout(&self) -> Result<Layout, String> {
        let agent = agent();
        let manifest_url = self.file(super::MANIFEST_NAME);
        let no_manifest = match get(&agent, &manifest_url, MAX_MANIFEST) {
            Ok(json) => {
                return Manifest::parse(&json)
                    .map(Layout::Chunked)
                    .map_err(|e| format!("{manifest_url}: {e}"))
            }
            Err(e) => format!("{manifest_url}: {e}"),
        };
        if self.chunked {
            return Err(no_manifest);
        }
        let url = self.as_str();
        let (_, size) = get_range(&agent, url, &(0..1))
            .map_err(|e| format!("{no_manifest}; as a raw image, {url}: {e}"))?;
        if size == 0 || size % 512 != 0 {
            return Err(format!(
                "{url}: {size} bytes is not a disk image (not a positive multiple of 512)"
            ));
        }
        Ok(Layout::Ranges { size })
    }
}

/// The HTTP transport with its pool of fetch threads; see the module doc.
pub struct HttpSource {
    url: ImageUrl,
    jobs: Arc<Jobs>,
    done: Receiver<Fetched>,
    traffic: Arc<Traffic>,
}

/// What the fetch threads did, readable from any thread (the front end
/// reports it at exit; the device's own counters sit inside the kernel).
#[derive(Debug, Default)]
pub struct Traffic {
    /// HTTP requests answered with a body, and the bytes of those bodies.
    pub requests: AtomicU64,
    pub bytes: AtomicU64,
    /// Chunk files answered from the local cache.
    pub cache_hits: AtomicU64,
}

impl Traffic {
    /// One line for a log: requests, bytes and cache hits.
    pub fn summary(&self) -> String {
        format!(
            "{} chunk files fetched ({} bytes), {} from the local cache",
            self.requests.load(Relaxed),
            self.bytes.load(Relaxed),
            self.cache_hits.load(Relaxed)
        )
    }
}

/// What every fetch thread shares.
struct Shared {
    url: ImageUrl,
    compression: Compression,
    cache: Option<PathBuf>,
    agent: ureq::Agent,
    jobs: Arc<Jobs>,
    done: Mutex<Sender<Fetched>>,
    wake: Wake,
    traffic: Arc<Traffic>,
}

impl HttpSource {
    /// Starts the fetch threads for an image at `url` whose chunk files use
    /// `compression`, caching chunk files in `cache` if given. `wake` is
    /// called whenever a fetch finishes.
    pub fn new(
        url: ImageUrl,
        compression: Compression,
        cache: Option<PathBuf>,
        wake: Wake,
    ) -> Self {
        let jobs = Arc::new(Jobs::default());
        let (done_tx, done) = mpsc::channel();
        let traffic = Arc::new(Traffic::default());
        let shared = Arc::new(Shared {
            url: url.clone(),
            compression,
            cache,
            agent: agent(),
            jobs: jobs.clone(),
            done: Mutex::new(done_tx),
            wake,
            traffic: traffic.clone(),
        });
        for _ in 0..WORKERS {
            let shared = shared.clone();
            // Detached: at exit a fetch in progress is simply abandoned.
            std::thread::spawn(move || shared.serve());
        }
        HttpSource {
            url,
            jobs,
            done,
            traffic,
        }
    }

    /// The counters of this source's fetches.
    pub fn traffic(&self) -> Arc<Traffic> {
        self.traffic.clone()
    }
}

impl ChunkSource for HttpSource {
    fn request(&mut self, req: ChunkRequest) {
        self.jobs.push(req);
    }

    fn promote(&mut self, piece: &Piece) {
        self.jobs.promote(piece);
    }

    fn poll(&mut self) -> Vec<Fetched> {
        self.done.try_iter().collect()
    }

    fn locate(&self, piece: &Piece) -> String {
        match piece {
            Piece::Chunk(hash) => self.url.file(&chunk_file_name(hash)),
            Piece::Range(_) => self.url.as_str().to_owned(),
        }
    }

    fn give_up(&mut self, error: &DiskError) {
        eprintln!("tabvm: giving up on a disk chunk after retries: {error}");
    }
}

impl Drop for HttpSource {
    fn drop(&mut self) {
        self.jobs.close();
    }
}

/// The requests not started yet, in two queues: those a read waits for
/// and prefetches. Fetch threads take from it; see the module doc.
#[derive(Default)]
struct Jobs {
    queue: Mutex<Queue>,
    changed: Condvar,
}

#[derive(Default)]
struct Queue {
    reads: VecDeque<ChunkRequest>,
    prefetches: VecDeque<ChunkRequest>,
    /// Prefetches being fetched: at most `WORKERS - 1`, so one thread is
    /// always free for a read.
    prefetching: usize,
    /// The source is gone: threads stop.
    closed: bool,
}

impl Queue {
    /// The next request a thread may start, if any.
    fn next(&mut self) -> Option<ChunkRequest> {
        if let Some(req) = self.reads.pop_front() {
            return Some(req);
        }
        if self.prefetching + 1 >= WORKERS {
            return None;
        }
        let req = self.prefetches.pop_front()?;
        self.prefetching += 1;
        Some(req)
    }

    /// Moves a queued prefetch to the reads. One already started stays
    /// counted as a prefetch until it finishes.
    fn promote(&mut self, piece: &Piece) {
        if let Some(at) = self.prefetches.iter().position(|r| r.piece == *piece) {
            let mut req = self.prefetches.remove(at).expect("position is in range");
            req.prefetch = false;
            self.reads.push_back(req);
        }
    }
}

impl Jobs {
    fn push(&self, req: ChunkRequest) {
        let mut queue = self.lock();
        if req.prefetch {
            queue.prefetches.push_back(req);
        } else {
            queue.reads.push_back(req);
        }
        self.changed.notify_one();
    }

    fn promote(&self, piece: &Piece) {
        self.lock().promote(piece);
        self.changed.notify_one();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    /// Waits for a request this thread may start; `None` once closed.
    fn take(&self) -> Option<ChunkRequest> {
        let mut queue = self.lock();
        loop {
            if queue.closed {
                return None;
            }
            if let Some(req) = queue.next() {
                return Some(req);
            }
            queue = self.changed.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A thread finished `req`: a prefetch frees its place for another.
    fn finished(&self, req: &ChunkRequest) {
        if req.prefetch {
            self.lock().prefetching -= 1;
            self.changed.notify_one();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // The queue stays consistent even if a thread panicked holding it.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Shared {
    /// A fetch thread: answers requests until the source is dropped.
    fn serve(&self) {
        while let Some(req) = self.jobs.take() {
            std::thread::sleep(Duration::from_millis(req.delay_ms.into()));
            let fetched = self.fetch(&req);
            self.jobs.finished(&req);
            let sent = self.done.lock().map(|tx| tx.send(fetched));
            if !matches!(sent, Ok(Ok(()))) {
                return;
            }
            (self.wake)();
        }
    }

    fn fetch(&self, req: &ChunkRequest) -> Fetched {
        let start = Instant::now();
        let result = match &req.piece {
            Piece::Chunk(hash) => self.fetch_chunk(hash),
            Piece::Range(range) => {
                get_range(&self.agent, self.url.as_str(), range).map(|(bytes, _)| (bytes, false))
            }
        };
        let network_bytes = match &result {
            Ok((bytes, false)) => bytes.len() as u64,
            _ => 0,
        };
        if network_bytes > 0 {
            self.traffic.requests.fetch_add(1, Relaxed);
            self.traffic.bytes.fetch_add(network_bytes, Relaxed);
        }
        Fetched {
            piece: req.piece.clone(),
            result: result.map(|(bytes, _)| bytes),
            network_bytes,
            millis: elapsed_ms(start),
        }
    }

    /// A chunk file, and whether the local cache answered.
    fn fetch_chunk(&self, hash: &ChunkHash) -> Result<(Vec<u8>, bool), String> {
        let cached = self.cache.as_ref().map(|dir| self.cache_path(dir, hash));
        if let Some(bytes) = cached.as_deref().and_then(|p| self.read_cached(p, hash)) {
            self.traffic.cache_hits.fetch_add(1, Relaxed);
            return Ok((bytes, true));
        }
        let url = self.url.file(&chunk_file_name(hash));
        let bytes = get(&self.agent, &url, MAX_CHUNK_FILE)?;
        if let Some(path) = &cached {
            if self.intact(&bytes, hash) {
                // A cache that cannot be written only costs a refetch later.
                let _ = write_atomically(path, &bytes);
            }
        }
        Ok((bytes, false))
    }

    fn cache_path(&self, dir: &Path, hash: &ChunkHash) -> PathBuf {
        dir.join(format!("{hash}.{}", self.compression.name()))
    }

    /// A cached chunk file, if present and intact; a damaged one is removed.
    fn read_cached(&self, path: &Path, hash: &ChunkHash) -> Option<Vec<u8>> {
        let bytes = std::fs::read(path).ok()?;
        if self.intact(&bytes, hash) {
            return Some(bytes);
        }
        let _ = std::fs::remove_file(path);
        None
    }

    fn intact(&self, stored: &[u8], hash: &ChunkHash) -> bool {
        self.compression
            .decode(stored.to_vec())
            .is_ok_and(|bytes| ChunkHash::of(&bytes) == *hash)
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into()
}

/// The body of a `200 OK` answer to a GET of `url`, at most `limit` bytes;
/// the error says what went wrong (status, connection, truncation).
fn get(agent: &ureq::Agent, url: &str, limit: u64) -> Result<Vec<u8>, String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let status = response.status();
    if status != 200 {
        return Err(format!("HTTP status {status}"));
    }
    response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| e.to_string())
}

/// The body of a `206 Partial Content` answer to a GET of bytes `range` of
/// `url`, and the size of the whole file. The answer must carry exactly the
/// `Content-Range` asked for; a `200` means the server ignores ranges.
fn get_range(agent: &ureq::Agent, url: &str, range: &Range<u64>) -> Result<(Vec<u8>, u64), String> {
    let asked = format!("bytes {}-{}/", range.start, range.end - 1);
    let mut response = agent
        .get(url)
        .header("Range", format!("bytes={}-{}", range.start, range.end - 1))
        .call()
        .map_err(|e| e.to_string())?;
    match response.status().as_u16() {
        206 => {}
        200 => return Err("the server does not support byte ranges (200, not 206)".into()),
        status => return Err(format!("HTTP status {status}")),
    }
    let content_range = response
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let size = content_range
        .strip_prefix(&asked)
        .and_then(|total| total.parse::<u64>().ok())
        .ok_or_else(|| format!("Content-Range {content_range:?}, not {asked}<size>"))?;
    let body = response
        .body_mut()
        .with_config()
        // One byte more than asked for, so that a longer body reaches the
        // device's length check rather than being cut to fit.
        .limit(range.end - range.start + 1)
        .read_to_vec()
        .map_err(|e| e.to_string())?;
    Ok((body, size))
}

fn elapsed_ms(start: Instant) -> u32 {
    start.elapsed().as_millis().try_into().unwrap_or(u32::MAX)
}

/// Writes `path` through a temporary file unique to this thread and a
/// rename, so concurrent writers of one chunk never mix their bytes.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let thread = format!("{:?}", std::thread::current().id());
    let digits: String = thread.chars().filter(char::is_ascii_digit).collect();
    let tmp = path.with_extension(format!("{}-{digits}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use super::*;

    /// A request for byte `n`.
    fn request(n: u64, prefetch: bool) -> ChunkRequest {
        ChunkRequest {
            piece: Piece::Range(n..n + 1),
            delay_ms: 0,
            prefetch,
        }
    }

    /// The bytes of the requests the queue lets start now, in order.
    fn started(queue: &mut Queue) -> Vec<u64> {
        let next = std::iter::from_fn(|| queue.next());
        next.map(|r| match r.piece {
            Piece::Range(range) => range.start,
            Piece::Chunk(_) => unreachable!("the test asks for ranges only"),
        })
        .collect()
    }

    #[test]
    fn the_queue_serves_reads_first_and_keeps_a_thread_for_them() {
        let mut queue = Queue::default();
        for n in 1..=5 {
            queue.prefetches.push_back(request(n, true));
        }
        queue.reads.push_back(request(10, false));
        queue.promote(&Piece::Range(5..6));
        // Reads first (5 is one now), then prefetches while a thread is
        // left over for a read.
        assert_eq!(started(&mut queue), [10, 5, 1, 2, 3]);
        assert_eq!(queue.prefetching, WORKERS - 1);
        queue.reads.push_back(request(11, false));
        assert_eq!(started(&mut queue), [11]);
        // A finished prefetch lets the next one start.
        queue.prefetching -= 1;
        assert_eq!(started(&mut queue), [4]);
    }

    /// A server of an image whose byte `n` is `n`, that holds every range
    /// but byte [`READ`] (prefetches) until [`READ`] has been asked for, or
    /// 10 s have passed, and logs the order in which it answered.
    #[derive(Default)]
    struct Holding {
        /// Prefetches held so far, and whether [`READ`] was asked for.
        state: Mutex<(usize, bool)>,
        changed: Condvar,
        log: Mutex<Vec<u64>>,
    }

    const READ: u64 = 100;

    impl Holding {
        fn start() -> (String, Arc<Holding>) {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let url = format!("http://{}/disk.img", listener.local_addr().unwrap());
            let server = Arc::new(Holding::default());
            let shared = server.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let server = shared.clone();
                    std::thread::spawn(move || server.answer(stream.unwrap()));
                }
            });
            (url, server)
        }

        fn answer(&self, mut stream: std::net::TcpStream) {
            let head: Vec<String> = BufReader::new(&stream)
                .lines()
                .map_while(Result::ok)
                .take_while(|l| !l.is_empty())
                .collect();
            let byte: u64 = head
                .iter()
                .find_map(|h| {
                    h.to_ascii_lowercase()
                        .strip_prefix("range: bytes=")
                        .map(str::to_owned)
                })
                .and_then(|r| r.split('-').next()?.parse().ok())
                .unwrap();
            let mut state = self.state.lock().unwrap();
            if byte == READ {
                // Logged before the prefetches are let go.
                self.log.lock().unwrap().push(byte);
                state.1 = true;
                self.changed.notify_all();
            } else {
                state.0 += 1;
                self.changed.notify_all();
                let timeout = Duration::from_secs(10);
                drop(self.changed.wait_timeout_while(state, timeout, |s| !s.1));
                self.log.lock().unwrap().push(byte);
            }
            let answer = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {byte}-{byte}/512\r\n\
                 Content-Length: 1\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
            let _ = stream.write_all(&[byte as u8]);
        }

        /// Waits until `n` prefetches are held.
        fn holding(&self, n: usize) {
            let state = self.state.lock().unwrap();
            drop(self.changed.wait_while(state, |s| s.0 < n));
        }
    }

    #[test]
    fn a_read_is_fetched_while_slow_prefetches_hold_the_other_threads() {
        let (url, server) = Holding::start();
        let (woke, wait) = mpsc::channel();
        let wake: Wake = Arc::new(move || {
            let _ = woke.send(());
        });
        let url = ImageUrl::parse(&url).unwrap();
        let mut source = HttpSource::new(url, Compression::None, None, wake);
        for n in 0..8 {
            source.request(request(n, true));
        }
        // The read comes once the prefetches are stuck on every thread they
        // may take.
        server.holding(WORKERS - 1);
        source.request(request(READ, false));
        let mut answers = Vec::new();
        while answers.len() < 9 {
            wait.recv().unwrap();
            answers.extend(source.poll());
        }
        for answer in answers {
            let Piece::Range(range) = answer.piece else {
                panic!("not a range: {answer:?}");
            };
            assert_eq!(answer.result, Ok(vec![range.start as u8]));
        }
        // Answered before any prefetch was let go: it did not wait for them.
        assert_eq!(server.log.lock().unwrap()[0], READ);
    }

    #[test]
    fn urls() {
        let u = ImageUrl::parse("http://h:8/img/manifest.json").unwrap();
        assert_eq!(
            (u.file("abc").as_str(), u.chunked),
            ("http://h:8/img/abc", true)
        );
        let u = ImageUrl::parse("http://h/img/").unwrap();
        assert_eq!((u.as_str(), u.chunked), ("http://h/img", true));
        let u = ImageUrl::parse("http://h/disk.ext2").unwrap();
        assert_eq!((u.as_str(), u.chunked), ("http://h/disk.ext2", false));
        assert!(ImageUrl::parse("https://h/img")
            .unwrap_err()
            .contains("https is not supported"));
        assert!(ImageUrl::parse("ftp://h/img")
            .unwrap_err()
            .contains("not an http:// URL"));
    }
}
