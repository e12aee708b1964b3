//! [`Vm`]: one kernel with the streamed root disk and a console, as
//! exported to JavaScript, and [`Slice`], what one call of [`Vm::run`] did.

use js_sys::Function;
use tabvm_ext2::Ext2;
use tabvm_host::{Clock, DiskHost, WebHost};
use tabvm_kernel::vfs::Ext2Fs;
use tabvm_kernel::{Config, Kernel, RunStatus, Spawn, SpawnError};
use wasm_bindgen::prelude::*;

use crate::disk::{self, Links, Mount, Mounted};

/// The session each console runs: a login shell of the unprivileged user in
/// its home, so bash reads /etc/profile and ~/.bashrc (the prompt) as a
/// terminal login would.
const SHELL: &str = "/bin/bash";
const SHELL_ARGV: [&str; 2] = ["bash", "--login"];
const HOME: &str = "/home/user";
/// `user`'s uid, and the gid of its group `user` (dev/debian-root.sh).
const USER_ID: u32 = 1000;
const SHELL_ENV: [&str; 7] = [
    "HOME=/home/user",
    "USER=user",
    "LOGNAME=user",
    "SHELL=/bin/bash",
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "TERM=xterm-256color",
    "LANG=C.UTF-8",
];

/// A virtual machine whose console is the page's terminal and whose root
/// is the streamed disk ([`crate::disk`]).
#[wasm_bindgen]
pub struct Vm {
    /// Until the root is mounted: the mount in progress (then `None`).
    mount: Option<Mount>,
    /// Once mounted.
    kernel: Option<Kernel>,
    /// Console output callback and diagnostics flag, for the kernel.
    output: Function,
    log: bool,
    /// Terminal size and keys that came before the kernel.
    size: (u16, u16),
    early_input: Vec<u8>,
    /// A login shell should start (at boot, and after each exit).
    shell_wanted: bool,
    links: Links,
    clock: Clock,
}

/// What the guest is doing after a slice.
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Runnable: call `run` again after yielding to the event loop.
    Busy,
    /// Waiting for input or for [`Slice::wake_at_ms`].
    Idle,
    /// The shell exited with [`Slice::status`].
    Exited,
}

/// The outcome of one [`Vm::run`].
#[wasm_bindgen]
#[derive(Clone, Copy, Debug)]
pub struct Slice {
    state: State,
    wake_at_ms: Option<f64>,
    status: i32,
}

#[wasm_bindgen]
impl Slice {
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> State {
        self.state
    }

    /// When idle with a timer pending: the `performance.now()` time to call
    /// `run` again at. Undefined if only input can wake the guest.
    #[wasm_bindgen(getter)]
    pub fn wake_at_ms(&self) -> Option<f64> {
        self.wake_at_ms
    }

    /// When exited: the shell's status (128+N for signal N).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> i32 {
        self.status
    }
}

/// Disk activity for the page ([`ChunkStats`] of the streamed image).
#[wasm_bindgen]
#[derive(Clone, Copy, Debug)]
pub struct DiskStats {
    /// Chunk files that arrived intact, and how many of those came from
    /// the local chunk cache.
    pub fetched: f64,
    pub from_cache: f64,
    /// Bytes that crossed the network (compressed).
    pub network_bytes: f64,
    /// Fetches that failed or brought corrupt data.
    pub failures: f64,
    pub in_flight: f64,
    /// Milliseconds the last intact fetch took.
    pub last_millis: u32,
}

#[wasm_bindgen]
impl Vm {
    /// A VM whose root is the chunked image described by `manifest` (the
    /// bytes of its manifest.json) with chunk files at `base` (a URL ending
    /// in `/`), fetched and stored through `disk` ([`DiskHost`]). The
    /// overlay's blocks as IndexedDB held them come in `numbers` (block
    /// numbers) and `blocks` (their bytes, one after another). Console
    /// output goes to `output(fd, bytes)`; `log` enables the kernel's
    /// diagnostics (logged with `console.log`). Fails on a malformed
    /// manifest or overlay.
    #[wasm_bindgen(constructor)]
    pub fn new(
        manifest: &[u8],
        base: String,
        disk: DiskHost,
        numbers: &[f64],
        blocks: &[u8],
        output: Function,
        log: bool,
    ) -> Result<Vm, JsError> {
        crate::panic::install_hook();
        let (dev, links) =
            disk::open(manifest, base, disk, numbers, blocks).map_err(|e| JsError::new(&e))?;
        Ok(Vm {
            mount: Some(Mount::Start(dev)),
            kernel: None,
            output,
            log,
            size: (24, 80),
            early_input: Vec::new(),
            shell_wanted: true,
            links,
            clock: Clock::new(),
        })
    }

    /// Starts a login shell on the console once the previous one's exit
    /// has been reported, on the same files (the next [`Vm::run`] does).
    pub fn spawn_shell(&mut self) {
        self.shell_wanted = true;
    }

