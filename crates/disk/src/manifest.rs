//! The chunked-image manifest: how a disk image is published as a set of
//! files any static web host can serve.
//!
//! An image is cut into chunks of [`CHUNK_SIZE`] bytes (the last one may be
//! shorter). Each chunk is either all zero — recorded as `"zero"` and not
//! stored — or stored once, in a file named by the lowercase hex SHA-256 of
//! its bytes, so identical chunks share a file and a chunk file never changes
//! (cacheable forever). The manifest is JSON:
//!
//! ```json
//! { "version": 1, "size": 262144, "chunk_size": 131072,
//!   "compression": "gzip", "chunks": ["zero", "ba7816bf…"] }
//! ```
//!
//! `compression` ([`Compression`]) says how every chunk file is encoded; a
//! chunk file is still named by the hash of its *uncompressed* bytes, so the
//! name does not depend on the codec or its settings and the reader checks
//! what it decoded.
//!
//! [`Manifest::parse`] accepts only a manifest that is self-consistent (the
//! chunk list matches the size, every hash is well-formed), so a bad one is a
//! clear error at start rather than a crash later.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The only manifest format version so far.
pub const FORMAT_VERSION: u64 = 1;

/// 128 KiB: big enough that booting a Debian root costs few round trips,
/// small enough that one cold read wastes little bandwidth (DESIGN "Disk").
pub const CHUNK_SIZE: u32 = 128 * 1024;

/// The SHA-256 of a chunk's bytes; its lowercase hex form names the chunk file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChunkHash(pub [u8; 32]);

impl ChunkHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Parses exactly 64 lowercase hex digits (the one spelling that names a
    /// file, so two spellings never name one chunk).
    pub fn from_hex(text: &str) -> Option<Self> {
        fn digit(c: u8) -> Option<u8> {
            match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            }
        }
        let text = text.as_bytes();
        if text.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
            *byte = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Self(out))
    }
}

impl fmt::Display for ChunkHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The file name under which a chunk with this hash is stored.
pub fn chunk_file_name(hash: &ChunkHash) -> String {
    hash.to_string()
}

/// What one chunk of the image holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkRef {
    /// All zero bytes; no file.
    Zero,
    /// The bytes of the file named by this hash.
    Stored(ChunkHash),
}

/// How chunk files are compressed; the same codec for every chunk of an
/// image.
///
/// `gzip` (RFC 1952) because both readers have it for free or nearly: the
/// browser's `DecompressionStream("gzip")`, and natively or in the wasm
/// engine a small pure-Rust inflater (miniz_oxide). A chunk file is then
/// also a valid `.gz` file, which helps when inspecting an image by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    None,
    Gzip,
}

impl Compression {
    /// The manifest's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
        }
    }

    /// The codec spelled `name` in a manifest, if this build knows it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "gzip" => Some(Self::Gzip),
            _ => None,
        }
    }

    /// A chunk's file bytes from its bytes.
    pub fn encode(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Self::None => bytes.to_vec(),
            Self::Gzip => {
                use std::io::Write;
                let mut out = flate2::write::GzEncoder::new(
                    Vec::with_capacity(bytes.len() / 2),
                    flate2::Compression::default(),
                );
                // Writing to a Vec cannot fail.
                out.write_all(bytes).expect("gzip into memory");
                out.finish().expect("gzip into memory")
            }
        }
    }

    /// A chunk's bytes from its file's bytes; the error says what is wrong
    /// with them. Output beyond [`CHUNK_SIZE`] is an error, so a hostile
    /// file cannot inflate into gigabytes.
    pub fn decode(self, stored: Vec<u8>) -> Result<Vec<u8>, String> {
        match self {
            Self::None => Ok(stored),
            Self::Gzip => {
                use std::io::Read;
                let limit = u64::from(CHUNK_SIZE) + 1;
                let mut out = Vec::with_capacity(CHUNK_SIZE as usize);
                flate2::read::GzDecoder::new(stored.as_slice())
                    .take(limit)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("not valid gzip ({} bytes): {e}", stored.len()))?;
                if out.len() as u64 == limit {
                    return Err(format!("gzip data inflates beyond {CHUNK_SIZE} bytes"));
                }
                Ok(out)
            }
        }
    }
}

