// The page: an xterm.js terminal filling the window, wired to the engine in
// a Web Worker (worker.js). Keystrokes go to the worker as bytes; console
// output comes back as bytes. The page never runs guest code, so it stays
// responsive whatever the guest does.

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
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const encoder = new TextEncoder();

term.onData((text) => worker.postMessage({ type: 'input', data: encoder.encode(text) }));
// Binary data (some mouse reports) is one byte per character, not UTF-8.
term.onBinary((text) => {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  worker.postMessage({ type: 'input', data: bytes });
});
term.onResize(({ rows, cols }) => worker.postMessage({ type: 'resize', rows, cols }));
window.addEventListener('resize', () => fit.fit());

worker.onmessage = ({ data: msg }) => {
  switch (msg.type) {
    case 'output':
      term.write(msg.data);
      atLineStart = msg.data[msg.data.length - 1] === 0x0a;
      break;
    case 'progress': {
      const mb = (n) => (n / 1e6).toFixed(0);
      const of = msg.total ? ` of ${mb(msg.total)}` : '';
      term.write(`\r\x1b[Ktabvm: loading the root file system: ${mb(msg.loaded)}${of} MB`);
      break;
    }
    case 'loaded':
      window.tabvm.loaded = msg;
      term.write('\r\n');
      atLineStart = true;
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

/** Writes a line of its own, after whatever the guest left on the screen.
 *  (The cursor position cannot tell: xterm.js applies writes later.) */
function notice(text) {
  term.write(`${atLineStart ? '' : '\r\n'}${text}\r\n`);
  atLineStart = true;
}
// `?log` in the page URL shows the kernel's diagnostics on the console.
const log = new URLSearchParams(location.search).has('log');
worker.postMessage({ type: 'start', rows: term.rows, cols: term.cols, log });

// For tests and the developer console: the terminal, its text (wrapped rows
// joined) and,
// once the root is loaded, what loading took ({ bytes, fetchMs, buildMs,
// memoryBytes }).
window.tabvm = {
  loaded: null,
  term,
  worker,
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
