//! The engine as a WebAssembly module for a Web Worker: a [`Vm`] built from
//! a tar of the root file system, running a login shell on one console.
//!
//! The worker (`web/worker.js`) owns the loop: it calls [`Vm::run`] for a
//! slice, posts the console output to the page, and yields to the event
//! loop between slices so input and resizes get through while the guest
//! computes. When every task waits, `run` says until when
//! ([`Slice::wake_at_ms`]), and the worker sleeps until then or until input.
//! Nothing here blocks (DESIGN rule 1).
//!
//! Must not touch: the page, xterm.js or message passing (that is
//! `web/*.js`); platform services (that is `tabvm-host`'s `web` module).
//!
//! ```js
//! const vm = new Vm(rootTarBytes, (fd, bytes) => post(bytes), false);
//! vm.resize(24, 80);
//! vm.spawn_shell();
//! const slice = vm.run(); // slice.state: State.Busy | State.Idle | State.Exited
//! ```

// The engine talks to JavaScript only in a browser; natively this crate is
// empty so `cargo test --workspace` builds it without a wasm toolchain.
#[cfg(target_arch = "wasm32")]
mod panic;
#[cfg(target_arch = "wasm32")]
mod vm;

#[cfg(target_arch = "wasm32")]
pub use vm::{Slice, State, Vm};
