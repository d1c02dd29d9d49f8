/**
 * The chaos run: three worker processes (Node, Bun, Deno) share one SQLite file; every-second
 * schedules fire while one random process is killed with SIGKILL and restarted every few
 * seconds, and jobs are enqueued from another process. Used by tests/chaos.test.ts (modest
 * sizes) and scripts/chaos.ts (the full run).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../adapters/sqlite.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { readRuns, type RuntimeName, sleep, startWorker, type Worker } from "./processes.ts";

export interface ChaosOptions {
  schedules: number;
  durationMs: number;
  killEveryMs: number;
  enqueued: number;
  leaseTime: number;
  /** How long each handler runs, so kills catch jobs mid-run. */
  taskMs: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  fires: number;
  firesPerSchedule: number[];
  /** Schedules whose fires were not exactly one per second from first to last. */
  gaps: string[];
  jobs: number;
  unfinished: string[];
  runs: number;
  /** Jobs that ran more than once because a process died holding them (attempts > 1). */
  reruns: number;
  duplicates: number;
  /** Duplicated runs whose first run was not in a process that was killed. */
  unexplainedDuplicates: string[];
  kills: Array<{ runtime: string; pid: number }>;
  /** Completed runs per runtime. */
  runsByRuntime: Record<string, number>;
  enqueuedNeverRun: number;
}

export async function chaos(o: ChaosOptions): Promise<ChaosReport> {
  const say = o.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "everywhen-chaos-"));
  const db = join(dir, "store.db");
  const log = join(dir, "runs.jsonl");
  const options = {
    schedules: o.schedules,
    intervalMs: 1000,
    coalesce: "all",
    leaseTime: o.leaseTime,
    pollInterval: 200,
    taskMs: o.taskMs,
  };
  const runtimes: RuntimeName[] = ["node", "bun", "deno"];
  const workers: Worker[] = runtimes.map((r) => startWorker(r, db, log, options));
  await Promise.all(workers.map((w) => w.ready));
  const kills: ChaosReport["kills"] = [];
  const store = await openStore(db);
  const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  const enqueuedIds: string[] = [];
  const start = Date.now();
  let nextKill = start + o.killEveryMs;
  let nextEnqueue = start;
  const enqueueEvery = o.durationMs / Math.max(1, o.enqueued);
  while (Date.now() - start < o.durationMs) {
    if (Date.now() >= nextKill) {
      // A random process among those holding running jobs (any process if none does), so
      // every kill interrupts work in flight.
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
      say(`killed ${victim.runtime} ${victim.child.pid}`);
      workers[i] = startWorker(victim.runtime, db, log, options);
      nextKill += o.killEveryMs;
    }
    if (enqueuedIds.length < o.enqueued && Date.now() >= nextEnqueue) {
      enqueuedIds.push((await producer.enqueue("record", null)).id);
      nextEnqueue += enqueueEvery;
    }
    await sleep(20);
  }
  // Stop firing new work, but let the survivors finish what is due and re-run what the last
  // victim held (its leases must expire first).
  for (let i = 0; i < o.schedules; i++) await producer.pauseSchedule(`s${i}`);
  await sleep(o.leaseTime + 3000);
  for (const w of workers) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));

  const jobs = await store.listJobs({ limit: 1_000_000 });
  await store.close();
  const runs = readRuns(log);
  rmSync(dir, { recursive: true, force: true });

  const bySchedule = new Map<string, number[]>();
  for (const j of jobs) {
    if (j.scheduleId === null) continue;
    const list = bySchedule.get(j.scheduleId) ?? [];
    list.push(j.scheduledAt);
    bySchedule.set(j.scheduleId, list);
  }
  const gaps: string[] = [];
  for (const [id, times] of bySchedule) {
    times.sort((a, b) => a - b);
    for (let k = 1; k < times.length; k++) {
      if (times[k]! - times[k - 1]! !== 1000) {
        gaps.push(`${id} @ ${new Date(times[k - 1]!).toISOString()}`);
      }
    }
  }
  const killedPids = new Set(kills.map((k) => k.pid));
  const firstRun = new Map<string, number>();
  let duplicates = 0;
  const unexplained: string[] = [];
  for (const r of runs) {
    const pid = firstRun.get(r.jobId);
    if (pid === undefined) {
      firstRun.set(r.jobId, r.pid);
      continue;
    }
    duplicates++;
    if (!killedPids.has(pid) || r.attempt < 2) unexplained.push(r.jobId);
  }
  const ran = new Set(runs.map((r) => r.jobId));
  return {
    fires: [...bySchedule.values()].reduce((n, t) => n + t.length, 0),
    firesPerSchedule: [...bySchedule.values()].map((t) => t.length),
    gaps,
    jobs: jobs.length,
    unfinished: jobs.filter((j) => j.status !== "succeeded").map((j) => `${j.id}: ${j.status}`),
    runs: runs.length,
    reruns: jobs.filter((j) => j.attempts > 1).length,
    runsByRuntime: Object.fromEntries(
      ["node", "bun", "deno"].map((r) => [r, runs.filter((x) => x.runtime === r).length]),
    ),
    duplicates,
    unexplainedDuplicates: unexplained,
    kills,
    enqueuedNeverRun: enqueuedIds.filter((id) => !ran.has(id)).length,
  };
}
