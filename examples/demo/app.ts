/**
 * The everywhen demo, shared by its Node, Bun and Deno entry points: a Hono app with a few
 * schedules (a cron in Tokyo time, an interval, a monthly calendar schedule, a one-shot), an
 * endpoint that enqueues delayed jobs and returns their id and later their result, and the
 * admin dashboard at /admin.
 *
 * This file uses only web standards; each entry point (node.ts, bun.ts, deno.ts) opens the
 * SQLite store, serves the app and stops the scheduler gracefully.
 * @module
 */

import { Hono } from "hono";
import { at, calendar, cron, every, NonRetryableError, Scheduler } from "../../mod.ts";
import type { Store, TaskContext } from "../../mod.ts";
import {
  adminRouter,
  bodyLimit,
  type SchedulerEnv,
  schedulerMiddleware,
} from "../../adapters/hono.ts";

/** The largest body the demo's public routes accept: a report request is a few dozen bytes. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;

/** Settings read from the environment. */
export interface DemoConfig {
  port: number;
  hostname: string;
  db: string;
  token: string;
  tokenGenerated: boolean;
}

/** Reads PORT (0 = any free port), HOST, EVERYWHEN_DB and EVERYWHEN_ADMIN_TOKEN. */
export function readConfig(env: Record<string, string | undefined>): DemoConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid PORT: ${JSON.stringify(env.PORT)} (expected 0-65535)`);
  }
  const given = env.EVERYWHEN_ADMIN_TOKEN;
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  const token = given ||
    btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  return {
    port,
    hostname: env.HOST ?? "127.0.0.1",
    db: env.EVERYWHEN_DB ?? "./everywhen.db",
    token,
    tokenGenerated: !given,
  };
}

/** The lines printed once the server listens; the first names the URL (tests read it). */
export function banner(config: DemoConfig, port: number, runtime: string): string {
  const host = config.hostname === "0.0.0.0" || config.hostname === "::"
    ? "localhost"
    : config.hostname;
  const url = `http://${host}:${port}`;
  return [
    `everywhen demo listening on ${url} (${runtime}, store ${config.db})`,
    `  dashboard:   ${url}/admin`,
    `  admin token: ${config.token}${
      config.tokenGenerated ? "  (generated; set EVERYWHEN_ADMIN_TOKEN to choose one)" : ""
    }`,
    `  enqueue:     curl -s -X POST ${url}/reports -H 'content-type: application/json' -d '{"name":"Ada","delay":"PT5S"}'`,
    `  result:      curl -s ${url}/reports/<id>?wait=30`,
  ].join("\n");
}

/**
 * @param error What starting the server threw or emitted.
 * @param port The port the demo tried.
 * @param command How this runtime starts the demo, for the hint.
 * @returns What to tell the user when the port is taken, or `null` for any other error.
 */
