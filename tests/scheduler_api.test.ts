// The public API's contracts: strict options, checked ports, duration forms, one list contract,
// range checks before writes, safe listeners, bounded previews and leases after a stall.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/memory_store.ts";
import { VirtualClock } from "../src/clock.ts";
import { every } from "../src/triggers/mod.ts";
import { LeaseLostError } from "../src/errors.ts";
import type { Codec } from "../src/codec.ts";
import { deferred, harness, T0 } from "./helpers/harness.ts";

const unknownKey = (key: string) => ({ name: "TypeError", message: new RegExp(`"${key}"`) });

describe("strict options", () => {
  it("refuse an unknown key in every options object, naming it", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    const trigger = every("PT1M");
    await assert.rejects(h.scheduler.enqueue("t", 1, { dealy: 5000 } as never), {
      name: "TypeError",
      message: /"dealy" \(did you mean "delay"\?\)/,
    });
    await assert.rejects(
      h.scheduler.schedule({ id: "s", task: t, trigger, misfireGracetime: 5 } as never),
      { name: "TypeError", message: /"misfireGracetime" \(did you mean "misfireGraceTime"\?\)/ },
    );
    assert.throws(() => h.scheduler.task("u", () => null, { retry: 3 } as never), {
      name: "TypeError",
      message: /"retry" \(did you mean "retries"\?\)/,
    });
    assert.throws(
      () => h.scheduler.task("u", () => null, { backoff: { inital: 5 } } as never),
      unknownKey("inital"),
    );
    await t.schedule({ id: "s", trigger });
    await assert.rejects(
      h.scheduler.updateSchedule("s", { pasued: true } as never),
      { name: "TypeError", message: /"pasued" \(did you mean "paused"\?\)/ },
    );
    await assert.rejects(
      h.scheduler.resumeSchedule("s", { form: T0 } as never),
      unknownKey("form"),
    );
    await assert.rejects(h.scheduler.listJobs({ stauts: "failed" } as never), unknownKey("stauts"));
    await assert.rejects(h.scheduler.listSchedules({ pause: true } as never), unknownKey("pause"));
    await assert.rejects(h.scheduler.countJobs({ limit: 5 } as never), unknownKey("limit"));
    await assert.rejects(h.scheduler.runDue({ maxjobs: 1 } as never), unknownKey("maxjobs"));
    const job = await t.enqueue(null);
    await assert.rejects(job.result({ sginal: undefined } as never), unknownKey("sginal"));
    await assert.rejects(h.scheduler.stop({ gracee: 1 } as never), unknownKey("gracee"));
    assert.throws(() => new Scheduler({ leaseTim: 5 } as never), unknownKey("leaseTim"));
    assert.throws(() => new Scheduler({ roles: { job: false } } as never), unknownKey("job"));
    assert.throws(() => new Scheduler({ defaults: { retry: 1 } } as never), unknownKey("retry"));
    // Nothing was written by the refused calls.
    assert.equal((await h.store.listJobs()).length, 1);
    assert.equal((await h.store.listSchedules()).length, 1);
    await h.scheduler.stop();
  });

  it("renames the per-process task limit to maxRunning; maxInstances is a schedule's", () => {
    const h = harness();
    assert.throws(() => h.scheduler.task("t", () => null, { maxInstances: 1 } as never), {
      name: "TypeError",
      message: /"maxInstances"/,
    });
    assert.throws(() => h.scheduler.task("t", () => null, { maxRunning: 0 }), RangeError);
    h.scheduler.task("t", () => null, { maxRunning: 2 });
  });

  it("refuses ports of the wrong shape at construction", () => {
    const cases: Array<[unknown, RegExp]> = [
      [5, /Invalid scheduler options: expected an object, got 5/],
      [{ store: {} }, /Invalid store: missing methods putSchedule, .*setMeta/],
      [{ clock: {} }, /Invalid clock: missing methods now, setTimer, clearTimer/],
      [{ clock: { now: 5, setTimer() {}, clearTimer() {} } }, /Invalid clock: missing method now/],
      [{ codec: {} }, /Invalid codec: missing methods encode, decode/],
      [{ waker: 5 }, /Invalid waker: expected a function, got 5/],
      [{ random: "x" }, /Invalid random: expected a function/],
      [{ store: null }, /Invalid store: expected an object, got null/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new Scheduler(options as never), { name: "TypeError", message });
    }
    // A real store, clock and codec pass.
    new Scheduler({
      store: new MemoryStore(),
      codec: { name: "c", encode: String, decode: (t) => JSON.parse(t) },
    });
  });
});

