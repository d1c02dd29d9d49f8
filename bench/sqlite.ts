/**
 * Throughput through the SQLite store (a real file, WAL): end-to-end delayed jobs with one
 * process and with several worker processes, and fires per second with 10,000 schedules.
 *
 *   node_modules/node26/bin/node bench/sqlite.ts [jobs] [jobs|fires]   (npm run bench:sqlite)
 *
 * Benchmarks measure; nothing here asserts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { openStore } from "../adapters/sqlite.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { at } from "../src/triggers/mod.ts";
import { startWorker } from "../tests/helpers/processes.ts";

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

async function fires(): Promise<void> {
  const { dir, db } = tempDb();
  const store = await openStore(db);
  // The clock is shifted once the schedules exist, so the fire instant is 500 ms after start
  // however long creating 10,000 schedules took.
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    setTimer: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimer: (h: unknown) => clearTimeout(h as number),
  };
  const s = new Scheduler({ store, clock, roles: { schedules: true, jobs: false } });
  const due = Date.now() + 3_600_000;
  const count = 10_000;
  for (let i = 0; i < count; i++) {
    await s.schedule({ id: `s${i}`, task: "noop", trigger: at(due) });
  }
  offset = due - Date.now() - 500;
  let created = 0;
  let lastAt = 0;
  const all = new Promise<void>((resolve) =>
    s.on("job:created", () => {
      lastAt = clock.now();
      if (++created === count) resolve();
    })
  );
  s.start();
  await all;
  await s.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    `fires: ${count} schedules due at one instant fired in ${lastAt - due} ms → ` +
      `${rate(count, lastAt - due)} fires/s`,
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
if (!only || only === "fires") await fires();
