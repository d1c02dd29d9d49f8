// Lifetimes that nest (issue 13 part 4): use() holders, start() idempotent, stop() regardless of
// holders, and start({ paused: true }) then resume().
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SchedulerStoppedError } from "../src/errors.ts";
import { harness } from "./helpers/harness.ts";

describe("nested lifetimes", () => {
  it("leaving an inner `await using` scope does not stop the outer one; leaving the last does", async () => {
    const { scheduler } = harness({ logger: null });
    {
      await using _app = scheduler.use();
      assert.equal(scheduler.state, "started");
      {
        await using _library = scheduler.use();
        assert.equal(scheduler.state, "started");
      }
      assert.equal(scheduler.state, "started");
    }
    assert.equal(scheduler.state, "stopped");
    assert.throws(() => scheduler.use(), SchedulerStoppedError);
  });

  it("disposing a holder twice releases it once", async () => {
    const { scheduler } = harness({ logger: null });
    const a = scheduler.use();
    const b = scheduler.use();
    await a[Symbol.asyncDispose]();
    await a[Symbol.asyncDispose]();
    assert.equal(scheduler.state, "started");
    await b[Symbol.asyncDispose]();
    assert.equal(scheduler.state, "stopped");
  });

  it("holders do not stop a scheduler that start() started before them; stop() ignores holders", async () => {
    const { scheduler } = harness({ logger: null });
    scheduler.start();
    scheduler.start(); // idempotent
    {
      await using _library = scheduler.use();
    }
    assert.equal(scheduler.state, "started");
    const held = scheduler.use();
    await scheduler.stop();
    assert.equal(scheduler.state, "stopped");
    await held[Symbol.asyncDispose](); // nothing left to stop
  });

  it("starts paused: nothing runs until resume()", async () => {
    const h = harness({ logger: null });
    const ran: string[] = [];
    h.scheduler.task("t", (p: string) => void ran.push(p));
    h.scheduler.start({ paused: true });
    assert.equal(h.scheduler.state, "started");
    assert.equal(h.scheduler.paused, true);
    const job = await h.scheduler.enqueue("t", "a");
    await h.clock.advance(5000);
    assert.deepEqual(ran, []);
    h.scheduler.resume();
    await h.clock.advance(0);
    await job.result();
    assert.deepEqual(ran, ["a"]);
    assert.deepEqual(h.events.map((e) => e.type).filter((t) => t.startsWith("scheduler:")), [
      "scheduler:started",
      "scheduler:paused",
      "scheduler:resumed",
    ]);
    assert.throws(() => h.scheduler.start({ pasued: true } as never), /did you mean "paused"/);
    await h.scheduler.stop();
  });
});
