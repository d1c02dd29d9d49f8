import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConflictError, NotFoundError, UnknownTaskError } from "../src/errors.ts";
import { at, cron, every } from "../src/triggers/mod.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { deferred, harness, iso, T0 } from "./helpers/harness.ts";

const MIN = 60_000;

describe("schedules", () => {
  it("fires a cron schedule in its time zone, one job per fire with id schedule@instant", async () => {
    const h = harness({ timezone: "America/New_York" });
    const runs: string[] = [];
    const t = h.scheduler.task("t", (_: null, ctx) => {
      runs.push(ctx.scheduledAt.toString());
    }, { resultTtl: "PT72H" });
    await t.schedule({ id: "nine", trigger: cron("0 9 * * *") });
    h.scheduler.start();
    await h.clock.advance(23 * 60 * MIN + 30 * MIN);
    await h.clock.advance(23 * 60 * MIN);
    // 09:00 in New York in January is 14:00 UTC.
    assert.deepEqual(runs, ["2030-01-01T14:00:00Z", "2030-01-02T14:00:00Z"]);
    assert.deepEqual(
      (await h.scheduler.listJobs()).map((j) => j.id).sort(),
      ["nine@2030-01-01T14:00:00.000Z", "nine@2030-01-02T14:00:00.000Z"],
    );
    await h.scheduler.stop();
  });

  it("uses one timer for the whole scheduler however many schedules exist", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    for (let i = 0; i < 1000; i++) {
      await t.schedule({ id: `s${i}`, trigger: every({ seconds: 10 + i }) });
    }
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal(h.clock.pendingTimers, 1);
    await h.clock.advance(15_000);
    assert.equal(h.clock.pendingTimers, 1);
    await h.scheduler.stop();
  });

  it("starts 1,000 jobs due at one instant in the same tick, limited only by concurrency", async () => {
    const h = harness({ concurrency: 1000 });
    const gate = deferred();
    const t = h.scheduler.task("t", () => gate.promise);
    for (let i = 0; i < 1000; i++) {
      await t.schedule({ id: `once-${i}`, trigger: at(T0 + MIN) });
    }
    h.scheduler.start();
    await h.clock.advance(MIN);
    const started = h.events.filter((e) => e.type === "job:started");
    assert.equal(started.length, 1000);
    assert.ok(started.every((e) => e.at === T0 + MIN), "all started at the due instant");
    gate.resolve();
    await h.scheduler.stop();

    const small = harness({ concurrency: 10 });
    const never = deferred();
    const u = small.scheduler.task("t", () => never.promise);
    for (let i = 0; i < 50; i++) await u.schedule({ id: `o${i}`, trigger: at(T0 + MIN) });
    small.scheduler.start();
    await small.clock.advance(MIN);
    assert.equal(small.of("job:started").length, 10);
    never.resolve();
    await small.scheduler.stop();
  });

  it("creates exactly one job per fire when two schedulers share a store", async () => {
    const a = harness({ identity: "A" });
    const b = harness({ identity: "B" }, { clock: a.clock, store: a.store });
    const ran: string[] = [];
    for (const h of [a, b]) {
      h.scheduler.task("t", (_: null, ctx) => {
        ran.push(ctx.jobId);
      });
    }
    for (let i = 0; i < 20; i++) {
      await a.scheduler.schedule({
        id: `s${i}`,
        task: "t",
        trigger: every({ seconds: 1 + (i % 3) }),
      });
    }
    a.scheduler.start();
    b.scheduler.start();
    await a.clock.advance(30_000);
    assert.ok(ran.length > 300);
    assert.equal(new Set(ran).size, ran.length, "no job ran twice");
    assert.ok(a.of("job:created").length > 0 && b.of("job:created").length > 0, "both fired");
    await a.scheduler.stop();
    await b.scheduler.stop();
  });

  it("refuses bad schedules with typed errors and stores nothing", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    const trigger = every("PT1M");
    await assert.rejects(
      h.scheduler.schedule({ id: "x", task: "nope", trigger }),
      UnknownTaskError,
    );
    await assert.rejects(t.schedule({ id: "x", trigger: "* * * * *" as never }), /Invalid trigger/);
    await assert.rejects(
      t.schedule({ id: "x", trigger, coalesce: "sometimes" as never }),
      RangeError,
    );
    await assert.rejects(t.schedule({ id: "x", trigger, maxInstances: 0 }), RangeError);
    await assert.rejects(t.schedule({ id: "x", trigger, overlap: "wait" as never }), RangeError);
    await assert.rejects(t.schedule({ id: "x", trigger, misfireGraceTime: -1 }), RangeError);
    await assert.rejects(t.schedule({ id: "x", trigger, jitter: "lots" }), SyntaxError);
    await assert.rejects(t.schedule({ id: "x", trigger, paused: "yes" as never }), TypeError);
    await assert.rejects(
      t.schedule({ id: "x", trigger, payload: { f: () => 1 } as never }),
      TypeError,
    );
    await assert.rejects(t.schedule({ id: 42 as never, trigger }), TypeError);
    await assert.rejects(t.schedule({ id: "x", trigger, ifExists: "merge" as never }), RangeError);
    assert.deepEqual(await h.scheduler.listSchedules(), []);
  });

  it("ifExists: error raises ConflictError; keep keeps; replace keeps state", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    await t.schedule({ id: "s", trigger: every("PT1M"), payload: { v: 1 }, ifExists: "error" });
    await assert.rejects(
      t.schedule({ id: "s", trigger: every("PT5M"), payload: { v: 2 }, ifExists: "error" }),
      ConflictError,
    );
    assert.deepEqual((await h.scheduler.getSchedule("s"))!.payload, { v: 1 });
    await t.schedule({ id: "s", trigger: every("PT5M"), payload: { v: 3 }, ifExists: "keep" });
    assert.deepEqual((await h.scheduler.getSchedule("s"))!.payload, { v: 1 });
    await h.scheduler.pauseSchedule("s");
    await h.clock.advance(30_000);
    // A restart re-declares the same schedule: the definition is replaced, the paused state and
    // the phase of the interval are kept.
    const again = await t.schedule({ id: "s", trigger: every("PT1M"), payload: { v: 4 } });
    assert.equal(again.paused, true);
    assert.deepEqual(again.payload, { v: 4 });
    assert.equal(again.nextRunAt!.epochMilliseconds, T0 + MIN);
    assert.equal(h.of("schedule:added").length, 1);
  });

  it("pauses, resumes, updates, reschedules, removes and previews", async () => {
    const h = harness();
    const fired: string[] = [];
    const t = h.scheduler.task("t", (p: { v: number }, ctx) => {
      fired.push(`${p.v}@${(ctx.scheduledAt.epochMilliseconds - T0) / MIN}`);
    });
    await t.schedule({ id: "s", trigger: every("PT1M", { startAt: T0 + MIN }), payload: { v: 1 } });
    assert.deepEqual(
      (await h.scheduler.nextRuns("s", 3)).map((i) => (i.epochMilliseconds - T0) / MIN),
      [1, 2, 3],
    );
    h.scheduler.start();
    await h.clock.advance(2 * MIN);
    await h.scheduler.pauseSchedule("s");
    await h.clock.advance(3 * MIN);
    await h.scheduler.resumeSchedule("s");
    await h.scheduler.updateSchedule("s", { payload: { v: 2 } });
    await h.clock.advance(MIN);
    await h.scheduler.reschedule("s", every("PT10M", { startAt: T0 + 20 * MIN }));
    await h.clock.advance(15 * MIN);
    // Resuming at exactly minute 5 continues from now, so the fire due at that instant runs.
    assert.deepEqual(fired, ["1@1", "1@2", "1@5", "2@6", "2@20"]);
    const job = await h.scheduler.runNow("s");
    await h.clock.advance(0);
    await job.result();
    assert.equal(fired.length, 6);
    assert.equal(await h.scheduler.removeSchedule("s"), undefined);
    await h.clock.advance(60 * MIN);
    assert.equal(fired.length, 6);
    // One rule for unknown ids: reads give null, every operation on the id throws NotFoundError.
    assert.equal(await h.scheduler.getSchedule("s"), null);
    await assert.rejects(h.scheduler.pauseSchedule("s"), NotFoundError);
    const unknown = { name: "NotFoundError", kind: "schedule", scheduleId: "s" };
    await assert.rejects(h.scheduler.pauseSchedule("s"), unknown);
    await assert.rejects(h.scheduler.resumeSchedule("s"), unknown);
    await assert.rejects(h.scheduler.updateSchedule("s", { paused: true }), unknown);
    await assert.rejects(h.scheduler.reschedule("s", every("PT1M")), unknown);
    await assert.rejects(h.scheduler.removeSchedule("s"), unknown);
    await assert.rejects(h.scheduler.runNow("s"), unknown);
    await assert.rejects(h.scheduler.nextRuns("s"), unknown);
    assert.deepEqual(
      h.events.filter((e) => e.type.startsWith("schedule:")).map((e) => e.type),
      [
        "schedule:added",
        "schedule:paused",
        "schedule:resumed",
        "schedule:updated",
        "schedule:updated",
        "schedule:removed",
      ],
    );
    await h.scheduler.stop();
  });

  it("fires by the new trigger right after each change, never by the one it fired with before", async () => {
    // The memory store hands back the same record objects on every claim, and firing reuses the
    // trigger decoded for them: every change must reach the very next fire.
    const h = harness({ timezone: "UTC" });
    const fired: number[] = [];
    const t = h.scheduler.task("t", (_: null, ctx) => {
      fired.push((ctx.scheduledAt.epochMilliseconds - T0) / 1000);
    });
    await t.schedule({ id: "s", trigger: cron("* * * * * *") });
    h.scheduler.start();
    await h.clock.advance(2000);
    await h.scheduler.updateSchedule("s", { trigger: cron("*/5 * * * * *") });
    await h.clock.advance(8000);
    await h.scheduler.reschedule("s", every(3000, { startAt: T0 + 11_000 }));
    await h.clock.advance(5000);
    await h.scheduler.pauseSchedule("s");
    await h.scheduler.resumeSchedule("s");
    await h.clock.advance(3000);
    await t.schedule({ id: "s", trigger: at(T0 + 25_000) });
    await h.clock.advance(10_000);
    assert.deepEqual(fired, [0, 1, 2, 5, 10, 11, 14, 17, 25]);
    await h.scheduler.stop();
  });

  it("stops a schedule whose stored trigger it cannot read, and fires the rest of its batch", async () => {
    const h = harness({ timezone: "UTC" });
    const fired: string[] = [];
    const t = h.scheduler.task("t", (_: null, ctx) => {
      fired.push(ctx.scheduleId!);
    });
    for (const id of ["a", "b", "c"]) await t.schedule({ id, trigger: at(T0 + 1000) });
    // As a newer version could have written it: a trigger this one cannot decode.
    const stored = (await h.store.getSchedule("b"))!;
    const unreadable = { v: 1, type: "cron", expression: "61 * * * *" } as never;
    await h.store.updateSchedule({ ...stored, trigger: unreadable });
    h.scheduler.start();
    await h.clock.advance(1000);
    assert.deepEqual(fired.sort(), ["a", "c"]);
    const errors = h.of("scheduler:error");
    assert.deepEqual(errors.map((e) => e.context), ["reading the trigger of schedule b"]);
    assert.ok(errors[0]!.error instanceof SyntaxError);
    assert.equal((await h.store.getSchedule("b"))!.nextRunAt, null);
    await h.clock.advance(60_000);
    assert.equal(h.of("scheduler:error").length, 1, "not retried on every pass");
    await h.scheduler.stop();
  });

  it("resumeSchedule({ from }) treats fires since `from` as overdue", async () => {
    const h = harness();
    const fired: number[] = [];
    const t = h.scheduler.task("t", (_: null, ctx) => {
      fired.push((ctx.scheduledAt.epochMilliseconds - T0) / MIN);
    });
    await t.schedule({
      id: "s",
      trigger: every("PT1M", { startAt: T0 + MIN }),
      paused: true,
      coalesce: "all",
      maxInstances: 10,
    });
    h.scheduler.start();
    await h.clock.advance(5 * MIN + 1);
    assert.deepEqual(fired, []);
    await h.scheduler.resumeSchedule("s", { from: iso(T0 + 3 * MIN) });
    await h.clock.advance(0);
    assert.deepEqual(fired, [3, 4, 5]);
    await h.scheduler.stop();
  });

  it("keeps a paused schedule paused across a restart", async () => {
    const store = new MemoryStore();
    const first = harness({}, undefined);
    const h1 = harness({}, { clock: first.clock, store });
    h1.scheduler.task("t", () => null);
    await h1.scheduler.schedule({ id: "s", task: "t", trigger: every("PT1M") });
    await h1.scheduler.pauseSchedule("s");
    h1.scheduler.start();
    await h1.scheduler.stop();
    const h2 = harness({}, { clock: first.clock, store });
    h2.scheduler.task("t", () => null);
    await h2.scheduler.schedule({ id: "s", task: "t", trigger: every("PT1M") });
    h2.scheduler.start();
    await h2.clock.advance(10 * MIN);
    assert.equal(h2.of("job:created").length, 0);
    assert.equal((await h2.scheduler.getSchedule("s"))!.paused, true);
    await h2.scheduler.stop();
  });
});

