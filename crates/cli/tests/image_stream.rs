//! `tabvm run --image http://…`: a chunked image served by an HTTP server in
//! this test (127.0.0.1, threads) that can delay, fail, corrupt or
//! truncate chosen files and counts what it sends. Checks that a failing
//! chunk becomes EIO in the guest with a log line naming it, that corrupt
//! data is never used, that other processes run while one waits for a slow
//! chunk, that a bad manifest is a clear error at start, and that the local
//! chunk cache makes a second run fetch nothing. Needs e2fsprogs and the busybox of
//! `dev/busybox.sh`.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use common::image::{build_and_chunk, busybox, busybox_sh, ok, tabvm};
use common::{fresh_dir, scratch};
use tabvm_disk::{chunk_file_name, ChunkRef, Manifest};

/// What the server does to one file.
#[derive(Clone, Copy, Debug, Default)]
struct Fault {
    /// Answer `503` this many more times.
    fail: u32,
    /// Flip a byte of the body (every time).
    corrupt: bool,
    /// Send only half the body, then close the connection.
    truncate: bool,
    /// Answer this late (every time).
    delay: std::time::Duration,
}

#[derive(Default)]
struct State {
    faults: HashMap<String, Fault>,
    /// Requests per file name, and body bytes sent.
    requests: HashMap<String, u32>,
    bytes: u64,
}

/// A static file server over `dir` with scripted faults.
struct Server {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let (dir, shared) = (dir.to_owned(), state.clone());
        // Lives until the test process ends.
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (dir, state) = (dir.clone(), shared.clone());
                std::thread::spawn(move || serve(conn, &dir, &state));
            }
        });
        Server { url, state }
    }

    fn fault(&self, file: &str, fault: Fault) {
        self.state.lock().unwrap().faults.insert(file.into(), fault);
    }

    /// Requests for files other than the manifest since the last call.
    fn take_chunk_requests(&self) -> u32 {
        let mut s = self.state.lock().unwrap();
        let n = s
            .requests
            .iter()
            .filter(|(f, _)| *f != "manifest.json")
            .map(|(_, n)| n)
            .sum();
        s.requests.clear();
        n
    }
}

/// Answers the requests of one connection (HTTP/1.1 keep-alive).
fn serve(conn: TcpStream, dir: &Path, state: &Mutex<State>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
        // Skip the headers.
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
        }
        let name = path.rsplit('/').next().unwrap_or("").to_owned();
        let fault = {
            let mut s = state.lock().unwrap();
            *s.requests.entry(name.clone()).or_default() += 1;
            let f = s.faults.get(&name).copied().unwrap_or_default();
            if f.fail > 0 {
                s.faults.get_mut(&name).unwrap().fail -= 1;
            }
            f
        };
        std::thread::sleep(fault.delay);
        let body = std::fs::read(dir.join(&name)).ok();
        let (status, mut body) = match body {
            _ if fault.fail > 0 => ("503 Service Unavailable", Vec::new()),
            Some(b) => ("200 OK", b),
            None => ("404 Not Found", Vec::new()),
        };
        if fault.corrupt && !body.is_empty() {
            let mid = body.len() / 2;
            body[mid] ^= 0x55;
        }
        let len = body.len();
        if fault.truncate {
            body.truncate(len / 2);
        }
        state.lock().unwrap().bytes += body.len() as u64;
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\n\r\n");
        if out.write_all(head.as_bytes()).is_err()
            || out.write_all(&body).is_err()
            || fault.truncate
        {
            return;
        }
    }
}

