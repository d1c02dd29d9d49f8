/**
 * Throughput through the SQLite store (a real file, WAL): end-to-end delayed jobs with one
 * process and with several worker processes, fires per second with 10,000 schedules, and the
 * admin queries (status counts, filtered pages) and clean-up at 1,000,000 job rows, and the
 * queue controls (`bench/_queue.ts`: priorities and keys against plain jobs, claim cost from
 * 1,000 to 1,000,000 pending jobs, `enqueueMany` against a loop of `enqueue`).
 *
 *   node_modules/node26/bin/node bench/sqlite.ts [jobs] [jobs|share|fires|admin|queue]   (npm run bench:sqlite)
 *
 * Benchmarks measure; nothing here asserts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { openStore } from "../adapters/sqlite.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { startWorker } from "../tests/helpers/processes.ts";
import { oneShotsAt, timeFires } from "./_fires.ts";
import { claimCost, controlsThroughput, enqueueManyRate, type OpenFresh } from "./_queue.ts";

const N = Number(process.argv[2] ?? 20_000);
const bin = (p: string) => fileURLToPath(new URL(`../node_modules/${p}`, import.meta.url));
process.env.EVERYWHEN_NODE26 ??= bin("node26/bin/node");
process.env.EVERYWHEN_DENO ??= bin(".bin/deno");
process.env.EVERYWHEN_BUN ??= bin(".bin/bun");

function tempDb(): { dir: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), "everywhen-bench-"));
  return { dir, db: join(dir, "bench.db") };
}

async function oneProcess(): Promise<void> {
  const { dir, db } = tempDb();
  const store = await openStore(db);
  const s = new Scheduler({ store, concurrency: 1000 });
  s.task("noop", (n: number) => n);
  const t0 = performance.now();
  const handles = [];
  for (let i = 0; i < N; i++) handles.push(s.enqueue("noop", i));
  await Promise.all(handles);
  const t1 = performance.now();
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    s.on("job:succeeded", () => {
      if (++done === N) resolve();
    })
  );
  s.start();
  await finished;
  const t2 = performance.now();
  await s.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `1 process:  enqueue ${rate(N, t1 - t0)} jobs/s; run (claim → handler → finish) ` +
      `${rate(N, t2 - t1)} jobs/s; end to end ${rate(N, t2 - t0)} jobs/s`,
  );
}

async function workers(count: number): Promise<void> {
  const { dir, db } = tempDb();
  const store = await openStore(db);
  const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  const ps = [];
  for (let i = 0; i < N; i++) ps.push(producer.enqueue("record", null));
  await Promise.all(ps);
  const log = join(dir, "runs.jsonl");
  const started = performance.now();
  const ws = Array.from(
    { length: count },
    () => startWorker("node", db, log, { pollInterval: 20 }),
  );
  await Promise.all(ws.map((w) => w.ready));
  for (;;) {
    if ((await store.countJobs({ status: ["pending", "running"] })) === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const wall = performance.now() - started;
  const jobs = await store.listJobs({ limit: N });
  const first = Math.min(...jobs.map((j) => j.startedAt!));
  const last = Math.max(...jobs.map((j) => j.finishedAt!));
  for (const w of ws) w.child.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exited));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `${count} worker process${count > 1 ? "es" : ""}: ${
      rate(N, last - first)
    } jobs/s from first start to last finish ` +
      `(${rate(N, wall)} jobs/s including process start-up)`,
  );
}

/**
 * Fair sharing: `count` idle worker processes (Node, Deno and Bun in turn, default options)
 * on one file, then a burst of N jobs enqueued at once from this process; each handler takes
 * `taskMs`. Prints each worker's share of the jobs and how long the burst took to drain. The
 * workers run at concurrency 1,000 (`tests/fixtures/worker.ts`).
 */
