//! Reports Rust panics on the browser console. Without this a panic is
//! only an `unreachable` trap with no message; with it the worker's error
//! message says what broke and where.

use std::sync::Once;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Installs the hook once per module instance.
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error(&format!("tabvm panicked: {info}"))
        }));
    });
}
