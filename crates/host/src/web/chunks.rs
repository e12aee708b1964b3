//! [`WebChunkSource`]: chunk files fetched by the worker's JavaScript (from
//! its IndexedDB chunk cache or with `fetch`), the browser's
//! [`ChunkSource`] under a [`ChunkedDevice`](tabvm_disk::ChunkedDevice).
//!
//! A request goes to JavaScript at once ([`DiskHost::request`]); the answer
//! comes back later, from the event loop, through the [`ChunkInbox`] the
//! front end holds, and waits there until the device's next `poll`.

use std::cell::RefCell;
use std::rc::Rc;

use tabvm_disk::{chunk_file_name, ChunkHash, ChunkRequest, ChunkSource, Fetched, Piece};

use super::js::DiskHost;

/// The browser's transport for chunk files; see the module doc.
pub struct WebChunkSource {
    /// The image's folder as a URL, ending in `/` (for error messages).
    base: String,
    host: DiskHost,
    inbox: ChunkInbox,
}

impl WebChunkSource {
    /// A source for the image whose chunk files lie at `base` + name, and
    /// the inbox its answers go into.
    pub fn new(base: String, host: DiskHost) -> (WebChunkSource, ChunkInbox) {
        let inbox = ChunkInbox::default();
        let source = WebChunkSource {
            base,
            host,
            inbox: inbox.clone(),
        };
        (source, inbox)
    }
}

impl ChunkSource for WebChunkSource {
    fn request(&mut self, req: ChunkRequest) {
        // The page fetches in the order asked; it does not use `prefetch`.
        match &req.piece {
            Piece::Chunk(hash) => self.host.request(&chunk_file_name(hash), req.delay_ms),
            // The page boots chunked images only.
            Piece::Range(_) => self.inbox.0.borrow_mut().push(Fetched {
                piece: req.piece,
                result: Err("byte ranges are not fetched in the page".into()),
                network_bytes: 0,
                millis: 0,
            }),
        }
    }

    fn poll(&mut self) -> Vec<Fetched> {
        std::mem::take(&mut self.inbox.0.borrow_mut())
    }

    fn locate(&self, piece: &Piece) -> String {
        match piece {
            Piece::Chunk(hash) => format!("{}{}", self.base, chunk_file_name(hash)),
            Piece::Range(_) => self.base.clone(),
        }
    }
}

/// Where the worker hands finished fetches to the engine.
#[derive(Clone, Default)]
pub struct ChunkInbox(Rc<RefCell<Vec<Fetched>>>);

impl ChunkInbox {
    /// Takes in the answer for chunk file `file` (a name the source asked
    /// for). Fails only on a name that is no chunk's.
    pub fn deliver(
        &self,
        file: &str,
        result: Result<Vec<u8>, String>,
        network_bytes: u64,
        millis: u32,
    ) -> Result<(), String> {
        let hash = ChunkHash::from_hex(file)
            .ok_or_else(|| format!("{file:?} is not a chunk file name"))?;
        self.0.borrow_mut().push(Fetched {
            piece: Piece::Chunk(hash),
            result,
            network_bytes,
            millis,
        });
        Ok(())
    }
}
