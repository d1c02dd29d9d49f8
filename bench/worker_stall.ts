/**
 * How long a CPU-bound handler stalls the main event loop, run in-process and in a worker pool.
 * A 10 ms interval timer stands in for a web server's request loop; the figure is the worst gap
 * between two of its ticks while the handler spins for 1.5 s. Runs on Node, Deno and Bun:
 *
 *   node_modules/node26/bin/node bench/worker_stall.ts
 *   node_modules/.bin/deno run -A bench/worker_stall.ts
 *   node_modules/.bin/bun bench/worker_stall.ts
 * @module
 */

import { workerExecutor } from "../adapters/workers.ts";
import spin from "./_stall_handler.ts";

const SPIN_MS = 1500;
const runtime = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : `node ${(globalThis as { process?: { version?: string } }).process?.version}`;

/** @returns The worst gap (ms) between ticks of a 10 ms interval while `work` runs. */
async function worstGap(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  // Let the ticker settle first, so the figure is the work's stall and not the start-up.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await work();
  await new Promise((resolve) => setTimeout(resolve, 50));
  clearInterval(ticker);
  return worst;
}

const payload = { ms: SPIN_MS };
const inProcess = await worstGap(() => Promise.resolve(spin(payload)));

const pool = workerExecutor("spin", {
  url: new URL("./_stall_handler.ts", import.meta.url).href,
  export: "default",
}, { workers: 1 });
await pool.check(); // a warm pool, as a registered task's would be after its first job
const inWorker = await worstGap(() =>
  pool.run({ jobId: "j", task: "spin", scheduleId: null, attempt: 1, scheduledAt: 0, payload }, {
    signal: new AbortController().signal,
    progress: () => {},
  })
);
await pool.close(0);

console.log(
  `${runtime}: ${SPIN_MS} ms CPU-bound handler, worst main-loop stall: in-process ${
    inProcess.toFixed(0)
  } ms, in a worker ${inWorker.toFixed(0)} ms`,
);
