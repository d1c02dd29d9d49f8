/**
 * The queue part of the store conformance suite (issue 12): creation order, priority,
 * starvation, per-key concurrency, rate limits, insert modes, batches, dependencies, re-runs
 * and purge. Registered by `storeConformance`, so every store runs it unchanged.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_FAILED_TTL_MS, MAX_HISTORY, MAX_INSERT_JOBS } from "../src/store/semantics.ts";
import type { JobOutcome, JobRecord, ScheduleRecord, Store } from "../src/store/store.ts";
import { jobRecord, scheduleRecord } from "./store_conformance.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const LEASE = 30_000;
const all = { tasks: ["t", "u"] };

function outcome(status: JobOutcome["status"], at: number, patch: Partial<JobOutcome> = {}) {
  return {
    status,
    result: status === "succeeded" ? "1" : null,
    error: status === "failed" ? { name: "Error", message: `boom at ${at}` } : null,
    finishedAt: at,
    expiresAt: null,
    ...patch,
  } satisfies JobOutcome;
}

/** Claims the job `id` (its task is its own id) and ends it with `status` at `at`. */
async function end(store: Store, id: string, status: JobOutcome["status"], at: number) {
  const claimed = await store.claimJobs(at, "E", LEASE, 1, { tasks: [id] });
  assert.deepEqual(claimed.map((j) => j.id), [id], `${id} is claimable`);
  assert.equal(await store.finishJob(id, "E", outcome(status, at)), true);
}

async function claimIds(store: Store, now: number, limit: number, starvationMs?: number) {
  const options = starvationMs === undefined ? all : { ...all, starvationMs };
  return (await store.claimJobs(now, "A", LEASE, limit, options)).map((j) => j.id);
}

/** A job of its own task, so `end()` can claim exactly it. */
function own(id: string, patch: Partial<JobRecord> = {}): JobRecord {
  return jobRecord(id, { task: id, ...patch });
}

/**
 * Registers the queue conformance tests.
 * @param getStore The current test's fresh store.
 */
