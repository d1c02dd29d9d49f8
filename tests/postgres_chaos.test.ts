/**
 * The chaos run on PostgreSQL: Node, Bun and Deno worker processes share one schema; every-second
 * schedules fire while a random busy worker is killed with SIGKILL and restarted every few
 * seconds, and jobs are enqueued from this process. Every fire must exist exactly once, every
 * job must finish, and a job may run twice only after its runner was killed holding it.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../adapters/postgres.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { failInCi, startPostgres } from "./helpers/postgres.ts";
import {
  processTestSkip,
  readRuns,
  type RuntimeName,
  sleep,
  startWorker,
  type Worker,
} from "./helpers/processes.ts";

const skipProcesses = processTestSkip();
const pg = skipProcesses ? null : await startPostgres();
after(() => pg?.destroy());
if (pg) failInCi(pg);
const skip = skipProcesses || (pg?.skip ? `no PostgreSQL server: ${pg.skip}` : false);

const SCHEDULES = 50;
const DURATION = 12_000;
const KILL_EVERY = 3_000;
const ENQUEUED = 60;
const LEASE = 2_000;

describe("chaos: Node, Bun and Deno workers on one PostgreSQL schema, killed at random", {
  skip,
}, () => {
  it("fires every schedule exactly once per second and finishes every job", async () => {
    const url = pg!.url!;
    const schema = "chaos";
    const dir = mkdtempSync(join(tmpdir(), "everywhen-pg-chaos-"));
    const log = join(dir, "runs.jsonl");
    const options = {
      schema,
      schedules: SCHEDULES,
      intervalMs: 1000,
      coalesce: "all",
      leaseTime: LEASE,
      pollInterval: 200,
      taskMs: 800,
    };
    const runtimes: RuntimeName[] = ["node", "bun", "deno"];
    const workers: Worker[] = runtimes.map((r) => startWorker(r, url, log, options));
    const store = await openStore(url, { schema });
    const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
    try {
      await Promise.all(workers.map((w) => w.ready));
      const kills: Array<{ runtime: string; pid: number }> = [];
      const enqueued: string[] = [];
      const start = Date.now();
      let nextKill = start + KILL_EVERY;
      let nextEnqueue = start;
      while (Date.now() - start < DURATION) {
        if (Date.now() >= nextKill) {
          const running = await store.listJobs({ status: "running", limit: 10_000 });
          const owners = new Set(running.map((j) => j.leaseOwner));
          const busy = workers.map((w, i) => [w, i] as const)
            .filter(([w]) => owners.has(`${w.runtime}-${w.child.pid}`)).map(([, i]) => i);
          const pool = busy.length > 0 ? busy : workers.map((_, i) => i);
          const i = pool[Math.floor(Math.random() * pool.length)]!;
          const victim = workers[i]!;
          victim.child.kill("SIGKILL");
          await victim.exited;
          kills.push({ runtime: victim.runtime, pid: victim.child.pid! });
          workers[i] = startWorker(victim.runtime, url, log, options);
          nextKill += KILL_EVERY;
        }
        if (enqueued.length < ENQUEUED && Date.now() >= nextEnqueue) {
          enqueued.push((await producer.enqueue("record", null)).id);
          nextEnqueue += DURATION / ENQUEUED;
        }
        await sleep(20);
      }
      for (let i = 0; i < SCHEDULES; i++) await producer.pauseSchedule(`s${i}`);
      await sleep(LEASE + 3000);
      for (const w of workers) w.child.kill("SIGTERM");
      await Promise.all(workers.map((w) => w.exited));

      const jobs = await store.listJobs({ limit: 1_000_000 });
      const runs = readRuns(log);
      const bySchedule = new Map<string, number[]>();
      for (const j of jobs) {
        if (j.scheduleId === null) continue;
        bySchedule.set(j.scheduleId, [...bySchedule.get(j.scheduleId) ?? [], j.scheduledAt]);
      }
      const gaps: string[] = [];
      for (const [id, times] of bySchedule) {
        times.sort((a, b) => a - b);
        for (let k = 1; k < times.length; k++) {
          if (times[k]! - times[k - 1]! !== 1000) gaps.push(`${id} @ ${times[k - 1]}`);
        }
      }
      const killed = new Set(kills.map((k) => k.pid));
      const first = new Map<string, number>();
      const unexplained: string[] = [];
      let duplicates = 0;
      for (const r of runs) {
        const pid = first.get(r.jobId);
        if (pid === undefined) first.set(r.jobId, r.pid);
        else {
          duplicates++;
          if (!killed.has(pid) || r.attempt < 2) unexplained.push(r.jobId);
        }
      }
      const fires = [...bySchedule.values()].reduce((n, t) => n + t.length, 0);
      const byRuntime = Object.fromEntries(
        runtimes.map((r) => [r, runs.filter((x) => x.runtime === r).length]),
      );
      const reruns = jobs.filter((j) => j.attempts > 1).length;
      console.log(
        `postgres chaos: ${fires} fires, ${jobs.length} jobs, ${runs.length} runs, ${reruns} ` +
          `re-run after a lease expired, ${duplicates} duplicate completions, after ` +
          `${kills.length} kills (${kills.map((k) => k.runtime).join(", ")}); runs by runtime ` +
          JSON.stringify(byRuntime),
      );
      assert.ok(kills.length >= 3);
      assert.ok(reruns > 0, "kills interrupted running jobs, which were re-run");
      assert.equal(bySchedule.size, SCHEDULES);
      assert.ok(fires >= SCHEDULES * 8, `only ${fires} fires`);
      assert.deepEqual(gaps, [], "one job per schedule per second, no gaps");
      assert.deepEqual(
        jobs.filter((j) => j.status !== "succeeded").map((j) => `${j.id}: ${j.status}`),
        [],
        "every job finished",
      );
      const ran = new Set(runs.map((r) => r.jobId));
      assert.deepEqual(enqueued.filter((id) => !ran.has(id)), [], "every enqueued job ran");
      assert.deepEqual(unexplained, [], "duplicates only after a lease expired");
      for (const r of runtimes) assert.ok(byRuntime[r]! > 0, `${r} ran jobs`);
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
      await producer.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