/// A chunked busybox image in `dir/chunks` whose `/data/<name>` files hold
/// 1 MiB of distinct bytes each; returns the chunk files holding nothing
/// but each file's data, by file name.
fn busybox_image(dir: &Path, files: &[&str]) -> HashMap<String, Vec<String>> {
    let tree = dir.join("tree");
    for sub in ["bin", "etc", "data", "tmp"] {
        std::fs::create_dir_all(tree.join(sub)).unwrap();
    }
    std::fs::copy(busybox(), tree.join("bin/busybox")).unwrap();
    std::fs::write(tree.join("etc/motd"), "hello from the web\n").unwrap();
    for (i, name) in files.iter().enumerate() {
        let mut x = 0x9e37_79b9u32.wrapping_mul(i as u32 + 1);
        let data: Vec<u8> = (0..1 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        std::fs::write(tree.join("data").join(name), data).unwrap();
    }
    let (image, chunks, _) = build_and_chunk(&tree, "16M", dir);
    let manifest = Manifest::parse(&std::fs::read(chunks.join("manifest.json")).unwrap()).unwrap();
    let names = manifest.chunks();
    let mut inside = HashMap::new();
    for name in files {
        // The file's 4 KiB blocks, from e2fsprogs.
        let out = Command::new("debugfs")
            .args(["-R", &format!("blocks /data/{name}")])
            .arg(&image)
            .output()
            .expect("run debugfs");
        let blocks: Vec<u64> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(|b| b.parse().unwrap())
            .collect();
        let per_chunk = 128 / 4;
        let whole = (0..names.len() as u64)
            .filter(|c| (c * per_chunk..(c + 1) * per_chunk).all(|b| blocks.contains(&b)))
            .filter_map(|c| match names[c as usize] {
                ChunkRef::Stored(hash) => Some(chunk_file_name(&hash)),
                ChunkRef::Zero => None,
            })
            .collect::<Vec<_>>();
        assert!(whole.len() >= 4, "/data/{name} spans too few whole chunks");
        inside.insert(name.to_string(), whole);
    }
    inside
}

/// `tabvm run --image URL` of `busybox sh -c script`, chunk cache under
/// `cache`.
fn run(url: &str, cache: &Path, overlay: &Path, extra: &[&str], script: &str) -> Output {
    busybox_sh(url, overlay, extra, script)
        .env("XDG_CACHE_HOME", cache)
        .env("TABVM_STATS", "1")
        .output()
        .expect("run tabvm")
}

#[test]
fn streams_an_image_through_the_chunk_cache() {
    let dir = scratch("stream-basic");
    fresh_dir(&dir);
    busybox_image(&dir, &[]);
    let server = Server::start(&dir.join("chunks"));
    let (cache, overlay) = (dir.join("cache"), dir.join("overlay"));
    let out = run(
        &server.url,
        &cache,
        &overlay,
        &[],
        "cat /etc/motd; echo kept > /f",
    );
    assert_eq!(ok(&out), "hello from the web\n");
    assert!(server.take_chunk_requests() > 0);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("chunk files fetched"), "{log}");

    // The second run reads every chunk from the local cache; the overlay
    // kept the change, and --reset drops it.
    let out = run(&server.url, &cache, &overlay, &[], "cat /f");
    assert_eq!(ok(&out), "kept\n");
    assert_eq!(server.take_chunk_requests(), 0);
    let out = run(
        &server.url,
        &cache,
        &overlay,
        &["--reset"],
        "cat /f 2>&1; true",
    );
    assert!(ok(&out).contains("No such file"));

    // A cached chunk that went bad is not used: it is fetched again.
    for entry in std::fs::read_dir(cache.join("tabvm/chunks")).unwrap() {
        std::fs::write(entry.unwrap().path(), b"rot").unwrap();
    }
    let out = run(&server.url, &cache, &overlay, &[], "cat /etc/motd");
    assert_eq!(ok(&out), "hello from the web\n");
    assert!(server.take_chunk_requests() > 0);
}

