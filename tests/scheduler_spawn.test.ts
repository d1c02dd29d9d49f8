// scheduler.spawn() (issue 13 part 2): ad-hoc background work under the jobs' concurrency limit,
// waited for by stop({ grace }), failures reported instead of unhandled; and inside a Hono route
// behind a real server, surviving the client going away.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { type SchedulerEnv, schedulerMiddleware } from "../adapters/hono.ts";
import { QueueFullError, SchedulerStoppedError } from "../src/errors.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import { deferred, waitFor } from "./helpers/harness.ts";

function quiet(options: ConstructorParameters<typeof Scheduler>[0] = {}): Scheduler {
  return new Scheduler({ logger: null, ...options });
}

/** A store whose first claim waits at `gate` once it has begun (`claimed`). */
function heldClaim() {
  const store = new MemoryStore();
  const claimed = deferred();
  const gate = deferred();
  const claimJobs = store.claimJobs.bind(store);
  let first = true;
  store.claimJobs = async (...args) => {
    if (first) {
      first = false;
      claimed.resolve();
      await gate.promise;
    }
    return await claimJobs(...args);
  };
  return { store, claimed, gate };
}

describe("spawn", () => {
  it("runs a closure and hands back its result; cancel aborts its signal", async () => {
    const scheduler = quiet();
    const work = scheduler.spawn(() => Promise.resolve(41 + 1), { name: "answer" });
    assert.equal(work.name, "answer");
    assert.equal(await work.result(), 42);
    let seen: unknown;
    const running = deferred();
    const held = scheduler.spawn((signal) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          seen = signal.reason;
          reject(signal.reason);
        });
        running.resolve();
      })
    );
    await running.promise;
    held.cancel();
    await assert.rejects(held.result(), { name: "AbortError" });
    assert.equal((seen as Error).name, "AbortError");
    let ran = false;
    const never = scheduler.spawn(() => (ran = true));
    never.cancel(new Error("changed my mind"));
    await assert.rejects(never.result(), /changed my mind/);
    assert.equal(ran, false);
    await scheduler.stop();
  });

  it("times out: the signal aborts and result() rejects with a TimeoutError", async () => {
    const scheduler = quiet();
    const work = scheduler.spawn(() => new Promise(() => {}), { timeout: 20 });
    await assert.rejects(work.result(), { name: "TimeoutError", message: /timed out after 20 ms/ });
    await scheduler.stop();
  });

  it("shares the concurrency limit with jobs: waits for a slot, or refuses with wait: false", async () => {
    const scheduler = quiet({ concurrency: 1 }).start();
    const release = deferred();
    const order: string[] = [];
    scheduler.task("job", () => void order.push("job"));
    const first = scheduler.spawn(async () => {
      await release.promise;
      order.push("first");
    });
    assert.throws(() => scheduler.spawn(() => 0, { wait: false }), QueueFullError);
    const second = scheduler.spawn(() => void order.push("second"));
    const job = await scheduler.enqueue("job", null);
    // The slot is held: neither the waiting spawn nor the job has run.
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(order, []);
    release.resolve();
    await Promise.all([first.result(), second.result(), job.result()]);
    // Waiting spawned work is served before the engine claims more jobs.
    assert.deepEqual(order, ["first", "second", "job"]);
    await scheduler.stop();
  });

  it("never takes a slot a claim in flight is about to fill", async () => {
    // Regression: free slots were read before the asynchronous claim, so a spawn started in
    // between ran next to a full batch of jobs, one batch over concurrency.
    const { store, claimed, gate } = heldClaim();
    const scheduler = quiet({ store, concurrency: 2 });
    let running = 0;
    let most = 0;
    const hold = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    scheduler.task("job", hold);
    const jobs = [await scheduler.enqueue("job", 1), await scheduler.enqueue("job", 2)];
    scheduler.start();
    await claimed.promise;
    assert.throws(() => scheduler.spawn(hold, { wait: false }), QueueFullError);
    const spawned = scheduler.spawn(hold);
    gate.resolve();
    await Promise.all([...jobs.map((j) => j.result()), spawned.result()]);
    assert.equal(most, 2, "never more than concurrency at once");
    await scheduler.stop();
  });

  it("gives a spawn the slots a claim reserved and did not fill", async () => {
    const { store, claimed, gate } = heldClaim();
    const scheduler = quiet({ store, concurrency: 1 });
    scheduler.task("job", () => 0);
    scheduler.start();
    await claimed.promise;
    const spawned = scheduler.spawn(() => "ran");
    gate.resolve();
    // The claim found no job: its reserved slot goes to the waiting spawn at once.
    assert.equal(await spawned.result(), "ran");
    await scheduler.stop();
  });

  it("refuses past the pending limit", async () => {
    const scheduler = quiet({ concurrency: 1, spawnPendingLimit: 1 });
    const release = deferred();
    scheduler.spawn(() => release.promise);
    scheduler.spawn(() => 0);
    assert.throws(() => scheduler.spawn(() => 0), {
      name: "QueueFullError",
      message: /all 1 slots are taken and 1 spawns are waiting/,
    });
    release.resolve();
    await scheduler.stop();
  });

  it("reports a failure nobody awaits as scheduler:error, and not one that is awaited", async () => {
    const scheduler = quiet();
    const errors: Array<{ error: unknown; context: string }> = [];
    scheduler.on("scheduler:error", (d) => errors.push(d));
    scheduler.spawn(() => {
      throw new Error("boom");
    }, { name: "mailer" });
    await waitFor(() => errors.length === 1);
    assert.equal(errors[0]!.context, 'spawned work "mailer"');
    assert.equal((errors[0]!.error as Error).message, "boom");
    const awaited = scheduler.spawn(() => Promise.reject(new Error("mine")));
    await assert.rejects(awaited.result(), /mine/);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(errors.length, 1);
    await scheduler.stop();
  });

  it("stop({ grace }) waits for running work, then aborts what outlasts the grace", async () => {
    const scheduler = quiet().start();
    let finished = false;
    const quick = scheduler.spawn(async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
    });
    const stubborn = scheduler.spawn((signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)))
    );
    await scheduler.stop({ grace: 200 });
    assert.equal(finished, true);
    await quick.result();
    await assert.rejects(stubborn.result(), SchedulerStoppedError);
    assert.throws(() => scheduler.spawn(() => 0), SchedulerStoppedError);
  });

  it("hands each spawn's completion to waitUntil", async () => {
    const handed: Promise<unknown>[] = [];
    const scheduler = quiet({ waitUntil: (p) => void handed.push(p) });
    const work = scheduler.spawn(() => "done");
    assert.equal(handed.length, 1);
    await handed[0];
    assert.equal(await work.result(), "done");
    await scheduler.stop();
  });
});

describe("spawn in a Hono route behind a real server", () => {
  it("finishes the work after the client disconnected", { timeout: 30_000 }, async () => {
    const scheduler = quiet().start();
    const done = deferred<string>();
    const started = deferred();
    const app = new Hono<SchedulerEnv>().use(schedulerMiddleware(scheduler));
    app.get("/slow", async (c) => {
      c.var.scheduler.spawn(async () => {
        started.resolve();
        await new Promise((r) => setTimeout(r, 100));
        done.resolve("finished");
      }, { name: "after-disconnect" });
      // The response waits long enough for the client to give up first.
      await new Promise((r) => setTimeout(r, 300));
      return c.text("late");
    });
    const listening = deferred<number>();
    const server = serve(
      { fetch: app.fetch, port: 0, hostname: "127.0.0.1" },
      (info) => listening.resolve(info.port),
    );
    try {
      const port = await listening.promise;
      const client = new AbortController();
      const request = fetch(`http://127.0.0.1:${port}/slow`, { signal: client.signal });
      await started.promise;
      client.abort();
      await assert.rejects(request, { name: "AbortError" });
      assert.equal(await done.promise, "finished");
    } finally {
      await new Promise((r) => server.close(r));
      await scheduler.stop();
    }
  });
});
