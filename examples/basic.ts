/**
 * Runs unchanged on Node 22+, Deno and Bun:
 *
 *   node examples/basic.ts        (Node 22.18+ strips the types itself)
 *   deno run examples/basic.ts
 *   bun examples/basic.ts
 *
 * Prints the upcoming fires of a few triggers in several time zones, then runs a scheduler in
 * memory for a few seconds: an every-second schedule, a delayed job with a result, a flaky job
 * that succeeds on its third attempt, and a graceful stop.
 */
import { calendar, cron, every, NonRetryableError, Scheduler } from "../mod.ts";

const previews = [
  ["cron 0 9 * * MON-FRI, New York", cron("0 9 * * MON-FRI", { timezone: "America/New_York" })],
  ["cron 30 2 * * *, London (DST aware)", cron("30 2 * * *", { timezone: "Europe/London" })],
  [
    "calendar monthly on the 31st, Tokyo",
    calendar({ months: 1 }, {
      at: "09:00",
      timezone: "Asia/Tokyo",
      startAt: "2026-01-31T00:00:00+09:00",
    }),
  ],
  ["every 90 minutes", every({ minutes: 90 }, { startAt: "2026-03-08T00:00:00Z" })],
] as const;

for (const [label, trigger] of previews) {
  const runs = trigger.nextRuns(3, "2026-03-07T12:00:00Z").map((i) => i.toString());
  console.log(`${label}\n  ${runs.join("\n  ")}`);
}

const scheduler = new Scheduler({ timezone: "Europe/Berlin" });
scheduler.on("job:succeeded", (d) => console.log(`✔ ${d.task} ${d.jobId} →`, d.result));
scheduler.on(
  "job:retrying",
  (d) => console.log(`↻ ${d.task} attempt ${d.attempt}: ${d.error.message}`),
);

const tick = scheduler.task("tick", (_: null, ctx) => ctx.scheduledAt.toString());
const add = scheduler.task("add", (p: { a: number; b: number }) => p.a + p.b);
let calls = 0;
const flaky = scheduler.task("flaky", () => {
  calls++;
  if (calls < 3) throw new Error(`try ${calls} failed`);
  if (calls > 10) throw new NonRetryableError("gave up");
  return "third time lucky";
}, { retries: 5, backoff: { initial: 100, factor: 2 } });

await tick.schedule({ id: "tick", trigger: every("PT1S"), payload: null });
const sum = await add.enqueue({ a: 20, b: 22 }, { delay: 1500 });
const lucky = await flaky.enqueue(null);

scheduler.start();
console.log("sum:", await sum.result());
console.log("flaky:", await lucky.result());
await new Promise((r) => setTimeout(r, 1000));
await scheduler.stop({ grace: 1000 });
console.log("stopped");
