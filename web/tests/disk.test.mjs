// The streamed root disk over a network that misbehaves, in real headless
// Chromium: the page is served by a test server (chunk-server.mjs) whose
// chunk files can be made slow or failing once the shell is up. A read
// waiting for a slow chunk parks only its own process; a chunk that never
// comes gives the guest command EIO, not a hang or a broken page.
//   usage: node --test web/tests/   (after web/build.sh)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkServer } from './chunk-server.mjs';
import { distDir, openPage } from './page.mjs';

const WAIT = 180_000;
// Big files the boot never reads: their last bytes are in chunks not yet
// fetched when the tests start (lto1 for the slow read, lto-dump for the
// failing one; neither is run by any test).
const SLOW_FILE = '/usr/lib/gcc/i686-linux-gnu/12/lto1';
const FAILING_FILE = '/usr/bin/i686-linux-gnu-lto-dump-12';
// How long the slow server holds each chunk file.
const SLOW_MS = 4000;

let server;
let session;

before(async () => {
  server = await ChunkServer.start(distDir());
  session = await openPage({ url: server.url });
  await session.waitForPromptsAbove(0, WAIT);
  // Load what the tests below run, while chunks still come quickly.
  assert.equal(await session.run('sleep 0.1; tail -c 1 /etc/hostname | wc -c', WAIT), '1');
});

after(async () => {
  await session?.close();
  server?.stop();
});

test('a process keeps printing while another waits for a slow chunk', async () => {
  server.slow(SLOW_MS);
  const page = session.page;
  const before = await session.prompts();
  await page.keyboard.type(
    `(for i in 1 2 3 4 5 6; do echo tick$i; sleep 0.3; done) & tail -c 100 ${SLOW_FILE} | wc -c; wait`,
  );
  await page.keyboard.press('Enter');
  // The ticks come while the read is still parked on a held chunk.
  await page.waitForFunction(() => window.tabvm.screenText().includes('tick4'), null, { timeout: WAIT });
  assert.ok(server.held > 0, 'no chunk was being held back when tick4 showed');
  const activity = await page.evaluate(() => document.getElementById('disk-activity').textContent);
  assert.match(activity, /in flight/);
  await session.waitForPromptsAbove(before, WAIT);
  const lines = (await session.screen()).split('\n').map((l) => l.trim());
  for (let i = 1; i <= 6; i++) assert.ok(lines.includes(`tick${i}`), `tick${i} missing`);
  assert.ok(lines.includes('100'), 'the slow read did not finish');
});

test('a chunk that cannot be fetched gives the command EIO', async () => {
  server.fail();
  const out = await session.run(`tail -c 100 ${FAILING_FILE} >/dev/null; echo status=$?`, WAIT);
  assert.match(out, /Input\/output error/);
  assert.match(out, /status=1$/);
  assert.ok(server.failed > 0);
  // The page and the shell go on.
  assert.equal(await session.run('echo still here', WAIT), 'still here');
  assert.deepEqual(
    session.errors.filter((e) => !e.startsWith('HTTP 503')),
    [],
  );
});
