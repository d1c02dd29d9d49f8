import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkKeys, closest } from "../src/_keys.ts";
import { Scheduler } from "../mod.ts";

describe("strict options", () => {
  it("refuse an unknown key, naming it and the closest known key", () => {
    assert.throws(
      () => checkKeys({ dealy: 5000 }, ["delay", "runAt", "id"], "enqueue options"),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message.startsWith('Unknown option in enqueue options: "dealy" (did you mean "delay"?)'),
    );
  });

  it("accept known keys and undefined, and refuse non-objects", () => {
    assert.deepEqual(checkKeys({ delay: 1 }, ["delay"], "x"), { delay: 1 });
    assert.deepEqual(checkKeys(undefined, ["delay"], "x"), {});
    assert.throws(() => checkKeys(5 as never, ["delay"], "x"), TypeError);
    assert.throws(() => checkKeys([] as never, ["delay"], "x"), TypeError);
  });

  it("suggest only near keys, ignoring case", () => {
    assert.equal(closest("misfireGracetime", ["misfireGraceTime", "paused"]), "misfireGraceTime");
    assert.equal(closest("pasued", ["paused", "payload"]), "paused");
    assert.equal(closest("retry", ["retries", "timeout"]), "retries");
    assert.equal(closest("zzzzzz", ["paused", "payload"]), null);
  });
});

describe("ids", () => {
  it("refuse lone surrogates, so two ids never collapse into one record", async () => {
    const scheduler = new Scheduler();
    scheduler.task("t", () => 1);
    for (const id of ["lone\ud800", "lone\udc00"]) {
      await assert.rejects(scheduler.enqueue("t", 1, { id }), /well-formed Unicode/);
    }
    assert.equal(await scheduler.countJobs(), 0);
    // A well-formed pair is fine.
    await scheduler.enqueue("t", 1, { id: "pair\ud83d\ude00" });
    assert.equal(await scheduler.countJobs(), 1);
  });

  it("refuse NUL on every store alike", async () => {
    const scheduler = new Scheduler();
    assert.throws(() => scheduler.task("a\0b", () => 1), /NUL/);
    await assert.rejects(scheduler.getJob("a\0b"), /NUL/);
  });
});