/// Why a manifest was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManifestError {
    /// Not JSON, or not the expected shape (missing field, wrong type).
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// A `version` this build does not know (a newer tool wrote it).
    UnsupportedVersion(u64),
    /// `chunk_size` is not a power of two.
    ChunkSizeNotPowerOfTwo(u64),
    /// `chunk_size` is a power of two but not [`CHUNK_SIZE`].
    UnsupportedChunkSize(u64),
    /// A `compression` this build cannot decode.
    UnknownCompression(String),
    /// The chunk list does not cover exactly `size` bytes.
    ChunkCount {
        size: u64,
        expected: u64,
        found: u64,
    },
    /// Chunk `index` is neither `"zero"` nor 64 lowercase hex digits.
    BadHash { index: usize, value: String },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json { message, .. } => write!(f, "manifest is not valid: {message}"),
            Self::UnsupportedVersion(v) => {
                write!(
                    f,
                    "manifest version {v} is not supported (expected {FORMAT_VERSION})"
                )
            }
            Self::ChunkSizeNotPowerOfTwo(n) => {
                write!(f, "manifest chunk_size {n} is not a power of two")
            }
            Self::UnsupportedChunkSize(n) => {
                write!(
                    f,
                    "manifest chunk_size {n} is not supported (expected {CHUNK_SIZE})"
                )
            }
            Self::UnknownCompression(c) => write!(f, "manifest compression {c:?} is unknown"),
            Self::ChunkCount {
                size,
                expected,
                found,
            } => write!(
                f,
                "manifest lists {found} chunks but an image of {size} bytes needs {expected}"
            ),
            Self::BadHash { index, value } => write!(
                f,
                "manifest chunk {index} is {value:?}, not \"zero\" or a lowercase hex SHA-256"
            ),
        }
    }
}

impl std::error::Error for ManifestError {}

