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

async function start(rows, cols, logging) {
  size = { rows, cols };
  log = logging;
  try {
    const [, response] = await Promise.all([init(), fetch('root.tar')]);
    if (!response.ok) throw new Error(`root.tar: HTTP ${response.status}`);
    newVm(new Uint8Array(await response.arrayBuffer()));
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
