//! `tabvm serve`: a small static file server for the web app, loopback
//! only, one thread per connection, with the cross-origin isolation headers
//! the page needs (SharedArrayBuffer, later threads).
//!
//! Paths are confined to the served directory twice: request paths with a
//! `..` segment are refused outright, and the file found is canonicalised
//! and must still lie inside the (canonical) directory, which also stops
//! symlinks pointing out of it.
//!
//! Files are served whole or, for a single `Range: bytes=…` (what `curl -r`,
//! Chromium's media requests and `tabvm run --image URL` of a raw image
//! send), in part with `206 Partial Content`; a range that starts past the
//! end is `416`. Several ranges in one request get the whole file, as HTTP
//! allows.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::args::ServeArgs;
use crate::http::{self, Request};

/// An idle keep-alive connection is dropped after this long, so threads of
/// closed browser tabs do not pile up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Headers sent with every response.
const COMMON_HEADERS: [(&str, &str); 5] = [
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    // A development server: always revalidate, so a rebuilt .wasm is used.
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
];

/// Serves until killed; returns only on a startup error (the message).
pub fn serve(args: &ServeArgs) -> Result<(), String> {
    let root = args.dir.canonicalize().map_err(|e| {
        format!(
            "cannot serve directory '{}': {e} (build it with web/build.sh, or pass --dir)",
            args.dir.display()
        )
    })?;
    if !root.is_dir() {
        return Err(format!(
            "cannot serve '{}': not a directory",
            args.dir.display()
        ));
    }
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    println!(
        "tabvm: serving {} at http://127.0.0.1:{port}/",
        root.display()
    );
    let _ = io::stdout().flush();
    let root = Arc::new(root);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = Arc::clone(&root);
        // A failed spawn (out of threads) drops this one connection only.
        let _ = thread::Builder::new()
            .name("tabvm-http".into())
            .spawn(move || {
                let _ = connection(stream, &root);
            });
    }
    Ok(())
}

/// Answers requests on one connection until the client closes it, asks to,
/// or sends something the server does not understand.
fn connection(stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    loop {
        let request = match http::read_request(&mut reader) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                message(&mut writer, 400, &[], true)?;
                return writer.flush();
            }
            Err(e) => return Err(e),
        };
        let keep_going = respond(&mut writer, &request, root)?;
        writer.flush()?;
        if !keep_going || request.close {
            return Ok(());
        }
    }
}

/// Writes the response to `request`; false if the connection must close.
fn respond(w: &mut impl Write, request: &Request, root: &Path) -> io::Result<bool> {
    let head_only = match request.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        // Any body the client sends would be read as the next request.
        _ => return message(w, 405, &[("Allow", "GET, HEAD")], false).map(|()| false),
    };
    match resolve(root, &request.target) {
        Found::File(path, mut file) => {
            let size = file.metadata()?.len();
            let mut headers = COMMON_HEADERS.to_vec();
            headers.push(("Content-Type", content_type(&path)));
            headers.push(("Accept-Ranges", "bytes"));
            let (status, start, length, content_range) =
                match request.range.as_deref().map(|r| byte_range(r, size)) {
                    None | Some(Range::Whole) => (200, 0, size, None),
                    Some(Range::Part(start, end)) => (
                        206,
                        start,
                        end - start,
                        Some(format!("bytes {start}-{}/{size}", end - 1)),
                    ),
                    Some(Range::Unsatisfiable) => {
                        let unsatisfiable = format!("bytes */{size}");
                        let extra = [("Content-Range", unsatisfiable.as_str())];
                        return message(w, 416, &extra, head_only).map(|()| true);
                    }
                };
            if let Some(content_range) = &content_range {
                headers.push(("Content-Range", content_range));
            }
            http::write_head(w, status, &headers, length)?;
            if !head_only {
                file.seek(SeekFrom::Start(start))?;
                io::copy(&mut file.take(length), w)?;
            }
        }
        Found::Directory(location) => {
            message(w, 301, &[("Location", location.as_str())], head_only)?
        }
        Found::Refused(status) => message(w, status, &[], head_only)?,
    }
    Ok(true)
}

/// A short plain-text response ("404 Not Found").
fn message(
    w: &mut impl Write,
    status: u16,
    extra: &[(&str, &str)],
    head_only: bool,
) -> io::Result<()> {
    let body = format!("{status} {}\n", http::reason(status));
    let mut headers = COMMON_HEADERS.to_vec();
    headers.push(("Content-Type", "text/plain; charset=utf-8"));
    headers.extend_from_slice(extra);
    http::write_head(w, status, &headers, body.len() as u64)?;
    if !head_only {
        w.write_all(body.as_bytes())?;
    }
    Ok(())
}

