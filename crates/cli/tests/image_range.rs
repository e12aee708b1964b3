//! `tabvm run --image http://…/disk.ext2`: a raw ext2 image read by HTTP
//! byte ranges, from `tabvm serve` and from a server in this test that can
//! ignore ranges, fail them or answer the wrong ones. Also checks
//! `tabvm serve`'s own `Range` handling. Needs e2fsprogs and the busybox of
//! `dev/busybox.sh`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::image::{busybox, busybox_sh, ok, tabvm};
use common::{fresh_dir, scratch, tabvm_bin};

/// `tabvm serve --port 0 --dir DIR`, stopped when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(dir: &Path) -> Served {
        let mut child = Command::new(tabvm_bin())
            .args(["serve", "--port", "0", "--dir"])
            .arg(dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start tabvm serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.split(" at ").nth(1).unwrap().trim().to_owned();
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw busybox image `dir/disk.ext2` whose `/data/blob` holds 1 MiB of
/// distinct bytes; returns the image and the blob's byte offsets in it.
fn busybox_image(dir: &Path) -> (PathBuf, Vec<u64>) {
    let tree = dir.join("tree");
    for sub in ["bin", "etc", "data"] {
        std::fs::create_dir_all(tree.join(sub)).unwrap();
    }
    std::fs::copy(busybox(), tree.join("bin/busybox")).unwrap();
    std::fs::write(tree.join("etc/motd"), "hello by ranges\n").unwrap();
    let mut x = 0x9e37_79b9u32;
    let blob: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(tree.join("data/blob"), blob).unwrap();
    let image = dir.join("disk.ext2");
    ok(&tabvm(&[
        &"image",
        &"build",
        &"--from-dir",
        &tree,
        &"--size",
        &"16M",
        &image,
    ]));
    let out = Command::new("debugfs")
        .args(["-R", "blocks /data/blob"])
        .arg(&image)
        .output()
        .expect("run debugfs");
    let blocks = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|b| b.parse::<u64>().unwrap() * 4096)
        .collect();
    (image, blocks)
}

/// `tabvm run --image URL` of `busybox sh -c script`.
fn run(url: &str, overlay: &Path, extra: &[&str], script: &str) -> Output {
    busybox_sh(url, overlay, extra, script)
        .output()
        .expect("run tabvm")
}

#[test]
fn boots_a_raw_image_served_by_tabvm_serve() {
    let dir = scratch("range-basic");
    fresh_dir(&dir);
    busybox_image(&dir);
    let served = Served::start(&dir);
    let url = format!("{}disk.ext2", served.url);
    let overlay = dir.join("overlay");
    let out = run(
        &url,
        &overlay,
        &[],
        "cat /etc/motd; md5sum < /data/blob; echo kept > /f",
    );
    let text = ok(&out);
    let tree_md5 = Command::new("md5sum")
        .arg(dir.join("tree/data/blob"))
        .output()
        .unwrap();
    let tree_md5 = String::from_utf8_lossy(&tree_md5.stdout);
    assert_eq!(
        text,
        format!(
            "hello by ranges\n{}  -\n",
            tree_md5.split(' ').next().unwrap()
        )
    );
    // The overlay kept the change, and --reset drops it.
    assert_eq!(ok(&run(&url, &overlay, &[], "cat /f")), "kept\n");
    let out = run(&url, &overlay, &["--reset"], "cat /f 2>&1; true");
    assert!(ok(&out).contains("No such file"));

    // A missing image and one that is no whole number of sectors are
    // errors at start, naming the URL.
    std::fs::write(dir.join("odd.img"), [0u8; 1000]).unwrap();
    for (name, problem) in [
        ("missing.ext2", "HTTP status 404"),
        ("odd.img", "multiple of 512"),
    ] {
        let url = format!("{}{name}", served.url);
        let out = run(&url, &overlay, &[], "true");
        let log = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{log}");
        assert!(log.contains(&url) && log.contains(problem), "{log}");
    }
}

/// One request to `tabvm serve` with a `Range` header: status line,
/// `Content-Range` and body.
fn get_range(base: &str, path: &str, range: &str) -> (String, String, Vec<u8>) {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: x\r\nRange: {range}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head.lines().next().unwrap().to_owned();
    let content_range = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Range: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_range, answer[split + 4..].to_vec())
}

