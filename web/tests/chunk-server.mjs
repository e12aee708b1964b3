// A static server for the web app whose chunk files can be made slow or
// failing, to see what the page does when the network is: web/dist over
// HTTP on a loopback port, with the headers `tabvm serve` sends for
// cross-origin isolation. Only files under disk/ other than the manifest
// (the chunk files) are affected.

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

export class ChunkServer {
  /** Serves `dir`; resolves once listening. */
  static async start(dir) {
    const server = new ChunkServer(dir);
    await new Promise((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    server.url = `http://127.0.0.1:${server.http.address().port}/`;
    return server;
  }

  constructor(dir) {
    this.dir = dir;
    // 'normal', 'slow' (each chunk answered after `delayMs`) or 'fail'
    // (each chunk answered with HTTP 503).
    this.mode = 'normal';
    this.delayMs = 0;
    // Chunk requests being held back right now, and answered with 503.
    this.held = 0;
    this.failed = 0;
    this.http = createServer((req, res) => this.respond(req, res));
  }

  slow(delayMs) {
    this.mode = 'slow';
    this.delayMs = delayMs;
  }

  fail() {
    this.mode = 'fail';
  }

  async respond(req, res) {
    const path = normalize(decodeURIComponent(new URL(req.url, this.url).pathname));
    const file = join(this.dir, path.endsWith('/') ? `${path}index.html` : path);
    const isChunk = path.startsWith('/disk/') && !path.endsWith('/manifest.json');
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-cache',
    };
    if (isChunk && this.mode === 'fail') {
      this.failed++;
      res.writeHead(503, headers).end();
      return;
    }
    if (isChunk && this.mode === 'slow') {
      this.held++;
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      this.held--;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, headers).end();
    }
  }

  stop() {
    this.http.closeAllConnections();
    this.http.close();
  }
}
