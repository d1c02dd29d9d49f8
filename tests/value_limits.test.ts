// Out-of-range instants and durations are refused with a RangeError before anything is
// written, in memory and on SQLite, so one bad call cannot leave a record that breaks listings.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../adapters/sqlite.ts";
import { VirtualClock } from "../src/clock.ts";
import { MemoryStore } from "../src/memory_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { Store } from "../src/store.ts";
import { every } from "../src/triggers/mod.ts";
import { T0 } from "./helpers/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-limits-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const stores: Array<[string, () => Promise<Store>]> = [
  ["MemoryStore", () => Promise.resolve(new MemoryStore())],
  ["SQLite file", () => openStore(join(dir, `limits-${crypto.randomUUID()}.db`))],
];

for (const [name, open] of stores) {
  describe(`value limits (${name})`, () => {
    it("refuses out-of-range delays, run times and retention, and writes nothing", async () => {
      const store = await open();
      const scheduler = new Scheduler({ clock: new VirtualClock(T0), store });
      const created: unknown[] = [];
      scheduler.on("job:created", (e) => created.push(e));
      const t = scheduler.task("t", () => {});
      const bad: Array<Record<string, unknown>> = [
        { delay: Number.MAX_SAFE_INTEGER },
        { delay: "P36525DT1S" },
        { resultTtl: Number.MAX_SAFE_INTEGER },
        { timeout: 1e300 },
        { runAt: 8.64e15 },
        { runAt: "+010000-01-01T00:00:00Z" },
        { runAt: new Date(-1) },
      ];
      for (const options of bad) {
        await assert.rejects(
          scheduler.enqueue("t", 1, options as never),
          RangeError,
          JSON.stringify(options),
        );
        await assert.rejects(t.enqueue(1, options as never), RangeError);
      }
      assert.equal(await store.countJobs({}), 0);
      assert.deepEqual(await scheduler.listJobs(), []);
      assert.deepEqual(created, []);
      assert.throws(
        () => scheduler.task("u", () => {}, { resultTtl: Number.MAX_SAFE_INTEGER }),
        RangeError,
      );
      for (const policy of [{ resultTtl: 1e16 }, { jitter: 1e16 }, { misfireGraceTime: 1e16 }]) {
        await assert.rejects(
          scheduler.schedule({ id: "s", task: "t", trigger: every("PT1M"), ...policy }),
          RangeError,
        );
      }
      assert.deepEqual(await scheduler.listSchedules(), []);
      // The largest accepted values still give records every listing can read.
      await scheduler.enqueue("t", 1, { delay: "P36525D", resultTtl: "P36525D" });
      await scheduler.enqueue("t", 2, { runAt: "9999-12-31T23:59:59.999Z" });
      const jobs = await scheduler.listJobs();
      assert.equal(jobs.length, 2);
      assert.ok(jobs.some((j) => j.runAt.toString() === "9999-12-31T23:59:59.999Z"));
      await store.close();
    });
  });
}
