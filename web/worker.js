// The engine's loop, in a Web Worker. It runs the guest in slices of about
// SLICE_MS, posting console output to the page after each one, then yields
// to the event loop (a MessageChannel message, not setTimeout, which browsers
// clamp to 4 ms) so input and resize messages are handled between slices.
// When every guest task waits, it sleeps until input arrives or the kernel's
// wake-up time passes. When the shell exits, a new one starts.

import init, { Vm, State } from './pkg/tabvm_web.js';

// Long enough that yielding costs little, short enough that keys echo
// without a noticeable lag while the guest computes.
const SLICE_MS = 15;
// The root file system's archive (web/debian-root.sh).
const ROOT = 'root.tar.gz';
const PROGRESS_BYTES = 4 << 20;

let vm = null;
let size = { rows: 24, cols: 80 };
let log = false;
let scheduled = false;
let wakeTimer = null;
let output = [];
// Keys typed before the VM exists, delivered once it does.
let earlyInput = [];

const tick = new MessageChannel();
tick.port1.onmessage = step;

function collect(fd, bytes) {
  output.push(bytes);
}

function flush() {
  if (output.length === 0) return;
  const total = output.reduce((n, b) => n + b.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const b of output) {
    data.set(b, at);
    at += b.length;
  }
  output = [];
  postMessage({ type: 'output', data }, [data.buffer]);
}

function schedule() {
  if (wakeTimer !== null) {
    clearTimeout(wakeTimer);
    wakeTimer = null;
  }
  if (!scheduled && vm) {
    scheduled = true;
    tick.port2.postMessage(null);
  }
}

// One VM for the page's life: when the shell exits, the next one starts in
// the same VM, so files the user made are still there.
function newVm(rootTar) {
  vm = new Vm(rootTar, collect, log);
  vm.resize(size.rows, size.cols);
  vm.spawn_shell();
}

function step() {
  scheduled = false;
  try {
    const deadline = performance.now() + SLICE_MS;
    let slice;
    for (;;) {
      slice = vm.run();
      if (slice.state !== State.Busy || performance.now() >= deadline) break;
      slice.free();
    }
    flush();
    const { state } = slice;
    if (state === State.Busy) {
      schedule();
    } else if (state === State.Idle) {
      const wakeAt = slice.wake_at_ms;
      if (wakeAt !== undefined) {
        wakeTimer = setTimeout(schedule, Math.max(0, wakeAt - performance.now()));
      }
    } else {
      postMessage({ type: 'exit', status: slice.status });
      vm.spawn_shell();
      schedule();
    }
    slice.free();
  } catch (e) {
    flush();
    postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
}

/** The root file system: a gzipped tar, unpacked as it downloads. The page
 *  hears how far the download got, every PROGRESS_BYTES and at the end. */
async function fetchRoot() {
  const response = await fetch(ROOT);
  if (!response.ok) throw new Error(`${ROOT}: HTTP ${response.status}`);
  const total = Number(response.headers.get('Content-Length')) || undefined;
  let loaded = 0;
  let reported = 0;
  const counted = new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.length;
      if (loaded - reported >= PROGRESS_BYTES) {
        reported = loaded;
        postMessage({ type: 'progress', loaded, total });
      }
      controller.enqueue(chunk);
    },
    flush() {
      postMessage({ type: 'progress', loaded, total });
    },
  });
  const tar = response.body.pipeThrough(counted).pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(tar).arrayBuffer());
}

async function start(rows, cols, logging) {
  size = { rows, cols };
  log = logging;
  try {
    const begin = performance.now();
    const [wasm, rootTar] = await Promise.all([init(), fetchRoot()]);
    const fetched = performance.now();
    newVm(rootTar);
    // What loading took, for the page's tests and benchmarks: fetching and
    // gunzipping the root (while the wasm compiles), then building the
    // in-memory tree from it and starting the shell; and the engine's memory.
    postMessage({
      type: 'loaded',
      bytes: rootTar.length,
      fetchMs: fetched - begin,
      buildMs: performance.now() - fetched,
      memoryBytes: wasm.memory.buffer.byteLength,
    });
    for (const bytes of earlyInput) vm.input(bytes);
    earlyInput = [];
    schedule();
  } catch (e) {
    postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
}

onmessage = ({ data: msg }) => {
  switch (msg.type) {
    case 'start':
      start(msg.rows, msg.cols, Boolean(msg.log));
      break;
    case 'input':
      if (vm) {
        vm.input(msg.data);
        schedule();
      } else {
        earlyInput.push(msg.data);
      }
      break;
    case 'resize':
      size = { rows: msg.rows, cols: msg.cols };
      if (vm) {
        vm.resize(msg.rows, msg.cols);
        schedule();
      }
      break;
  }
};
