import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  JobCancelledError,
  JobFailedError,
  NonRetryableError,
  QueueFullError,
  ResultExpiredError,
  SchedulerStoppedError,
  UnknownTaskError,
} from "../src/errors.ts";
import { deferred, harness, iso, T0 } from "./helpers/harness.ts";
import { every } from "../src/triggers/mod.ts";

describe("enqueue and results", () => {
  it("runs a delayed job no earlier than its delay and returns its result", async () => {
    const h = harness();
    const add = h.scheduler.task("add", (p: { a: number; b: number }) => p.a + p.b);
    const job = await add.enqueue({ a: 2, b: 3 }, { delay: { seconds: 5 } });
    h.scheduler.start();
    await h.clock.advance(4_999);
    assert.equal((await job.info())!.status, "pending");
    await h.clock.advance(1);
    assert.equal(await job.result(), 5);
    const info = await h.scheduler.getJob(job.id);
    assert.equal(info!.status, "succeeded");
    assert.equal(info!.attempts, 1);
    assert.equal(info!.startedAt!.epochMilliseconds, T0 + 5000);
    assert.deepEqual(
      h.events.filter((e) => e.type.startsWith("job:")).map((e) => [e.type, e.at - T0]),
      [["job:created", 0], ["job:started", 5000], ["job:succeeded", 5000]],
    );
    await h.scheduler.stop();
  });

  it("accepts runAt as an ISO string and passes context to the handler", async () => {
    const h = harness();
    let seen: unknown;
    h.scheduler.task("ctx", (_p: null, ctx) => {
      seen = {
        jobId: ctx.jobId,
        scheduleId: ctx.scheduleId,
        at: ctx.scheduledAt.toString(),
        attempt: ctx.attempt,
        aborted: ctx.signal.aborted,
      };
      return "ok";
    });
    const job = await h.scheduler.enqueue("ctx", null, { runAt: iso(T0 + 60_000), id: "my-id" });
    h.scheduler.start();
    await h.clock.advance(60_000);
    assert.equal(await job.result(), "ok");
    assert.deepEqual(seen, {
      jobId: "my-id",
      scheduleId: null,
      at: "2030-01-01T00:01:00Z",
      attempt: 1,
      aborted: false,
    });
    await h.scheduler.stop();
  });

  it("returns the existing job when an id is enqueued twice", async () => {
    const h = harness();
    const t = h.scheduler.task("t", (p: number) => p);
    await t.enqueue(1, { id: "same" });
    await t.enqueue(2, { id: "same" });
    assert.equal((await h.scheduler.listJobs()).length, 1);
    assert.equal((await h.scheduler.getJob("same"))!.payload, 1);
  });

  it("refuses bad input with typed errors and stores nothing", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => null);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await assert.rejects(h.scheduler.enqueue("nope", 1), UnknownTaskError);
    await assert.rejects(t.enqueue((() => 1) as never), /payload is a function/);
    await assert.rejects(t.enqueue(cyclic as never), /payload.self is a circular reference/);
    await assert.rejects(t.enqueue({ n: 1n } as never), /payload.n is a BigInt/);
    await assert.rejects(t.enqueue({ d: new Date() } as never), /payload.d is a Date/);
    await assert.rejects(t.enqueue(NaN as never), TypeError);
    await assert.rejects(t.enqueue(null, { delay: -5 }), RangeError);
    await assert.rejects(t.enqueue(null, { delay: "soon" }), SyntaxError);
    await assert.rejects(t.enqueue(null, { runAt: "yesterday-ish" }), SyntaxError);
    await assert.rejects(t.enqueue(null, { delay: 1, runAt: T0 }), /either delay or runAt/);
    await assert.rejects(t.enqueue(null, { retries: -1 }), RangeError);
    await assert.rejects(t.enqueue(null, { id: "" }), RangeError);
    assert.equal(await h.store.countJobs(), 0);
    assert.throws(() => h.scheduler.task("t", () => 1), /already registered/);
    assert.throws(() => h.scheduler.task("x", "nope" as never), TypeError);
    assert.throws(() => h.scheduler.task("y", () => 1, { retries: 1.5 }), RangeError);
  });

  it("fails a job whose handler throws, without disturbing others", async () => {
    const h = harness();
    h.scheduler.task("boom", () => {
      throw new TypeError("bad thing");
    });
    h.scheduler.task("async-boom", () => Promise.reject("not an error object"));
    const ok = h.scheduler.task("ok", () => "fine");
    const a = await h.scheduler.enqueue("boom");
    const b = await h.scheduler.enqueue("async-boom");
    const c = await ok.enqueue(null);
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(
      a.result(),
      (e: unknown) =>
        e instanceof JobFailedError && e.errorName === "TypeError" && e.message === "bad thing",
    );
    await assert.rejects(b.result(), /not an error object/);
    assert.equal(await c.result(), "fine");
    const failed = h.of("job:failed");
    assert.equal(failed.length, 2);
    assert.equal((await a.info())!.error!.name, "TypeError");
    await h.scheduler.stop();
  });

  it("fails a job whose result is not JSON, without retrying", async () => {
    const h = harness();
    h.scheduler.task("fn", () => () => 1, { retries: 3 });
    const job = await h.scheduler.enqueue("fn");
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(job.result(), /result is a function/);
    assert.equal((await job.info())!.attempts, 1);
    await h.scheduler.stop();
  });

  it("retries with exponential backoff and full jitter, then fails", async () => {
    const h = harness({ random: () => 0.5 });
    let calls = 0;
    h.scheduler.task("flaky", () => {
      calls++;
      throw new Error(`attempt ${calls}`);
    }, { retries: 3, backoff: { initial: 1000, factor: 2, max: 3000 } });
    const job = await h.scheduler.enqueue("flaky");
    h.scheduler.start();
    await h.clock.advance(0);
    // Full jitter with random() = 0.5: half of min(max, initial * factor^(n-1)).
    const retries = h.of("job:retrying").map((r) => r.retryAt.epochMilliseconds - T0);
    assert.deepEqual(retries, [500]);
    await h.clock.advance(500);
    await h.clock.advance(1000);
    await h.clock.advance(1500);
    assert.deepEqual(h.of("job:retrying").map((r) => r.retryAt.epochMilliseconds - T0), [
      500,
      1500,
      3000,
    ]);
    await assert.rejects(job.result(), /attempt 4/);
    assert.equal(calls, 4);
    assert.equal((await job.info())!.attempts, 4);
    await h.scheduler.stop();
  });

  it("fails at once on NonRetryableError", async () => {
    const h = harness();
    h.scheduler.task("no", () => {
      throw new NonRetryableError("invalid address");
    }, { retries: 5 });
    const job = await h.scheduler.enqueue("no");
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(job.result(), /invalid address/);
    assert.equal(h.of("job:retrying").length, 0);
    assert.equal((await job.info())!.attempts, 1);
    await h.scheduler.stop();
  });

  it("aborts ctx.signal on timeout and fails the attempt", async () => {
    const h = harness();
    let reason: unknown;
    h.scheduler.task("slow", (_p: null, ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          reason = ctx.signal.reason;
          reject(ctx.signal.reason);
        });
      }), { timeout: "PT10S" });
    const job = await h.scheduler.enqueue("slow", null);
    h.scheduler.start();
    await h.clock.advance(9_999);
    assert.equal((await job.info())!.status, "running");
    await h.clock.advance(1);
    assert.equal((reason as Error).name, "TimeoutError");
    await assert.rejects(
      job.result(),
      (e: unknown) => (e as JobFailedError).errorName === "TimeoutError",
    );
    await h.scheduler.stop();
  });

  it("also fails on timeout when the handler ignores its signal", async () => {
    const h = harness();
    const never = deferred();
    h.scheduler.task("stuck", () => never.promise, { timeout: 1000 });
    const job = await h.scheduler.enqueue("stuck");
    h.scheduler.start();
    await h.clock.advance(1000);
    assert.equal((await job.info())!.status, "failed");
    assert.equal(h.scheduler.runningJobs, 0);
    never.resolve();
    await h.scheduler.stop();
  });

  it("limits concurrency and queues the rest", async () => {
    const h = harness({ concurrency: 3 });
    const gates = Array.from({ length: 5 }, () => deferred());
    let active = 0;
    let peak = 0;
    const t = h.scheduler.task("w", async (i: number) => {
      active++;
      peak = Math.max(peak, active);
      await gates[i]!.promise;
      active--;
      return i;
    });
    const jobs = await Promise.all([0, 1, 2, 3, 4].map((i) => t.enqueue(i)));
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal(h.scheduler.runningJobs, 3);
    gates.forEach((g) => g.resolve());
    await h.clock.advance(0);
    assert.deepEqual(await Promise.all(jobs.map((j) => j.result())), [0, 1, 2, 3, 4]);
    assert.equal(peak, 3);
    await h.scheduler.stop();
  });

  it("limits a task's instances per process", async () => {
    const h = harness();
    const gate = deferred();
    let active = 0;
    let peak = 0;
    const t = h.scheduler.task("one-at-a-time", async () => {
      peak = Math.max(peak, ++active);
      await gate.promise;
      active--;
    }, { maxRunning: 1 });
    const jobs = await Promise.all([1, 2, 3].map(() => t.enqueue(null)));
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal(h.scheduler.runningJobs, 1);
    gate.resolve();
    await h.clock.advance(0);
    await Promise.all(jobs.map((j) => j.result()));
    assert.equal(peak, 1);
    await h.scheduler.stop();
  });

  it("refuses to enqueue past maxPending and drops nothing", async () => {
    const h = harness({ maxPending: 2 });
    const t = h.scheduler.task("t", () => 1);
    await t.enqueue(null);
    await t.enqueue(null);
    await assert.rejects(t.enqueue(null), QueueFullError);
    assert.equal(await h.store.countJobs(), 2);
    assert.equal(await h.scheduler.countJobs({ status: "pending", task: "t" }), 2);
    assert.equal(await h.scheduler.countJobs({ status: "failed" }), 0);
  });

  it("keeps results for resultTtl, then cleans them up", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => "r", { resultTtl: "PT1M" });
    const job = await t.enqueue(null);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal(await job.result(), "r");
    await h.clock.advance(59_000);
    assert.equal(await job.result(), "r");
    await h.clock.advance(2 * 60_000);
    assert.equal(await h.scheduler.getJob(job.id), null);
    await assert.rejects(job.result(), ResultExpiredError);
    await h.scheduler.stop();
  });

  it("keeps nothing with resultTtl 0 and failedTtl 0, settling the results already awaited", async () => {
    const h = harness();
    const ok = h.scheduler.task("ok", () => 42, { resultTtl: 0 });
    const bad = h.scheduler.task("bad", () => {
      throw new NonRetryableError("no");
    }, { failedTtl: 0 });
    const a = await ok.enqueue(null);
    const b = await bad.enqueue(null);
    const waiting = [a.result(), b.result().catch((e: unknown) => e)];
    h.scheduler.start();
    await h.clock.advance(0);
    const [value, error] = await Promise.all(waiting);
    assert.equal(value, 42);
    assert.ok(error instanceof JobFailedError);
    assert.equal(await h.store.getJob(a.id), null, "deleted as it succeeded");
    assert.equal(await h.store.getJob(b.id), null, "deleted as it failed");
    await assert.rejects(a.result(), ResultExpiredError);
    await h.scheduler.stop();
  });

  it("cancels pending and running jobs", async () => {
    const h = harness();
    const started = deferred();
    h.scheduler.task("long", (_p: null, ctx) =>
      new Promise((_r, reject) => {
        started.resolve();
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      }));
    const later = await h.scheduler.enqueue("long", null, { delay: 60_000 });
    const now = await h.scheduler.enqueue("long", null);
    h.scheduler.start();
    await h.clock.advance(0);
    await started.promise;
    assert.equal(await later.cancel(), true);
    assert.equal(await now.cancel(), true);
    await h.clock.advance(0);
    await assert.rejects(later.result(), JobCancelledError);
    await assert.rejects(now.result(), JobCancelledError);
    assert.equal((await now.info())!.status, "cancelled");
    assert.equal(await h.scheduler.cancelJob(now.id), false);
    assert.equal(await h.scheduler.getJob("missing"), null);
    await assert.rejects(h.scheduler.cancelJob("missing"), {
      name: "NotFoundError",
      kind: "job",
      jobId: "missing",
    });
    await h.clock.advance(120_000);
    assert.equal(h.of("job:started").length, 1);
    await h.scheduler.stop();
  });

  it("reports progress", async () => {
    const h = harness();
    h.scheduler.task("p", async (_: null, ctx) => {
      await ctx.progress({ percent: 50 });
      return "done";
    });
    const job = await h.scheduler.enqueue("p");
    h.scheduler.start();
    await h.clock.advance(0);
    await job.result();
    assert.deepEqual(h.of("job:progress").map((p) => p.progress), [{ percent: 50 }]);
    assert.deepEqual((await job.info())!.progress, { percent: 50 });
    await h.scheduler.stop();
  });
});

