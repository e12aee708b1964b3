//! [`Vm`]: one kernel with an in-memory root and a console, as exported to
//! JavaScript, and [`Slice`], what one call of [`Vm::run`] did.

use js_sys::Function;
use tabvm_host::{Clock, WebHost};
use tabvm_kernel::vfs::MemFs;
use tabvm_kernel::{Config, Kernel, RunStatus, Spawn};
use wasm_bindgen::prelude::*;

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

/// A virtual machine whose console is the page's terminal.
#[wasm_bindgen]
pub struct Vm {
    kernel: Kernel,
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

#[wasm_bindgen]
impl Vm {
    /// A VM whose root is the tar archive `root_tar`. Console output goes to
    /// `output(fd, bytes)`; `log` enables the kernel's diagnostics (logged
    /// with `console.log`). Fails if the tar is malformed.
    #[wasm_bindgen(constructor)]
    pub fn new(root_tar: &[u8], output: Function, log: bool) -> Result<Vm, JsError> {
        crate::panic::install_hook();
        let root =
            MemFs::from_tar(root_tar).map_err(|e| JsError::new(&format!("root archive: {e}")))?;
        let config = Config {
            root: Box::new(root),
            tty: [true; 3],
            log,
        };
        Ok(Vm {
            kernel: Kernel::new(config, Box::new(WebHost::new(output))),
            clock: Clock::new(),
        })
    }

    /// Starts a login shell on the console; after the previous one's exit
    /// has been reported, a new one on the same files.
    pub fn spawn_shell(&mut self) -> Result<(), JsError> {
        let spawn = Spawn {
            path: SHELL.into(),
            argv: SHELL_ARGV.map(String::from).into(),
            envp: SHELL_ENV.map(String::from).into(),
            cwd: HOME.into(),
            uid: USER_ID,
            gid: USER_ID,
        };
        self.kernel
            .spawn(spawn)
            .map(drop)
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Runs guest code for one slice (the kernel's budget) and says what next.
    pub fn run(&mut self) -> Slice {
        let (state, wake_at_ms, status) = match self.kernel.run(self.clock.now()) {
            RunStatus::Busy => (State::Busy, None, 0),
            RunStatus::Idle { wake_at } => (State::Idle, wake_at.map(|ns| ns as f64 / 1e6), 0),
            RunStatus::Exited { status } => (State::Exited, None, status),
        };
        Slice {
            state,
            wake_at_ms,
            status,
        }
    }

    /// Bytes typed on the terminal (UTF-8, escape sequences as xterm sends).
    pub fn input(&mut self, bytes: &[u8]) {
        self.kernel.console_input(bytes);
    }

    /// The terminal now has `rows` × `cols` cells.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.kernel.console_resize(rows, cols);
    }
}
