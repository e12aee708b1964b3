//! The engine as a WebAssembly module for a Web Worker: a [`Vm`] whose root
//! is an ext2 disk streamed from a chunked image, running a login shell on
//! one console.
//!
//! The worker (`web/worker.js`) owns the loop: it calls [`Vm::run`] for a
//! slice, posts the console output to the page, and yields to the event
//! loop between slices so input and resizes get through while the guest
//! computes. When every task waits, `run` says until when
//! ([`Slice::wake_at_ms`]), and the worker sleeps until then, until input,
//! or until a chunk file or an IndexedDB commit it was asked for lands
//! (`chunk_fetched`, `blocks_committed`). Nothing here blocks (DESIGN rule 1).
//!
//! Must not touch: the page, xterm.js or message passing (that is
//! `web/*.js`); platform services (that is `tabvm-host`'s `web` module).
//!
//! ```js
//! // disk: { request(file, delayMs), put(n, bytes), commit(puts) }
//! const vm = new Vm(manifestBytes, imageUrl, disk, blockNumbers, blockBytes,
//!                   (fd, bytes) => post(bytes), false);
//! vm.resize(24, 80);
//! const slice = vm.run(); // slice.state: State.Busy | State.Idle | State.Exited
//! vm.chunk_fetched(file, bytes, '', networkBytes, millis); // then run again
//! ```

// The engine talks to JavaScript only in a browser; natively this crate is
// empty so `cargo test --workspace` builds it without a wasm toolchain.
#[cfg(target_arch = "wasm32")]
mod disk;
#[cfg(target_arch = "wasm32")]
mod panic;
#[cfg(target_arch = "wasm32")]
mod vm;

#[cfg(target_arch = "wasm32")]
pub use vm::{DiskStats, Slice, State, Vm};
