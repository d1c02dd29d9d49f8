import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chaos } from "./helpers/chaos.ts";
import { processTestSkip } from "./helpers/processes.ts";

describe("chaos: Node, Bun and Deno workers on one SQLite file, killed at random", {
  skip: processTestSkip(),
}, () => {
  it("fires every schedule exactly once per second and finishes every job at least once", async () => {
    const report = await chaos({
      schedules: 50,
      durationMs: 12_000,
      killEveryMs: 3_000,
      enqueued: 60,
      leaseTime: 2_000,
      taskMs: 800,
    });
    console.log(
      `chaos: ${report.fires} fires, ${report.jobs} jobs, ${report.runs} runs, ` +
        `${report.reruns} jobs re-run after a lease expired, ${report.duplicates} duplicate ` +
        `completions, after ${report.kills.length} kills ` +
        `(${report.kills.map((k) => k.runtime).join(", ")}); runs by runtime ` +
        JSON.stringify(report.runsByRuntime),
    );
    assert.ok(report.kills.length >= 3);
    assert.ok(report.reruns > 0, "kills interrupted running jobs, which were re-run");
    assert.equal(report.firesPerSchedule.length, 50);
    assert.ok(report.fires >= 50 * 8, `only ${report.fires} fires`);
    assert.deepEqual(report.gaps, [], "one job per schedule per second, no gaps");
    assert.deepEqual(report.unfinished, [], "every job finished");
    assert.equal(report.enqueuedNeverRun, 0);
    assert.deepEqual(report.unexplainedDuplicates, [], "duplicates only after a lease expired");
  });
});
