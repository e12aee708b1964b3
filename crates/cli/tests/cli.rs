//! The `tabvm` command as a user meets it: help, usage errors, a missing
//! root, and `tabvm serve` answering real HTTP requests on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn tabvm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tabvm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_documents_every_command_and_option() {
    for args in [&["--help"][..], &["-h"], &[], &["help"]] {
        let out = tabvm(args);
        assert!(out.status.success(), "{args:?}");
        let help = text(&out.stdout);
        assert!(
            help.contains("tabvm run") && help.contains("tabvm serve"),
            "{help}"
        );
    }
    let run = text(&tabvm(&["run", "--help"]).stdout);
    for option in [
        "--root",
        "--env",
        "--cwd",
        "--log",
        "TABVM_LOG",
        "PROGRAM",
        "128+N",
        "127",
    ] {
        assert!(run.contains(option), "run help lacks {option}:\n{run}");
    }
    let serve = text(&tabvm(&["serve", "--help"]).stdout);
    for option in ["--port", "--dir", "127.0.0.1", "web/dist"] {
        assert!(
            serve.contains(option),
            "serve help lacks {option}:\n{serve}"
        );
    }
    assert_eq!(text(&tabvm(&["help", "serve"]).stdout), serve);
}

#[test]
fn unknown_options_and_commands_are_usage_errors() {
    let out = tabvm(&["run", "--bogus", "--", "/bin/true"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        "tabvm: unknown option '--bogus' (see 'tabvm run --help')\n"
    );
    assert!(out.stdout.is_empty());

    let out = tabvm(&["serve", "--port", "http"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).starts_with("tabvm: --port wants a number"));

    let out = tabvm(&["launch"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).starts_with("tabvm: unknown command 'launch'"));
}

#[test]
fn a_missing_root_is_a_clear_error() {
    let out = tabvm(&[
        "run",
        "--root",
        "/nonexistent/tabvm-root",
        "--",
        "/bin/true",
    ]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        "tabvm: root directory '/nonexistent/tabvm-root' does not exist\n"
    );

    let file = env!("CARGO_BIN_EXE_tabvm");
    let out = tabvm(&["run", "--root", file, "--", "/bin/true"]);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        text(&out.stderr),
        format!("tabvm: root directory '{file}' is not a directory\n")
    );
}

/// A `tabvm serve` child on a free loopback port, killed (by its PID, via
/// `Child::kill`) when the test ends, even by a failed assertion.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tabvm"))
            .args(["serve", "--port", "0", "--dir"])
            .arg(dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // The first line names the URL, so the port is known and the server
        // is listening once it has been read.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.trim_end().trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no URL in {line:?}"));
        Server { child, port }
    }

    /// Sends `head` (a request without its final blank line, asking for the
    /// connection to close) and returns the whole response.
    fn request(&self, head: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{head}\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        text(&response)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory to serve, next to a file it must not give away.
fn site(name: &str) -> PathBuf {
    let base = std::env::temp_dir().join(format!("tabvm-cli-test-{name}-{}", std::process::id()));
    let dist = base.join("dist");
    std::fs::create_dir_all(dist.join("pkg")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>tabvm</title>",
    )
    .unwrap();
    std::fs::write(dist.join("pkg/engine.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(base.join("secret.txt"), "secret").unwrap();
    dist
}

fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn serve_gives_index_html_with_isolation_headers() {
    let dist = site("index");
    let server = Server::start(&dist);
    let response = server.request("GET / HTTP/1.1");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert_eq!(
        header(&response, "Cross-Origin-Opener-Policy"),
        Some("same-origin")
    );
    assert_eq!(
        header(&response, "Cross-Origin-Embedder-Policy"),
        Some("require-corp")
    );
    assert_eq!(
        header(&response, "Cross-Origin-Resource-Policy"),
        Some("same-origin")
    );
    assert_eq!(
        header(&response, "Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        response.ends_with("\r\n\r\n<!doctype html><title>tabvm</title>"),
        "{response}"
    );

    let wasm = server.request("HEAD /pkg/engine.wasm HTTP/1.1");
    assert_eq!(header(&wasm, "Content-Type"), Some("application/wasm"));
    assert_eq!(header(&wasm, "Content-Length"), Some("8"));
    assert!(wasm.ends_with("\r\n\r\n"), "HEAD sent a body: {wasm}");

    let dir = server.request("GET /pkg HTTP/1.1");
    assert!(dir.starts_with("HTTP/1.1 301 "), "{dir}");
    assert_eq!(header(&dir, "Location"), Some("/pkg/"));
    std::fs::remove_dir_all(dist.parent().unwrap()).unwrap();
}

#[test]
fn serve_answers_404_and_refuses_to_leave_its_directory() {
    let dist = site("refuse");
    let server = Server::start(&dist);
    let missing = server.request("GET /nothing-here.js HTTP/1.1");
    assert!(
        missing.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{missing}"
    );
    assert_eq!(
        header(&missing, "Cross-Origin-Embedder-Policy"),
        Some("require-corp")
    );
    for target in [
        "/../secret.txt",
        "/pkg/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/%2E%2E%2f..%2fsecret.txt",
    ] {
        let response = server.request(&format!("GET {target} HTTP/1.1"));
        assert!(
            response.starts_with("HTTP/1.1 403 Forbidden\r\n"),
            "{target}: {response}"
        );
        assert!(
            !response.contains("secret\n") && !response.ends_with("secret"),
            "{target}: {response}"
        );
    }
    let post = server.request("POST / HTTP/1.1");
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    assert_eq!(header(&post, "Allow"), Some("GET, HEAD"));
    std::fs::remove_dir_all(dist.parent().unwrap()).unwrap();
}

#[test]
fn serve_keeps_connections_alive() {
    let dist = site("keepalive");
    let server = Server::start(&dist);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    for _ in 0..2 {
        write!(
            stream,
            "HEAD /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert_eq!(status, "HTTP/1.1 200 OK\r\n");
        let mut line = String::new();
        while line != "\r\n" {
            line.clear();
            reader.read_line(&mut line).unwrap();
        }
    }
    std::fs::remove_dir_all(dist.parent().unwrap()).unwrap();
}

#[test]
fn serve_reports_a_missing_directory() {
    let out = tabvm(&["serve", "--port", "0", "--dir", "/nonexistent/tabvm-dist"]);
    assert_eq!(out.status.code(), Some(125));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("tabvm: cannot serve directory '/nonexistent/tabvm-dist'"),
        "{err}"
    );
}
