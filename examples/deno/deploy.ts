/**
 * everywhen on Deno Deploy: the store is the project's Deno KV, and one `Deno.cron`
 * registration wakes the scheduler every minute even when no isolate is running. While an
 * isolate is alive, timers run work on time between the ticks.
 *
 *     deno run --unstable-kv --unstable-cron -A examples/deno/deploy.ts
 *
 * On Deploy, enable KV and cron with `"unstable": ["kv", "cron"]` in `deno.json`.
 * @module
 */
import { cron, every, Scheduler } from "../../mod.ts";
import { denoCron, denoCronWaker, openKvStore } from "../../adapters/deno.ts";

// The repository also type-checks examples with tsc, which has no Deno types: declare the one
// Deno API used here directly (in your own project, Deno's types cover it).
declare const Deno: { serve(handler: () => Promise<Response>): unknown };

// Top level, before any await: Deno Deploy only knows crons registered as the module loads.
const waker = denoCronWaker();

// A static UTC schedule may also run on Deno.cron itself; the expression is translated
// (weekday numbers differ) or refused with the reason.
denoCron("nightly cleanup", "30 2 * * SUN", () => console.log("cleanup"));

const scheduler = new Scheduler({ store: await openKvStore(), waker });
const report = scheduler.task("report", async (p: { to: string }, ctx) => {
  await fetch("https://example.com/report", { method: "POST", signal: ctx.signal });
  return { sentTo: p.to };
}, { retries: 3 });
scheduler.task("heartbeat", () => Date.now());

// Schedules are stored in KV; `ifExists: "keep"` makes every isolate start agree.
await report.schedule({
  id: "morning-report",
  trigger: cron("0 9 * * MON-FRI", { timezone: "America/New_York" }),
  payload: { to: "ops" },
  ifExists: "keep",
});
await scheduler.schedule({
  id: "heartbeat",
  task: "heartbeat",
  trigger: every({ minutes: 5 }),
  ifExists: "keep",
});
scheduler.start();

Deno.serve(async () => {
  const schedules = await scheduler.listSchedules();
  return Response.json(schedules.map((s) => ({ id: s.id, next: s.nextRunAt?.toString() })));
});