describe("durations", () => {
  it("accept every duration form for leaseTime and pollInterval", async () => {
    const h = harness({ leaseTime: "PT30S", pollInterval: { seconds: 2 } });
    const gate = deferred();
    h.scheduler.task("t", () => gate.promise);
    const job = await h.scheduler.enqueue("t", null);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal((await h.store.getJob(job.id))!.leaseUntil, T0 + 30_000);
    gate.resolve();
    await h.clock.advance(0);
    await h.scheduler.stop();
    assert.throws(() => new Scheduler({ leaseTime: "PT0S" }), RangeError);
    assert.throws(() => new Scheduler({ pollInterval: "soon" }), SyntaxError);
  });
});

describe("lists", () => {
  it("share one contract: default 100, at most 1000, bounded offset", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    for (let i = 0; i < 101; i++) {
      await t.schedule({ id: `s${String(i).padStart(3, "0")}`, trigger: every("PT1M") });
      await t.enqueue(i);
    }
    assert.equal((await h.scheduler.listSchedules()).length, 100);
    assert.equal((await h.scheduler.listJobs()).length, 100);
    assert.equal((await h.scheduler.listSchedules({ offset: 100 }))[0]!.id, "s100");
    for (
      const list of [
        h.scheduler.listSchedules.bind(h.scheduler),
        h.scheduler.listJobs.bind(h.scheduler),
      ]
    ) {
      await assert.rejects(list({ limit: -1 }), { name: "RangeError", message: /limit/ });
      await assert.rejects(list({ limit: 1001 }), { name: "RangeError", message: /at most 1000/ });
      await assert.rejects(list({ offset: -1 }), { name: "RangeError", message: /offset/ });
      await assert.rejects(list({ offset: 2 ** 31 }), { name: "RangeError", message: /offset/ });
      await assert.rejects(list({ limit: "5" as never }), TypeError);
      await assert.rejects(list({ task: 5 as never }), { name: "TypeError", message: /task/ });
      assert.equal((await list({ limit: 1000 })).length, 101);
    }
  });
});

describe("range checks before writes", () => {
  it("refuses a delay or retention past the last representable instant and writes nothing", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    const huge = Number.MAX_SAFE_INTEGER;
    await assert.rejects(t.enqueue(1, { delay: huge }), { name: "RangeError", message: /delay/ });
    await assert.rejects(t.enqueue(1, { resultTtl: huge }), {
      name: "RangeError",
      message: /resultTtl/,
    });
    await assert.rejects(
      t.schedule({ id: "s", trigger: every("PT1M"), resultTtl: huge }),
      { name: "RangeError", message: /resultTtl/ },
    );
    await assert.rejects(t.schedule({ id: "s", trigger: every("PT1M"), jitter: huge }), {
      name: "RangeError",
      message: /jitter/,
    });
    assert.throws(() => h.scheduler.task("u", () => null, { resultTtl: huge }), RangeError);
    assert.throws(() => h.scheduler.task("u", () => null, { backoff: { max: huge } }), {
      name: "RangeError",
      message: /backoff\.max/,
    });
    assert.throws(
      () => new Scheduler({ defaults: { backoff: { initial: 1, mx: 2 } } } as never),
      unknownKey("mx"),
    );
    assert.deepEqual(await h.scheduler.listJobs(), []);
    assert.deepEqual(await h.scheduler.listSchedules(), []);
    assert.deepEqual(h.of("job:created"), []);
  });
});