export function portTakenMessage(
  error: unknown,
  port: number,
  command = "npm start",
): string | null {
  let e = error as { code?: unknown; name?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e && depth < 3; depth++, e = e.cause as typeof e) {
    if (e.code === "EADDRINUSE" || e.name === "AddrInUse") {
      return [
        `everywhen demo: port ${port} is already in use (is the demo, or another server, running?)`,
        `  choose another port: PORT=${port + 1} ${command}   (PORT=0 picks any free port)`,
      ].join("\n");
    }
  }
  return null;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

interface ReportInput {
  name: string;
  steps: number;
}

/** Builds the scheduler (tasks and schedules) and the app on `store`. */
export async function createDemo(
  store: Store,
  config: DemoConfig,
): Promise<{ app: Hono<SchedulerEnv>; scheduler: Scheduler }> {
  const scheduler = new Scheduler({ store, timezone: "UTC" });

  // A job with progress: the dashboard shows a live progress bar while it runs.
  const report = scheduler.task("build-report", async (p: ReportInput, ctx: TaskContext) => {
    for (let done = 0; done < p.steps; done++) {
      await ctx.progress({ done, total: p.steps, message: `section ${done + 1}` });
      await sleep(300, ctx.signal);
    }
    return { greeting: `Hello, ${p.name}`, sections: p.steps, builtAt: new Date().toISOString() };
  }, { timeout: "PT1M", resultTtl: { hours: 1 } });

  scheduler.task("send-digest", (p: { team: string }) => ({ sentTo: p.team, items: 3 }));
  scheduler.task("send-invoices", () => ({ invoices: 42 }));
  scheduler.task("warm-cache", () => ({ warmed: ["home", "pricing", "docs"] }));
  // Fails now and then, to show retries and errors on the dashboard.
  scheduler.task("sync-inventory", async (_p: null, ctx: TaskContext) => {
    await ctx.progress({ percent: 50, message: "fetching" });
    await sleep(400, ctx.signal);
    if (Math.random() < 0.2) throw new Error("Supplier API timed out (HTTP 504)");
    if (Math.random() < 0.05) throw new NonRetryableError("Supplier API key was revoked");
    return { items: Math.floor(Math.random() * 900) + 100 };
  }, { retries: 2, backoff: { initial: 2000 } });

  // "keep": a restart re-declares the same ids without duplicating or resetting them.
  const keep = { ifExists: "keep" } as const;
  await scheduler.schedule({
    id: "digest-tokyo",
    task: "send-digest",
    trigger: cron("0 9 * * MON-FRI", { timezone: "Asia/Tokyo" }),
    payload: { team: "tokyo-ops" },
    ...keep,
  });
  await scheduler.schedule({
    id: "inventory-sync",
    task: "sync-inventory",
    trigger: every("PT20S"),
    ...keep,
  });
  await scheduler.schedule({
    id: "monthly-invoices",
    task: "send-invoices",
    trigger: calendar({ months: 1 }, { at: "08:00", timezone: "America/New_York" }),
    ...keep,
  });
  await scheduler.schedule({
    id: "warm-up",
    task: "warm-cache",
    trigger: at(new Date(Date.now() + 15_000)),
    ...keep,
  });

  const app = new Hono<SchedulerEnv>();
  app.use(schedulerMiddleware(scheduler));
  // Public routes read bodies from anyone: refuse large ones before parsing (413).
  app.use("/reports", bodyLimit(PUBLIC_BODY_LIMIT));
  app.use("/reports/*", bodyLimit(PUBLIC_BODY_LIMIT));
  app.onError((error, c) => {
    const status = error instanceof TypeError || error instanceof RangeError ||
        error instanceof SyntaxError
      ? 400
      : 500;
    return c.json({ error: { name: error.name, message: error.message } }, status);
  });

  app.get("/", (c) =>
    c.json({
      name: "everywhen demo",
      dashboard: "/admin",
      enqueue: 'POST /reports {"name": "Ada", "delay": "PT5S", "steps": 5}',
      result: "GET /reports/:id?wait=<seconds>",
    }));

  // Enqueue a delayed job; answer at once with its id.
  app.post("/reports", async (c) => {
    const body = await c.req.json().catch(() => {
      throw new SyntaxError('Invalid body: expected JSON like {"name":"Ada"}');
    }) as { name?: unknown; delay?: unknown; steps?: unknown };
    if (typeof body.name !== "string" || body.name.length === 0 || body.name.length > 80) {
      throw new TypeError("Invalid name: expected a string of 1 to 80 characters");
    }
    const steps = body.steps ?? 5;
    if (!Number.isInteger(steps) || (steps as number) < 1 || (steps as number) > 20) {
      throw new RangeError("Invalid steps: expected an integer from 1 to 20");
    }
    const delay = (body.delay ?? 3000) as number | string;
    const job = await report.enqueue({ name: body.name, steps: steps as number }, { delay });
    return c.json({ id: job.id, status: "pending", result: `/reports/${job.id}` }, 202);
  });

  // Read a job's state and, once finished, its result. `?wait=N` waits up to N seconds.
  app.get("/reports/:id", async (c) => {
    const id = c.req.param("id");
    const wait = Math.min(Number(c.req.query("wait") ?? 0) || 0, 60);
    const job = c.var.scheduler.job(id);
    if (wait > 0) {
      await job.result({ signal: AbortSignal.timeout(wait * 1000) }).catch(() => {});
    }
    const info = await job.info();
    if (!info) return c.json({ error: { name: "NotFound", message: `No such job: ${id}` } }, 404);
    const done = info.status !== "pending" && info.status !== "running";
    return c.json({
      id,
      status: info.status,
      progress: info.progress,
      result: info.result,
      error: info.error ? { name: info.error.name, message: info.error.message } : null,
    }, done ? 200 : 202);
  });

  app.route("/admin", adminRouter(scheduler, { token: config.token, title: "everywhen demo" }));
  return { app, scheduler };
}
