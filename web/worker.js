// The engine's loop, in a Web Worker. It runs the guest in slices of about
// SLICE_MS, posting console output to the page after each one, then yields
// to the event loop (a MessageChannel message, not setTimeout, which browsers
// clamp to 4 ms) so input and resize messages are handled between slices.
// When every guest task waits, it sleeps until input arrives, the kernel's
// wake-up time passes, or a chunk file or IndexedDB commit the engine asked
// for lands. When the shell exits, a new one starts.
//
// The root disk (disk.js) is the chunked image in IMAGE, streamed on demand
// through a chunk cache in IndexedDB, with the user's changes kept in
// IndexedDB too.

import init, { Vm, State } from './pkg/tabvm_web.js';
import { Disk } from './disk.js';

// Long enough that yielding costs little, short enough that keys echo
// without a noticeable lag while the guest computes.
const SLICE_MS = 15;
// The root disk's chunked image (web/build.sh puts it there).
const IMAGE = new URL('disk/', location.href).href;

let vm = null;
// Settles once start has opened the disk (or failed to).
let opening = null;
let size = { rows: 24, cols: 80 };
let scheduled = false;
let stopped = false;
let wakeTimer = null;
let output = [];
// Keys typed before the VM exists, delivered once it does.
let earlyInput = [];
// The disk activity last posted, to post only changes.
let lastStats = '';

const tick = new MessageChannel();
tick.port1.onmessage = step;

function collect(fd, bytes) {
  output.push(bytes);
}

function flush() {
  if (output.length > 0) {
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
  postStats();
}

/** Disk activity for the page's status line, when it changed. */
function postStats() {
  const s = vm.disk_stats();
  const stats = {
    fetched: s.fetched,
    fromCache: s.from_cache,
    networkBytes: s.network_bytes,
    failures: s.failures,
    inFlight: s.in_flight,
    lastMillis: s.last_millis,
  };
  s.free();
  const text = JSON.stringify(stats);
  if (text !== lastStats) {
    lastStats = text;
    postMessage({ type: 'disk', stats });
  }
}

function schedule() {
  if (wakeTimer !== null) {
    clearTimeout(wakeTimer);
    wakeTimer = null;
  }
  if (!scheduled && vm && !stopped) {
    scheduled = true;
    tick.port2.postMessage(null);
  }
}

function step() {
  scheduled = false;
  if (stopped) return;
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
    stopped = true;
    output.length > 0 && flush();
    postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
}

async function start(rows, cols, log) {
  size = { rows, cols };
  try {
    const begin = performance.now();
    opening = Disk.open(IMAGE, schedule);
    const [wasm, disk] = await Promise.all([init(), opening]);
    const { numbers, blocks } = disk.restored;
    vm = new Vm(disk.manifest, IMAGE, disk, numbers, blocks, collect, log);
    disk.attach(vm);
    vm.resize(size.rows, size.cols);
    // What starting took, for the page's tests and benchmarks: the engine
    // compiled, the manifest fetched and the overlay read back from
    // IndexedDB (in parallel); the engine's memory then.
    postMessage({
      type: 'loaded',
      manifestBytes: disk.manifest.length,
      overlayBlocks: numbers.length,
      startMs: performance.now() - begin,
      memoryBytes: wasm.memory.buffer.byteLength,
    });
    for (const bytes of earlyInput) vm.input(bytes);
    earlyInput = [];
    schedule();
  } catch (e) {
    postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
  }
}

/** Stops the VM for good and drops the overlay; the page then starts a new
 *  worker on the image as it was built. */
async function reset() {
  stopped = true;
  try {
    const opened = await opening?.catch(() => null);
    await opened?.resetOverlay();
    postMessage({ type: 'reset' });
  } catch (e) {
    postMessage({ type: 'error', message: `reset disk: ${e && e.message ? e.message : e}` });
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
    case 'reset':
      reset();
      break;
  }
};
