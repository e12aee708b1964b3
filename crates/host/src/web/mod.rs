//! Browser (wasm32, Web Worker) platform services: the kernel's console goes
//! to a JavaScript callback, randomness comes from `crypto.getRandomValues`,
//! time from `performance.now()` and `Date.now()`, and the root disk's chunk
//! files and overlay blocks from the worker's `fetch` and IndexedDB.

mod chunks;
mod clock;
mod host;
mod js;
mod store;

pub use chunks::{ChunkInbox, WebChunkSource};
pub use clock::Clock;
pub use host::WebHost;
pub use js::DiskHost;
pub use store::{CommitLink, IdbStore};
