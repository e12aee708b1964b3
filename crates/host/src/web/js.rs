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
}
