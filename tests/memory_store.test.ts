import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../src/store/memory_store.ts";
import { storeConformance } from "./store_conformance.ts";

storeConformance("MemoryStore", () => Promise.resolve(new MemoryStore()));

describe("MemoryStore options", () => {
  it("refuses any option key, so a typo is not silently ignored", () => {
    assert.throws(
      () => new MemoryStore({ sharded: true } as never),
      (error: Error) => error instanceof TypeError && /sharded/.test(error.message),
    );
    assert.equal(new MemoryStore().name, "memory");
  });
});
