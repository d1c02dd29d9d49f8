// The entry points of the Deno and Cloudflare adapters refuse option keys they do not know (or that
// they set themselves), as every other options object does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { denoCronWaker, toDenoCron } from "../adapters/deno.ts";
import { durableScheduler } from "../adapters/cloudflare.ts";
import { MemoryStore } from "../src/store/memory_store.ts";

describe("adapter options", () => {
  it("toDenoCron and denoCronWaker refuse unknown keys, naming the closest known one", () => {
    assert.throws(
      () => toDenoCron("0 9 * * *", { tz: "UTC" } as never),
      /Unknown option in toDenoCron options: "tz"/,
    );
    assert.throws(
      () => denoCronWaker({ nmae: "x", cron: () => {} } as never),
      /Unknown option in denoCronWaker options: "nmae" \(did you mean "name"\?\)/,
    );
  });

  it("durableScheduler refuses the options the Durable Object supplies itself", () => {
    const Base = class {
      constructor(_ctx: never, _env: unknown) {}
    };
    for (const key of ["store", "waker", "keepAlive", "concurrency", "executor"]) {
      const Scheduler = durableScheduler(Base, () => {}, { [key]: new MemoryStore() } as never);
      assert.throws(
        () => new Scheduler({} as never, {}),
        (e: unknown) => e instanceof TypeError && e.message.includes(`"${key}" is set by the`),
      );
    }
  });
});
