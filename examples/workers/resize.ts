/**
 * A CPU-bound task in a pool of workers, while the main thread keeps its event loop free: a
 * 10 ms heartbeat on the main thread measures its worst stall while the jobs compute.
 *
 *   node examples/workers/resize.ts      (Node 22.18+)
 *   deno run -A examples/workers/resize.ts
 *   bun examples/workers/resize.ts
 * @module
 */

import { Scheduler } from "../../mod.ts";
import { workerExecutor } from "../../adapters/workers.ts";
import type { ResizeJob } from "./resize_handler.ts";

const scheduler = new Scheduler({ executor: workerExecutor });
const resize = scheduler.task<ResizeJob, { mean: number }>(
  "resize",
  { module: new URL("./resize_handler.ts", import.meta.url), export: "default" },
  { workers: 2, timeout: 60_000, retries: 1 },
);
scheduler.on("job:progress", (d) => console.log(`${d.jobId}: pass`, d.progress));
scheduler.start();

// The main thread's heartbeat: in-process, a job would hold it for the whole computation.
let last = performance.now();
let worst = 0;
const heartbeat = setInterval(() => {
  const now = performance.now();
  worst = Math.max(worst, now - last - 10);
  last = now;
}, 10);

const jobs = await Promise.all([1, 2].map(() => resize.enqueue({ size: 600, passes: 5 })));
for (const job of jobs) console.log(job.id, await job.result());
clearInterval(heartbeat);
console.log(`worst main-thread stall: ${Math.round(worst)} ms`);
await scheduler.stop();