    /// Runs guest code for one slice (the kernel's budget) and says what
    /// next. While the root is being mounted and the shell loaded, it is
    /// idle between chunks. Fails if the root disk cannot be mounted or the
    /// shell cannot start.
    pub fn run(&mut self) -> Result<Slice, JsError> {
        if !self.boot()? {
            return Ok(Slice {
                state: State::Idle,
                wake_at_ms: None,
                status: 0,
            });
        }
        let kernel = self.kernel.as_mut().expect("booted");
        let (state, wake_at_ms, status) = match kernel.run(self.clock.now()) {
            RunStatus::Busy => (State::Busy, None, 0),
            RunStatus::Idle { wake_at } => (State::Idle, wake_at.map(|ns| ns as f64 / 1e6), 0),
            RunStatus::Exited { status } => (State::Exited, None, status),
        };
        Ok(Slice {
            state,
            wake_at_ms,
            status,
        })
    }

    /// Bytes typed on the terminal (UTF-8, escape sequences as xterm sends).
    pub fn input(&mut self, bytes: &[u8]) {
        match &mut self.kernel {
            Some(kernel) => kernel.console_input(bytes),
            None => self.early_input.extend_from_slice(bytes),
        }
    }

    /// The terminal now has `rows` × `cols` cells.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.size = (rows, cols);
        if let Some(kernel) = &mut self.kernel {
            kernel.console_resize(rows, cols);
        }
    }

    /// The worker's answer for chunk file `file`: its bytes as stored, or
    /// (with `bytes` undefined) why there are none. `network_bytes` is 0
    /// when the chunk cache answered.
    pub fn chunk_fetched(
        &mut self,
        file: &str,
        bytes: Option<Vec<u8>>,
        error: &str,
        network_bytes: f64,
        millis: u32,
    ) -> Result<(), JsError> {
        let result = bytes.ok_or_else(|| error.to_owned());
        self.links
            .inbox
            .deliver(file, result, network_bytes as u64, millis)
            .map_err(|e| JsError::new(&e))?;
        self.device_ready();
        Ok(())
    }

    /// The IndexedDB commit requested with `puts` has completed.
    pub fn blocks_committed(&mut self, puts: f64) {
        self.links.commits.committed(puts as u64);
        self.device_ready();
    }

    /// An IndexedDB commit failed: every later `fsync` fails (`EIO`).
    pub fn blocks_failed(&mut self, what: String) {
        self.links.commits.failed(what);
        self.device_ready();
    }

    /// What the root disk has fetched so far.
    pub fn disk_stats(&self) -> DiskStats {
        let s = self.links.stats.get();
        DiskStats {
            fetched: s.fetched as f64,
            from_cache: s.from_cache as f64,
            network_bytes: s.network_bytes as f64,
            failures: s.failures as f64,
            in_flight: s.in_flight as f64,
            last_millis: s.last_millis,
        }
    }
}

impl Vm {
    /// The disk has news: calls parked on it retry (mount and spawn retry
    /// at every `run` anyway).
    fn device_ready(&mut self) {
        if let Some(kernel) = &mut self.kernel {
            kernel.device_ready();
        }
    }

    /// Mounts the root and starts a wanted shell, as far as the chunks here
    /// allow: `Ok(false)` while waiting for more.
    fn boot(&mut self) -> Result<bool, JsError> {
        if let Some(mount) = self.mount.take() {
            match mount.attempt().map_err(|e| JsError::new(&e))? {
                Mounted::Waiting(mount) => {
                    self.mount = Some(mount);
                    return Ok(false);
                }
                Mounted::Done(fs) => self.start_kernel(fs),
            }
        }
        if self.shell_wanted {
            let kernel = self.kernel.as_mut().expect("mounted");
            match kernel.spawn(shell()) {
                Ok(_) => self.shell_wanted = false,
                // Loading the shell needs a chunk on its way: again once
                // it lands.
                Err(SpawnError::DeviceWait) => return Ok(false),
                Err(e) => return Err(JsError::new(&e.to_string())),
            }
        }
        Ok(true)
    }

    fn start_kernel(&mut self, fs: Ext2<disk::Device>) {
        let config = Config {
            root: Box::new(Ext2Fs::new(fs)),
            tty: [true; 3],
            log: self.log,
        };
        let mut kernel = Kernel::new(config, Box::new(WebHost::new(self.output.clone())));
        // The worker calls `device_ready` when a chunk or commit lands, so
        // calls waiting for the disk sleep until then.
        kernel.enable_device_wakeups();
        // A booted system's /tmp is a tmpfs, as with `tabvm run --image`.
        kernel.private_tmp();
        kernel.console_resize(self.size.0, self.size.1);
        kernel.console_input(&std::mem::take(&mut self.early_input));
        self.kernel = Some(kernel);
    }
}

/// The login shell each console runs.
fn shell() -> Spawn {
    Spawn {
        path: SHELL.into(),
        argv: SHELL_ARGV.map(String::from).into(),
        envp: SHELL_ENV.map(String::from).into(),
        cwd: HOME.into(),
        uid: USER_ID,
        gid: USER_ID,
    }
}