describe("lifecycle", () => {
  it("start is idempotent; stop waits for running jobs within the grace period", async () => {
    const h = harness();
    const gate = deferred<string>();
    h.scheduler.task("t", () => gate.promise);
    const job = await h.scheduler.enqueue("t");
    h.scheduler.start().start();
    await h.clock.advance(0);
    const stopping = h.scheduler.stop({ grace: 5000 });
    await h.clock.advance(1000);
    gate.resolve("finished in time");
    await stopping;
    assert.equal(await job.result(), "finished in time");
    assert.equal(h.of("scheduler:started").length, 1);
    assert.equal(h.scheduler.state, "stopped");
  });

  it("stop aborts jobs past the grace period and records them cancelled", async () => {
    const h = harness();
    let aborted = false;
    h.scheduler.task("t", (_: null, ctx) =>
      new Promise(() => {
        ctx.signal.addEventListener("abort", () => (aborted = true));
      }));
    const job = await h.scheduler.enqueue("t");
    h.scheduler.start();
    await h.clock.advance(0);
    const stopping = h.scheduler.stop({ grace: 5000 });
    await h.clock.advance(5000);
    await stopping;
    assert.equal(aborted, true);
    assert.equal((await job.info())!.status, "cancelled");
    await assert.rejects(job.result(), JobCancelledError);
  });

  it("refuses changes after stop but still answers reads", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1);
    const job = await t.enqueue(null, { delay: 1000 });
    h.scheduler.start();
    await h.scheduler.stop();
    await assert.rejects(t.enqueue(null), SchedulerStoppedError);
    assert.throws(() => h.scheduler.start(), SchedulerStoppedError);
    assert.equal((await h.scheduler.getJob(job.id))!.status, "pending");
    await assert.rejects(job.result(), SchedulerStoppedError);
  });

  it("pause() halts all processing until resume()", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1);
    h.scheduler.start();
    h.scheduler.pause();
    const job = await t.enqueue(null);
    await h.clock.advance(10_000);
    assert.equal((await job.info())!.status, "pending");
    h.scheduler.resume();
    await h.clock.advance(0);
    assert.equal(await job.result(), 1);
    await h.scheduler.stop();
  });

  it("a store-wide lock halts every scheduler until lifted", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1);
    await h.scheduler.setLock(true, "maintenance");
    assert.equal(await h.scheduler.getLock(), "maintenance");
    h.scheduler.start();
    const job = await t.enqueue(null);
    await h.clock.advance(5_000);
    assert.equal((await job.info())!.status, "pending");
    await h.scheduler.setLock(false);
    await h.clock.advance(0);
    assert.equal(await job.result(), 1);
    await h.scheduler.stop();
  });

  it("disposes through Symbol.asyncDispose (await using)", async () => {
    const h = harness();
    h.scheduler.start();
    // `await using` syntax needs Node 24+; calling the method proves the same contract on 22.
    await h.scheduler[Symbol.asyncDispose]();
    assert.equal(h.scheduler.state, "stopped");
  });

  it("never leaves an unhandled rejection when handlers misbehave", async () => {
    const h = harness();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    globalThis.addEventListener?.("unhandledrejection", onUnhandled as never);
    h.scheduler.task("late-reject", (_: null, ctx) =>
      new Promise((_r, reject) => {
        ctx.signal.addEventListener("abort", () => setTimeout(() => reject(new Error("late")), 0));
      }), { timeout: 10 });
    const job = await h.scheduler.enqueue("late-reject");
    h.scheduler.start();
    await h.clock.advance(10);
    await assert.rejects(job.result());
    await new Promise((r) => setTimeout(r, 20));
    globalThis.removeEventListener?.("unhandledrejection", onUnhandled as never);
    assert.deepEqual(unhandled, []);
    await h.scheduler.stop();
  });
});