describe("events", () => {
  it("a throwing listener never turns a successful write into a rejected call", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => "ok");
    h.scheduler.on("job:created", () => {
      throw new Error("listener broke");
    });
    h.scheduler.addEventListener("schedule:added", () => {
      throw new Error("other listener broke");
    });
    const job = await t.enqueue(null);
    await t.schedule({ id: "s", trigger: every("PT1M") });
    assert.notEqual(await h.scheduler.getJob(job.id), null);
    const errors = h.of("scheduler:error");
    assert.deepEqual(errors.map((e) => [e.context, (e.error as Error).message]), [
      ["a listener of job:created", "listener broke"],
      ["a listener of schedule:added", "other listener broke"],
    ]);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal(await job.result(), "ok");
    await h.scheduler.stop();
  });

  it("tells nothing when the write fails", async () => {
    const store = new MemoryStore();
    store.insertJob = () => Promise.reject(new Error("disk full"));
    store.putSchedule = () => Promise.reject(new Error("disk full"));
    const h = harness({}, { clock: new VirtualClock(T0), store });
    const t = h.scheduler.task("t", () => null);
    await assert.rejects(t.enqueue(null), /disk full/);
    await assert.rejects(t.schedule({ id: "s", trigger: every("PT1M") }), /disk full/);
    assert.deepEqual(h.events.map((e) => e.type), []);
  });

  it("removes a listener added with addEventListener", async () => {
    const h = harness();
    h.scheduler.task("t", () => null);
    let heard = 0;
    const listener = () => heard++;
    h.scheduler.addEventListener("job:created", listener);
    await h.scheduler.enqueue("t", null);
    h.scheduler.removeEventListener("job:created", listener);
    await h.scheduler.enqueue("t", null);
    assert.equal(heard, 1);
  });
});

describe("nextRuns", () => {
  it("is bounded at 1000 instants", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    await t.schedule({ id: "s", trigger: every("PT1M") });
    assert.equal((await h.scheduler.nextRuns("s", 1000)).length, 1000);
    await assert.rejects(h.scheduler.nextRuns("s", 1e8), { name: "RangeError", message: /1000/ });
  });
});

describe("leases after a stall", () => {
  it("does not start a handler whose lease expired while the process was stalled", async () => {
    const h = harness({ leaseTime: 3000 });
    const gate = deferred();
    // The payload decode is where the stall hits: claimed, not yet started.
    const stalling: Codec = {
      name: "stalling",
      encode: (v) => JSON.stringify(v),
      decode: async (text) => {
        await gate.promise;
        return JSON.parse(text);
      },
    };
    const a = harness({ leaseTime: 3000, codec: stalling }, h);
    const ran: string[] = [];
    a.scheduler.task("t", () => void ran.push("a"));
    h.scheduler.task("t", () => void ran.push("b"), {});
    const job = await a.scheduler.enqueue("t", null);
    a.scheduler.start();
    await h.clock.advance(0);
    assert.equal(a.scheduler.runningJobs, 1);
    // SIGSTOP past the lease: time moves, no timer of this process runs.
    h.clock.jump(5000);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.deepEqual(ran, ["b"]);
    gate.resolve();
    await h.clock.advance(0);
    assert.deepEqual(ran, ["b"]);
    assert.equal(a.of("job:started").length, 0);
    assert.equal((await h.store.getJob(job.id))!.status, "succeeded");
    await a.scheduler.stop();
    await h.scheduler.stop();
  });

  it("aborts a running handler as soon as renewal finds its lease lost", async () => {
    const h = harness({ leaseTime: 3000 });
    const a = harness({ leaseTime: 3000 }, h);
    const reasons: unknown[] = [];
    const finish = deferred();
    a.scheduler.task("t", async (_p, ctx) => {
      ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason));
      await finish.promise;
    });
    h.scheduler.task("t", () => "b");
    const job = await a.scheduler.enqueue("t", null);
    a.scheduler.start();
    await h.clock.advance(0);
    h.clock.jump(5000);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal((await h.store.getJob(job.id))!.status, "succeeded");
    // The stalled process's overdue renewal timer runs first thing after the stall.
    await h.clock.advance(0);
    assert.equal(reasons.length, 1);
    assert.ok(reasons[0] instanceof LeaseLostError);
    finish.resolve();
    await h.clock.advance(0);
    assert.equal((await h.store.getJob(job.id))!.result, JSON.stringify("b"));
    await a.scheduler.stop();
    await h.scheduler.stop();
  });
});
