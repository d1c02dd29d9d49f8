/**
 * everywhen on Cloudflare Workers with Hono: a Durable Object per tenant holds its schedules
 * and jobs and runs them from its alarm; the Worker's routes reach it through the typed RPC
 * client; a Cron Trigger runs a nightly cleanup through the bridge.
 *
 *     npx wrangler dev --config examples/cloudflare/wrangler.toml
 *     curl -X POST localhost:8787/acme/reports -d '{"to":"ops","cron":"0 9 * * MON-FRI"}'
 *     curl -X POST localhost:8787/acme/jobs -d '{"to":"me","delay":"PT10S"}'
 *     curl localhost:8787/acme/jobs/<id>
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { cron } from "../../mod.ts";
import {
  cronTriggers,
  type DurableObjectNamespaceLike,
  durableScheduler,
  schedulerClient,
} from "../../adapters/cloudflare.ts";

interface Env {
  SCHEDULER: DurableObjectNamespaceLike;
}

// The Durable Object: tasks are registered each time an object wakes.
export class Scheduler extends durableScheduler(DurableObject, (scheduler) => {
  scheduler.task("report", async (p: { to: string }, ctx) => {
    const res = await fetch(`https://example.com/report?to=${encodeURIComponent(p.to)}`, {
      signal: ctx.signal,
    });
    return { status: res.status };
  }, { retries: 3, timeout: "PT30S" });
  scheduler.task("cleanup", async () => {
    const failed = await scheduler.listJobs({ status: "failed", limit: 1000 });
    return { failedJobs: failed.length };
  });
}, { timezone: "America/New_York" }) {}

const app = new Hono<{ Bindings: Env }>();

// One object per tenant: schedules shard by name.
const tenant = (env: Env, name: string) => schedulerClient(env.SCHEDULER, name);

app.post("/:tenant/reports", async (c) => {
  const body = await c.req.json<{ to: string; cron: string }>();
  const schedule = await tenant(c.env, c.req.param("tenant")).schedule({
    id: `report:${body.to}`,
    task: "report",
    trigger: cron(body.cron, { timezone: "America/New_York" }),
    payload: { to: body.to },
  });
  return c.json({ id: schedule.id, nextRunAt: schedule.nextRunAt?.toString() ?? null }, 201);
});

app.get(
  "/:tenant/reports",
  async (c) => c.json(await tenant(c.env, c.req.param("tenant")).listSchedules()),
);

app.post(
  "/:tenant/reports/:id/pause",
  async (c) => c.json(await tenant(c.env, c.req.param("tenant")).pauseSchedule(c.req.param("id"))),
);

app.post("/:tenant/jobs", async (c) => {
  const body = await c.req.json<{ to: string; delay?: string }>();
  const job = await tenant(c.env, c.req.param("tenant")).enqueue("report", { to: body.to }, {
    delay: body.delay ?? 0,
  });
  return c.json({ id: job.id }, 202);
});

app.get("/:tenant/jobs/:id", async (c) => {
  const job = await tenant(c.env, c.req.param("tenant")).getJob(c.req.param("id"));
  return job ? c.json(job) : c.notFound();
});

// Bad input arrives as everywhen's typed errors: answer 400 for those, 500 otherwise.
app.onError((error, c) => {
  const status = ["TypeError", "RangeError", "SyntaxError", "UnknownTaskError", "ConflictError"]
      .includes(error.name)
    ? 400
    : error.name === "NotFoundError"
    ? 404
    : 500;
  return c.json({ error: error.name, message: error.message }, status);
});

export default {
  fetch: app.fetch,
  scheduled: cronTriggers<Env>({
    "0 3 * * *": async (_event, env) => {
      await schedulerClient(env.SCHEDULER, "acme").enqueue("cleanup");
    },
  }),
};
