// JSON checks are iterative and bounded: over-deep values get a clear RangeError instead of a
// stack overflow, over-long ones are refused, and cycles are still found.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertJson, MAX_JSON_DEPTH, MAX_JSON_LENGTH } from "../src/json.ts";
import { harness } from "./helpers/harness.ts";

function nestedArrays(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function nestedObjects(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe("assertJson", () => {
  it("accepts values up to the depth limit", () => {
    assert.equal(MAX_JSON_DEPTH, 100);
    const arrays = nestedArrays(MAX_JSON_DEPTH);
    assert.equal(assertJson(arrays, "payload"), arrays);
    assertJson(nestedObjects(MAX_JSON_DEPTH), "payload");
  });

  it("refuses 10,000-deep arrays and objects with a RangeError, not a stack overflow", () => {
    for (const value of [nestedArrays(10_000), nestedObjects(10_000)]) {
      assert.throws(() => assertJson(value, "payload"), {
        name: "RangeError",
        message: /^Value is nested too deeply: payload(\[0\]|\.a){100} is more than 100 levels/,
      });
    }
    assert.throws(() => assertJson(nestedArrays(MAX_JSON_DEPTH + 1), "result"), RangeError);
  });

  it("finds cycles at any depth and accepts shared references", () => {
    const cyclic: Record<string, unknown> = { list: [1, 2] };
    (cyclic.list as unknown[]).push({ back: cyclic });
    assert.throws(() => assertJson(cyclic, "payload"), {
      name: "TypeError",
      message: "Value is not JSON: payload.list[2].back is a circular reference",
    });
    const self: unknown[] = [];
    self.push(self);
    assert.throws(() => assertJson(self, "progress"), /progress\[0\] is a circular reference/);
    const shared = { x: 1 };
    assertJson({ a: shared, b: [shared, shared] }, "payload");
  });

  it("bounds the JSON text length exactly", () => {
    assert.equal(MAX_JSON_LENGTH, 1_048_576);
    // ["…"] is the string plus 4 characters; "\n" takes two.
    const fits = ["x".repeat(MAX_JSON_LENGTH - 6) + "\n"];
    assert.equal(JSON.stringify(fits).length, MAX_JSON_LENGTH);
    assertJson(fits, "payload");
    const over = { ["k"]: [true, null, -1.5, "x".repeat(MAX_JSON_LENGTH)] };
    assert.throws(() => assertJson(over, "payload"), {
      name: "RangeError",
      message: /^Value is too large: payload is more than 1048576 characters as JSON/,
    });
    const many = Array.from({ length: 200_000 }, (_, i) => ({ i, s: "abc" }));
    assert.ok(JSON.stringify(many).length > MAX_JSON_LENGTH);
    assert.throws(() => assertJson(many, "payload"), RangeError);
  });

  it("still reports the first value that is not JSON, with its path", () => {
    assert.throws(() => assertJson({ a: [1, { b: undefined }] }, "payload"), {
      name: "TypeError",
      message: "Value is not JSON: payload.a[1].b is undefined (omit the key)",
    });
    assert.throws(() => assertJson([1, [2, Infinity]], "payload"), /payload\[1\]\[1\] is Infinity/);
    assert.throws(() => assertJson({ m: new Map() }, "payload"), /payload\.m is a Map/);
    assert.equal(assertJson(undefined, "payload"), null);
  });
});

describe("over-deep JSON through the scheduler", () => {
  it("refuses a 10,000-deep payload and writes nothing", async () => {
    const h = harness();
    const t = h.scheduler.task("t", () => {});
    await assert.rejects(t.enqueue(nestedArrays(10_000) as never), {
      name: "RangeError",
      message: /nested too deeply/,
    });
    assert.equal(await h.store.countJobs(), 0);
  });

  it("fails a job whose result is too deep, without a stack overflow or retries", async () => {
    const h = harness();
    h.scheduler.task("deep", () => nestedObjects(10_000) as never, { retries: 3 });
    const job = await h.scheduler.enqueue("deep");
    h.scheduler.start();
    await h.clock.advance(0);
    await assert.rejects(job.result(), /nested too deeply/);
    assert.equal((await job.info())!.attempts, 1);
    await h.scheduler.stop();
  });
});
