/**
 * `spawn` inside a Hono route: the request answers at once with 202 while the work goes on in
 * the background under the scheduler's concurrency limit, surviving the client disconnecting. A
 * failure is logged (the default logger), never an unhandled rejection. Ctrl-C stops gracefully:
 * spawned work gets the grace period to finish.
 *
 *   node examples/hono/spawn.ts       then   curl -X POST localhost:3000/warm-cache
 *   deno run -A examples/hono/spawn.ts
 *   bun examples/hono/spawn.ts
 * @module
 */

import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { Scheduler } from "../../mod.ts";
import { type SchedulerEnv, schedulerMiddleware } from "../../adapters/hono.ts";
import { serveScheduler } from "../../adapters/node.ts";

const scheduler = new Scheduler({ concurrency: 10, logLevel: "info" });
const app = new Hono<SchedulerEnv>().use(schedulerMiddleware(scheduler));

app.post("/warm-cache", (c) => {
  const work = c.var.scheduler.spawn(async (signal) => {
    // Stands in for slow I/O that should not hold the response.
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 2000);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    });
    return { warmed: 128 };
  }, { name: "warm-cache", timeout: 30_000 });
  work.result().then((r) => console.log("cache warmed:", r), () => {});
  return c.json({ accepted: work.name }, 202);
});

serveScheduler(scheduler, { fetch: app.fetch, serve, port: 3000 });
