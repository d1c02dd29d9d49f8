// A fire's job starts in the fire's own store step when this process has a free slot for it:
// written running, held by this process, never claimed. Jobs that were already waiting keep
// their turn. Run on the memory store and an SQLite file (the one-step fire path).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openStore, sqliteDriver, SqlStore } from "../adapters/sqlite.ts";
import { VirtualClock } from "../src/clock.ts";
import { CLAIM_BATCH } from "../src/engine/_claims.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import type { Store } from "../src/store/store.ts";
import { at, every } from "../src/triggers/mod.ts";
import { deferred, T0 } from "./helpers/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-fire-start-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

// A file of one process (`shared: false`) and a shared one: on a shared store a fire keeps only
// a share of its jobs (`_start_share.ts`, tested in engine_rules.test.ts), so the first test,
// which counts claims, runs on the others.
const stores: [string, () => Promise<Store>][] = [
  ["memory", () => Promise.resolve(new MemoryStore())],
  ["SQLite file", () => openStore(join(dir, `store-${++files}.db`), { shared: false })],
  ["shared SQLite file", () => openStore(join(dir, `store-${++files}.db`))],
];

/** Counts the jobs the store hands out through `claimJobs`. */
function countClaims(store: Store): { claimed: number } {
  const count = { claimed: 0 };
  const claimJobs = store.claimJobs.bind(store);
  store.claimJobs = async (...args) => {
    const jobs = await claimJobs(...args);
    count.claimed += jobs.length;
    return jobs;
  };
  return count;
}

for (const [name, open] of stores) {
  describe(`fired jobs started at once (${name})`, () => {
    it("writes a fire's job running for this process and never claims it", {
      skip: name.startsWith("shared") && "a shared store keeps a share (tested alone)",
    }, async () => {
      const store = await open();
      const clock = new VirtualClock(T0);
      const scheduler = new Scheduler({ store, clock });
      const count = countClaims(store);
      const seen: unknown[] = [];
      const task = scheduler.task("t", async (_p, ctx) => {
        const job = (await store.getJob(ctx.jobId))!;
        seen.push([job.status, job.attempts, job.startedAt, job.leaseUntil! > clock.now()]);
        return null;
      });
      await task.schedule({ id: "s", trigger: every("PT1S") });
      scheduler.start();
      await clock.advance(3000);
      await scheduler.stop();
      assert.deepEqual(seen, [
        ["running", 1, T0 + 1000, true],
        ["running", 1, T0 + 2000, true],
        ["running", 1, T0 + 3000, true],
      ]);
      assert.equal(count.claimed, 0, "no fired job went through a claim");
      assert.equal(await store.countJobs({ status: "succeeded" }), 3);
      await store.close();
    });

    it("starts jobs already waiting for a slot before a fire's job", async () => {
      const store = await open();
      const clock = new VirtualClock(T0);
      const scheduler = new Scheduler({ store, clock, concurrency: 1 });
      const order: string[] = [];
      const task = scheduler.task("t", (p: string) => {
        order.push(p);
        return null;
      });
      await task.enqueue("waiting 1");
      await task.enqueue("waiting 2");
      await task.schedule({ id: "s", trigger: at(T0), payload: "fired" });
      scheduler.start();
      await clock.advance(10);
      await scheduler.stop();
      assert.deepEqual(order, ["waiting 1", "waiting 2", "fired"]);
      await store.close();
    });

    it("leaves a fire's job to the claims while a claim found more waiting jobs than it took", async () => {
      // One claim takes at most CLAIM_BATCH jobs: with 200 more waiting and room for all, the
      // fire in the same pass must not start its job ahead of the 200 the claim left.
      const waiting = CLAIM_BATCH + 200;
      const store = await open();
      const clock = new VirtualClock(T0);
      const scheduler = new Scheduler({ store, clock, concurrency: 2000 });
      const order: string[] = [];
      const gate = deferred();
      const task = scheduler.task("t", async (p: string) => {
        order.push(p);
        await gate.promise;
        return null;
      }, { resultTtl: 0 });
      await scheduler.enqueueMany(
        Array.from({ length: waiting }, () => ({ task: "t", payload: "waiting" })),
      );
      await task.schedule({ id: "s", trigger: at(T0), payload: "fired" });
      scheduler.start();
      while (order.length < waiting + 1) await clock.advance(1);
      gate.resolve();
      await scheduler.stop();
      assert.equal(order.indexOf("fired"), waiting, "the fire's job started last");
      await store.close();
    });
  });
}

