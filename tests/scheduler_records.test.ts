// Job records as every surface shows them, and the store-wide settings the admin router uses.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { harness } from "./helpers/harness.ts";
import { every } from "../src/triggers/mod.ts";

describe("maxAttempts on a job record", () => {
  it("shows the task's retries + 1 for enqueued, run-now and fired jobs; a job's own retries win", async () => {
    const h = harness();
    const report = h.scheduler.task("report", () => "ok", { retries: 4 });
    const plain = await report.enqueue(null);
    const own = await report.enqueue(null, { retries: 1 });
    await report.schedule({ id: "s", trigger: every({ minutes: 1 }), payload: null });
    const extra = await h.scheduler.runNow("s");
    h.scheduler.start();
    await h.clock.advance(60_000);
    const fired = (await h.scheduler.listJobs({ scheduleId: "s" }))
      .filter((j) => j.id !== extra.id);
    assert.equal((await h.scheduler.getJob(plain.id))!.maxAttempts, 5);
    assert.equal((await h.scheduler.getJob(own.id))!.maxAttempts, 2);
    assert.equal((await h.scheduler.getJob(extra.id))!.maxAttempts, 5);
    assert.ok(fired.length > 0);
    for (const job of fired) assert.equal(job.maxAttempts, 5);
    await h.scheduler.stop();
  });
});

describe("store-wide settings", () => {
  it("are shared by every scheduler on the store, apart from the scheduler's own records", async () => {
    const a = harness();
    const { Scheduler } = await import("../src/scheduler/scheduler.ts");
    const b = new Scheduler({ store: a.store, clock: a.clock });
    await a.scheduler.setSetting("lock", "not the lock");
    assert.equal(await b.getSetting("lock"), "not the lock");
    assert.equal(await b.getLock(), null, "a setting never touches the store-wide lock");
    await b.setSetting("lock", null);
    assert.equal(await a.scheduler.getSetting("lock"), null);
    await assert.rejects(a.scheduler.setSetting("k", "x".repeat(65_537)), RangeError);
    await assert.rejects(a.scheduler.setSetting("", "x"), RangeError);
    await assert.rejects(a.scheduler.setSetting("k", 5 as never), TypeError);
  });
});