export function queueConformance(getStore: () => Store): void {
  describe("creation order (seq)", () => {
    it("claims jobs ready at the same time in insertion order, whatever their ids", async () => {
      const store = getStore();
      const ids = Array.from({ length: 20 }, (_, i) => `${(i * 7919) % 97}-${i}`);
      for (const id of ids) await store.insertJob(jobRecord(id, { seq: 999 }));
      const order: string[] = [];
      for (let i = 0; i < 20; i++) order.push(...await claimIds(store, T0, 1));
      assert.deepEqual(order, ids);
    });

    it("keeps call order for inserts made at once, without awaiting each", async () => {
      // Concurrent callers (one per request): stores may write them together (group commit),
      // but creation order is still the order of the calls, mixed insert modes included.
      const store = getStore();
      const ids = Array.from({ length: 60 }, (_, i) => `${(i * 7919) % 97}-${i}`);
      const writes = ids.map((id, i) =>
        i % 10 === 5
          ? store.insertJob(jobRecord(id, { payload: `"${i}"` }), "replace")
          : store.insertJob(jobRecord(id))
      );
      assert.deepEqual(await Promise.all(writes), ids.map(() => "inserted"));
      const order: string[] = [];
      for (let i = 0; i < 6; i++) order.push(...await claimIds(store, T0, 10));
      assert.deepEqual(order, ids);
    });

    it("inserts a repeated id once when the inserts are made at once", async () => {
      const store = getStore();
      const results = await Promise.all([
        store.insertJob(jobRecord("a", { payload: '"first"' })),
        store.insertJob(jobRecord("b")),
        store.insertJob(jobRecord("a", { payload: '"second"' })),
      ]);
      assert.deepEqual(results, ["inserted", "inserted", "kept"]);
      assert.equal((await store.getJob("a"))?.payload, '"first"');
      assert.deepEqual(await claimIds(store, T0, 10), ["a", "b"]);
    });

    it("assigns a strictly increasing seq, never reused", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("a", { seq: 5 }));
      await store.insertJob(jobRecord("b", { seq: 1 }));
      const a = (await store.getJob("a"))!.seq;
      const b = (await store.getJob("b"))!.seq;
      assert.ok(b > a, `${b} > ${a}`);
      await store.insertJob(jobRecord("gone", { status: "failed", finishedAt: T0 }));
      const gone = (await store.getJob("gone"))!.seq;
      assert.equal(await store.purgeJobs({}, 10), 1);
      await store.insertJob(jobRecord("c"));
      assert.ok((await store.getJob("c"))!.seq > gone, "a deleted job's seq is not reused");
      const inserted = await store.insertJobs([jobRecord("d"), jobRecord("e")]);
      assert.deepEqual(inserted, ["d", "e"]);
      const d = (await store.getJob("d"))!.seq;
      assert.ok(d > (await store.getJob("c"))!.seq && (await store.getJob("e"))!.seq > d);
    });
  });

  describe("priority", () => {
    it("stores a schedule's priority and keeps it on the jobs a release inserts", async () => {
      const store = getStore();
      await store.putSchedule(scheduleRecord("s", { priority: -7 }), "error");
      assert.equal((await store.getSchedule("s"))!.priority, -7);
      await store.updateSchedule(scheduleRecord("s", { priority: 9 }));
      assert.equal((await store.getSchedule("s"))!.priority, 9);
      await store.claimDueSchedules(T0, "A", LEASE, 1);
      await store.releaseSchedule("s", "A", {
        nextRunAt: null,
        lastRunAt: T0,
        jobs: [jobRecord("s@1", { scheduleId: "s", priority: 9 })],
      });
      assert.equal((await store.getJob("s@1"))!.priority, 9);
    });

    it("keeps a schedule's concurrency and rate keys through every write and read", async () => {
      const store = getStore();
      await store.putSchedule(
        scheduleRecord("k", { concurrencyKey: "c1", rateKey: "t:r1" }),
        "error",
      );
      const keys = (s: ScheduleRecord | null | undefined) => [s?.concurrencyKey, s?.rateKey];
      assert.deepEqual(keys(await store.getSchedule("k")), ["c1", "t:r1"]);
      await store.updateSchedule(scheduleRecord("k", { concurrencyKey: "c2", rateKey: null }));
      assert.deepEqual(keys(await store.getSchedule("k")), ["c2", null]);
      assert.deepEqual(keys((await store.listSchedules({})).find((s) => s.id === "k")), [
        "c2",
        null,
      ]);
      await store.putSchedule(
        scheduleRecord("k", { concurrencyKey: null, rateKey: "t" }),
        "replace",
      );
      const [claimed] = await store.claimDueSchedules(T0, "A", LEASE, 1);
      assert.deepEqual(keys(claimed?.record), [null, "t"]);
    });

    it("claims by priority, then run time, then creation order", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("p0", { runAt: T0 - 10 }));
      await store.insertJob(jobRecord("p5", { runAt: T0, priority: 5 }));
      await store.insertJob(jobRecord("neg", { runAt: T0 - 20, priority: -3 }));
      await store.insertJob(jobRecord("p5-early", { runAt: T0 - 1, priority: 5 }));
      await store.insertJob(jobRecord("p5-same", { runAt: T0, priority: 5 }));
      await store.insertJob(jobRecord("future", { runAt: T0 + 1, priority: 1000 }));
      assert.deepEqual(await claimIds(store, T0, 3), ["p5-early", "p5", "p5-same"]);
      assert.deepEqual(await claimIds(store, T0, 10), ["p0", "neg"]);
      assert.equal((await store.getJob("p5"))!.priority, 5);
    });

    it("claims a job starved past starvationMs before every priority", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("high", { runAt: T0, priority: 10 }));
      await store.insertJob(jobRecord("low", { runAt: T0 - 300_000, priority: -10 }));
      await store.insertJob(jobRecord("low2", { runAt: T0 - 300_000, priority: -20 }));
      await store.insertJob(jobRecord("older", { runAt: T0 - 400_000, priority: -30 }));
      assert.deepEqual(await claimIds(store, T0, 1, 400_001), ["high"]);
      assert.deepEqual(await claimIds(store, T0, 10), ["older", "low", "low2"]);
    });

    it("uses the default starvation threshold of five minutes", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("high", { runAt: T0, priority: 10 }));
      await store.insertJob(jobRecord("low", { runAt: T0 - 299_999, priority: -10 }));
      assert.deepEqual(await claimIds(store, T0, 1), ["high"]);
      await store.insertJob(jobRecord("high2", { runAt: T0, priority: 10 }));
      assert.deepEqual(await claimIds(store, T0 + 1, 1), ["low"]);
    });
  });

  describe("wake-ups with the claim order", () => {
    it("does not wake for a job cancelled or replaced after a claim passed it over", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("j", { task: "other" }));
      await store.insertJob(jobRecord("k", { task: "other" }));
      assert.deepEqual(await claimIds(store, T0, 10), [], "not a task of this claimer");
      assert.equal(await store.nextWakeup(), T0);
      await store.cancelJob("j", T0 + 1, null);
      await store.insertJob(jobRecord("k", { task: "other", runAt: T0 + 500 }), "replace");
      assert.equal(await store.nextWakeup(), T0 + 500);
      const [k] = await store.claimJobs(T0 + 500, "A", LEASE, 10, { tasks: ["other"] });
      assert.equal(k!.id, "k");
    });
  });

  describe("per-key concurrency with the claim order", () => {
    it("skips a job blocked by its key and still claims later ones", async () => {
      const store = getStore();
      const key = { concurrencyKey: "customer-42", concurrencyLimit: 1 };
      await store.insertJob(jobRecord("k1", { ...key, priority: 10 }));
      await store.insertJob(jobRecord("k2", { ...key, priority: 10 }));
      await store.insertJob(jobRecord("free1"));
      await store.insertJob(jobRecord("free2"));
      assert.deepEqual(await claimIds(store, T0, 3), ["k1", "free1", "free2"]);
      assert.deepEqual(await claimIds(store, T0, 10), []);
      await store.finishJob("k1", "A", outcome("succeeded", T0 + 1));
      assert.deepEqual(await claimIds(store, T0 + 1, 10), ["k2"]);
    });
  });

  describe("rate limits", () => {
    const rate = { rateKey: "t:api", rateLimit: 2, ratePeriod: 1000 };

    it("delays a job over the limit to the next allowed instant, never fails it", async () => {
      const store = getStore();
      for (const id of ["r1", "r2", "r3"]) await store.insertJob(jobRecord(id, rate));
      await store.insertJob(jobRecord("other"));
      assert.deepEqual(await claimIds(store, T0, 10), ["r1", "r2", "other"]);
      const r3 = await store.getJob("r3");
      assert.equal(r3!.status, "pending");
      assert.equal(r3!.runAt, T0 + 1000);
      assert.equal(r3!.attempts, 0);
      assert.equal(await store.nextWakeup(), T0 + 1000);
      assert.deepEqual(await claimIds(store, T0 + 999, 10), []);
      assert.deepEqual(await claimIds(store, T0 + 1000, 10), ["r3"]);
    });

    it("counts starts across claims in a sliding window", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("a", rate));
      assert.deepEqual(await claimIds(store, T0, 10), ["a"]);
      await store.insertJob(jobRecord("b", { ...rate, runAt: T0 + 500 }));
      await store.insertJob(jobRecord("c", { ...rate, runAt: T0 + 500 }));
      assert.deepEqual(await claimIds(store, T0 + 500, 10), ["b"]);
      assert.equal((await store.getJob("c"))!.runAt, T0 + 1000, "when a's start leaves");
      await store.insertJob(jobRecord("other-key", { ...rate, rateKey: "t:other" }));
      assert.deepEqual(await claimIds(store, T0 + 600, 10), ["other-key"]);
      assert.deepEqual(await claimIds(store, T0 + 1000, 10), ["c"]);
    });
  });

  describe("insert modes", () => {
    it("keeps by default and replaces only a pending job, keeping its identity", async () => {
      const store = getStore();
      assert.equal(await store.insertJob(jobRecord("j", { payload: '"v1"' })), "inserted");
      const first = (await store.getJob("j"))!;
      assert.equal(await store.insertJob(jobRecord("j", { payload: '"v2"' })), "kept");
      assert.equal(await store.insertJob(jobRecord("j", { payload: '"v2"' }), "keep"), "kept");
      assert.equal((await store.getJob("j"))!.payload, '"v1"');
      const replaced = await store.insertJob(
        jobRecord("j", { payload: '"v3"', runAt: T0 + 50, priority: 7, createdAt: T0 + 40 }),
        "replace",
      );
      assert.equal(replaced, "replaced");
      const j = (await store.getJob("j"))!;
      assert.equal(j.payload, '"v3"');
      assert.equal(j.runAt, T0 + 50);
      assert.equal(j.priority, 7);
      assert.equal(j.seq, first.seq);
      assert.equal(j.createdAt, first.createdAt);
      assert.equal(await store.countJobs(), 1);
    });

    it("never modifies a running or final job", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("run", { payload: '"v1"' }));
      await store.claimJobs(T0, "A", LEASE, 1, all);
      assert.equal(await store.insertJob(jobRecord("run", { payload: '"v2"' }), "replace"), "kept");
      const run = (await store.getJob("run"))!;
      assert.equal(run.status, "running");
      assert.equal(run.payload, '"v1"');
      await store.finishJob("run", "A", outcome("succeeded", T0 + 1));
      assert.equal(await store.insertJob(jobRecord("run", { payload: '"v3"' }), "replace"), "kept");
      const done = (await store.getJob("run"))!;
      assert.equal(done.status, "succeeded");
      assert.equal(done.payload, '"v1"');
    });

    it("replaces a waiting job's payload and keeps its dependencies", async () => {
      const store = getStore();
      await store.insertJob(own("dep"));
      await store.insertJob(jobRecord("w", { after: ["dep"], payload: '"v1"' }));
      assert.equal((await store.getJob("w"))!.status, "waiting");
      assert.equal(
        await store.insertJob(jobRecord("w", { payload: '"v2"' }), "replace"),
        "replaced",
      );
      const w = (await store.getJob("w"))!;
      assert.equal(w.status, "waiting");
      assert.equal(w.payload, '"v2"');
      assert.deepEqual(w.after, ["dep"]);
      await end(store, "dep", "succeeded", T0 + 5);
      const ready = (await store.getJob("w"))!;
      assert.equal(ready.status, "pending");
      assert.equal(ready.payload, '"v2"');
    });
  });

  describe("insertJobs", () => {
    it("inserts a batch, keeps existing ids and returns the ids inserted", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("b", { payload: '"old"' }));
      const ids = await store.insertJobs([
        jobRecord("a"),
        jobRecord("b", { payload: '"new"' }),
        jobRecord("c", { after: ["a"] }),
      ]);
      assert.deepEqual(ids, ["a", "c"]);
      assert.equal((await store.getJob("b"))!.payload, '"old"');
      assert.equal((await store.getJob("c"))!.status, "waiting", "dependencies in the batch");
      assert.deepEqual(await store.insertJobs([]), []);
    });

    it("inserts batches wider than one statement's bound parameters, in order", async () => {
      // Durable Objects bind at most 100 parameters per statement (three job rows): a batch and
      // a burst of single inserts must still go in whole, numbered in call order.
      const store = getStore();
      const batch = Array.from({ length: 40 }, (_, i) => jobRecord(`m${i}`));
      assert.deepEqual(await store.insertJobs(batch), batch.map((j) => j.id));
      const singles = Array.from({ length: 20 }, (_, i) => jobRecord(`s${i}`));
      const outcomes = await Promise.all(singles.map((j) => store.insertJob(j)));
      assert.deepEqual(outcomes, singles.map(() => "inserted"));
      assert.equal(await store.countJobs(), 60);
      const order = (await claimIds(store, T0, 100)).filter((id) => id.startsWith("s"));
      assert.deepEqual(order, singles.map((j) => j.id));
    });

    it("writes nothing when the batch is refused", async () => {
      const store = getStore();
      const jobs = Array.from({ length: MAX_INSERT_JOBS + 1 }, (_, i) => jobRecord(`j${i}`));
      await assert.rejects(store.insertJobs(jobs), RangeError);
      assert.equal(await store.countJobs(), 0);
    });
  });

  describe("dependencies", () => {
    it("waits until every dependency succeeded, then becomes ready", async () => {
      const store = getStore();
      await store.insertJob(own("a"));
      await store.insertJob(own("b"));
      await store.insertJob(jobRecord("final", { after: ["a", "b"], runAt: T0 }));
      assert.equal((await store.getJob("final"))!.status, "waiting");
      assert.equal(await store.countJobs({ status: "waiting" }), 1);
      assert.deepEqual((await store.listJobs({ status: "waiting" })).map((j) => j.id), ["final"]);
      assert.deepEqual(await claimIds(store, T0, 10), [], "a waiting job is never claimed");
      await end(store, "a", "succeeded", T0 + 10);
      assert.equal((await store.getJob("final"))!.status, "waiting");
      await end(store, "b", "succeeded", T0 + 20);
      const ready = (await store.getJob("final"))!;
      assert.equal(ready.status, "pending");
      assert.equal(ready.runAt, T0 + 20, "runAt = max(runAt, now)");
      assert.deepEqual(await claimIds(store, T0 + 20, 10), ["final"]);
    });

    it("is ready at once when every dependency already succeeded", async () => {
      const store = getStore();
      await store.insertJob(own("a"));
      await end(store, "a", "succeeded", T0);
      await store.insertJob(jobRecord("next", { after: ["a"] }));
      assert.equal((await store.getJob("next"))!.status, "pending");
    });

    it("ignores waiting jobs in nextWakeup", async () => {
      const store = getStore();
      await store.insertJob(own("a", { runAt: T0 + 500 }));
      await store.insertJob(jobRecord("w", { after: ["a"], runAt: T0 + 100 }));
      assert.equal(await store.nextWakeup(), T0 + 500);
    });

    it("cancels a job whose dependency is unknown, naming it", async () => {
      const store = getStore();
      await store.insertJob(jobRecord("orphan", { after: ["nope"], createdAt: T0 }));
      const job = (await store.getJob("orphan"))!;
      assert.equal(job.status, "cancelled");
      assert.deepEqual(job.error, {
        name: "DependencyFailedError",
        message: 'Dependency "nope" does not exist',
      });
      assert.equal(job.finishedAt, T0);
      assert.equal(job.expiresAt, T0 + DEFAULT_FAILED_TTL_MS);
    });

    it("cancels dependants of a failed job, cascading, with the cause named", async () => {
      const store = getStore();
      await store.insertJob(own("a"));
      await store.insertJob(own("ok"));
      await store.insertJob(jobRecord("b", { after: ["ok", "a"], resultTtl: 60_000 }));
      await store.insertJob(jobRecord("c", { after: ["b"] }));
      await end(store, "a", "failed", T0 + 5);
      const b = (await store.getJob("b"))!;
      assert.equal(b.status, "cancelled");
      assert.deepEqual(b.error, {
        name: "DependencyFailedError",
        message: 'Dependency "a" failed',
      });
      assert.equal(b.finishedAt, T0 + 5);
      assert.equal(b.expiresAt, T0 + 5 + 60_000, "its resultTtl when set");
      const c = (await store.getJob("c"))!;
      assert.equal(c.status, "cancelled");
      assert.equal(c.error!.message, 'Dependency "b" was cancelled');
      assert.equal(c.expiresAt, T0 + 5 + DEFAULT_FAILED_TTL_MS);
    });

    it("cancels dependants of a cancelled job and of one that was already failed", async () => {
      const store = getStore();
      await store.insertJob(own("a", { runAt: T0 + 1000 }));
      await store.insertJob(jobRecord("b", { after: ["a"] }));
      await store.cancelJob("a", T0 + 3, T0 + 100);
      const b = (await store.getJob("b"))!;
      assert.equal(b.status, "cancelled");
      assert.equal(b.error!.message, 'Dependency "a" was cancelled');
      assert.equal(b.finishedAt, T0 + 3);
      await store.insertJob(jobRecord("late", { after: ["a"], createdAt: T0 + 9 }));
      assert.equal((await store.getJob("late"))!.status, "cancelled");
    });

    it("re-evaluates dependants when many jobs finish together (optional finishJobs)", async (t) => {
      const store = getStore();
      if (!store.finishJobs) return t.skip("no finishJobs");
      await store.insertJob(jobRecord("a"));
      await store.insertJob(jobRecord("b"));
      await store.insertJob(jobRecord("w", { after: ["a", "b"], task: "u" }));
      await store.claimJobs(T0, "A", LEASE, 2, { tasks: ["t"] });
      await store.finishJobs("A", [
        { id: "a", outcome: outcome("succeeded", T0 + 1) },
        { id: "b", outcome: outcome("succeeded", T0 + 1) },
      ]);
      assert.equal((await store.getJob("w"))!.status, "pending");
    });
  });

  describe("rerunJob", () => {
    it("re-queues a failed job with attempts reset and the error kept in history", async () => {
      const store = getStore();
      await store.insertJob(own("f", { maxAttempts: 1 }));
      await store.claimJobs(T0, "E", LEASE, 1, { tasks: ["f"] });
      await store.finishJob("f", "E", outcome("failed", T0 + 1, { expiresAt: T0 + 100 }));
      const first = (await store.getJob("f"))!.error;
      const again = (await store.rerunJob("f", T0 + 50))!;
      assert.equal(again.status, "pending");
      assert.equal(again.runAt, T0 + 50);
      assert.equal(again.attempts, 0);
      assert.deepEqual(again.history, [first]);
      assert.equal(again.error, null);
      assert.equal(again.finishedAt, null);
      assert.equal(again.expiresAt, null);
      assert.equal(again.leaseOwner, null);
      assert.deepEqual(await store.getJob("f"), again);
      assert.equal(await store.cleanup(T0 + 200), 0, "the old retention no longer applies");
      await end(store, "f", "failed", T0 + 300);
      assert.equal((await store.getJob("f"))!.attempts, 1);
      const twice = (await store.rerunJob("f", T0 + 400))!;
      assert.deepEqual(twice.history.map((e) => e.message), [
        `boom at ${T0 + 1}`,
        `boom at ${T0 + 300}`,
      ]);
    });

    it("keeps at most MAX_HISTORY errors, dropping the oldest", async () => {
      const store = getStore();
      await store.insertJob(own("f"));
      for (let i = 0; i < MAX_HISTORY + 2; i++) {
        await end(store, "f", "failed", T0 + i);
        await store.rerunJob("f", T0 + i);
      }
      const history = (await store.getJob("f"))!.history;
      assert.equal(history.length, MAX_HISTORY);
      assert.equal(history[0]!.message, `boom at ${T0 + 2}`);
      assert.equal(history.at(-1)!.message, `boom at ${T0 + MAX_HISTORY + 1}`);
    });

    it("re-queues a cancelled job, leaves other statuses and dependants alone", async () => {
      const store = getStore();
      await store.insertJob(own("c", { runAt: T0 + 1000 }));
      await store.insertJob(jobRecord("dep", { after: ["c"] }));
      await store.cancelJob("c", T0, null);
      assert.equal((await store.rerunJob("c", T0 + 1))!.status, "pending");
      assert.equal((await store.getJob("dep"))!.status, "cancelled", "dependants stay cancelled");
      await store.insertJob(jobRecord("p"));
      assert.deepEqual(await store.rerunJob("p", T0 + 1), await store.getJob("p"));
      await store.insertJob(jobRecord("s", { status: "succeeded", finishedAt: T0 }));
      assert.equal((await store.rerunJob("s", T0 + 1))!.status, "succeeded");
      assert.equal(await store.rerunJob("missing", T0), null);
    });
  });

  describe("purgeJobs", () => {
    async function seed(store: Store): Promise<void> {
      const fin = (status: JobRecord["status"], finishedAt: number, task = "t") =>
        jobRecord(`${status}-${task}-${finishedAt}`, { status, finishedAt, task });
      await store.insertJob(fin("succeeded", T0 + 1));
      await store.insertJob(fin("failed", T0 + 2));
      await store.insertJob(fin("cancelled", T0 + 3));
      await store.insertJob(fin("failed", T0 + 4, "u"));
      await store.insertJob(jobRecord("running"));
      await store.insertJob(jobRecord("pending"));
      await store.claimJobs(T0, "A", LEASE, 1, all);
      await store.insertJob(jobRecord("waiting", { after: ["running"] }));
    }

    it("deletes only final jobs, and returns how many", async () => {
      const store = getStore();
      await seed(store);
      assert.equal(await store.purgeJobs({ status: ["pending", "waiting", "running"] }, 100), 0);
      assert.equal(await store.purgeJobs({}, 100), 4);
      assert.deepEqual((await store.listJobs()).map((j) => j.id).sort(), [
        "pending",
        "running",
        "waiting",
      ]);
    });

    it("filters by status, task and finish time", async () => {
      const store = getStore();
      await seed(store);
      assert.equal(await store.purgeJobs({ status: "failed", task: "u" }, 100), 1);
      assert.equal(await store.purgeJobs({ finishedBefore: T0 + 2 }, 100), 1);
      assert.equal(await store.getJob(`succeeded-t-${T0 + 1}`), null);
      assert.equal(await store.purgeJobs({ status: ["failed", "succeeded"] }, 100), 1);
      assert.notEqual(await store.getJob(`cancelled-t-${T0 + 3}`), null);
    });

    it("deletes at most limit jobs per call", async () => {
      const store = getStore();
      for (let i = 0; i < 5; i++) {
        await store.insertJob(jobRecord(`f${i}`, { status: "failed", finishedAt: T0 }));
      }
      assert.equal(await store.purgeJobs({}, 2), 2);
      assert.equal(await store.purgeJobs({}, 2), 2);
      assert.equal(await store.purgeJobs({}, 2), 1);
      assert.equal(await store.purgeJobs({}, 2), 0);
    });
  });
}
