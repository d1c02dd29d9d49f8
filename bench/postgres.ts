/**
 * Throughput through the PostgreSQL store, next to pg-boss on the same server in the same run:
 * end-to-end jobs/s with 1, 2 and 4 worker processes (jobs enqueued first, then timed from the
 * workers being ready until the queue is drained), and fires/s with 10,000 schedules due at
 * once, and the queue controls (`bench/_queue.ts`: priorities and keys against plain jobs,
 * claim cost from 1,000 to 1,000,000 pending jobs, `enqueueMany` against a loop of `enqueue`).
 * Starts a throwaway server like the tests (or uses `EVERYWHEN_PG_URL`).
 *
 *   node_modules/node26/bin/node --no-warnings bench/postgres.ts [jobs] [all|queue]
 *
 * Benchmarks measure; nothing here asserts.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { openStore } from "../adapters/postgres.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { at } from "../src/triggers/mod.ts";
import { startWorker } from "../tests/helpers/processes.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { claimCost, controlsThroughput, enqueueManyRate, type OpenFresh } from "./_queue.ts";

const SELF = fileURLToPath(import.meta.url);
const bin = (p: string) => fileURLToPath(new URL(`../node_modules/${p}`, import.meta.url));
process.env.EVERYWHEN_NODE26 ??= bin("node26/bin/node");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rate = (n: number, ms: number): string => Math.round(n / (ms / 1000)).toLocaleString("en-US");

// ---- pg-boss worker process: `bench/postgres.ts pgboss-worker <url> <queue>` ----
if (process.argv[2] === "pgboss-worker") {
  const { default: PgBoss } = await import("pg-boss");
  const boss = new PgBoss({
    connectionString: process.argv[3]!,
    supervise: false,
    schedule: false,
    migrate: false,
  });
  await boss.start();
  await boss.work(
    process.argv[4]!,
    { batchSize: 1000, pollingIntervalSeconds: 0.5 },
    async () => {},
  );
  process.stdout.write("ready\n");
  process.on("SIGTERM", () => void boss.stop({ graceful: false }).then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const N = Number(process.argv[2] ?? 10_000);
  const server = process.env.EVERYWHEN_PG_URL ? null : await startPostgres();
  if (server?.skip) throw new Error(`Cannot start PostgreSQL: ${server.skip}`);
  const url = process.env.EVERYWHEN_PG_URL ?? server!.url!;
  const sql = postgres(url, { onnotice: () => {} });
  const [row] = await sql`SELECT current_setting('server_version') AS version`;
  const version = String(row?.version);
  console.log(
    `PostgreSQL store benchmark, ${N.toLocaleString("en-US")} jobs, ${process.version}, ` +
      `PostgreSQL ${version}`,
  );
  let run = 0;
  const only = process.argv[3];
  try {
    if (only === "queue") {
      const fresh: OpenFresh = async () => {
        const store = await openStore(url, { schema: `bench${++run}` });
        return { store, done: () => store.close() };
      };
      await controlsThroughput(fresh, N);
      await claimCost(fresh, Number(process.argv[4] ?? 1_000_000));
      await enqueueManyRate(fresh);
      return;
    }
    for (const k of [1, 2, 4]) {
      const ours = await everywhenWorkers(url, `bench${++run}`, N, k);
      const theirs = await pgBossWorkers(url, sql, `bench${++run}`, N, k);
      console.log(
        `${k} worker process${k > 1 ? "es" : " "}: everywhen ${rate(N, ours)} jobs/s, ` +
          `pg-boss ${rate(N, theirs)} jobs/s`,
      );
    }
    await fires(url, `bench${++run}`);
  } finally {
    await sql.end();
    await server?.destroy();
  }
}

/** @returns ms from all workers ready to no job pending or running. */
async function everywhenWorkers(url: string, schema: string, n: number, k: number) {
  const store = await openStore(url, { schema });
  const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  const ps = [];
  for (let i = 0; i < n; i++) ps.push(producer.enqueue("record", null));
  await Promise.all(ps);
  const dir = mkdtempSync(join(tmpdir(), "everywhen-bench-"));
  const ws = Array.from(
    { length: k },
    () => startWorker("node", url, join(dir, "runs.jsonl"), { schema, pollInterval: 1000 }),
  );
  await Promise.all(ws.map((w) => w.ready));
  const started = performance.now();
  while ((await store.countJobs({ status: ["pending", "running"] })) > 0) await sleep(10);
  const ms = performance.now() - started;
  for (const w of ws) w.child.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exited));
  await producer.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** @returns ms from all workers ready to every job completed. */
async function pgBossWorkers(url: string, sql: postgres.Sql, queue: string, n: number, k: number) {
  const { default: PgBoss } = await import("pg-boss");
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
  boss.on("error", (e) => console.error(e));
  await boss.start();
  await boss.createQueue(queue);
  for (let i = 0; i < n; i += 1000) {
    await boss.insert(
      queue,
      Array.from({ length: Math.min(1000, n - i) }, () => ({ name: queue, data: {} })),
    );
  }
  await boss.stop({ graceful: false });
  const ws = Array.from(
    { length: k },
    () =>
      spawn(process.execPath, ["--no-warnings", SELF, "pgboss-worker", url, queue], {
        stdio: ["ignore", "pipe", "inherit"],
      }),
  );
  await Promise.all(
    ws.map((w) =>
      new Promise<void>((resolve) =>
        w.stdout!.on("data", (b: Buffer) => /ready/.test(String(b)) && resolve())
      )
    ),
  );
  const started = performance.now();
  for (;;) {
    const [row] = await sql`SELECT count(*)::int AS left FROM pgboss.job
      WHERE name = ${queue} AND state <> 'completed'`;
    if (row?.left === 0) break;
    await sleep(10);
  }
  const ms = performance.now() - started;
  await Promise.all(ws.map((w) => {
    const exited = new Promise((r) => w.once("exit", r));
    w.kill("SIGTERM");
    return exited;
  }));
  return ms;
}

async function fires(url: string, schema: string): Promise<void> {
  const store = await openStore(url, { schema });
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
  console.log(
    `fires: ${count} schedules due at one instant fired in ${lastAt - due} ms → ` +
      `${rate(count, lastAt - due)} fires/s`,
  );
}
