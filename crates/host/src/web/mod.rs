//! Browser (wasm32, Web Worker) platform services: the kernel's console goes
//! to a JavaScript callback, randomness comes from `crypto.getRandomValues`,
//! time from `performance.now()` and `Date.now()`.

mod clock;
mod host;
mod js;

pub use clock::Clock;
pub use host::WebHost;