/// What part of a file a `Range` header asks for.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// No single byte range (several, or a unit other than bytes): the
    /// whole file.
    Whole,
    /// Bytes `start..end`.
    Part(u64, u64),
    /// Starts at or past the end of the file.
    Unsatisfiable,
}

/// Reads `bytes=a-b`, `bytes=a-` or `bytes=-n` against a file of `size`
/// bytes. A malformed header is ignored, as HTTP asks.
fn byte_range(header: &str, size: u64) -> Range {
    let Some((first, last)) = header
        .strip_prefix("bytes=")
        .filter(|spec| !spec.contains(','))
        .and_then(|spec| spec.trim().split_once('-'))
    else {
        return Range::Whole;
    };
    let number = |s: &str| s.parse::<u64>().ok();
    match (first, last) {
        ("", n) => match number(n) {
            Some(0) => Range::Unsatisfiable,
            Some(n) => Range::Part(size.saturating_sub(n), size),
            None => Range::Whole,
        },
        (a, b) => match (
            number(a),
            if b.is_empty() {
                Some(u64::MAX)
            } else {
                number(b)
            },
        ) {
            (Some(a), Some(b)) if a <= b && a >= size => Range::Unsatisfiable,
            (Some(a), Some(b)) if a <= b => Range::Part(a, b.saturating_add(1).min(size)),
            _ => Range::Whole,
        },
    }
}

/// Where a request target leads.
enum Found {
    File(PathBuf, File),
    /// A directory asked for without its trailing slash: redirect there, so
    /// the page's relative URLs work.
    Directory(String),
    Refused(u16),
}

fn resolve(root: &Path, target: &str) -> Found {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let Some(decoded) = percent_decode(path) else {
        return Found::Refused(400);
    };
    if !decoded.starts_with('/') || decoded.contains('\0') {
        return Found::Refused(400);
    }
    if decoded.split('/').any(|segment| segment == "..") {
        return Found::Refused(403);
    }
    let mut fs_path = root.join(decoded.trim_start_matches('/'));
    if fs_path.is_dir() {
        if !decoded.ends_with('/') {
            return Found::Directory(format!("{path}/"));
        }
        fs_path.push("index.html");
    }
    match fs_path.canonicalize() {
        Ok(real) if !real.starts_with(root) => Found::Refused(403),
        Ok(real) if real.is_file() => match File::open(&real) {
            Ok(file) => Found::File(real, file),
            Err(_) => Found::Refused(403),
        },
        _ => Found::Refused(404),
    }
}

/// Decodes `%XX` escapes; `None` if one is malformed or the result is not
/// UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type for a file, by extension (module workers and
/// `WebAssembly.instantiateStreaming` insist on the right ones).
fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "tar" => "application/x-tar",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("/a%20b%2e%2E").as_deref(), Some("/a b.."));
        assert_eq!(percent_decode("/bad%2"), None);
        assert_eq!(percent_decode("/bad%zz"), None);
        assert_eq!(percent_decode("/%ff"), None);
    }

    #[test]
    fn resolves_inside_the_root_only() {
        let dir = std::env::temp_dir().join(format!("tabvm-serve-unit-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/index.html"), "hi").unwrap();
        let root = dir.canonicalize().unwrap();
        assert!(
            matches!(resolve(&root, "/sub/?q"), Found::File(p, _) if p.ends_with("sub/index.html"))
        );
        assert!(matches!(resolve(&root, "/sub"), Found::Directory(l) if l == "/sub/"));
        assert!(matches!(
            resolve(&root, "/sub/../sub/index.html"),
            Found::Refused(403)
        ));
        assert!(matches!(
            resolve(&root, "/%2e%2e/etc/passwd"),
            Found::Refused(403)
        ));
        assert!(matches!(resolve(&root, "/missing"), Found::Refused(404)));
        assert!(matches!(resolve(&root, "relative"), Found::Refused(400)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn byte_ranges() {
        assert_eq!(byte_range("bytes=0-0", 10), Range::Part(0, 1));
        assert_eq!(byte_range("bytes=2-5", 10), Range::Part(2, 6));
        assert_eq!(byte_range("bytes=4-", 10), Range::Part(4, 10));
        assert_eq!(byte_range("bytes=4-99", 10), Range::Part(4, 10));
        assert_eq!(byte_range("bytes=-3", 10), Range::Part(7, 10));
        assert_eq!(byte_range("bytes=-30", 10), Range::Part(0, 10));
        assert_eq!(byte_range("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=10-20", 10), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=-0", 10), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,4-5", 10), Range::Whole);
        assert_eq!(byte_range("bytes=5-2", 10), Range::Whole);
        assert_eq!(byte_range("items=0-1", 10), Range::Whole);
        assert_eq!(byte_range("bytes=x-1", 10), Range::Whole);
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type(Path::new("a/x.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("xterm.mjs")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("root.tar")), "application/x-tar");
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
