/** Queue order on the virtual clock: FIFO, priorities (job, task, schedule) and starvation. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { harness, T0 } from "./helpers/harness.ts";
import { every } from "../src/triggers/mod.ts";

const sleep = (h: ReturnType<typeof harness>, ms: number) =>
  new Promise<void>((resolve) => h.clock.setTimer(resolve, ms));

describe("queue order", () => {
  it("runs jobs ready at the same time in the order they were enqueued", async () => {
    const h = harness({ concurrency: 1 });
    const ran: number[] = [];
    const t = h.scheduler.task("n", (n: number) => void ran.push(n));
    const handles = [];
    for (let n = 1; n <= 20; n++) handles.push(await t.enqueue(n));
    h.scheduler.start();
    await handles.at(-1)!.result();
    assert.deepEqual(ran, Array.from({ length: 20 }, (_, i) => i + 1));
    await h.scheduler.stop();
  });

  it("runs higher priority first: enqueue option over task default", async () => {
    const h = harness({ concurrency: 1 });
    const ran: string[] = [];
    const low = h.scheduler.task("low", (s: string) => void ran.push(s), { priority: -5 });
    const mid = h.scheduler.task("mid", (s: string) => void ran.push(s));
    await low.enqueue("low");
    await mid.enqueue("mid");
    await mid.enqueue("urgent", { priority: 100 });
    const last = await low.enqueue("low-raised", { priority: 1 });
    h.scheduler.start();
    await h.clock.advance(0);
    await (await mid.enqueue("later")).result();
    await last.result();
    assert.deepEqual(ran.slice(0, 4), ["urgent", "low-raised", "mid", "low"]);
    assert.equal((await h.scheduler.getJob(last.id))!.priority, 1);
    await h.scheduler.stop();
  });

  it("gives a schedule's jobs its priority, also after updateSchedule", async () => {
    const h = harness();
    h.scheduler.task("tick", () => 1);
    const s = await h.scheduler.schedule({
      id: "s",
      task: "tick",
      trigger: every({ minutes: 1 }),
      priority: 7,
    });
    assert.equal(s.priority, 7);
    h.scheduler.start();
    await h.clock.advance(60_000);
    const [first] = await h.scheduler.listJobs({ scheduleId: "s" });
    assert.equal(first!.priority, 7);
    assert.equal((await h.scheduler.updateSchedule("s", { priority: -3 })).priority, -3);
    await h.clock.advance(60_000);
    const [latest] = await h.scheduler.listJobs({ scheduleId: "s", limit: 1 });
    assert.equal(latest!.priority, -3);
    await assert.rejects(h.scheduler.updateSchedule("s", { priority: 1001 }), RangeError);
    await h.scheduler.stop();
  });

  it("runs a low-priority job once it waited five minutes, before newer high ones", async () => {
    const h = harness({ concurrency: 1 });
    const ran: string[] = [];
    let next = 0;
    const high = h.scheduler.task("high", async (n: number) => {
      ran.push(`high${n}`);
      await sleep(h, 60_000);
      // A steady stream of high-priority work that would starve `low` without the rule.
      if (next < 8) await high.enqueue(++next, { priority: 10 });
    });
    h.scheduler.task("low", () => void ran.push("low"), { priority: -10 });
    await h.scheduler.enqueue("low", null);
    await high.enqueue(0, { priority: 10 });
    h.scheduler.start();
    for (let i = 0; i < 12; i++) await h.clock.advance(60_000);
    assert.deepEqual(ran.slice(0, 7), [
      "high0",
      "high1",
      "high2",
      "high3",
      "high4",
      "low",
      "high5",
    ]);
    const low = (await h.scheduler.listJobs({ task: "low" }))[0]!;
    assert.equal(low.startedAt!.epochMilliseconds, T0 + 300_000);
    await h.scheduler.stop();
  });

  it("refuses priorities outside -1000..1000 and non-integers", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => 1);
    await assert.rejects(t.enqueue(null, { priority: 1001 }), RangeError);
    await assert.rejects(t.enqueue(null, { priority: -1001 }), RangeError);
    await assert.rejects(t.enqueue(null, { priority: 1.5 }), RangeError);
    await assert.rejects(t.enqueue(null, { priority: "1" as never }), TypeError);
    assert.throws(() => h.scheduler.task("u", () => 1, { priority: 5000 }), RangeError);
    assert.equal((await (await t.enqueue(null, { priority: -1000 })).info())!.priority, -1000);
  });
});
