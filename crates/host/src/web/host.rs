//! [`WebHost`]: the kernel's console is a JavaScript callback.

use js_sys::{Function, Uint8Array};
use tabvm_kernel::{Host, Stream};
use wasm_bindgen::JsValue;

use super::js;

/// Platform services for a VM in a Web Worker.
pub struct WebHost {
    /// Called as `output(stream, bytes)` with stream 1 (stdout) or 2
    /// (stderr) and a fresh `Uint8Array` the callee may keep.
    output: Function,
}

impl WebHost {
    pub fn new(output: Function) -> WebHost {
        WebHost { output }
    }
}

impl Host for WebHost {
    fn write_console(&mut self, stream: Stream, bytes: &[u8]) {
        let fd = match stream {
            Stream::Stdout => 1,
            Stream::Stderr => 2,
        };
        // An exception thrown by the callback is the page's problem; the
        // guest's write has happened either way.
        let _ = self
            .output
            .call2(&JsValue::NULL, &JsValue::from(fd), &Uint8Array::from(bytes));
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        // getRandomValues refuses more than 65536 bytes per call.
        for chunk in buf.chunks_mut(65536) {
            js::get_random_values(chunk);
        }
    }

    fn log(&mut self, line: &str) {
        js::console_log(&format!("tabvm: {line}"));
    }
}
