// Driving the web app in headless Chromium, shared by the browser tests and
// bench/browser.mjs: a `tabvm serve` on a loopback port, one browser with a
// fresh profile, and the page's terminal as something to type commands into.
// TABVM_BIN names the tabvm binary (default: the release build in the cargo
// target directory), TABVM_DIST the served folder (default: web/dist).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
const tabvmBin =
  process.env.TABVM_BIN ?? [join(targetDir, 'release/tabvm'), join(targetDir, 'debug/tabvm')].find(existsSync);
const dist = process.env.TABVM_DIST ?? join(repo, 'web/dist');

/** The login shell's prompt, without its trailing space (the screen text
 *  has line ends trimmed). */
export const PROMPT = 'user@tabvm:~$';

/** Starts `tabvm serve` on a free loopback port; resolves to its URL and a
 *  function stopping it. */
function startServer() {
  if (!tabvmBin) throw new Error(`no tabvm binary in ${targetDir}; build it or set TABVM_BIN`);
  const server = spawn(tabvmBin, ['serve', '--port', '0', '--dir', dist], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => server.exitCode === null && server.signalCode === null && server.kill('SIGTERM');
  // Also when the runner dies early (an interrupted run), never leave it.
  process.on('exit', stop);
  return new Promise((resolve, reject) => {
    let seen = '';
    server.stdout.on('data', (chunk) => {
      seen += chunk;
      const url = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (url) resolve({ url: url[0], stop });
    });
    server.on('exit', (code) => reject(new Error(`tabvm serve exited with ${code}: ${seen}`)));
  });
}

/** The folder the page is served from. */
export function distDir() {
  if (!existsSync(join(dist, 'disk/manifest.json'))) throw new Error(`no ${dist}/disk/manifest.json; run web/build.sh`);
  return dist;
}

/**
 * Serves the app (with `tabvm serve`, or opens `url` if given), opens it in
 * headless Chromium and resolves to a Session once the page has started
 * loading. `errors` collects page errors, console errors and failed
 * requests.
 */
export async function openPage({ viewport = { width: 1000, height: 640 }, url } = {}) {
  distDir();
  const server = url ? { url, stop() {} } : await startServer();
  const profile = await mkdtemp(join(tmpdir(), 'tabvm-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const session = new Session(page, profile, async () => {
      await context.close();
      server.stop();
      await rm(profile, { recursive: true, force: true });
    });
    await page.goto(server.url);
    return session;
  } catch (e) {
    await context?.close();
    server.stop();
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
}

/** The page's terminal, seen as a shell session. */
export class Session {
  constructor(page, profile, close) {
    this.page = page;
    this.profile = profile;
    this.close = close;
    this.errors = [];
    page.on('pageerror', (e) => this.errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load') && this.errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && this.errors.push(`HTTP ${r.status()} ${r.url()}`));
  }

  /** The terminal's text, scrollback included. */
  screen() {
    return this.page.evaluate(() => window.tabvm.screenText());
  }

  /** How many prompts the terminal shows. */
  async prompts() {
    return count(await this.screen(), PROMPT);
  }

  /** Waits until the terminal shows more than `n` prompts. */
  async waitForPromptsAbove(n, timeout) {
    await this.page.waitForFunction(
      ([p, n]) => window.tabvm.screenText().split(p).length - 1 > n,
      [PROMPT, n],
      { timeout },
    );
  }

  /** Types `command` and Enter; resolves to what it printed before the next
   *  prompt. */
  async run(command, timeout) {
    const before = await this.prompts();
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
    await this.waitForPromptsAbove(before, timeout);
    const text = await this.screen();
    const start = text.lastIndexOf(`${PROMPT} ${command}`) + PROMPT.length + 1 + command.length;
    return text.slice(start, text.lastIndexOf(PROMPT)).trim();
  }

  /** Runs `command` followed by a completion marker and resolves to the
   *  seconds from Enter until the marker shows, the command's status and
   *  what it printed. */
  async time(command, timeout) {
    const marker = /\[done (\d+)\]/g;
    const markers = async () => [...(await this.screen()).matchAll(marker)];
    const before = (await markers()).length;
    // The typed line holds `$?`, not a number, so only the output matches.
    const line = `${command}; echo "[done $?]"`;
    await this.page.keyboard.insertText(line);
    const start = performance.now();
    await this.page.keyboard.press('Enter');
    await this.page.waitForFunction(
      ([source, n]) => [...window.tabvm.screenText().matchAll(new RegExp(source, 'g'))].length > n,
      [marker.source, before],
      { timeout, polling: 20 },
    );
    const seconds = (performance.now() - start) / 1000;
    const text = await this.screen();
    const done = [...text.matchAll(marker)][before];
    const output = text.slice(text.lastIndexOf(line, done.index) + line.length, done.index).trim();
    return { seconds, status: Number(done[1]), output };
  }
}

/** How often `part` occurs in `text`. */
export const count = (text, part) => text.split(part).length - 1;
