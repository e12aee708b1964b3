// The web app in real headless Chromium: the page loads, the worker boots
// busybox sh from root.tar, and typing into xterm.js works like a terminal.
//   usage: node --test web/tests/   (after web/build.sh and building tabvm)
// TABVM_BIN names the tabvm binary (default: the release build in the
// cargo target directory), TABVM_DIST the served folder (default: web/dist),
// TABVM_SCREENSHOT a path to keep the final screenshot at.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
const tabvmBin = process.env.TABVM_BIN ?? [join(targetDir, 'release/tabvm'), join(targetDir, 'debug/tabvm')].find(existsSync);
const dist = process.env.TABVM_DIST ?? join(repo, 'web/dist');
// Without its trailing space: the screen text has line ends trimmed.
const PROMPT = 'root@tabvm:~#';
// How long the guest may take to print something; the interpreter is slow
// and the test machine shared, so this is generous.
const WAIT = { timeout: 120_000 };

let server;
let profile;
let context;
let page;
const pageErrors = [];

/** Starts `tabvm serve` on a free loopback port; resolves to its URL. */
function startServer() {
  assert.ok(tabvmBin, `no tabvm binary in ${targetDir}; build it or set TABVM_BIN`);
  assert.ok(existsSync(join(dist, 'root.tar')), `no ${dist}/root.tar; run web/build.sh`);
  server = spawn(tabvmBin, ['serve', '--port', '0', '--dir', dist], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Also when the runner dies early (an interrupted run), never leave it.
  process.on('exit', () => server.exitCode === null && server.kill());
  return new Promise((resolve, reject) => {
    let seen = '';
    server.stdout.on('data', (chunk) => {
      seen += chunk;
      const url = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (url) resolve(url[0]);
    });
    server.on('exit', (code) => reject(new Error(`tabvm serve exited with ${code}: ${seen}`)));
  });
}

before(async () => {
  const url = await startServer();
  profile = await mkdtemp(join(tmpdir(), 'tabvm-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1000, height: 640 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load') && pageErrors.push(m.text()));
  page.on('response', (r) => r.status() >= 400 && pageErrors.push(`HTTP ${r.status()} ${r.url()}`));
  await page.goto(url);
});

after(async () => {
  await context?.close();
  // Stop exactly the server this test started, by its PID.
  if (server?.exitCode === null) process.kill(server.pid, 'SIGTERM');
  if (profile) await rm(profile, { recursive: true, force: true });
});

const screen = () => page.evaluate(() => window.tabvm.screenText());
const count = (text, part) => text.split(part).length - 1;

/** Waits until the terminal shows `n` prompts at least. */
async function waitForPrompts(n) {
  await page.waitForFunction(([p, n]) => window.tabvm.screenText().split(p).length - 1 >= n, [PROMPT, n], WAIT);
}

/** Types `command` and Enter; resolves to what it printed before the next prompt. */
async function run(command) {
  const before = count(await screen(), PROMPT);
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await waitForPrompts(before + 1);
  const text = await screen();
  const start = text.lastIndexOf(`${PROMPT} ${command}`) + PROMPT.length + 1 + command.length;
  return text.slice(start, text.lastIndexOf(PROMPT)).trim();
}

test('the page is cross-origin isolated and the shell prompt appears', async () => {
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await waitForPrompts(1);
  assert.deepEqual(pageErrors, []);
});

test('arithmetic expansion: echo $((6*7)) prints 42', async () => {
  assert.equal(await run('echo $((6*7))'), '42');
});

test('line editing: backspace and cursor keys change the typed line', async () => {
  const before = count(await screen(), PROMPT);
  // Types "echo abX", erases the X, goes back over "ab" to insert "z".
  await page.keyboard.type('echo abX');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('z');
  await page.keyboard.press('Enter');
  await waitForPrompts(before + 1);
  const lines = (await screen()).split('\n').map((l) => l.trim());
  assert.equal(lines[lines.lastIndexOf(PROMPT) - 1], 'zab');
});

test('uname -m says i686', async () => {
  assert.equal(await run('uname -m'), 'i686');
});

test('Ctrl-C stops a foreground sleep 100', async () => {
  const before = count(await screen(), PROMPT);
  await page.keyboard.type('sleep 100');
  await page.keyboard.press('Enter');
  // Let the shell start sleep, so Ctrl-C reaches it and not the line editor.
  await page.waitForTimeout(1000);
  await page.keyboard.press('Control+C');
  // Far sooner than the 100 s sleep: the prompt comes back.
  await page.waitForFunction(([p, n]) => window.tabvm.screenText().split(p).length - 1 > n, [PROMPT, before], {
    timeout: 30_000,
  });
});

test('a CPU-bound guest does not freeze the page', async () => {
  const before = count(await screen(), PROMPT);
  await page.keyboard.type('while :; do :; done');
  await page.keyboard.press('Enter');
  for (let i = 0; i < 5; i++) {
    await page.waitForTimeout(200);
    const start = Date.now();
    await page.evaluate(() => window.tabvm.term.rows);
    const took = Date.now() - start;
    assert.ok(took < 1000, `page.evaluate took ${took} ms while the guest computed`);
  }
  await page.keyboard.press('Control+C');
  await page.waitForFunction(([p, n]) => window.tabvm.screenText().split(p).length - 1 > n, [PROMPT, before], WAIT);
});

test('exit starts a new shell that keeps the files', async () => {
  assert.equal(await run('echo kept > /root/note && cat /root/note'), 'kept');
  const before = count(await screen(), PROMPT);
  await page.keyboard.type('exit');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.tabvm.screenText().includes('starting a new one]'), null, WAIT);
  await waitForPrompts(before + 1);
  assert.equal(await run('cat /root/note'), 'kept');
  const shot = process.env.TABVM_SCREENSHOT ?? join(profile, 'tabvm.png');
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
  assert.deepEqual(pageErrors, []);
});
