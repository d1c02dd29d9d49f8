/**
 * The full chaos run (the test suite runs a smaller one): three workers (Node, Bun, Deno) on one
 * SQLite file, 200 every-second schedules for 30 s, one random worker killed with SIGKILL and
 * restarted every 3 s, 300 jobs enqueued from this process.
 *
 *   npm run chaos      (or: node_modules/node26/bin/node scripts/chaos.ts [schedules] [seconds])
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { chaos } from "../tests/helpers/chaos.ts";

const bin = (p: string) => fileURLToPath(new URL(`../node_modules/${p}`, import.meta.url));
process.env.EVERYWHEN_NODE26 ??= bin("node26/bin/node");
process.env.EVERYWHEN_DENO ??= bin(".bin/deno");
process.env.EVERYWHEN_BUN ??= bin(".bin/bun");

const schedules = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 30);
const report = await chaos({
  schedules,
  durationMs: seconds * 1000,
  killEveryMs: 3000,
  enqueued: 300,
  leaseTime: 3000,
  taskMs: 200,
  log: (line) => console.log(line),
});
const ok = report.gaps.length === 0 && report.unfinished.length === 0 &&
  report.enqueuedNeverRun === 0 && report.unexplainedDuplicates.length === 0;
console.log(JSON.stringify({ ...report, gaps: report.gaps.slice(0, 10) }, null, 2));
console.log(
  `${ok ? "OK" : "FAILED"}: ${report.fires} fires of ${schedules} schedules, each exactly once; ` +
    `${report.jobs} jobs, ${report.runs} completed runs, ${report.reruns} re-runs after a lost ` +
    `lease, ${report.duplicates} duplicate completions, after ` +
    `${report.kills.length} kills`,
);
process.exit(ok ? 0 : 1);
