/**
 * Queue controls on the virtual clock: per-key concurrency, rate limits, replace and debounce,
 * dependencies and batches.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JobCancelledError, NonRetryableError } from "../src/errors.ts";
import { harness, T0 } from "./helpers/harness.ts";

const sleep = (h: ReturnType<typeof harness>, ms: number) =>
  new Promise<void>((resolve) => h.clock.setTimer(resolve, ms));

describe("per-key concurrency", () => {
  it("runs at most limit jobs per key at once, other keys in parallel", async () => {
    const h = harness();
    const running = new Map<string, number>();
    const most = new Map<string, number>();
    const starts: Array<[string, number]> = [];
    h.scheduler.task("sync", async (p: { customer: string }) => {
      const n = (running.get(p.customer) ?? 0) + 1;
      running.set(p.customer, n);
      most.set(p.customer, Math.max(most.get(p.customer) ?? 0, n));
      starts.push([p.customer, h.clock.now() - T0]);
      await sleep(h, 100);
      running.set(p.customer, running.get(p.customer)! - 1);
    }, { concurrency: { key: (p: { customer: string }) => p.customer, limit: 2 } });
    for (const customer of ["a", "a", "a", "a", "b"]) {
      await h.scheduler.enqueue("sync", { customer });
    }
    h.scheduler.start();
    for (let i = 0; i < 4; i++) await h.clock.advance(100);
    assert.deepEqual(Object.fromEntries(most), { a: 2, b: 1 });
    assert.deepEqual(starts, [["a", 0], ["a", 0], ["b", 0], ["a", 100], ["a", 100]]);
    const keys = await Promise.all(
      (await h.scheduler.listJobs({ task: "sync" })).map(async (j) =>
        (await h.store.getJob(j.id))!.concurrencyKey
      ),
    );
    assert.deepEqual(keys.sort(), ["a", "a", "a", "a", "b"]);
    await h.scheduler.stop();
  });

  it("makes a serial queue from the concurrencyKey enqueue option", async () => {
    const h = harness();
    let running = 0;
    let most = 0;
    const t = h.scheduler.task("serial", async () => {
      most = Math.max(most, ++running);
      await sleep(h, 10);
      running--;
    });
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await t.enqueue(null, { concurrencyKey: "one" }));
    h.scheduler.start();
    for (let i = 0; i < 3; i++) await h.clock.advance(10);
    for (const j of jobs) assert.equal((await j.info())!.status, "succeeded");
    assert.equal(most, 1);
    await h.scheduler.stop();
  });
});

describe("two schedulers sharing one store", () => {
  it("hold per-key concurrency and rate limits between them", async () => {
    const a = harness();
    const b = harness({}, { clock: a.clock, store: a.store });
    let running = 0;
    let most = 0;
    const starts: number[] = [];
    for (const h of [a, b]) {
      h.scheduler.task("serial", async () => {
        most = Math.max(most, ++running);
        await sleep(h, 50);
        running--;
      }, { concurrency: { key: () => "one", limit: 1 } });
      h.scheduler.task("limited", () => void starts.push(h.clock.now() - T0), {
        rateLimit: { limit: 2, period: 1000 },
      });
    }
    for (let i = 0; i < 4; i++) {
      await a.scheduler.enqueue("serial", i);
      await b.scheduler.enqueue("limited", i);
    }
    a.scheduler.start();
    b.scheduler.start();
    for (let i = 0; i < 20; i++) await a.clock.advance(100);
    assert.equal(most, 1);
    assert.equal(await a.scheduler.countJobs({ task: "serial", status: "succeeded" }), 4);
    assert.deepEqual(starts, [0, 0, 1000, 1000]);
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });
});

describe("rate limits", () => {
  it("delays jobs over the limit to the next allowed instant, dropping none", async () => {
    const h = harness();
    const starts: number[] = [];
    h.scheduler.task("api", () => void starts.push(h.clock.now() - T0), {
      rateLimit: { limit: 2, period: { seconds: 1 } },
    });
    for (let i = 0; i < 5; i++) await h.scheduler.enqueue("api", i);
    h.scheduler.start();
    for (let i = 0; i < 3; i++) await h.clock.advance(1000);
    assert.deepEqual(starts, [0, 0, 1000, 1000, 2000]);
    assert.equal(await h.scheduler.countJobs({ status: "succeeded" }), 5);
    await h.scheduler.stop();
  });

  it("limits per key when a key function is given", async () => {
    const h = harness();
    const starts: string[] = [];
    h.scheduler.task(
      "mail",
      (p: { to: string }) => void starts.push(`${p.to}@${h.clock.now() - T0}`),
      {
        rateLimit: { limit: 1, period: 500, key: (p: { to: string }) => p.to },
      },
    );
    for (const to of ["x", "x", "y"]) await h.scheduler.enqueue("mail", { to });
    h.scheduler.start();
    await h.clock.advance(500);
    assert.deepEqual(starts, ["x@0", "y@0", "x@500"]);
    const keys = await Promise.all(
      (await h.scheduler.listJobs({ task: "mail" })).map(async (j) =>
        (await h.store.getJob(j.id))!.rateKey
      ),
    );
    assert.deepEqual(keys.sort(), ["mail:x", "mail:x", "mail:y"]);
    await h.scheduler.stop();
  });
});

describe("replace and debounce", () => {
  it("replaces a pending job's payload and run time, keeps a running one", async () => {
    const h = harness();
    const seen: number[] = [];
    const t = h.scheduler.task("r", (n: number) => void seen.push(n));
    await t.enqueue(1, { id: "job", delay: 10_000 });
    await t.enqueue(2, { id: "job", delay: 20_000 });
    await t.enqueue(3, { id: "job", delay: 5_000, ifExists: "replace" });
    h.scheduler.start();
    await h.clock.advance(5_000);
    assert.deepEqual(seen, [3]);
    await t.enqueue(4, { id: "job", ifExists: "replace" });
    await h.clock.advance(20_000);
    assert.deepEqual(seen, [3], "a finished job is never modified");
    await h.scheduler.stop();
  });

  it("runs a debounced job once, with the latest payload, after the id is quiet", async () => {
    const h = harness();
    const seen: Array<[string, number]> = [];
    const t = h.scheduler.task("save", (s: string) => void seen.push([s, h.clock.now() - T0]));
    h.scheduler.start();
    await t.enqueue("v1", { id: "doc-1", debounce: 1000 });
    await h.clock.advance(600);
    await t.enqueue("v2", { id: "doc-1", debounce: 1000 });
    await h.clock.advance(600);
    await t.enqueue("v3", { id: "doc-1", debounce: 1000 });
    await h.clock.advance(999);
    assert.deepEqual(seen, []);
    await h.clock.advance(1);
    assert.deepEqual(seen, [["v3", 2200]]);
    await h.scheduler.stop();
  });

  it("checks ifExists and debounce", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1);
    await assert.rejects(t.enqueue(null, { debounce: 10 }), /need an id/);
    await assert.rejects(t.enqueue(null, { ifExists: "replace" }), /need an id/);
    await assert.rejects(t.enqueue(null, { id: "a", debounce: 10, delay: 5 }), TypeError);
    await assert.rejects(t.enqueue(null, { id: "a", ifExists: "swap" as never }), RangeError);
    await assert.rejects(t.enqueue(null, { id: "a", debounce: -1 }), RangeError);
    await assert.rejects(t.enqueue(null, { priorty: 1 } as never), /priority/);
  });
});

describe("dependencies", () => {
  it("runs a final job after every listed job succeeded (fan-out, fan-in)", async () => {
    const h = harness();
    const ran: string[] = [];
    const part = h.scheduler.task("part", async (n: number) => {
      await sleep(h, 100 * n);
      ran.push(`part${n}`);
    });
    const done = h.scheduler.task("done", () => void ran.push("done"));
    const parts = [];
    for (let n = 1; n <= 3; n++) parts.push(await part.enqueue(n));
    const final = await done.enqueue(null, { after: parts.map((p) => p.id) });
    assert.equal((await final.info())!.status, "waiting");
    assert.deepEqual((await final.info())!.after, parts.map((p) => p.id));
    h.scheduler.start();
    await h.clock.advance(300);
    await final.result();
    assert.deepEqual(ran, ["part1", "part2", "part3", "done"]);
    await h.scheduler.stop();
  });

  it("starts a dependant at once when its dependency ends as the loop goes idle", async () => {
    // The dependency's handler returns at once, so its outcome (and the kick that releases the
    // dependant) lands on a microtask after the loop's last look for more work.
    const h = harness();
    const t = h.scheduler.task("t", (n: number) => n * 2);
    const first = await t.enqueue(1);
    const second = await t.enqueue(2, { after: [first.id] });
    h.scheduler.start();
    await h.clock.advance(0);
    assert.equal((await second.info())!.status, "succeeded");
    assert.equal(await second.result(), 4);
    await h.scheduler.stop();
  });

  it("cancels the waiting job when a dependency fails, naming it", async () => {
    const h = harness();
    const a = h.scheduler.task("a", () => {
      throw new NonRetryableError("no");
    });
    const b = h.scheduler.task("b", () => 1);
    const first = await a.enqueue(null);
    const second = await b.enqueue(null, { after: [first.id] });
    const third = await b.enqueue(null, { after: [second.id] });
    const outcome = assert.rejects(third.result(), JobCancelledError);
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(first.result());
    const info = (await second.info())!;
    assert.equal(info.status, "cancelled");
    assert.deepEqual(info.error, {
      name: "DependencyFailedError",
      message: `Dependency ${JSON.stringify(first.id)} failed`,
    });
    await outcome;
    assert.equal((await third.info())!.error!.message, `Dependency "${second.id}" was cancelled`);
    await h.scheduler.stop();
  });

  it("checks after", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1);
    await assert.rejects(t.enqueue(null, { after: "x" as never }), TypeError);
    const many = Array.from({ length: 101 }, (_, i) => `j${i}`);
    await assert.rejects(t.enqueue(null, { after: many }), RangeError);
    await assert.rejects(t.enqueue(null, { after: [""] }), /after/);
  });
});

describe("enqueueMany", () => {
  it("writes every job in one step and runs them in order", async () => {
    const h = harness({ concurrency: 1 });
    const ran: number[] = [];
    const t = h.scheduler.task("n", (n: number) => void ran.push(n));
    const handles = await h.scheduler.enqueueMany(
      Array.from({ length: 50 }, (_, i) => ({ task: t, payload: i, options: { id: `n${i}` } })),
    );
    assert.equal(handles.length, 50);
    assert.equal(handles[7]!.id, "n7");
    assert.equal(h.of("job:created").length, 50);
    h.scheduler.start();
    await handles.at(-1)!.result();
    assert.deepEqual(ran, Array.from({ length: 50 }, (_, i) => i));
    await h.scheduler.stop();
  });

  it("rejects the whole batch for one bad item, naming its index", async () => {
    const h = harness();
    h.scheduler.task("t", () => 1);
    const good = { task: "t", payload: 1 };
    await assert.rejects(
      h.scheduler.enqueueMany([good, { task: "t", options: { priority: 2000 } }, good]),
      (e: Error) => e instanceof RangeError && /^Invalid item 1: /.test(e.message),
    );
    await assert.rejects(
      h.scheduler.enqueueMany([good, good, { task: "t", payload: () => 1 }]),
      /^TypeError: Invalid item 2: /,
    );
    await assert.rejects(
      h.scheduler.enqueueMany([{ task: "t", options: { id: "x", debounce: 5 } }]),
      /Invalid item 0: .*batch/,
    );
    await assert.rejects(h.scheduler.enqueueMany([{ task: "nope" }]), /Invalid item 0: /);
    await assert.rejects(
      h.scheduler.enqueueMany([good, { task: "t", paylod: 1 } as never]),
      (e: Error) =>
        e instanceof TypeError && /^Invalid item 1: .*"paylod".*payload/.test(e.message),
    );
    await assert.rejects(h.scheduler.enqueueMany("x" as never), TypeError);
    assert.equal(await h.scheduler.countJobs(), 0, "nothing was written");
  });
});
