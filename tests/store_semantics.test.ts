import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rateDelayedUntil } from "../src/store/semantics.ts";

const NOW = Date.parse("2030-01-01T00:00:00Z");

describe("store semantics: the rate-limit window", () => {
  it("lets a job start while fewer than limit starts fall in the window", () => {
    assert.equal(rateDelayedUntil([NOW - 2000, NOW - 500], NOW, 2, 1000), null);
  });

  it("delays a job until the oldest start in the window leaves it", () => {
    assert.equal(rateDelayedUntil([NOW - 900, NOW - 100], NOW, 2, 1000), NOW - 900 + 1000);
  });

  it("counts a start stamped after now (a process whose clock runs ahead) as made now", () => {
    // Before: a start 50 ms in the future was ignored, so a window of 1 let a second start in.
    assert.equal(rateDelayedUntil([NOW + 50], NOW, 1, 1000), NOW + 1000);
  });
});
