import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { denoCron, type DenoCronFunction, denoCronWaker, toDenoCron } from "../adapters/deno.ts";
import { systemClock, VirtualClock } from "../src/clock.ts";
import { MemoryStore } from "../src/memory_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { cron } from "../src/triggers/mod.ts";

interface DenoLike {
  cron?: DenoCronFunction;
  env: { set(key: string, value: string): void; delete(key: string): void };
}
const deno = (globalThis as { Deno?: DenoLike }).Deno;
const skip: string | false = typeof deno?.cron === "function" ? false : "needs Deno (cron)";
const T0 = Date.parse("2030-01-01T00:00:00Z");

/** Our expression → Deno.cron's. */
const ACCEPTED: [string, string][] = [
  ["* * * * *", "* * * * *"],
  ["*/5 * * * *", "*/5 * * * *"],
  ["0 */6 * * *", "0 */6 * * *"],
  ["0,15,30,45 * * * *", "*/15 * * * *"],
  ["5-20/5 3 * * *", "5,10,15,20 3 * * *"],
  ["30 9 * * MON-FRI", "30 9 * * 2-6"],
  ["30 9 * * 1-5", "30 9 * * 2-6"],
  ["0 0 * * 0", "0 0 * * 1"],
  ["0 0 * * 7", "0 0 * * 1"],
  ["0 0 * * SUN", "0 0 * * 1"],
  ["0 0 * * SAT", "0 0 * * 7"],
  ["0 0 * * FRI-SUN", "0 0 * * 1,6,7"], // a range that wraps in Deno.cron's numbering
  ["0 0 * * 5-7", "0 0 * * 1,6,7"],
  ["0 0 * * */2", "0 0 * * 1,3,5,7"],
  ["0 12 1 JAN,JUL *", "0 12 1 1,7 *"],
  ["0 12 ? * MON", "0 12 * * 2"],
  ["0 0 13 * FRI", "0 0 13 * 6"], // 13th OR Friday, in both dialects
  ["0 0 * * +FRI", "0 0 * * 6"], // + with an unrestricted day of month changes nothing
  ["0 0 1-31 * MON", "0 0 1-31 * 2"], // a restricted (full) day of month stays restricted
  ["0 30 8 * * *", "30 8 * * *"], // six fields with seconds 0
  ["@yearly", "0 0 1 1 *"],
  ["@monthly", "0 0 1 * *"],
  ["@weekly", "0 0 * * 1"],
  ["@daily", "0 0 * * *"],
  ["@midnight", "0 0 * * *"],
  ["@hourly", "0 * * * *"],
];

