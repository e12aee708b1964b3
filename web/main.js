// The page: an xterm.js terminal filling the window above a status line,
// wired to the engine in a Web Worker (worker.js). Keystrokes go to the
// worker as bytes; console output comes back as bytes, and disk activity as
// the streamed image's counters. The page never runs guest code, so it stays
// responsive whatever the guest does. "reset disk" has the worker drop the
// disk's changes, then starts a new one.

import { Terminal } from './vendor/xterm.mjs';
import { FitAddon } from './vendor/addon-fit.mjs';

const term = new Terminal({
  cursorBlink: true,
  fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace',
  fontSize: 15,
  scrollback: 5000,
  theme: { background: '#101010' },
});
const fit = new FitAddon();
term.loadAddon(fit);
term.open(document.getElementById('terminal'));
fit.fit();
term.focus();
term.write('tabvm: starting');

// Whether the guest's last output ended a line.
let atLineStart = false;
let worker = null;
const encoder = new TextEncoder();
// `?log` in the page URL shows the kernel's diagnostics on the console.
const log = new URLSearchParams(location.search).has('log');

term.onData((text) => worker.postMessage({ type: 'input', data: encoder.encode(text) }));
// Binary data (some mouse reports) is one byte per character, not UTF-8.
term.onBinary((text) => {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  worker.postMessage({ type: 'input', data: bytes });
});
term.onResize(({ rows, cols }) => worker.postMessage({ type: 'resize', rows, cols }));
window.addEventListener('resize', () => fit.fit());

/** Starts the engine's worker: it opens the disk and boots the shell. */
function startWorker() {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  window.tabvm.worker = worker;
  worker.onmessage = ({ data: msg }) => {
    switch (msg.type) {
      case 'output':
        term.write(msg.data);
        atLineStart = msg.data[msg.data.length - 1] === 0x0a;
        break;
      case 'loaded':
        window.tabvm.loaded = msg;
        term.write('\r\n');
        atLineStart = true;
        break;
      case 'disk':
        window.tabvm.disk = msg.stats;
        showDisk(msg.stats);
        break;
      case 'reset':
        restart();
        break;
      case 'exit':
        notice(`\x1b[2m[shell exited with status ${msg.status}; starting a new one]\x1b[0m`);
        break;
      case 'error':
        notice(`\x1b[31mtabvm: ${msg.message}\x1b[0m`);
        break;
    }
  };
  worker.onerror = (e) => notice(`\x1b[31mtabvm: worker failed: ${e.message}\x1b[0m`);
  worker.postMessage({ type: 'start', rows: term.rows, cols: term.cols, log });
}

/** A fresh worker on the disk as the image has it (after a reset). */
function restart() {
  worker.terminate();
  window.tabvm.loaded = null;
  window.tabvm.disk = null;
  term.reset();
  term.write('tabvm: disk reset; starting');
  atLineStart = false;
  startWorker();
}

const activity = document.getElementById('disk-activity');
const mb = (n) => (n / 1e6).toFixed(1);

/** The status line: what the disk fetched and is fetching. */
function showDisk(s) {
  const parts = [`disk: ${mb(s.networkBytes)} MB fetched`, `${s.fetched - s.fromCache} chunks, ${s.fromCache} cached`];
  if (s.inFlight > 0) parts.push(`${s.inFlight} in flight`);
  if (s.fetched > 0) parts.push(`last ${s.lastMillis} ms`);
  if (s.failures > 0) parts.push(`${s.failures} failed`);
  activity.textContent = parts.join(' · ');
}

document.getElementById('reset-disk').addEventListener('click', () => {
  if (confirm('Forget every change made to the disk and restart?')) {
    worker.postMessage({ type: 'reset' });
  }
  term.focus();
});

/** Writes a line of its own, after whatever the guest left on the screen.
 *  (The cursor position cannot tell: xterm.js applies writes later.) */
function notice(text) {
  term.write(`${atLineStart ? '' : '\r\n'}${text}\r\n`);
  atLineStart = true;
}

// For tests and the developer console: the terminal, its text (wrapped rows
// joined), once the worker is up what starting took ({ manifestBytes,
// overlayBlocks, startMs, memoryBytes }), and the disk's activity ({
// fetched, fromCache, networkBytes, failures, inFlight, lastMillis }).
window.tabvm = {
  loaded: null,
  disk: null,
  term,
  worker: null,
  screenText() {
    const buffer = term.buffer.active;
    const lines = [];
    for (let i = 0; i < buffer.length; i++) {
      const line = buffer.getLine(i);
      // A row the terminal wrapped goes on in the next one: one line of
      // text, blanks at the wrap included.
      const text = line.translateToString(!buffer.getLine(i + 1)?.isWrapped);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines.join('\n').trimEnd();
  },
};

startWorker();
