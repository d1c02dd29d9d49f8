// The engine's bounded turns (src/engine/_pacer.ts): once a turn's work is spent, a yield lets the
// timers that fell due meanwhile run before the loop goes on; a claimed page of jobs starts in
// such turns, and so do a fire's jobs. Asserted by order, never by timing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { systemClock, VirtualClock } from "../src/clock.ts";
import { nextTurn, onNextTurn } from "../src/_turns.ts";
import { Pacer, TURN_MS, TURN_WORK } from "../src/engine/_pacer.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { JsonValue } from "../src/json.ts";
import type { TaskHandle } from "../src/types.ts";
import { at } from "../src/triggers/mod.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { deferred, T0 } from "./helpers/harness.ts";

describe("the engine's pacer", () => {
  const deno = "Deno" in globalThis
    ? "Deno runs an immediate queued by an immediate before timers that are due"
    : false;

  it("lets a timer that fell due during a turn begun in a timer callback run before it resumes", {
    skip: deno,
  }, async () => {
    const order: string[] = await new Promise((done) => {
      setTimeout(async () => {
        const order: string[] = [];
        const pacer = new Pacer(systemClock());
        // A timer due while the turn works: the loop's work must not resume before it runs.
        setTimeout(() => order.push("timer"), 0);
        const until = Date.now() + 5;
        while (Date.now() < until) { /* the turn's work, past the timer's due time */ }
        pacer.spend(TURN_WORK);
        await pacer.pace();
        order.push("resumed");
        done(order);
      }, 0);
    });
    assert.deepEqual(order, ["timer", "resumed"]);
  });

  it("goes on without yielding while the turn has work and time left", async () => {
    const pacer = new Pacer(systemClock());
    pacer.spend(1);
    let turned = false;
    onNextTurn(() => (turned = true));
    await pacer.pace();
    assert.equal(turned, false);
  });
});

describe("the engine's turns of jobs it starts", () => {
  /**
   * Runs 100 jobs, made by `make`, whose handlers each take 1 ms of the (virtual) clock's time:
   * 100 ms of work, so turns end on TURN_MS, and a callback queued for the next turn by the first
   * handler must run long before the last one starts.
   * @returns How many handlers had started when that callback ran.
   */
  async function startedBeforeNextTurn(
    make: (task: TaskHandle<JsonValue, null>) => Promise<void>,
  ): Promise<number> {
    const clock = new VirtualClock(T0);
    const scheduler = new Scheduler({ store: new MemoryStore(), clock, concurrency: 100 });
    let started = 0;
    let startedWhenTurned = -1;
    const all = deferred<void>();
    const task = scheduler.task("t", () => {
      if (started++ === 0) onNextTurn(() => (startedWhenTurned = started));
      clock.jump(1);
      if (started === 100) all.resolve();
      return null;
    });
    await make(task);
    scheduler.start();
    await clock.advance(1000);
    await all.promise;
    await scheduler.stop();
    await nextTurn();
    return startedWhenTurned;
  }

  it("starts a claimed page in bounded turns: the event loop runs between them", async () => {
    const turned = await startedBeforeNextTurn(async (task) => {
      for (let i = 0; i < 100; i++) await task.enqueue(null);
    });
    assert.ok(turned > 0 && turned <= TURN_MS + 1, `the next turn ran after ${turned} of 100`);
  });

  it("starts the jobs of a fire in bounded turns", async () => {
    const turned = await startedBeforeNextTurn(async (task) => {
      for (let i = 0; i < 100; i++) await task.schedule({ id: `s${i}`, trigger: at(T0 + 1000) });
    });
    assert.ok(turned > 0 && turned <= TURN_MS + 1, `the next turn ran after ${turned} of 100`);
  });
});

describe("leases of jobs started in later turns", () => {
  it("renews the lease of a job started after the running ones finished between turns", async () => {
    // 20 quick jobs, then a slow one, claimed together: the quick ones start first, each taking
    // 1 ms of the clock, so turns end and the quick ones finish in between. The slow job starts
    // after them, with nothing else running, and must still have its lease renewed.
    const clock = new VirtualClock(T0);
    const store = new MemoryStore();
    const scheduler = new Scheduler({ store, clock, concurrency: 100, leaseTime: 30_000 });
    const quick = scheduler.task("quick", () => {
      clock.jump(1);
      return null;
    });
    const gate = deferred<void>();
    let slowRuns = 0;
    const slow = scheduler.task("slow", async () => {
      slowRuns++;
      await gate.promise;
      return null;
    });
    for (let i = 0; i < 20; i++) await quick.enqueue(null);
    const job = await slow.enqueue(null);
    scheduler.start();
    for (let i = 0; i < 100 && slowRuns === 0; i++) await clock.advance(1);
    assert.equal(slowRuns, 1);
    // Three leases' time: without renewal the lease ends, and the job is claimed and run again.
    for (let i = 0; i < 90; i++) await clock.advance(1000);
    assert.equal(slowRuns, 1, "the slow job ran once");
    const held = await store.getJob(job.id);
    assert.ok(held!.leaseUntil! > clock.now(), "its lease is still held");
    gate.resolve();
    await scheduler.stop();
  });
});
