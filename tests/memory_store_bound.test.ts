// MemoryStore keeps at most `maxFinishedJobs` finished jobs, so memory stays flat under steady
// schedules whatever their results' retention; a dropped job reads as an expired one.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_MAX_FINISHED_JOBS } from "../src/_defaults.ts";
import { NotFoundError, ResultExpiredError } from "../src/errors.ts";
import { MEMORY_CLEANUP_CHUNK, MemoryStore } from "../src/store/memory_store.ts";
import { every } from "../src/triggers/mod.ts";
import { deferred, harness, T0 } from "./helpers/harness.ts";
import { jobRecord } from "./store_conformance.ts";

const DAY = 86_400_000;

describe("MemoryStore maxFinishedJobs", () => {
  it("is validated like every other option", () => {
    for (const bad of [-1, 1.5, NaN]) {
      assert.throws(
        () => new MemoryStore({ maxFinishedJobs: bad }),
        (e: Error) => e instanceof RangeError && /maxFinishedJobs/.test(e.message),
      );
    }
    assert.throws(
      () => new MemoryStore({ maxFinishedJobs: "10" as never }),
      (e: Error) => e instanceof TypeError && /maxFinishedJobs/.test(e.message),
    );
    assert.throws(
      () => new MemoryStore({ maxFinished: 10 } as never),
      (e: Error) => e instanceof TypeError && /did you mean "maxFinishedJobs"/.test(e.message),
    );
    new MemoryStore({ maxFinishedJobs: 0 });
    new MemoryStore({ maxFinishedJobs: Infinity });
    assert.equal(DEFAULT_MAX_FINISHED_JOBS, 10_000);
  });

  it("by default keeps 10,000 finished jobs under every-second schedules, the newest", async () => {
    const h = harness();
    h.scheduler.task("t", () => "done", { resultTtl: "P1D" });
    for (let i = 0; i < 25; i++) {
      await h.scheduler.schedule({ id: `s${i}`, task: "t", trigger: every({ seconds: 1 }) });
    }
    h.scheduler.start();
    const counts: number[] = [];
    for (let minute = 0; minute < 8; minute++) {
      await h.clock.advance(60_000);
      counts.push(await h.scheduler.countJobs({ status: "succeeded" }));
    }
    // 25 fires a second: 1,500 a minute, 12,000 in 8 minutes; the kept count stops at the bound.
    assert.equal(h.of("job:succeeded").length, 12_000);
    assert.deepEqual(counts, [1500, 3000, 4500, 6000, 7500, 9000, 10_000, 10_000]);
    const kept = await h.scheduler.listJobs({ status: "succeeded", limit: 1000 });
    const oldestKept = Math.min(...kept.map((j) => j.finishedAt!.epochMilliseconds));
    assert.ok(oldestKept > T0 + 60_000, "the oldest finished jobs were the ones dropped");
    await h.scheduler.stop();
  });

  it("holds any bound after many fires, whatever the retention", async () => {
    const store = new MemoryStore({ maxFinishedJobs: 50 });
    const h = harness({ logger: null }, { clock: harness().clock, store });
    h.scheduler.task("ok", () => 1, { resultTtl: "P30D" });
    h.scheduler.task("bad", () => {
      throw new Error("no");
    }, { failedTtl: "P30D" });
    for (let i = 0; i < 10; i++) {
      const task = i % 2 === 0 ? "ok" : "bad";
      await h.scheduler.schedule({ id: `s${i}`, task, trigger: every({ seconds: 1 }) });
    }
    h.scheduler.start();
    for (let i = 0; i < 30; i++) {
      await h.clock.advance(10_000);
      assert.ok((await h.scheduler.countJobs()) <= 50);
    }
    assert.equal(h.of("job:succeeded").length + h.of("job:failed").length, 3000);
    assert.equal(await h.scheduler.countJobs(), 50);
    await h.scheduler.stop();
  });

  it("a dropped job reads as an expired one: getJob, result, retryJob, counts", async () => {
    const store = new MemoryStore({ maxFinishedJobs: 2 });
    const h = harness({ logger: null }, { clock: harness().clock, store });
    const ok = h.scheduler.task("ok", (n: number) => n);
    h.scheduler.task("bad", () => {
      throw new Error("no");
    });
    const failed = await h.scheduler.enqueue("bad", null);
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal((await h.scheduler.getJob(failed.id))!.status, "failed");
    const later = [await ok.enqueue(1), await ok.enqueue(2)];
    await h.clock.advance(0);
    assert.deepEqual(await Promise.all(later.map((j) => j.result())), [1, 2]);
    assert.equal(await h.scheduler.getJob(failed.id), null);
    await assert.rejects(failed.result(), ResultExpiredError);
    await assert.rejects(h.scheduler.retryJob(failed.id), NotFoundError);
    assert.equal(await h.scheduler.countJobs(), 2);
    assert.equal(await h.scheduler.countJobs({ status: "failed" }), 0);
    await h.scheduler.stop();
  });

  it("with a bound of 0, awaited results and dependants still see the job finish", async () => {
    const store = new MemoryStore({ maxFinishedJobs: 0 });
    const h = harness({ logger: null }, { clock: harness().clock, store });
    const t = h.scheduler.task("t", (n: number) => n * 2);
    const first = await t.enqueue(1);
    const second = await t.enqueue(2, { after: [first.id] });
    const waiting = [first.result(), second.result()];
    h.scheduler.start();
    await h.clock.advance(0);
    assert.deepEqual(await Promise.all(waiting), [2, 4]);
    assert.equal(await h.scheduler.countJobs(), 0);
    await h.scheduler.stop();
  });

  it("keeps a finished job that a waiting job still lists, until it stops waiting", async () => {
    const store = new MemoryStore({ maxFinishedJobs: 3 });
    const h = harness({ logger: null }, { clock: harness().clock, store });
    const gate = deferred();
    h.scheduler.task("quick", (n: number) => n);
    h.scheduler.task("slow", () => gate.promise.then(() => "slow"));
    h.scheduler.task("last", () => "last");
    const a = await h.scheduler.enqueue("quick", 0);
    const b = await h.scheduler.enqueue("slow", null);
    const c = await h.scheduler.enqueue("last", null, { after: [a.id, b.id] });
    h.scheduler.start();
    await h.clock.advance(0);
    // Many jobs finish while c waits for b: a is the oldest finished job, yet c will read it.
    for (let i = 1; i <= 20; i++) await h.scheduler.enqueue("quick", i);
    await h.clock.advance(0);
    assert.equal((await h.scheduler.getJob(a.id))?.status, "succeeded");
    gate.resolve();
    await h.clock.advance(0);
    assert.equal(await c.result(), "last");
    // Nothing lists a any more: it goes at the next finish past the bound.
    await h.scheduler.enqueue("quick", 99);
    await h.clock.advance(0);
    assert.equal(await h.scheduler.getJob(a.id), null);
    assert.ok((await h.scheduler.countJobs()) <= 3);
    await h.scheduler.stop();
  });

  it("cleanup yields to the event loop between chunks of a large expiry", async () => {
    const store = new MemoryStore({ maxFinishedJobs: Infinity });
    const n = 3 * MEMORY_CLEANUP_CHUNK;
    for (let i = 0; i < n; i += 5000) {
      await store.insertJobs(
        Array.from({ length: 5000 }, (_, k) =>
          jobRecord(`j${i + k}`, {
            status: "succeeded",
            finishedAt: T0,
            expiresAt: T0 + DAY,
          })),
      );
    }
    let done = false;
    const cleaning = store.cleanup(T0 + DAY).then((removed) => {
      done = true;
      return removed;
    });
    // One turn of the event loop: the first chunk ran at once, the rest wait for later turns.
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, "other work ran before the clean-up finished");
    assert.equal(await cleaning, n);
    assert.equal(await store.countJobs(), 0);
  });
});
