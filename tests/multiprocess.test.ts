import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../adapters/sqlite.ts";
import { jobRecord } from "./store_conformance.ts";
import { processTestSkip, readRuns, sleep, startWorker } from "./helpers/processes.ts";

const skip = processTestSkip();

function tempFiles() {
  const dir = mkdtempSync(join(tmpdir(), "everywhen-mp-"));
  return { dir, db: join(dir, "store.db"), log: join(dir, "runs.jsonl") };
}

/** Writes `count` jobs of task "record" due now, `job-0` on, straight into the file. */
async function insertDueJobs(db: string, count: number): Promise<void> {
  const store = await openStore(db);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const at = { scheduledAt: now, runAt: now, createdAt: now };
    await store.insertJob(jobRecord(`job-${i}`, { task: "record", payload: "null", ...at }));
  }
  await store.close();
}

describe("several processes on one SQLite file", { skip }, () => {
  it("applies the misfire policy after a restart; paused schedules stay paused; results survive", async () => {
    const { dir, db, log } = tempFiles();
    try {
      const minute = 60_000;
      const base = { schedules: 2, intervalMs: minute, coalesce: "all", pollInterval: 200 };
      // First life: declare the schedules, pause s1, stop. It fires nothing, even if its life
      // spans a minute boundary (a slow start on a busy machine can), so every run below is the
      // second life's.
      const roles = { schedules: false, jobs: false };
      const a = startWorker("bun", db, log, { ...base, roles, runForMs: 300 });
      await a.ready;
      {
        const store = await openStore(db);
        const s1 = await store.getSchedule("s1");
        await store.updateSchedule({ ...s1!, paused: true });
        await store.close();
      }
      assert.equal(await a.exited, 0);
      // Second life, on another runtime, "10 minutes later" (its clock runs 10.5 min ahead).
      const b = startWorker("deno", db, log, { ...base, offsetMs: 10.5 * minute, runForMs: 1500 });
      assert.equal(await b.exited, 0);
      const runs = readRuns(log);
      const created = b.events.filter((e) => e.event === "job:created");
      // coalesce "all": every overdue minute of s0 became exactly one job, none of paused s1.
      assert.ok(created.length >= 10 && created.length <= 11, `created ${created.length}`);
      assert.ok(created.every((e) => e.scheduleId === "s0"));
      assert.equal(new Set(runs.map((r) => r.jobId)).size, runs.length);
      assert.equal(runs.length, created.length);
      // Third life, on Node: schedules, paused state and results are all still there.
      const store = await openStore(db);
      assert.equal((await store.getSchedule("s1"))!.paused, true);
      const done = await store.listJobs({ status: "succeeded" });
      assert.equal(done.length, runs.length);
      assert.ok(done.every((j) => j.result !== null && j.result.includes("pid")));
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("re-runs the jobs of a process killed with SIGKILL once their lease expires", async () => {
    const { dir, db, log } = tempFiles();
    try {
      const victim = startWorker("node", db, log, {
        identity: "victim",
        leaseTime: 1500,
        taskMs: 60_000,
      });
      await victim.ready;
      await insertDueJobs(db, 5);
      // Wait until the victim holds all five, then kill it without warning.
      for (
        let i = 0;
        i < 100 && victim.events.filter((e) => e.event === "job:started").length < 5;
        i++
      ) {
        await sleep(50);
      }
      assert.equal(victim.events.filter((e) => e.event === "job:started").length, 5);
      victim.child.kill("SIGKILL");
      await victim.exited;
      const killedAt = Date.now();
      const rescuer = startWorker("bun", db, log, {
        identity: "rescuer",
        pollInterval: 100,
        runForMs: 4000,
      });
      await rescuer.exited;
      const runs = readRuns(log);
      assert.deepEqual(runs.map((r) => r.jobId).sort(), [
        "job-0",
        "job-1",
        "job-2",
        "job-3",
        "job-4",
      ]);
      assert.ok(
        runs.every((r) => r.attempt === 2 && r.runtime === "bun"),
        "attempt + 1, by the rescuer",
      );
      const store = await openStore(db);
      for (const job of await store.listJobs()) {
        assert.equal(job.status, "succeeded");
        assert.equal(job.attempts, 2, "the lost attempt is visible");
        assert.ok(job.startedAt! >= killedAt - 100);
      }
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a process that only enqueues gets its jobs run by a worker within a second", async () => {
    const { dir, db, log } = tempFiles();
    try {
      const worker = startWorker("deno", db, log, { roles: { schedules: false } });
      await worker.ready;
      const web = startWorker("node", db, log, {
        roles: { schedules: false, jobs: false },
        enqueue: 20,
        pollInterval: 100,
      });
      assert.equal(await web.exited, 0);
      worker.child.kill("SIGTERM");
      assert.equal(await worker.exited, 0);
      const { latencies } = web.events.find((e) => e.event === "results") as {
        latencies: number[];
      };
      assert.equal(latencies.length, 20);
      const runs = readRuns(log);
      assert.equal(runs.length, 20);
      assert.ok(runs.every((r) => r.runtime === "deno"), "run by the worker, not the web process");
      // Every result arrived (the web process saw each one); how fast is a benchmark matter. The
      // bound only catches a stuck poll, with room for a machine several times slower.
      assert.ok(Math.max(...latencies) < 30_000, `latencies ${latencies.join(",")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("idle workers share a burst of jobs: no worker claims more than it can start", async () => {
    const { dir, db, log } = tempFiles();
    try {
      const options = {
        roles: { schedules: false },
        concurrency: 3,
        taskMs: 200,
        pollInterval: 100,
      };
      const workers = (["node", "deno", "bun"] as const).map((r) =>
        startWorker(r, db, log, options)
      );
      await Promise.all(workers.map((w) => w.ready));
      await insertDueJobs(db, 30);
      for (let i = 0; i < 600 && readRuns(log).length < 30; i++) await sleep(100);
      for (const w of workers) w.child.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.exited));
      const runs = readRuns(log);
      assert.equal(runs.length, 30);
      // One worker alone would need ten rounds of three; the others poll ten times a round.
      for (const w of workers) {
        const mine = runs.filter((r) => r.runtime === w.runtime).length;
        assert.ok(mine > 0, `${w.runtime} ran none of ${runs.map((r) => r.runtime).join(",")}`);
        const started = w.events.filter((e) => e.event === "job:started").length;
        assert.equal(started, mine, `${w.runtime} started only what it ran`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
