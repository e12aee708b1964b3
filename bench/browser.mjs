// Times shell commands in the web page: serves web/dist, opens it once in
// headless Chromium, waits for the login prompt, then types each command
// (in /home/user, one after the other) and prints the wall-clock seconds
// from Enter until it finished, one line per command:
//   SECONDS<TAB>COMMAND
// What the commands print and the loading times go to stderr. Exits
// non-zero if a command fails.
//   usage: node bench/browser.mjs 'python3 fib.py 27' 'gcc -O2 hello.c'
// Without commands it times the boot instead: seconds and bytes fetched to
// the shell prompt from a cold chunk cache (a fresh browser profile), then
// after a reload (the chunk cache warm), one line each:
//   SECONDS<TAB>prompt, cold|warm cache<TAB>NETWORK_BYTES<TAB>CHUNKS
// Needs web/build.sh and tabvm built first (see web/tests/page.mjs for the
// variables that say where they are).

import { openPage } from '../web/tests/page.mjs';

const commands = process.argv.slice(2);

// A command may take long in the interpreter; a hung one still ends the run.
const TIMEOUT = 30 * 60_000;

const started = performance.now();
const session = await openPage();
let failed = false;
try {
  await session.waitForPromptsAbove(0, TIMEOUT);
  const cold = await boot('cold', started);
  if (commands.length === 0) {
    const reloaded = performance.now();
    await session.page.reload();
    await session.waitForPromptsAbove(0, TIMEOUT);
    for (const line of [cold, await boot('warm', reloaded)]) console.log(line);
  }
  for (const command of commands) {
    const { seconds, status, output } = await session.time(command, TIMEOUT);
    if (output) console.error(output);
    console.log(`${seconds.toFixed(3)}\t${command}`);
    if (status !== 0) {
      console.error(`browser: ${command}: exit status ${status}`);
      failed = true;
    }
  }
  if (session.errors.length > 0) {
    console.error(`browser: page errors:\n${session.errors.join('\n')}`);
    failed = true;
  }
} finally {
  await session.close();
}

/** Reports the boot that began at `since` (a `performance.now()` time) and
 *  has just shown the prompt; returns its line for stdout. */
async function boot(cache, since) {
  const seconds = (performance.now() - since) / 1000;
  const { loaded, disk } = await session.page.evaluate(() => window.tabvm);
  console.error(
    `browser: prompt after ${seconds.toFixed(1)} s, ${cache} chunk cache: ${(disk.networkBytes / 1e6).toFixed(2)} MB ` +
      `over the network, ${disk.fetched} chunks (${disk.fromCache} from the cache), manifest ` +
      `${(loaded.manifestBytes / 1e3).toFixed(0)} kB; engine started in ${loaded.startMs.toFixed(0)} ms, ` +
      `memory ${(loaded.memoryBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  return `${seconds.toFixed(3)}\tprompt, ${cache} cache\t${disk.networkBytes}\t${disk.fetched}`;
}
process.exit(failed ? 1 : 0);