describe("fired jobs started at once on a sole writer's store (a Durable Object's)", () => {
  it("are written with no lease, and a renewal gives a long run one", async () => {
    const path = join(dir, `store-${++files}.db`);
    const driver = sqliteDriver(new DatabaseSync(path));
    const store = await SqlStore.open(driver, { shared: false, soleWriter: true });
    const clock = new VirtualClock(T0);
    const scheduler = new Scheduler({ store, clock, leaseTime: 3000 });
    const started = deferred();
    const gate = deferred();
    const task = scheduler.task("t", async () => {
      started.resolve();
      await gate.promise;
      return null;
    });
    await task.schedule({ id: "s", trigger: at(T0 + 1000) });
    scheduler.start();
    await clock.advance(1000);
    await started.promise;
    const held = async () => {
      const [job] = await store.listJobs({ scheduleId: "s" });
      return [job!.status, job!.attempts, job!.leaseOwner === scheduler.identity, job!.leaseUntil];
    };
    assert.deepEqual(await held(), ["running", 1, true, null]);
    // Renewals come every third of the lease: the first one writes a lease.
    await clock.advance(1000);
    assert.deepEqual(await held(), ["running", 1, true, T0 + 2000 + 3000]);
    gate.resolve();
    await scheduler.stop();
    assert.equal(await store.countJobs({ status: "succeeded" }), 1);
    await store.close();
  });
});

describe("fires in two lanes on a store that runs steps in parallel", () => {
  /** A memory store that says it runs two steps at once, and counts its fire steps in flight. */
  function parallelStore(failOnCall?: number) {
    const store = Object.assign(new MemoryStore(), { parallel: 2 });
    const seen = { inFlight: 0, most: 0, calls: 0 };
    const claim = store.claimDueSchedules.bind(store);
    store.claimDueSchedules = async (...args) => {
      const call = ++seen.calls;
      seen.most = Math.max(seen.most, ++seen.inFlight);
      try {
        // A turn in flight, so a second lane's step overlaps this one as it would on a pool.
        await new Promise((r) => setTimeout(r, 0));
        if (call === failOnCall) throw new Error("connection lost");
        return await claim(...args);
      } finally {
        seen.inFlight--;
      }
    };
    return { store, seen };
  }

  it("fires each due schedule once, two batches at a time after a full first batch", async () => {
    const { store, seen } = parallelStore();
    const clock = new VirtualClock(T0);
    const scheduler = new Scheduler({ store, clock, concurrency: 10_000 });
    const ran: string[] = [];
    const task = scheduler.task("t", (_p, ctx) => void ran.push(ctx.jobId), { resultTtl: 0 });
    for (let i = 0; i < 2000; i++) await task.schedule({ id: `s${i}`, trigger: at(T0 + 1000) });
    scheduler.start();
    await clock.advance(1000);
    while (ran.length < 2000) await clock.advance(1);
    await scheduler.stop();
    assert.equal(new Set(ran).size, 2000, "every fire ran once");
    assert.equal(seen.most, 2, "two fire steps were in flight at once");
  });

  it("starts what one lane fired when the other lane's step fails, and reports the failure", async () => {
    const { store } = parallelStore(3); // the first batch, then two lanes: the second one fails
    const clock = new VirtualClock(T0);
    const scheduler = new Scheduler({ store, clock, concurrency: 10_000 });
    const errors: string[] = [];
    scheduler.on("scheduler:error", ({ error }) => errors.push(String(error)));
    const ran: string[] = [];
    const attempts = new Set<number>();
    const task = scheduler.task("t", (_p, ctx) => {
      ran.push(ctx.jobId);
      attempts.add(ctx.attempt);
    }, { resultTtl: 0 });
    for (let i = 0; i < 1000; i++) await task.schedule({ id: `s${i}`, trigger: at(T0 + 1000) });
    scheduler.start();
    await clock.advance(1000);
    // Small steps: each store step here waits for a real timer, and virtual time advanced in
    // large steps meanwhile would end leases of jobs the engine is still starting, turn by turn.
    while (ran.length < 1000) await clock.advance(10);
    await scheduler.stop();
    assert.equal(new Set(ran).size, 1000, "every fire ran once, the failed lane's on a later pass");
    assert.deepEqual(errors, ["Error: connection lost"]);
    // A job the good lane wrote running but this process never started would run only after
    // its lease ended, as a second attempt.
    assert.deepEqual([...attempts], [1]);
  });
});