impl From<serde_json::Error> for ManifestError {
    fn from(e: serde_json::Error) -> Self {
        Self::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

/// The JSON shape, before validation.
#[derive(Serialize, Deserialize)]
struct Wire {
    version: u64,
    size: u64,
    chunk_size: u64,
    compression: String,
    chunks: Vec<String>,
}

/// Read first, so that a newer format with other fields is reported as an
/// unknown version instead of as a missing field.
#[derive(Deserialize)]
struct VersionOnly {
    version: u64,
}

/// The spelling of an all-zero chunk in `chunks`.
const ZERO: &str = "zero";

/// A validated manifest: `chunks` covers exactly `size` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    size: u64,
    compression: Compression,
    chunks: Vec<ChunkRef>,
}

impl Manifest {
    /// Parses and validates a manifest.
    pub fn parse(json: &[u8]) -> Result<Self, ManifestError> {
        let VersionOnly { version } = serde_json::from_slice(json)?;
        if version != FORMAT_VERSION {
            return Err(ManifestError::UnsupportedVersion(version));
        }
        let wire: Wire = serde_json::from_slice(json)?;
        if !wire.chunk_size.is_power_of_two() {
            return Err(ManifestError::ChunkSizeNotPowerOfTwo(wire.chunk_size));
        }
        if wire.chunk_size != u64::from(CHUNK_SIZE) {
            return Err(ManifestError::UnsupportedChunkSize(wire.chunk_size));
        }
        let compression = Compression::from_name(&wire.compression)
            .ok_or(ManifestError::UnknownCompression(wire.compression))?;
        let expected = wire.size.div_ceil(wire.chunk_size);
        let found = wire.chunks.len() as u64;
        if found != expected {
            return Err(ManifestError::ChunkCount {
                size: wire.size,
                expected,
                found,
            });
        }
        let chunks = wire
            .chunks
            .into_iter()
            .enumerate()
            .map(|(index, value)| match value.as_str() {
                ZERO => Ok(ChunkRef::Zero),
                hex => ChunkHash::from_hex(hex)
                    .map(ChunkRef::Stored)
                    .ok_or(ManifestError::BadHash { index, value }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            size: wire.size,
            compression,
            chunks,
        })
    }

    /// The manifest as JSON, one chunk per line (diffs stay readable).
    pub fn to_json(&self) -> String {
        let wire = Wire {
            version: FORMAT_VERSION,
            size: self.size,
            chunk_size: CHUNK_SIZE.into(),
            compression: self.compression.name().to_owned(),
            chunks: self
                .chunks
                .iter()
                .map(|c| match c {
                    ChunkRef::Zero => ZERO.to_owned(),
                    ChunkRef::Stored(hash) => chunk_file_name(hash),
                })
                .collect(),
        };
        // Strings and integers always serialize; failure would be a serde bug.
        serde_json::to_string_pretty(&wire).expect("manifest serializes") + "\n"
    }

    /// Cuts `image` into chunks. Returns the manifest and each distinct
    /// stored chunk once (all-zero chunks are not returned), in first-use
    /// order, borrowing from `image`.
    pub fn from_image(image: &[u8]) -> (Self, Vec<(ChunkHash, &[u8])>) {
        let mut seen = HashSet::new();
        let mut stored = Vec::new();
        let chunks = image
            .chunks(CHUNK_SIZE as usize)
            .map(|bytes| {
                if bytes.iter().all(|&b| b == 0) {
                    return ChunkRef::Zero;
                }
                let hash = ChunkHash::of(bytes);
                if seen.insert(hash) {
                    stored.push((hash, bytes));
                }
                ChunkRef::Stored(hash)
            })
            .collect();
        let manifest = Self {
            size: image.len() as u64,
            compression: Compression::None,
            chunks,
        };
        (manifest, stored)
    }

    /// A manifest for an image of `size` bytes cut elsewhere (e.g. streamed
    /// from a file) whose chunk files use `compression`; `chunks` must cover
    /// exactly `size`.
    pub fn from_chunks(
        size: u64,
        compression: Compression,
        chunks: Vec<ChunkRef>,
    ) -> Result<Self, ManifestError> {
        let expected = size.div_ceil(CHUNK_SIZE.into());
        let found = chunks.len() as u64;
        if found != expected {
            return Err(ManifestError::ChunkCount {
                size,
                expected,
                found,
            });
        }
        Ok(Self {
            size,
            compression,
            chunks,
        })
    }

    /// Image size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Chunk size in bytes (always [`CHUNK_SIZE`] in version 1).
    pub fn chunk_size(&self) -> u32 {
        CHUNK_SIZE
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Every chunk, in image order.
    pub fn chunks(&self) -> &[ChunkRef] {
        &self.chunks
    }

    /// Length in bytes of chunk `index` (only the last may be short), or
    /// `None` past the end.
    pub fn chunk_len(&self, index: usize) -> Option<u32> {
        let start = (index as u64).checked_mul(CHUNK_SIZE.into())?;
        let left = self.size.checked_sub(start).filter(|&n| n > 0)?;
        Some(left.min(CHUNK_SIZE.into()) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CS: usize = CHUNK_SIZE as usize;
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn json(
        version: u64,
        size: u64,
        chunk_size: u64,
        compression: &str,
        chunks: &[&str],
    ) -> Vec<u8> {
        let chunks: Vec<String> = chunks.iter().map(|c| format!("{c:?}")).collect();
        format!(
            r#"{{"version":{version},"size":{size},"chunk_size":{chunk_size},"compression":"{compression}","chunks":[{}]}}"#,
            chunks.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn hash_hex_round_trips() {
        let h = ChunkHash::of(b"abc");
        assert_eq!(h.to_string(), ABC);
        assert_eq!(chunk_file_name(&h), ABC);
        assert_eq!(ChunkHash::from_hex(ABC), Some(h));
        assert_eq!(ChunkHash::from_hex(&ABC.to_uppercase()), None);
        assert_eq!(ChunkHash::from_hex(&ABC[1..]), None);
        assert_eq!(ChunkHash::from_hex(&format!("{}g", &ABC[1..])), None);
    }

    #[test]
    fn split_marks_zero_chunks_and_dedups() {
        // Chunks: A, zero, A, then a short B tail of half a chunk.
        let mut image = vec![0u8; 3 * CS + CS / 2];
        image[..CS].fill(0xaa);
        image[2 * CS..3 * CS].fill(0xaa);
        image[3 * CS + 1] = 0xbb;
        let (m, stored) = Manifest::from_image(&image);
        let a = ChunkHash::of(&image[..CS]);
        let b = ChunkHash::of(&image[3 * CS..]);
        assert_eq!(
            m.chunks(),
            [
                ChunkRef::Stored(a),
                ChunkRef::Zero,
                ChunkRef::Stored(a),
                ChunkRef::Stored(b)
            ]
        );
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[0], (a, &image[..CS]));
        assert_eq!(stored[1], (b, &image[3 * CS..]));
        assert_eq!(m.size(), image.len() as u64);
        assert_eq!(m.chunk_len(0), Some(CHUNK_SIZE));
        assert_eq!(m.chunk_len(3), Some(CHUNK_SIZE / 2));
        assert_eq!(m.chunk_len(4), None);
    }

    #[test]
    fn json_round_trips() {
        let mut image = vec![0u8; 2 * CS + 10];
        image[5] = 1;
        let (m, _) = Manifest::from_image(&image);
        let text = m.to_json();
        assert_eq!(Manifest::parse(text.as_bytes()), Ok(m.clone()));
        assert_eq!(m.chunk_size(), CHUNK_SIZE);
        assert_eq!(m.compression(), Compression::None);
        let (empty, stored) = Manifest::from_image(&[]);
        assert!(stored.is_empty());
        assert_eq!(Manifest::parse(empty.to_json().as_bytes()), Ok(empty));
    }

    #[test]
    fn parses_hand_written_manifest() {
        let m =
            Manifest::parse(&json(1, CS as u64 + 1, CS as u64, "none", &["zero", ABC])).unwrap();
        assert_eq!(m.chunks()[1], ChunkRef::Stored(ChunkHash::of(b"abc")));
        assert_eq!(m.chunk_len(1), Some(1));
    }

    #[test]
    fn rejects_bad_json_with_position() {
        let err = Manifest::parse(b"{\n  \"version\": 1,\n  oops").unwrap_err();
        assert!(
            matches!(
                err,
                ManifestError::Json {
                    line: 3,
                    column: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = Manifest::parse(br#"{"version":1,"size":0}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `chunk_size`"),
            "{err}"
        );
    }

    #[test]
    fn rejects_each_inconsistency() {
        let cs = CS as u64;
        let cases = [
            (
                json(2, 0, cs, "none", &[]),
                ManifestError::UnsupportedVersion(2),
            ),
            (
                json(1, 0, 3000, "none", &[]),
                ManifestError::ChunkSizeNotPowerOfTwo(3000),
            ),
            (
                json(1, 0, 4096, "none", &[]),
                ManifestError::UnsupportedChunkSize(4096),
            ),
            (
                json(1, 0, cs, "zstd", &[]),
                ManifestError::UnknownCompression("zstd".into()),
            ),
            (
                json(1, cs + 1, cs, "none", &["zero"]),
                ManifestError::ChunkCount {
                    size: cs + 1,
                    expected: 2,
                    found: 1,
                },
            ),
            (
                json(1, 2 * cs, cs, "none", &["zero", "ZERO"]),
                ManifestError::BadHash {
                    index: 1,
                    value: "ZERO".into(),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Manifest::parse(&text), Err(want));
        }
    }

    #[test]
    fn gzip_round_trips_and_rejects_damage() {
        let chunk: Vec<u8> = (0..CS).map(|i| (i / 1000) as u8).collect();
        let stored = Compression::Gzip.encode(&chunk);
        assert!(stored.len() < CS / 10, "{} bytes", stored.len());
        assert_eq!(Compression::Gzip.decode(stored.clone()), Ok(chunk.clone()));
        assert_eq!(Compression::None.decode(chunk.clone()), Ok(chunk.clone()));
        // A truncated file or a flipped bit in the stream is an error, not
        // short or wrong output (gzip's CRC-32 catches the latter).
        let cut = stored[..stored.len() - 9].to_vec();
        assert!(Compression::Gzip.decode(cut).is_err());
        let mut flipped = stored.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x10;
        assert!(Compression::Gzip.decode(flipped).is_err());
        let bomb = Compression::Gzip.encode(&vec![0; CS + 1]);
        let err = Compression::Gzip.decode(bomb).unwrap_err();
        assert!(err.contains("inflates beyond"), "{err}");
        let m = Manifest::from_chunks(CS as u64, Compression::Gzip, vec![ChunkRef::Zero]).unwrap();
        assert!(m.to_json().contains(r#""compression": "gzip""#));
        assert_eq!(Manifest::parse(m.to_json().as_bytes()), Ok(m));
    }

    #[test]
    fn newer_version_is_reported_before_its_fields() {
        let err = Manifest::parse(br#"{"version":7,"blocks":[]}"#).unwrap_err();
        assert_eq!(err, ManifestError::UnsupportedVersion(7));
        assert_eq!(
            err.to_string(),
            "manifest version 7 is not supported (expected 1)"
        );
    }
}
