import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Scheduler } from "../mod.ts";

// Issue 11 item 7: a timeout past 2^31 - 1 ms used to reach setTimeout in one piece, which
// fires such delays at once: a 300 ms job failed after a few ms with "timed out".
describe("timers past 2^31 - 1 ms on the system clock", () => {
  it("a job with a 30-day timeout runs to completion", async () => {
    const scheduler = new Scheduler({ keepAlive: false });
    const slow = scheduler.task("slow", async () => {
      await new Promise((r) => setTimeout(r, 300));
      return "done";
    }, { timeout: "P30D" });
    scheduler.start();
    try {
      const job = await slow.enqueue(null);
      assert.equal(await job.result(), "done");
    } finally {
      await scheduler.stop();
    }
  });
});