describe("misfires after downtime", () => {
  async function downtime(policy: Record<string, unknown>) {
    const first = harness();
    first.scheduler.task("t", () => null);
    await first.scheduler.schedule({
      id: "s",
      task: "t",
      trigger: every("PT1M", { startAt: T0 + MIN }),
      ...policy,
    });
    first.scheduler.start();
    await first.clock.advance(MIN);
    await first.scheduler.stop();
    // Ten minutes pass with no scheduler running, then a new one starts on the same store.
    await first.clock.advance(10 * MIN + 30_000);
    const second = harness({}, { clock: first.clock, store: first.store });
    second.scheduler.task("t", () => null);
    second.scheduler.start();
    await second.clock.advance(0);
    const created = second.of("job:created").map((c) => (c.runAt.epochMilliseconds - T0) / MIN);
    const missed = second.of("job:missed").map((
      m,
    ) => [(m.fireAt.epochMilliseconds - T0) / MIN, m.reason]);
    const next = (await second.scheduler.getSchedule("s"))!.nextRunAt!.epochMilliseconds;
    await second.scheduler.stop();
    return { created, missed, next: (next - T0) / MIN };
  }

  it('coalesce "latest" (default) runs the latest overdue fire once and reports the rest', async () => {
    const r = await downtime({});
    assert.deepEqual(r.created, [11]);
    assert.deepEqual(r.missed, [2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => [m, "coalesced"]));
    assert.equal(r.next, 12);
  });

  it('coalesce "earliest" runs the earliest overdue fire', async () => {
    const r = await downtime({ coalesce: "earliest" });
    assert.deepEqual(r.created, [2]);
    assert.equal(r.missed.length, 9);
  });

  it('coalesce "all" runs every overdue fire', async () => {
    const r = await downtime({ coalesce: "all", maxInstances: 100 });
    assert.deepEqual(r.created, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(r.missed, []);
  });

  it("misfireGraceTime drops fires that are too late", async () => {
    const r = await downtime({ coalesce: "all", maxInstances: 100, misfireGraceTime: "PT3M" });
    assert.deepEqual(r.created, [9, 10, 11]);
    assert.deepEqual(r.missed, [2, 3, 4, 5, 6, 7, 8].map((m) => [m, "misfire"]));
    const none = await downtime({ misfireGraceTime: 10_000 });
    assert.deepEqual(none.created, []);
    assert.equal(none.missed.length, 10);
    assert.equal(none.next, 12);
  });

  it("handles a stall (the clock jumps) the same way", async () => {
    const h = harness();
    h.scheduler.task("t", () => null);
    await h.scheduler.schedule({
      id: "s",
      task: "t",
      trigger: every("PT1M", { startAt: T0 + MIN }),
    });
    h.scheduler.start();
    await h.clock.advance(MIN);
    h.clock.jump(5 * MIN);
    await h.clock.advance(30_000);
    assert.deepEqual(
      h.of("job:created").map((c) => (c.runAt.epochMilliseconds - T0) / MIN),
      [1, 6],
    );
    assert.equal(h.of("job:missed").length, 4);
    await h.scheduler.stop();
  });
});

describe("overlap, jitter", () => {
  it('skips fires while maxInstances jobs are in flight (overlap: "skip", the default)', async () => {
    const h = harness();
    const gate = deferred();
    h.scheduler.task("slow", () => gate.promise);
    await h.scheduler.schedule({
      id: "s",
      task: "slow",
      trigger: every("PT1S", { startAt: T0 + 1000 }),
    });
    h.scheduler.start();
    await h.clock.advance(5_000);
    assert.equal(h.of("job:created").length, 1);
    assert.deepEqual(h.of("job:missed").map((m) => m.reason), [
      "overlap",
      "overlap",
      "overlap",
      "overlap",
    ]);
    gate.resolve();
    await h.clock.advance(1000);
    assert.equal(h.of("job:created").length, 2);
    await h.scheduler.stop();
  });

  it('queues fires with overlap: "queue" and runs them one at a time', async () => {
    const h = harness();
    let active = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    h.scheduler.task("slow", () =>
      new Promise<void>((resolve) => {
        peak = Math.max(peak, ++active);
        gates.push(() => {
          active--;
          resolve();
        });
      }));
    await h.scheduler.schedule({
      id: "s",
      task: "slow",
      trigger: every("PT1S", { startAt: T0 + 1000, endAt: T0 + 3000 }),
      overlap: "queue",
    });
    h.scheduler.start();
    await h.clock.advance(3_000);
    assert.equal(h.of("job:created").length, 3);
    assert.equal(h.scheduler.runningJobs, 1);
    while (gates.length > 0) {
      gates.shift()!();
      await h.clock.advance(0);
    }
    assert.equal(h.of("job:succeeded").length, 3);
    assert.equal(peak, 1);
    await h.scheduler.stop();
  });

  it("applies jitter to the run time only and never past the following fire", async () => {
    const h = harness({ random: () => 0.999999 });
    h.scheduler.task("t", () => null);
    await h.scheduler.schedule({
      id: "s",
      task: "t",
      trigger: every("PT10S", { startAt: T0 + 10_000 }),
      jitter: "PT1M",
      maxInstances: 10,
    });
    h.scheduler.start();
    await h.clock.advance(45_000);
    const created = h.of("job:created");
    assert.ok(created.length >= 3);
    for (const c of created) {
      const fire = Date.parse(c.jobId.slice(2));
      assert.ok(c.runAt.epochMilliseconds > fire, "jitter applied");
      assert.ok(c.runAt.epochMilliseconds < fire + 10_000, "before the following fire");
    }
    await h.scheduler.stop();
  });
});
