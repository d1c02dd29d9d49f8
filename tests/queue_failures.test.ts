/** Failed jobs on the virtual clock: retention, retryJob, purgeJobs and dead letters. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NonRetryableError, NotFoundError } from "../src/errors.ts";
import { DEFAULT_FAILED_TTL_MS } from "../src/store/semantics.ts";
import { harness, T0 } from "./helpers/harness.ts";

const HOUR = 3_600_000;

describe("failed-job retention", () => {
  it("keeps failed and cancelled jobs 7 days by default, succeeded ones resultTtl", async () => {
    const h = harness();
    const boom = h.scheduler.task("boom", () => {
      throw new Error("bad");
    });
    const ok = h.scheduler.task("ok", () => 1, { resultTtl: HOUR });
    const failed = await boom.enqueue(null);
    const done = await ok.enqueue(null);
    const cancelled = await ok.enqueue(null, { delay: 60_000 });
    await cancelled.cancel();
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(failed.result());
    assert.equal(await done.result(), 1);
    const exp = async (id: string) => (await h.scheduler.getJob(id))!.expiresAt!.epochMilliseconds;
    assert.equal(await exp(failed.id), T0 + DEFAULT_FAILED_TTL_MS);
    assert.equal(await exp(cancelled.id), T0 + DEFAULT_FAILED_TTL_MS);
    assert.equal(await exp(done.id), T0 + HOUR);
    await h.scheduler.stop();
  });

  it("uses the task's failedTtl", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => {
      throw new Error("bad");
    }, { failedTtl: { hours: 2 } });
    const job = await t.enqueue(null);
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(job.result());
    assert.equal((await job.info())!.expiresAt!.epochMilliseconds, T0 + 2 * HOUR);
    assert.throws(() => h.scheduler.task("u", () => 1, { failedTtl: -1 }), RangeError);
    await h.scheduler.stop();
  });
});

describe("retryJob", () => {
  it("runs a failed job again with attempts restarted and the error kept", async () => {
    const h = harness();
    let fail = true;
    const t = h.scheduler.task("flaky", () => {
      if (fail) throw new Error("first try");
      return "ok";
    }, { retries: 1, backoff: { initial: 10, jitter: "none" } });
    const job = await t.enqueue(null);
    h.scheduler.start();
    await h.clock.advance(10);
    assert.equal((await job.info())!.status, "failed");
    assert.equal((await job.info())!.attempts, 2);
    fail = false;
    assert.equal(await h.scheduler.retryJob(job.id), true);
    const queued = (await job.info())!;
    assert.equal(queued.status, "pending");
    assert.equal(queued.attempts, 0);
    assert.deepEqual(queued.history.map((e) => e.message), ["first try"]);
    await h.clock.advance(0);
    assert.equal(await h.scheduler.job(job.id).result(), "ok");
    assert.equal((await job.info())!.attempts, 1);
    assert.equal(await h.scheduler.retryJob(job.id), false, "a succeeded job is not re-run");
    await assert.rejects(h.scheduler.retryJob("missing"), NotFoundError);
    await h.scheduler.stop();
  });

  it("re-queues a cancelled job", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => "ran");
    const job = await t.enqueue(null, { delay: 60_000 });
    await job.cancel();
    assert.equal(await h.scheduler.retryJob(job.id), true);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal(await h.scheduler.job(job.id).result(), "ran");
    await h.scheduler.stop();
  });
});

describe("purgeJobs", () => {
  it("deletes finished jobs by status, task and age, never unfinished ones", async () => {
    const h = harness();
    const ok = h.scheduler.task("ok", () => 1);
    const bad = h.scheduler.task("bad", () => {
      throw new Error("x");
    });
    h.scheduler.start();
    for (let i = 0; i < 3; i++) await ok.enqueue(i);
    for (let i = 0; i < 2; i++) await bad.enqueue(i);
    await h.clock.advance(0);
    await h.clock.advance(HOUR);
    await bad.enqueue(9);
    await ok.enqueue(9, { delay: HOUR });
    await h.clock.advance(0);
    assert.equal(await h.scheduler.purgeJobs({ status: "failed", olderThan: { minutes: 30 } }), 2);
    assert.equal(await h.scheduler.countJobs({ status: "failed" }), 1);
    assert.equal(await h.scheduler.purgeJobs({ task: "ok" }), 3);
    assert.equal(await h.scheduler.purgeJobs(), 1);
    assert.equal(await h.scheduler.countJobs(), 1, "the pending job stays");
    await assert.rejects(h.scheduler.purgeJobs({ status: "pending" }), RangeError);
    await assert.rejects(h.scheduler.purgeJobs({ status: ["failed", "waiting"] }), RangeError);
    await assert.rejects(h.scheduler.purgeJobs({ older: 1 } as never), /olderThan/);
    await h.scheduler.stop();
  });

  it("purges more than one chunk", async () => {
    const h = harness();
    h.scheduler.task("t", () => 1);
    await h.scheduler.enqueueMany(
      Array.from({ length: 2500 }, (_, i) => ({ task: "t", payload: i })),
    );
    h.scheduler.start();
    await h.clock.advance(0);
    for (let i = 0; i < 100 && await h.scheduler.countJobs({ status: "succeeded" }) < 2500; i++) {
      await h.clock.advance(0);
    }
    assert.equal(await h.scheduler.purgeJobs({ status: "succeeded" }), 2500);
    assert.equal(await h.scheduler.countJobs(), 0);
    await h.scheduler.stop();
  });
});

describe("dead letters", () => {
  it("enqueues a dead-letter job once a job fails for good, with its id, payload and error", async () => {
    const h = harness();
    const letters: unknown[] = [];
    h.scheduler.task("charge", () => {
      throw new Error("card declined");
    }, { retries: 1, backoff: { initial: 10, jitter: "none" }, deadLetter: "charge-failed" });
    h.scheduler.task("charge-failed", (p: unknown) => void letters.push(p));
    const job = await h.scheduler.enqueue("charge", { amount: 5 }, { id: "c1" });
    h.scheduler.start();
    await h.clock.advance(0);
    assert.deepEqual(letters, [], "not while retries remain");
    await h.clock.advance(10);
    await assert.rejects(job.result());
    await h.scheduler.job("c1:dead-letter").result();
    assert.deepEqual(letters, [{
      jobId: "c1",
      task: "charge",
      payload: { amount: 5 },
      error: { name: "Error", message: "card declined" },
      attempts: 2,
    }]);
    assert.ok(h.of("job:created").some((e) => e.jobId === "c1:dead-letter"));
    await h.scheduler.stop();
  });

  it("dead-letters a NonRetryableError at once and never a cancelled job", async () => {
    const h = harness();
    h.scheduler.task("t", (p: string) => {
      if (p === "stop") throw new NonRetryableError("fatal");
      return p;
    }, { retries: 5, deadLetter: "dlq" });
    h.scheduler.task("dlq", () => 1);
    const fatal = await h.scheduler.enqueue("t", "stop", { id: "f" });
    const cancelled = await h.scheduler.enqueue("t", "later", { id: "c", delay: 60_000 });
    await cancelled.cancel();
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(fatal.result());
    assert.notEqual(await h.scheduler.getJob("f:dead-letter"), null);
    assert.equal(await h.scheduler.getJob("c:dead-letter"), null);
    assert.throws(() => h.scheduler.task("x", () => 1, { deadLetter: "" }), /deadLetter/);
    await h.scheduler.stop();
  });
});

describe("task queue options", () => {
  it("refuses unknown keys and out-of-range values", () => {
    const h = harness();
    const key = (p: never) => String(p);
    const bad: Array<[object, RegExp | typeof RangeError | typeof TypeError]> = [
      [{ concurrency: { key, limit: 0 } }, RangeError],
      [{ concurrency: { key, limit: 10_001 } }, RangeError],
      [{ concurrency: { key: "k", limit: 1 } }, TypeError],
      [{ concurrency: { key, limit: 1, max: 2 } }, /max/],
      [{ rateLimit: { limit: 1, period: 0 } }, RangeError],
      [{ rateLimit: { limit: 1, period: { days: 2 } } }, RangeError],
      [{ rateLimit: { limit: 0, period: 10 } }, RangeError],
      [{ rateLimit: { limit: 1, period: 10, per: 1 } }, /per/],
      [{ priorty: 1 }, /priority/],
    ];
    for (const [options, error] of bad) {
      assert.throws(() => h.scheduler.task("t", () => 1, options as never), error);
    }
  });

  it("refuses a concurrency key function that returns a bad key, at enqueue", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1, { concurrency: { key: () => "", limit: 1 } });
    await assert.rejects(t.enqueue(null), /concurrency key/);
  });
});