async function share(count: number, taskMs: number): Promise<void> {
  const { dir, db } = tempDb();
  const store = await openStore(db);
  const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  const log = join(dir, "runs.jsonl");
  const runtimes = ["node", "deno", "bun"] as const;
  const ws = Array.from(
    { length: count },
    (_, i) => startWorker(runtimes[i % runtimes.length]!, db, log, taskMs ? { taskMs } : {}),
  );
  await Promise.all(ws.map((w) => w.ready));
  // Past every worker's first passes: all are idle when the burst lands.
  await new Promise((r) => setTimeout(r, 1500));
  const started = performance.now();
  const burst = [];
  for (let left = N; left > 0; left -= 10_000) {
    const size = Math.min(left, 10_000);
    burst.push(producer.enqueueMany(Array.from({ length: size }, () => ({ task: "record" }))));
  }
  await Promise.all(burst);
  for (;;) {
    if ((await store.countJobs({ status: ["pending", "running"] })) === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const wall = performance.now() - started;
  const byPid = runsByPid(log);
  for (const w of ws) w.child.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exited));
  await producer.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const shares = ws.map((w) =>
    `${w.runtime} ${Math.round(((byPid.get(w.child.pid!) ?? 0) / N) * 100)}%`
  );
  console.log(
    `share: ${count} idle workers, burst of ${N} jobs of ${taskMs} ms: ${shares.join(", ")}; ` +
      `drained in ${Math.round(wall)} ms`,
  );
}

/**
 * Fair sharing of fires: three workers (Node, Deno, Bun) declare the same `count`
 * every-second schedules and run for 10 s; prints each one's share of the jobs run.
 */
async function shareFires(count: number): Promise<void> {
  const { dir, db } = tempDb();
  const log = join(dir, "runs.jsonl");
  const ws = (["node", "deno", "bun"] as const).map((r) =>
    startWorker(r, db, log, { schedules: count, intervalMs: 1000 })
  );
  await Promise.all(ws.map((w) => w.ready));
  await new Promise((r) => setTimeout(r, 10_000));
  for (const w of ws) w.child.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exited));
  const ran = runsByPid(log);
  rmSync(dir, { recursive: true, force: true });
  const total = [...ran.values()].reduce((a, b) => a + b, 0);
  const shares = ws.map((w) =>
    `${w.runtime} ${Math.round(((ran.get(w.child.pid!) ?? 0) / total) * 100)}%`
  );
  console.log(
    `share: 3 workers, ${count} every-second schedules for 10 s (${total} jobs): ` +
      shares.join(", "),
  );
}

/** @returns How many runs each process logged. */
function runsByPid(log: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (!line) continue;
    const pid = (JSON.parse(line) as { pid: number }).pid;
    byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
  }
  return byPid;
}

async function fires(): Promise<void> {
  const { dir, db } = tempDb();
  const store = await openStore(db);
  const due = Date.now() + 3_600_000;
  const count = 10_000;
  await oneShotsAt(store, count, due);
  const ms = await timeFires(store, count, due);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `fires: ${count} schedules due at one instant fired in ${ms} ms → ${rate(count, ms)} fires/s`,
  );
}

/**
 * The admin surfaces' queries over 1,000,000 jobs (98% succeeded, 1% failed, 1% pending; 10
 * tasks, 100 schedules), each the median of 5 runs, then a clean-up of the 490,000 expired ones
 * with the longest event-loop gap seen while it ran and how many gaps exceeded 50 ms, next to the
 * same over 5 idle seconds (on a busy machine, preemption alone makes a few).
 */
