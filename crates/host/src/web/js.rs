//! The JavaScript functions the web host imports, in one place. All exist
//! in dedicated workers and on pages alike.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    /// Fills a byte array with cryptographically strong random values (at
    /// most 65536 bytes per call).
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues)]
    pub fn get_random_values(buf: &mut [u8]);

    /// Milliseconds since the worker started, monotonic, sub-millisecond.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub fn performance_now() -> f64;

    /// Milliseconds since the Unix epoch.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn date_now() -> f64;

    /// One line on the developer console.
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    pub fn console_log(line: &str);

    /// The worker's side of the root disk: fetches chunk files and keeps
    /// the overlay's blocks in IndexedDB (`web/worker.js`).
    #[derive(Clone)]
    pub type DiskHost;

    /// Starts fetching chunk file `file` after `delay_ms`; the answer comes
    /// back through [`ChunkInbox`](super::ChunkInbox).
    #[wasm_bindgen(method)]
    pub fn request(this: &DiskHost, file: &str, delay_ms: u32);

    /// Queues overlay block `n` for the next commit. `data` is a view of
    /// the engine's memory, valid only during the call: copy it.
    #[wasm_bindgen(method)]
    pub fn put(this: &DiskHost, n: f64, data: &[u8]);

    /// Writes every queued block in one IndexedDB transaction; once it has
    /// completed, reports `puts` through [`CommitLink`](super::CommitLink).
    #[wasm_bindgen(method)]
    pub fn commit(this: &DiskHost, puts: f64);
}
