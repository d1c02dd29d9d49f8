/**
 * A schedule's jobs go through their task's queue controls like enqueued jobs: the task's rate
 * limit and per-key concurrency (keys from the schedule's payload, taken when the schedule is
 * written), and the task's priority unless the schedule sets one. On the virtual clock, over
 * `MemoryStore` and an SQLite store.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { openStore } from "../adapters/sqlite.ts";
import { VirtualClock } from "../src/clock.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import type { Store } from "../src/store/store.ts";
import { at } from "../src/triggers/mod.ts";
import { T0 } from "./helpers/harness.ts";

const STORES: Array<[string, () => Promise<Store>]> = [
  ["MemoryStore", () => Promise.resolve(new MemoryStore())],
  ["SQLite", () => openStore(":memory:")],
];

for (const [name, open] of STORES) {
  describe(`a schedule's jobs and their task's controls (${name})`, () => {
    const opened: Store[] = [];
    after(async () => {
      for (const store of opened) await store.close();
    });
    const setUp = async () => {
      const store = await open();
      opened.push(store);
      const clock = new VirtualClock(T0);
      const scheduler = new Scheduler({ clock, store, random: () => 0.5 });
      const sleep = (ms: number) => new Promise<void>((r) => clock.setTimer(r, ms));
      return { store, clock, scheduler, sleep };
    };

    it("counts fired jobs against the task's rate limit", async () => {
      const { store, clock, scheduler } = await setUp();
      const starts: Array<[string, number]> = [];
      scheduler.task("call", (p: string) => void starts.push([p, clock.now() - T0]), {
        rateLimit: { limit: 2, period: 1000 },
      });
      await scheduler.enqueue("call", "enqueued 1");
      await scheduler.enqueue("call", "enqueued 2");
      await scheduler.schedule({ id: "s", task: "call", trigger: at(T0), payload: "fired" });
      scheduler.start();
      await clock.advance(0);
      await clock.advance(1000);
      // Two starts in the first second; the fire waits for the next allowed instant.
      assert.deepEqual(starts, [["enqueued 1", 0], ["enqueued 2", 0], ["fired", 1000]]);
      const fired = (await store.listJobs({ scheduleId: "s" }))[0]!;
      assert.deepEqual([fired.rateKey, fired.rateLimit, fired.ratePeriod], ["call", 2, 1000]);
      await scheduler.stop();
    });

    it("runs fired and enqueued jobs of one concurrency key one at a time", async () => {
      const { store, clock, scheduler, sleep } = await setUp();
      let running = 0;
      let most = 0;
      const starts: Array<[string, number]> = [];
      scheduler.task("sync", async (p: { customer: string; by: string }) => {
        most = Math.max(most, ++running);
        starts.push([p.by, clock.now() - T0]);
        await sleep(100);
        running--;
      }, { concurrency: { key: (p: { customer: string }) => p.customer, limit: 1 } });
      await scheduler.enqueue("sync", { customer: "a", by: "enqueue" });
      await scheduler.schedule({
        id: "s",
        task: "sync",
        trigger: at(T0),
        payload: { customer: "a", by: "fire" },
      });
      assert.equal((await store.getSchedule("s"))!.concurrencyKey, "a");
      scheduler.start();
      for (let i = 0; i < 3; i++) await clock.advance(100);
      assert.equal(most, 1);
      assert.deepEqual(starts, [["enqueue", 0], ["fire", 100]]);
      const fired = (await store.listJobs({ scheduleId: "s" }))[0]!;
      assert.deepEqual([fired.concurrencyKey, fired.concurrencyLimit], ["a", 1]);
      await scheduler.stop();
    });

    it("keeps a queued schedule's own key, and gives runNow the task's", async () => {
      const { store, clock, scheduler } = await setUp();
      scheduler.task("sync", () => {}, {
        concurrency: { key: (p: { customer: string }) => p.customer, limit: 3 },
        rateLimit: { limit: 5, period: 1000, key: (p: { customer: string }) => p.customer },
      });
      await scheduler.schedule({
        id: "q",
        task: "sync",
        trigger: at(T0),
        payload: { customer: "a" },
        overlap: "queue",
        maxInstances: 2,
      });
      const run = await scheduler.runNow("q");
      scheduler.start();
      await clock.advance(0);
      const fired = (await store.listJobs({ scheduleId: "q" })).find((j) => j.id !== run.id)!;
      assert.deepEqual(
        [fired.concurrencyKey, fired.concurrencyLimit, fired.rateKey],
        ["schedule:q", 2, "sync:a"],
      );
      const now = (await store.getJob(run.id))!;
      assert.deepEqual([now.concurrencyKey, now.concurrencyLimit, now.rateKey], ["a", 3, "sync:a"]);
      await scheduler.stop();
    });

    it("gives a schedule its task's priority unless it sets one", async () => {
      const { store, clock, scheduler } = await setUp();
      scheduler.task("report", () => {}, { priority: -5 });
      const plain = await scheduler.schedule({ id: "plain", task: "report", trigger: at(T0) });
      const own = await scheduler.schedule({
        id: "own",
        task: "report",
        trigger: at(T0),
        priority: 3,
      });
      assert.deepEqual([plain.priority, own.priority], [-5, 3]);
      scheduler.start();
      await clock.advance(0);
      const jobs = await store.listJobs({ task: "report" });
      assert.deepEqual(
        jobs.map((j) => [j.scheduleId, j.priority]).sort(),
        [["own", 3], ["plain", -5]],
      );
      await scheduler.stop();
    });

    it("takes the keys again from a new payload, and refuses one the key function rejects", async () => {
      const { store, scheduler } = await setUp();
      scheduler.task("sync", () => {}, {
        concurrency: { key: (p: { customer: string }) => p.customer, limit: 1 },
      });
      await scheduler.schedule({
        id: "s",
        task: "sync",
        trigger: at(T0),
        payload: { customer: "a" },
      });
      await scheduler.updateSchedule("s", { payload: { customer: "b" } });
      assert.equal((await store.getSchedule("s"))!.concurrencyKey, "b");
      await assert.rejects(
        scheduler.updateSchedule("s", { payload: { customer: "" } }),
        (e: Error) => e instanceof RangeError && /concurrency key/.test(e.message),
      );
      await assert.rejects(
        scheduler.schedule({ id: "t", task: "sync", trigger: at(T0), payload: { customer: "" } }),
        RangeError,
      );
      assert.equal((await store.getSchedule("s"))!.concurrencyKey, "b", "unchanged");
      assert.equal(await store.getSchedule("t"), null, "nothing written");
      await scheduler.stop();
    });
  });
}
