//! Chunk files over HTTP for `tabvm run --image http://…`: the native
//! [`ChunkSource`] under a [`ChunkedDevice`](tabvm_disk::ChunkedDevice).
//!
//! A small pool of threads takes requests from a queue, waits out the
//! request's backoff delay, and answers from the local chunk cache or with
//! an HTTP/1.1 GET of `<base>/<file>`. Each answer goes on a channel that
//! the device drains in `poll`, and a wake-up callback tells the front end's
//! loop that there is something to drain, so it never polls on a timer.
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

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tabvm_disk::{ChunkHash, ChunkRequest, ChunkSource, Compression, DiskError, Fetched, Manifest};

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

/// Where an image lives: its base URL, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUrl(String);

impl ImageUrl {
    /// Accepts the image's folder (`http://host/img` or `…/img/`) or its
    /// manifest (`…/img/manifest.json`).
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
        Ok(Self(base.trim_end_matches('/').to_owned()))
    }

    /// The URL of a file of the image.
    pub fn file(&self, name: &str) -> String {
        format!("{}/{name}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Fetches and validates the image's manifest; the error names the URL.
    pub fn manifest(&self) -> Result<Manifest, String> {
        let url = self.file(super::MANIFEST_NAME);
        let json = get(&agent(), &url, MAX_MANIFEST).map_err(|e| format!("{url}: {e}"))?;
        Manifest::parse(&json).map_err(|e| format!("{url}: {e}"))
    }
}

/// The HTTP transport with its pool of fetch threads; see the module doc.
pub struct HttpSource {
    url: ImageUrl,
    jobs: Sender<ChunkRequest>,
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
    jobs: Mutex<Receiver<ChunkRequest>>,
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
        let (jobs, job_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let traffic = Arc::new(Traffic::default());
        let shared = Arc::new(Shared {
            url: url.clone(),
            compression,
            cache,
            agent: agent(),
            jobs: Mutex::new(job_rx),
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
        // The threads live as long as the receiver they share, which lives
        // in them: sending cannot fail while `self` exists.
        let _ = self.jobs.send(req);
    }

    fn poll(&mut self) -> Vec<Fetched> {
        self.done.try_iter().collect()
    }

    fn locate(&self, file: &str) -> String {
        self.url.file(file)
    }

    fn give_up(&mut self, error: &DiskError) {
        eprintln!("tabvm: giving up on a disk chunk after retries: {error}");
    }
}

impl Shared {
    /// A fetch thread: answers requests until the source is dropped.
    fn serve(&self) {
        loop {
            // Hold the lock only to take one request.
            let Ok(req) = self.jobs.lock().map(|rx| rx.recv()) else {
                return;
            };
            let Ok(req) = req else { return };
            std::thread::sleep(Duration::from_millis(req.delay_ms.into()));
            let fetched = self.fetch(&req);
            let sent = self.done.lock().map(|tx| tx.send(fetched));
            if !matches!(sent, Ok(Ok(()))) {
                return;
            }
            (self.wake)();
        }
    }

    fn fetch(&self, req: &ChunkRequest) -> Fetched {
        let start = Instant::now();
        let cached = self
            .cache
            .as_ref()
            .map(|dir| self.cache_path(dir, &req.hash));
        if let Some(bytes) = cached
            .as_deref()
            .and_then(|p| self.read_cached(p, &req.hash))
        {
            self.traffic.cache_hits.fetch_add(1, Relaxed);
            return Fetched {
                hash: req.hash,
                result: Ok(bytes),
                network_bytes: 0,
                millis: elapsed_ms(start),
            };
        }
        let result = get(&self.agent, &self.url.file(&req.file), MAX_CHUNK_FILE);
        let network_bytes = result.as_ref().map_or(0, |b| b.len() as u64);
        if result.is_ok() {
            self.traffic.requests.fetch_add(1, Relaxed);
            self.traffic.bytes.fetch_add(network_bytes, Relaxed);
        }
        if let (Ok(bytes), Some(path)) = (&result, &cached) {
            if self.intact(bytes, &req.hash) {
                // A cache that cannot be written only costs a refetch later.
                let _ = write_atomically(path, bytes);
            }
        }
        Fetched {
            hash: req.hash,
            result,
            network_bytes,
            millis: elapsed_ms(start),
        }
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
    use super::*;

    #[test]
    fn urls() {
        let u = ImageUrl::parse("http://h:8/img/manifest.json").unwrap();
        assert_eq!(u.file("abc"), "http://h:8/img/abc");
        assert_eq!(
            ImageUrl::parse("http://h/img/").unwrap(),
            ImageUrl::parse("http://h/img").unwrap()
        );
        assert!(ImageUrl::parse("https://h/img")
            .unwrap_err()
            .contains("https is not supported"));
        assert!(ImageUrl::parse("ftp://h/img")
            .unwrap_err()
            .contains("not an http:// URL"));
    }
}
