//! Just enough HTTP/1.1 for `tabvm serve`: reading a request head and
//! writing a response head. Bodies are never read (GET and HEAD have none;
//! other methods are refused and the connection closed).

use std::io::{self, BufRead, Read, Write};

/// Longest request line or header line accepted; browsers send far less.
const MAX_LINE: u64 = 8 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 100;

/// The parts of a request head the server uses.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent (path, maybe a query), still %-encoded.
    pub target: String,
    /// The client wants the connection closed after this response.
    pub close: bool,
    /// The `Range` header's value, if any.
    pub range: Option<String>,
}

/// Reads one request head. `Ok(None)`: the client closed the connection
/// between requests. A malformed or oversized head is `InvalidData`.
pub fn read_request<R: BufRead>(r: &mut R) -> io::Result<Option<Request>> {
    let Some(line) = read_line(r)? else {
        return Ok(None);
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let mut close = version != "HTTP/1.1";
    let mut range = None;
    for _ in 0..MAX_HEADERS {
        let header = read_line(r)?.ok_or_else(|| bad("connection closed inside a request head"))?;
        if header.is_empty() {
            return Ok(Some(Request {
                method: method.into(),
                target: target.into(),
                close,
                range,
            }));
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_owned());
            }
            if name.eq_ignore_ascii_case("connection") {
                let value = value.trim();
                close = if value.eq_ignore_ascii_case("close") {
                    true
                } else {
                    close && !value.eq_ignore_ascii_case("keep-alive")
                };
            }
        }
    }
    Err(bad("too many header lines"))
}

/// One CRLF- (or LF-) terminated line without its terminator; `None` at a
/// clean end of stream.
fn read_line<R: BufRead>(r: &mut R) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    r.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Ok(None);
    }
    if buf.pop() != Some(b'\n') {
        return Err(bad("request line too long or cut off"));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| bad("request head is not UTF-8"))
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Writes a status line, `headers`, `Content-Length` and the blank line.
pub fn write_head(
    w: &mut impl Write,
    status: u16,
    headers: &[(&str, &str)],
    length: u64,
) -> io::Result<()> {
    write!(w, "HTTP/1.1 {status} {}\r\n", reason(status))?;
    for (name, value) in headers {
        write!(w, "{name}: {value}\r\n")?;
    }
    write!(w, "Content-Length: {length}\r\n\r\n")
}

/// The reason phrase of the statuses the server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        _ => "Internal Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> io::Result<Option<Request>> {
        read_request(&mut raw.as_bytes())
    }

    #[test]
    fn reads_request_heads() {
        let r = parse("GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            r,
            Request {
                method: "GET".into(),
                target: "/a%20b?x=1".into(),
                close: false,
                range: None,
            }
        );
        let r = parse("GET / HTTP/1.1\r\nrange:  bytes=0-9 \r\n\r\n");
        assert_eq!(r.unwrap().unwrap().range.as_deref(), Some("bytes=0-9"));
        assert!(
            parse("HEAD / HTTP/1.1\r\nConnection: Close\r\n\r\n")
                .unwrap()
                .unwrap()
                .close
        );
        assert!(parse("GET / HTTP/1.0\n\n").unwrap().unwrap().close);
        assert!(
            !parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                .unwrap()
                .unwrap()
                .close
        );
        assert!(parse("").unwrap().is_none());
    }

    #[test]
    fn refuses_malformed_heads() {
        assert!(parse("GET /\r\n\r\n").is_err());
        assert!(parse("GET / HTTP/1.1\r\nHost: h\r\n").is_err());
        assert!(parse(&format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000))).is_err());
    }

    #[test]
    fn writes_heads() {
        let mut out = Vec::new();
        write_head(&mut out, 404, &[("Content-Type", "text/plain")], 3).unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n"
        );
    }
}