#[test]
fn serve_answers_byte_ranges() {
    let dir = scratch("range-serve");
    fresh_dir(&dir);
    std::fs::write(dir.join("f"), b"0123456789").unwrap();
    let served = Served::start(&dir);
    let cases: [(&str, &str, &str, &[u8]); 5] = [
        ("bytes=2-5", "206 Partial Content", "bytes 2-5/10", b"2345"),
        ("bytes=7-", "206 Partial Content", "bytes 7-9/10", b"789"),
        ("bytes=-2", "206 Partial Content", "bytes 8-9/10", b"89"),
        (
            "bytes=10-",
            "416 Range Not Satisfiable",
            "bytes */10",
            b"416 Range Not Satisfiable\n",
        ),
        ("bytes=0-1,3-4", "200 OK", "", b"0123456789"),
    ];
    for (range, status, content_range, body) in cases {
        let got = get_range(&served.url, "/f", range);
        assert_eq!(
            got,
            (
                format!("HTTP/1.1 {status}"),
                content_range.to_owned(),
                body.to_vec()
            ),
            "{range}"
        );
    }
}

/// How the faulty server answers a range request.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `200` with the whole file, as a server without range support.
    IgnoreRanges,
    /// `503` for every range that starts at `bad`.
    Fail,
    /// For ranges that start at `bad`: the next range's bytes, labelled so.
    WrongRange,
}

/// Serves `image` at `/disk.ext2` (and nothing else), answering ranges that start at `bad`
/// (a byte offset) as `mode` says and every other one correctly.
fn faulty_server(image: PathBuf, mode: Mode, bad: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/disk.ext2", listener.local_addr().unwrap());
    let bytes = std::fs::read(image).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let bytes = bytes.clone();
            std::thread::spawn(move || answer(conn, &bytes, mode, bad));
        }
    });
    url
}

/// Answers the requests of one keep-alive connection.
fn answer(conn: TcpStream, image: &[u8], mode: Mode, bad: u64) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut range = None;
        let mut path = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            if path.is_empty() {
                path = line.split(' ').nth(1).unwrap_or_default().to_owned();
            }
            let lower = line.to_ascii_lowercase();
            if let Some(spec) = lower.trim().strip_prefix("range: bytes=") {
                let (a, b) = spec.split_once('-').unwrap();
                range = Some((a.parse::<u64>().unwrap(), b.parse::<u64>().unwrap() + 1));
            }
        }
        let size = image.len() as u64;
        let (head, body) = match range {
            _ if path != "/disk.ext2" => ("HTTP/1.1 404 Not Found\r\n".to_owned(), &[][..]),
            Some((start, _)) if mode == Mode::Fail && start == bad => {
                ("HTTP/1.1 503 Service Unavailable\r\n".to_owned(), &[][..])
            }
            Some((start, end)) if mode != Mode::IgnoreRanges => {
                let shift = if mode == Mode::WrongRange && start == bad {
                    end - start
                } else {
                    0
                };
                let (start, end) = (start + shift, (end + shift).min(size));
                let head = format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{size}\r\n",
                    end - 1
                );
                (head, &image[start as usize..end as usize])
            }
            _ => ("HTTP/1.1 200 OK\r\n".to_owned(), image),
        };
        let head = format!("{head}Content-Length: {}\r\n\r\n", body.len());
        if out.write_all(head.as_bytes()).is_err() || out.write_all(body).is_err() {
            return;
        }
    }
}

#[test]
fn range_faults_are_errors_at_start_or_eio() {
    let dir = scratch("range-faults");
    fresh_dir(&dir);
    let (image, blob) = busybox_image(&dir);
    let overlay = dir.join("overlay");
    // A 128 KiB piece wholly inside /data/blob.
    let piece = blob
        .iter()
        .map(|b| b / (128 << 10) * (128 << 10))
        .find(|p| (p / 4096..(p + (128 << 10)) / 4096).all(|blk| blob.contains(&(blk * 4096))))
        .expect("the blob spans a whole piece");

    let url = faulty_server(image.clone(), Mode::IgnoreRanges, 0);
    let out = run(&url, &overlay, &[], "true");
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{log}");
    assert!(
        log.contains(&url) && log.contains("does not support byte ranges"),
        "{log}"
    );

    for (mode, problem) in [
        (Mode::Fail, "HTTP status 503".to_owned()),
        (
            Mode::WrongRange,
            format!("Content-Range \"bytes {}-", piece + (128 << 10)),
        ),
    ] {
        let url = faulty_server(image.clone(), mode, piece);
        let script = "if cat /data/blob > /dev/null 2>&1; then echo read; else echo failed; fi; cat /etc/motd";
        let out = run(&url, &overlay, &["--reset"], script);
        assert_eq!(ok(&out), "failed\nhello by ranges\n");
        let log = String::from_utf8_lossy(&out.stderr);
        let named = format!("bytes {piece}-{} of {url}: ", piece + (128 << 10) - 1);
        assert!(log.contains(&format!("{named}{problem}")), "{log}");
    }
}
