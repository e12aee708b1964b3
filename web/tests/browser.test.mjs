// The web app in real headless Chromium: the page loads, the worker boots
// the Debian image streamed from disk/ into a login shell of `user`, typing
// into xterm.js works like a terminal, and changes to the disk survive a
// reload until "reset disk". Every test uses the one page, in order.
//   usage: node --test web/tests/   (after web/build.sh and building tabvm)
// TABVM_SCREENSHOT a path to keep the final screenshot at; see page.mjs for
// the other variables.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROMPT, openPage } from './page.mjs';

// How long the guest may take to print something; the interpreter is slow
// and the test machine shared, so this is generous.
const WAIT = 180_000;

let session;
let page;
const screen = () => session.screen();
const run = (command) => session.run(command, WAIT);

before(async () => {
  session = await openPage();
  page = session.page;
});

after(async () => {
  await session?.close();
});

test('the page is cross-origin isolated and the login prompt appears', async () => {
  const started = Date.now();
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  await session.waitForPromptsAbove(0, WAIT);
  const { loaded, disk } = await page.evaluate(() => window.tabvm);
  console.log(
    `disk: manifest ${(loaded.manifestBytes / 1e3).toFixed(0)} kB, ${disk.fetched} chunks ` +
      `(${(disk.networkBytes / 1e6).toFixed(1)} MB) to the prompt; started in ${loaded.startMs.toFixed(0)} ms, ` +
      `engine memory ${(loaded.memoryBytes / 2 ** 20).toFixed(0)} MiB; prompt after ${Date.now() - started} ms`,
  );
  assert.ok(disk.fetched > 0 && disk.networkBytes > 0);
  assert.deepEqual(session.errors, []);
});

test('the shell runs as user 1000 in /home/user on host tabvm', async () => {
  assert.equal(await run('id -un; id -u; id -g; pwd; uname -nm'), 'user\n1000\n1000\n/home/user\ntabvm i686');
});

test('python3 sums a range', async () => {
  const n = 10 ** 6;
  assert.equal(await run('python3 -c "print(sum(range(10**6)))"'), String((n * (n - 1)) / 2));
});

test('gcc compiles hello.c and the program runs', async () => {
  // hello.c prints what uname(2) says; coreutils' uname asks the same.
  const [sysname, release, machine] = (await run('uname -s; uname -r; uname -m')).split('\n');
  assert.equal(await run('gcc hello.c && ./a.out'), `Hello from ${sysname} ${release} on ${machine}!`);
});

test('line editing: backspace and cursor keys change the typed line', async () => {
  const before = await session.prompts();
  // Types "echo abX", erases the X, goes back over "ab" to insert "z".
  await page.keyboard.type('echo abX');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('z');
  await page.keyboard.press('Enter');
  await session.waitForPromptsAbove(before, WAIT);
  const lines = (await screen()).split('\n').map((l) => l.trim());
  assert.equal(lines[lines.lastIndexOf(PROMPT) - 1], 'zab');
});

test('vim edits a file on the full screen', async () => {
  // Debian's terminfo for the terminal's TERM is there (vim and less need it).
  assert.equal(await run('tput colors'), '256');
  const before = await session.prompts();
  await page.keyboard.type('vim words.txt');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.tabvm.screenText().includes('"words.txt" [New]'), null, { timeout: WAIT });
  await page.keyboard.type('ihello from vim');
  await page.keyboard.press('Escape');
  // Vim asks the terminal questions as it starts (version, cursor style);
  // once it shows the typed text it has read those answers, so none is left
  // over for the shell after it quits.
  await page.waitForFunction(() => window.tabvm.screenText().startsWith('hello from vim'), null, { timeout: WAIT });
  await page.keyboard.type(':wq');
  await page.keyboard.press('Enter');
  await session.waitForPromptsAbove(before, WAIT);
  assert.equal(await run('cat words.txt'), 'hello from vim');
});

test('resizing the page resizes the terminal', async () => {
  const sizeNow = () => page.evaluate(() => `${window.tabvm.term.rows} ${window.tabvm.term.cols}`);
  const old = await sizeNow();
  assert.equal(await run('stty size'), old);
  await page.setViewportSize({ width: 700, height: 420 });
  await page.waitForFunction((old) => `${window.tabvm.term.rows} ${window.tabvm.term.cols}` !== old, old, {
    timeout: 10_000,
  });
  const resized = await sizeNow();
  // bash's line editor took the SIGWINCH: it updated LINES and COLUMNS.
  assert.equal(await run('echo $LINES $COLUMNS'), resized);
  assert.equal(await run('stty size'), resized);
});

test('Ctrl-C stops a foreground sleep 100', async () => {
  const before = await session.prompts();
  await page.keyboard.type('sleep 100');
  await page.keyboard.press('Enter');
  // Let the shell start sleep, so Ctrl-C reaches it and not the line editor.
  await page.waitForTimeout(2000);
  await page.keyboard.press('Control+C');
  // Far sooner than the 100 s sleep: the prompt comes back.
  await session.waitForPromptsAbove(before, 30_000);
});

test('a CPU-bound guest does not freeze the page', async () => {
  const before = await session.prompts();
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
  await session.waitForPromptsAbove(before, WAIT);
});

test('exit starts a new login shell that keeps the files', async () => {
  assert.equal(await run('echo kept > note && cat note'), 'kept');
  const before = await session.prompts();
  await page.keyboard.type('exit');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.tabvm.screenText().includes('starting a new one]'), null, { timeout: WAIT });
  await session.waitForPromptsAbove(before, WAIT);
  assert.equal(await run('cat ~/note'), 'kept');
  const shot = process.env.TABVM_SCREENSHOT ?? join(session.profile, 'tabvm.png');
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
  assert.deepEqual(session.errors, []);
});

test('a file written and synced survives a reload', async () => {
  assert.equal(await run('echo kept across reloads > ~/persist.txt && sync && cat ~/persist.txt'), 'kept across reloads');
  await page.reload();
  await session.waitForPromptsAbove(0, WAIT);
  // The chunks now come from the page's chunk cache.
  const disk = await page.evaluate(() => window.tabvm.disk);
  assert.ok(disk.fromCache > 0, `no chunk came from the cache: ${JSON.stringify(disk)}`);
  assert.equal(await run('cat ~/persist.txt'), 'kept across reloads');
});

test('reset disk forgets the changes and restarts', async () => {
  page.once('dialog', (dialog) => dialog.accept());
  await page.click('#reset-disk');
  await page.waitForFunction(() => window.tabvm.screenText().startsWith('tabvm: disk reset'), null, {
    timeout: WAIT,
  });
  await session.waitForPromptsAbove(0, WAIT);
  assert.equal(
    await run('cat ~/persist.txt; echo status=$?'),
    'cat: /home/user/persist.txt: No such file or directory\nstatus=1',
  );
  assert.deepEqual(session.errors, []);
});
