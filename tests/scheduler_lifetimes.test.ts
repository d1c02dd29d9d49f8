// Lifetimes that nest (issue 13 part 4): use() holders, start() idempotent, stop() regardless of
// holders, and start({ paused: true }) then resume().
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SchedulerStoppedError } from "../src/errors.ts";
import { harness } from "./helpers/harness.ts";

function supportsAwaitUsing(): boolean {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;
  try {
    AsyncFunction("{ await using x = null; }");
    return true;
  } catch {
    return false;
  }
}

describe("nested lifetimes", () => {
  it("leaving an inner `await using` scope does not stop the outer one; leaving the last does", {
    skip: supportsAwaitUsing() ? false : "this runtime cannot parse `await using` (Node 22)",
  }, async () => {
    const { scheduler } = harness({ logger: null });
    const { nested } = await import("./fixtures/nested_using.ts");
    assert.deepEqual(await nested(scheduler), ["started", "started", "stopped"]);
    assert.throws(() => scheduler.use(), SchedulerStoppedError);
  });

  it("the same with explicit disposal, on every runtime", async () => {
    const { scheduler } = harness({ logger: null });
    const app = scheduler.use();
    assert.equal(scheduler.state, "started");
    const library = scheduler.use();
    await library[Symbol.asyncDispose]();
    assert.equal(scheduler.state, "started");
    await app[Symbol.asyncDispose]();
    assert.equal(scheduler.state, "stopped");
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
    await scheduler.use()[Symbol.asyncDispose]();
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
