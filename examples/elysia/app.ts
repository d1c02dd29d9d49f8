/**
 * An Elysia app on Bun with everywhen: the scheduler in every handler's context, a route that
 * enqueues a job, a schedule, and the admin API and dashboard under /admin. SIGTERM/SIGINT stop
 * it gracefully.
 *
 *     ADMIN_TOKEN=a-long-random-admin-token PORT=3000 bun examples/elysia/app.ts
 * @module
 */

import process from "node:process";
import { Elysia } from "elysia";
import { MemoryStore } from "../../mod.ts";
import { every } from "../../src/triggers/mod.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { everywhen } from "../../adapters/elysia.ts";

const token = process.env.ADMIN_TOKEN;
if (token === undefined) throw new Error("Set ADMIN_TOKEN (at least 16 characters)");

const scheduler = new Scheduler({ store: new MemoryStore() });
scheduler.task("send-welcome", async (p: { to: string }, ctx) => {
  // Stands in for a slow mail API; on shutdown it gets the grace period to finish.
  await new Promise((r) => setTimeout(r, Number(process.env.SEND_MS ?? 200)));
  ctx.signal.throwIfAborted();
  return { sentTo: p.to };
});
scheduler.task("cleanup", () => ({ removed: 0 }));
await scheduler.schedule({ id: "hourly-cleanup", task: "cleanup", trigger: every("PT1H") });

const app = new Elysia()
  .use(everywhen(scheduler, {
    admin: { token },
    grace: "PT10S",
    onStop: async () => {
      const done = await scheduler.countJobs({ status: "succeeded" });
      console.log(`stopped gracefully: ${done} jobs succeeded`);
    },
  }))
  .post("/signup", async ({ scheduler, body }) => {
    const { email } = body as { email: string };
    const job = await scheduler.enqueue("send-welcome", { to: email });
    return { job: job.id };
  })
  .get("/jobs/:id", async ({ scheduler, params }) => {
    const job = await scheduler.getJob(params.id);
    return job === null ? new Response("No such job", { status: 404 }) : job;
  })
  .listen({ port: Number(process.env.PORT ?? 3000), hostname: "127.0.0.1" });

console.log(`listening on http://127.0.0.1:${app.server!.port}`);