#[test]
fn failing_and_corrupt_chunks_become_eio_never_data() {
    let dir = scratch("stream-faults");
    fresh_dir(&dir);
    let inside = busybox_image(&dir, &["fails", "corrupt", "flaky", "cut"]);
    let server = Server::start(&dir.join("chunks"));
    let bad = &inside["fails"][1];
    server.fault(
        bad,
        Fault {
            fail: u32::MAX,
            ..Fault::default()
        },
    );
    server.fault(
        &inside["corrupt"][1],
        Fault {
            corrupt: true,
            ..Fault::default()
        },
    );
    // Twice wrong, then right: retries heal it.
    server.fault(
        &inside["flaky"][1],
        Fault {
            fail: 2,
            ..Fault::default()
        },
    );
    server.fault(
        &inside["cut"][1],
        Fault {
            truncate: true,
            ..Fault::default()
        },
    );
    let script = "for f in fails corrupt flaky cut; do \
                  if cat /data/$f > /tmp/out 2>/dev/null; then echo $f ok; else echo $f failed; fi; \
                  done";
    let out = run(
        &server.url,
        &dir.join("cache"),
        &dir.join("overlay"),
        &[],
        script,
    );
    let text = ok(&out);
    assert_eq!(text, "fails failed\ncorrupt failed\nflaky ok\ncut failed\n");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!("{}/{bad}: HTTP status 503", server.url)),
        "no log line names the failing chunk: {log}"
    );
    assert!(
        log.contains("do not match its hash") || log.contains("gzip"),
        "{log}"
    );
    // Nothing bad reached the cache.
    let cached: Vec<String> = std::fs::read_dir(dir.join("cache/tabvm/chunks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in [bad, &inside["corrupt"][1], &inside["cut"][1]] {
        assert!(
            !cached.iter().any(|c| c.starts_with(f.as_str())),
            "{f} was cached"
        );
    }
}

#[test]
fn other_processes_run_while_a_chunk_is_slow() {
    let dir = scratch("stream-slow");
    fresh_dir(&dir);
    let inside = busybox_image(&dir, &["slow"]);
    let server = Server::start(&dir.join("chunks"));
    server.fault(
        &inside["slow"][1],
        Fault {
            delay: std::time::Duration::from_secs(3),
            ..Fault::default()
        },
    );
    // A ticker in the background, then a read that waits for the slow chunk.
    let script = "(i=0; while [ $i -lt 40 ]; do echo tick; i=$((i+1)); sleep 0.1; done) & \
                  cat /data/slow > /dev/null && echo read; wait";
    let out = run(
        &server.url,
        &dir.join("cache"),
        &dir.join("overlay"),
        &[],
        script,
    );
    let text = ok(&out);
    let before = text.lines().take_while(|l| *l == "tick").count();
    assert!(text.contains("read\n"), "{text}");
    // The read waited about 3 s, during which the ticker went on.
    assert!(
        before >= 10,
        "only {before} ticks before the read ended:\n{text}"
    );
}

#[test]
fn a_bad_manifest_is_a_clear_error_at_start() {
    let dir = scratch("stream-manifest");
    fresh_dir(&dir);
    busybox_image(&dir, &[]);
    let chunks = dir.join("chunks");
    let server = Server::start(&chunks);
    let good = std::fs::read(chunks.join("manifest.json")).unwrap();
    let cases: [(&str, &[u8]); 3] = [
        ("truncated", &good[..good.len() / 2]),
        ("corrupt", b"{\"version\": 1, \"size\": \"big\"}"),
        ("missing", b""),
    ];
    for (what, bytes) in cases {
        let manifest = chunks.join("manifest.json");
        if what == "missing" {
            std::fs::remove_file(&manifest).unwrap();
        } else {
            std::fs::write(&manifest, bytes).unwrap();
        }
        let out = run(
            &server.url,
            &dir.join("cache"),
            &dir.join("overlay"),
            &[],
            "true",
        );
        assert_eq!(out.status.code(), Some(125), "{what}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}/manifest.json: ", server.url)),
            "{what}: {err}"
        );
        let want = if what == "missing" {
            "404"
        } else {
            "manifest is not valid"
        };
        assert!(err.contains(want), "{what}: {err}");
    }
    let out = tabvm(&[
        &"run",
        &"--image",
        &"https://example.invalid/img",
        &"--",
        &"/bin/sh",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("https is not supported"));
}