/** Our expression, options, and what the refusal must say. */
const REFUSED: [string, { timezone?: string }, RegExp][] = [
  ["*/30 * * * * *", {}, /no seconds field.*use a Scheduler with cron\(\) and denoCronWaker\(\)/],
  ["15 0 9 * * *", {}, /no seconds field/],
  ["0 9 * * *", { timezone: "Europe/Paris" }, /UTC only, not in Europe\/Paris/],
  ["0 0 L * *", {}, /L, W and # are not translated/],
  ["0 0 15W * *", {}, /L, W and # are not translated/],
  ["0 0 * * FRI#2", {}, /L, W and # are not translated/],
  ["0 0 * * 5L", {}, /L, W and # are not translated/],
  ["0 0 13 * +FRI", {}, /cannot require both \(a \+ prefix/],
  // cronie's rule: a day field that starts with `*` ANDs the days; Deno.cron would OR them.
  ["0 0 */2 * 1", {}, /cannot require both .*reads as a star/],
  ["0 0 13 * */2", {}, /cannot require both/],
];

/** Deno.cron's expression read back in our dialect (weekdays 1..7 → 0..6). */
function back(denoExpr: string): string {
  const f = denoExpr.split(" ");
  f[4] = f[4] === "*" ? "*" : f[4]!.replace(/\d+/g, (d) => String(Number(d) - 1));
  return f.join(" ");
}

describe("toDenoCron", () => {
  for (const [ours, theirs] of ACCEPTED) {
    it(`translates ${JSON.stringify(ours)} to ${JSON.stringify(theirs)}, same fires`, () => {
      assert.equal(toDenoCron(ours), theirs);
      assert.equal(toDenoCron(ours, { timezone: "UTC" }), theirs);
      // Read back with Deno.cron's weekday numbering, the schedule fires at the same instants.
      const start = new Date(T0).toISOString();
      assert.deepEqual(
        cron(back(theirs)).nextRuns(60, start).map(String),
        cron(ours).nextRuns(60, start).map(String),
      );
      // No range wraps around (Deno.cron mishandles those).
      for (const [, a, b] of theirs.matchAll(/(\d+)-(\d+)/g)) assert.ok(Number(a) < Number(b));
    });
  }
  for (const [ours, options, why] of REFUSED) {
    it(`refuses ${JSON.stringify(ours)}${options.timezone ? ` in ${options.timezone}` : ""}`, () => {
      assert.throws(
        () => toDenoCron(ours, options),
        (e: unknown) =>
          e instanceof RangeError &&
          e.message.startsWith(`Cannot translate ${JSON.stringify(ours)} to Deno.cron: `) &&
          why.test(e.message) && /\(use a Scheduler with cron\(\)/.test(e.message),
      );
    });
  }
  it("reports what our dialect cannot parse as a SyntaxError, and a non-string as a TypeError", () => {
    assert.throws(() => toDenoCron("61 * * * *"), SyntaxError);
    assert.throws(() => toDenoCron("* * *"), SyntaxError);
    assert.throws(() => toDenoCron(5 as never), TypeError);
  });
});

/** A fake Deno.cron that records registrations. */
function fakeCron() {
  const calls: { name: string; schedule: string; handler: () => Promise<void> | void }[] = [];
  const fn: DenoCronFunction = (name, schedule, _options, handler) => {
    calls.push({ name, schedule, handler });
    return new Promise(() => {});
  };
  return { calls, fn };
}

describe("denoCronWaker (handler path, any runtime)", () => {
  it("registers one every-minute UTC cron with a valid name when called", () => {
    const { calls, fn } = fakeCron();
    const waker = denoCronWaker({ cron: fn });
    assert.equal(calls.length, 1, "registered at once, before any scheduler exists");
    assert.equal(calls[0]!.name, "everywhen wake-up");
    assert.equal(calls[0]!.schedule, "* * * * *");
    assert.equal(waker.schedule, "* * * * *");
    assert.throws(() => denoCronWaker({ cron: fn, name: "bad/name" }), TypeError);
    assert.throws(() => denoCronWaker({ cron: fn, name: "x".repeat(65) }), TypeError);
    assert.throws(() => denoCronWaker({ cron: fn, tickTimeout: 0 }), RangeError);
  });

  it("runs due work on a tick, and the tick waits for the scheduler's pass", async () => {
    const { calls, fn } = fakeCron();
    const clock = new VirtualClock(T0);
    const waker = denoCronWaker({ cron: fn, timers: false, name: "test tick only" });
    const scheduler = new Scheduler({ clock, waker });
    const ran: number[] = [];
    const task = scheduler.task("t", () => void ran.push(clock.now()));
    scheduler.start();
    await task.enqueue(null, { delay: 90_000 });
    await clock.advance(120_000);
    assert.deepEqual(ran, [], "without timers nothing runs between ticks");
    await calls[0]!.handler(); // what Deno.cron calls at the next minute
    await clock.advance(0);
    assert.deepEqual(ran, [T0 + 120_000]);
    await scheduler.stop();
  });

  it("keeps a tick's handler running until the jobs it started have finished", async () => {
    const { calls, fn } = fakeCron();
    const clock = new VirtualClock(T0);
    const waker = denoCronWaker({ cron: fn, timers: false, name: "waits for jobs" });
    const scheduler = new Scheduler({ clock, waker });
    const order: string[] = [];
    const task = scheduler.task("slow", async () => {
      await new Promise((r) => setTimeout(r, 20)); // real asynchronous work
      order.push("job finished");
    });
    scheduler.start();
    await task.enqueue(null);
    await calls[0]!.handler();
    order.push("tick handler returned");
    // On Deno Deploy the isolate lives while the handler runs: returning first would cut jobs.
    assert.deepEqual(order, ["job finished", "tick handler returned"]);
    await scheduler.stop();
  });

  it("also wakes on time between ticks through timers", async () => {
    const { fn } = fakeCron();
    const clock = new VirtualClock(T0);
    const scheduler = new Scheduler({ clock, waker: denoCronWaker({ cron: fn, name: "timers" }) });
    const ran: number[] = [];
    const task = scheduler.task("t", () => void ran.push(clock.now()));
    scheduler.start();
    await task.enqueue(null, { delay: 12_345 });
    await clock.advance(20_000);
    assert.deepEqual(ran, [T0 + 12_345]);
    await scheduler.stop();
  });

  it(
    "says how to enable Deno.cron when it is missing",
    { skip: skip ? false : "has Deno.cron" },
    () => {
      assert.throws(
        () => denoCronWaker(),
        (e: unknown) =>
          e instanceof TypeError && /^Cannot register the Deno.cron wake-up: /.test(e.message),
      );
      assert.throws(() => denoCron("x", "* * * * *", () => {}), TypeError);
    },
  );
});

describe("denoCronWaker and denoCron on Deno's local cron", () => {
  it("gets ticks from the real Deno.cron, which wake a real scheduler", { skip }, async () => {
    // Deno's local cron fires every DENO_CRON_TEST_SCHEDULE_OFFSET ms when the variable is set
    // (read each time a next run is computed), so a test need not wait a minute.
    deno!.env.set("DENO_CRON_TEST_SCHEDULE_OFFSET", "200");
    const controller = new AbortController();
    try {
      let ticks = 0;
      const waker = denoCronWaker({
        signal: controller.signal,
        timers: false,
        cron: (name, schedule, options, handler) =>
          deno!.cron!(name, schedule, options, async () => {
            ticks++;
            await handler();
          }),
      });
      const scheduler = new Scheduler({ clock: systemClock(), waker, store: new MemoryStore() });
      const task = scheduler.task("t", () => "done");
      scheduler.start();
      const job = await task.enqueue(null, { delay: 300 });
      assert.equal(await job.result(), "done");
      assert.ok(ticks >= 1, "the job ran from a Deno.cron tick (timers are off)");
      await scheduler.stop();

      let passthrough = 0;
      const registered = denoCron("everywhen passthrough test", "*/1 * * * *", () => {
        passthrough++;
      }, { signal: controller.signal });
      const deadline = Date.now() + 5_000;
      while (passthrough === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(passthrough >= 1, "Deno.cron accepted the translated schedule and ran it");
      controller.abort();
      void registered;
      assert.throws(
        () => denoCron("everywhen refused", "0 9 * * *", () => {}, { timezone: "Asia/Tokyo" }),
        RangeError,
      );
    } finally {
      controller.abort();
      deno!.env.delete("DENO_CRON_TEST_SCHEDULE_OFFSET");
    }
  });
});