describe("loop", () => {
  it("does not lose a kick that arrives while the waker is being armed", async () => {
    const { MemoryStore } = await import("../src/store/memory_store.ts");
    let gate: Promise<void> | null = null;
    class SlowWakeupStore extends MemoryStore {
      override async nextWakeup(): Promise<number | null> {
        const answer = await super.nextWakeup(); // read before the enqueue below lands
        if (gate) await gate;
        return answer;
      }
    }
    const h = harness({ store: new SlowWakeupStore() });
    const t = h.scheduler.task("t", () => "ran");
    h.scheduler.start();
    await h.clock.advance(0);
    const open = deferred();
    gate = open.promise;
    h.scheduler.resume(); // no-op: not paused
    await h.scheduler.setLock(false); // kicks a pass that then blocks in nextWakeup
    const job = await t.enqueue(null);
    gate = null;
    open.resolve();
    await h.clock.advance(0);
    assert.equal((await job.info())!.status, "succeeded");
    await h.scheduler.stop();
  });
});

describe("platform hooks", () => {
  it("runDue() resolves once due work, and the jobs it started, are done", async () => {
    const h = harness();
    const order: string[] = [];
    const t = h.scheduler.task("t", async (n: number) => {
      await new Promise((r) => setTimeout(r, 5)); // real asynchronous work
      order.push(`job ${n}`);
      if (n === 1) await h.scheduler.enqueue("t", 2); // due now: part of the same run
      return n;
    });
    await t.enqueue(1);
    await t.enqueue(3, { delay: 60_000 }); // not due: not waited for
    h.scheduler.start();
    await h.scheduler.runDue();
    order.push("runDue resolved");
    assert.deepEqual(order, ["job 1", "job 2", "runDue resolved"]);
    await h.scheduler.stop();
  });

  it('runMode "manual" runs work only inside runDue(), within maxJobs', async () => {
    const h = harness({ runMode: "manual" });
    const ran: number[] = [];
    const t = h.scheduler.task("t", (n: number) => {
      ran.push(n);
    });
    await h.scheduler.schedule({ id: "s", task: "t", trigger: every("PT1M"), payload: 0 });
    for (let i = 1; i <= 5; i++) await t.enqueue(i);
    h.scheduler.start();
    await h.clock.advance(5 * 60_000);
    assert.deepEqual(ran, [], "nothing runs on its own");
    assert.equal(h.clock.pendingTimers, 0, "and no timer is armed");
    assert.deepEqual(await h.scheduler.runDue({ maxJobs: 3 }), { more: true });
    assert.equal(ran.length, 3);
    assert.deepEqual(await h.scheduler.runDue(), { more: false });
    assert.deepEqual(ran.sort(), [0, 1, 2, 3, 4, 5], "the fire coalesced into one job, plus five");
    const stopped = new AbortController();
    stopped.abort();
    await t.enqueue(6);
    assert.deepEqual(await h.scheduler.runDue({ signal: stopped.signal }), { more: true });
    assert.equal(ran.length, 6);
    await h.scheduler.stop();
  });

  it("kicks the loop when a watching store reports a change", async () => {
    const { MemoryStore } = await import("../src/store/memory_store.ts");
    let notify: (() => void) | null = null;
    let unwatched = false;
    class WatchingStore extends MemoryStore {
      watch(onChange: () => void): () => void {
        notify = onChange;
        return () => (unwatched = true);
      }
    }
    const store = new WatchingStore();
    const h = harness({ store });
    h.scheduler.task("t", () => "ok");
    h.scheduler.start();
    await h.clock.advance(0);
    // Another process inserts a job straight into the store; only the notification tells us.
    const { jobRecord } = await import("./store_conformance.ts");
    await store.insertJob(jobRecord("remote", { task: "t", runAt: h.clock.now() }));
    notify!();
    await h.clock.advance(0);
    assert.equal((await store.getJob("remote"))!.status, "succeeded");
    await h.scheduler.stop();
    assert.equal(unwatched, true);
  });
});
