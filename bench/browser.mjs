// Times shell commands in the web page: serves web/dist, opens it once in
// headless Chromium, waits for the login prompt, then types each command
// (in /home/user, one after the other) and prints the wall-clock seconds
// from Enter until it finished, one line per command:
//   SECONDS<TAB>COMMAND
// What the commands print and the loading times go to stderr. Exits
// non-zero if a command fails.
//   usage: node bench/browser.mjs 'python3 fib.py 27' 'gcc -O2 hello.c'
// Needs web/build.sh and tabvm built first (see web/tests/page.mjs for the
// variables that say where they are).

import { openPage } from '../web/tests/page.mjs';

const commands = process.argv.slice(2);
if (commands.length === 0) {
  console.error('usage: node bench/browser.mjs COMMAND...');
  process.exit(2);
}

// A command may take long in the interpreter; a hung one still ends the run.
const TIMEOUT = 30 * 60_000;

const started = performance.now();
const session = await openPage();
let failed = false;
try {
  await session.waitForPromptsAbove(0, TIMEOUT);
  const loaded = await session.page.evaluate(() => window.tabvm.loaded);
  console.error(
    `browser: prompt after ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(root ${(loaded.bytes / 2 ** 20).toFixed(0)} MiB: fetch+gunzip ${(loaded.fetchMs / 1000).toFixed(1)} s, ` +
      `tree ${(loaded.buildMs / 1000).toFixed(1)} s, engine memory ${(loaded.memoryBytes / 2 ** 20).toFixed(0)} MiB)`,
  );
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
process.exit(failed ? 1 : 0);