async function admin(rows = 1_000_000): Promise<void> {
  const { dir, db } = tempDb();
  await (await openStore(db)).close();
  const raw = new DatabaseSync(db);
  const t0 = performance.now();
  raw.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1})
    INSERT INTO everywhen_jobs (id, task, schedule_id, scheduled_at, run_at, status, payload,
      attempts, cancel_requested, created_at, finished_at, expires_at)
    SELECT 'j' || i, 't' || (i % 10), 's' || (i % 100), i, i,
      CASE WHEN i % 100 = 0 THEN 'pending' WHEN i % 100 = 1 THEN 'failed' ELSE 'succeeded' END,
      'null', 1, 0, i, CASE WHEN i % 100 = 0 THEN NULL ELSE i END,
      CASE WHEN i % 100 = 0 THEN NULL WHEN i % 2 = 0 THEN 1 ELSE 9e15 END FROM n`);
  raw.close();
  const filled = performance.now() - t0;
  const store = await openStore(db);
  const median = async (fn: () => Promise<unknown>): Promise<string> => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return `${times.sort((a, b) => a - b)[2]!.toFixed(2)} ms`;
  };
  const statuses = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
  const lines = [
    [
      "status counts (5 × countJobs({ status }))",
      await median(() => Promise.all(statuses.map((status) => store.countJobs({ status })))),
    ],
    [
      "countJobs({ status: 'pending' })",
      await median(() => store.countJobs({ status: "pending" })),
    ],
    ["countJobs({ task })", await median(() => store.countJobs({ task: "t3" }))],
    [
      "countJobs({ status: 'succeeded', task })",
      await median(() => store.countJobs({ status: "succeeded", task: "t3" })),
    ],
    ["countJobs({ scheduleId })", await median(() => store.countJobs({ scheduleId: "s42" }))],
    ["countJobs() (all)", await median(() => store.countJobs())],
    [
      "listJobs({ status: 'pending', limit: 50 })",
      await median(() => store.listJobs({ status: "pending", limit: 50 })),
    ],
    [
      "listJobs({ status: 'failed', limit: 50, offset: 500 })",
      await median(() => store.listJobs({ status: "failed", limit: 50, offset: 500 })),
    ],
    [
      "listJobs({ task, limit: 50 })",
      await median(() => store.listJobs({ task: "t3", limit: 50 })),
    ],
    [
      "listJobs({ scheduleId, limit: 50 })",
      await median(() => store.listJobs({ scheduleId: "s42", limit: 50 })),
    ],
    ["listJobs({ limit: 50 })", await median(() => store.listJobs({ limit: 50 }))],
  ];
  // Event-loop gaps while `work` runs: the longest, and how many exceeded 50 ms.
  const gaps = async <T>(work: () => Promise<T>): Promise<[T, string]> => {
    let last = performance.now();
    let gap = 0;
    let over50 = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      gap = Math.max(gap, now - last);
      if (now - last > 50) over50++;
      last = now;
    }, 1);
    const out = await work();
    clearInterval(timer);
    return [out, `longest event-loop gap ${Math.round(gap)} ms, gaps over 50 ms: ${over50}`];
  };
  // The same measure with nothing to do: what the machine's own scheduling costs.
  const [, idle] = await gaps(() => new Promise((resolve) => setTimeout(resolve, 5_000)));
  const tc = performance.now();
  const [removed, during] = await gaps(() => store.cleanup(2));
  const cleanMs = performance.now() - tc;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `admin queries at ${rows.toLocaleString("en-US")} jobs (filled in ${Math.round(filled)} ms):`,
  );
  for (const [what, ms] of lines) console.log(`  ${what}: ${ms}`);
  console.log(
    `  cleanup of ${removed.toLocaleString("en-US")} expired jobs: ${
      Math.round(cleanMs)
    } ms, ${during} (idle for 5 s: ${idle})`,
  );
}

function rate(n: number, ms: number): string {
  return Math.round(n / (ms / 1000)).toLocaleString("en-US");
}

console.log(`SQLite store benchmark, ${N.toLocaleString("en-US")} jobs, ${process.version}`);
const only = process.argv[3];
if (!only || only === "jobs") {
  await oneProcess();
  for (const k of [1, 2, 3]) await workers(k);
}
if (!only || only === "share") {
  for (const taskMs of [0, 10]) for (const k of [2, 3]) await share(k, taskMs);
  for (const count of [200, 2000]) await shareFires(count);
}
if (!only || only === "fires") await fires();
if (!only || only === "admin") await admin(Number(process.argv[4] ?? 1_000_000));
if (!only || only === "queue") {
  const fresh: OpenFresh = async () => {
    const { dir, db } = tempDb();
    const store = await openStore(db);
    return {
      store,
      done: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  await controlsThroughput(fresh, N);
  await claimCost(fresh, Number(process.argv[4] ?? 1_000_000));
  await enqueueManyRate(fresh);
}
