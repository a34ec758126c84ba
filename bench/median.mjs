#!/usr/bin/env node
// Times commands, alternating between them so that a busy machine slows all alike, and
// prints each one's median and minimum wall time:
//   node bench/median.mjs <runs> '<command A>' ['<command B>' ...]
import { spawnSync } from 'child_process';

const [runs, ...commands] = process.argv.slice(2);
const times = commands.map(() => []);
for (let i = 0; i < Number(runs); i++) {
  commands.forEach((command, c) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
    times[c].push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) {
      console.error(`${command}: exited with ${r.status}`);
      process.exit(1);
    }
  });
}
commands.forEach((command, c) => {
  const t = times[c].sort((a, b) => a - b);
  const median = t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
  console.log(`${command}: median ${median.toFixed(0)} ms, min ${t[0].toFixed(0)} ms over ${t.length} runs`);
});
