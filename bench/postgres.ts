/**
 * Throughput through the PostgreSQL store, next to pg-boss and graphile-worker on the same
 * server in the same run (`bench/_pg_systems.ts` has each one's configuration): with 1, 2 and 4
 * worker processes, the fill rate (bulk enqueue), the run phase (from "go" to every job done,
 * `ANALYZE` first) and end to end (fill + run); then fires/s with 10,000 schedules due at
 * once. The `queue` section runs the queue controls (`bench/_queue.ts`: priorities and keys against plain jobs,
 * claim cost from 1,000 to 1,000,000 pending jobs, `enqueueMany` against a loop of `enqueue`).
 * Starts a throwaway server like the tests (or uses `EVERYWHEN_PG_URL`).
 *
 *   node_modules/node26/bin/node --no-warnings bench/postgres.ts [jobs] [all|queue|fires]
 *
 * Benchmarks measure; nothing here asserts.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { openStore } from "../adapters/postgres.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { oneShotsAt, timeFires } from "./_fires.ts";
import { type System, SYSTEMS, tally } from "./_pg_systems.ts";
import { claimCost, controlsThroughput, enqueueManyRate, type OpenFresh } from "./_queue.ts";
import { printTable } from "./_stats.ts";

const SELF = fileURLToPath(import.meta.url);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rate = (n: number, ms: number): string => Math.round(n / (ms / 1000)).toLocaleString("en-US");
const load = (): string => loadavg()[0]!.toFixed(2);

// ---- worker process: `bench/postgres.ts worker <system> <url> <namespace>` ----
// Connects and warms up, prints "ready", and starts working when it reads "go" on stdin, so
// that every worker of a run starts at once and no system's start-up is timed.
if (process.argv[2] === "worker") {
  const system = SYSTEMS.find((s) => s.name === process.argv[3])!;
  const start = await system.prepare(process.argv[4]!, process.argv[5]!);
  process.on("SIGTERM", () => process.stdout.write(`ran ${tally.ran}\n`, () => process.exit(0)));
  process.stdin.once("data", () => {
    void start();
    // Progress for the harness, which would otherwise poll the database (see `drain`).
    let told = 0;
    setInterval(() => {
      if (tally.ran !== told) process.stdout.write(`ran ${(told = tally.ran)}\n`);
    }, 10);
  });
  process.stdout.write("ready\n");
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
      `PostgreSQL ${version}, load ${load()}`,
  );
  let run = 0;
  const only = process.argv[3];
  try {
    if (only === "fires") {
      await fires(url, `bench${++run}`);
      return;
    }
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
    // For trying configurations: BENCH_SYSTEMS=pg-boss,graphile-worker BENCH_WORKERS=1,4
    const pick = (v: string | undefined) => v?.split(",");
    const names = pick(process.env.BENCH_SYSTEMS);
    const systems = SYSTEMS.filter((s) => !names || names.includes(s.name));
    const counts = pick(process.env.BENCH_WORKERS)?.map(Number) ?? [1, 2, 4];
    for (const s of systems) console.log(`  ${s.name}: ${s.config}`);
    const rows: string[][] = [];
    for (const k of counts) {
      // The systems take turns at each worker count, so a change in load hits them alike.
      for (const s of systems) {
        const r = await drain(s, url, sql, `bench${++run}`, N, k);
        rows.push([
          String(k),
          s.name,
          rate(N, r.fillMs),
          rate(N, r.runMs),
          rate(N, r.fillMs + r.runMs),
          r.shares,
          load(),
        ]);
        console.log(rows.at(-1)!.join("  "));
      }
    }
    console.log(
      "\nEnd to end = jobs / (fill + run); run = from go to no job left (jobs/s); shares = each " +
        "worker's share of the jobs run",
    );
    printTable(["workers", "system", "fill", "run", "end to end", "shares", "load"], rows);
    if (!names) await fires(url, `bench${++run}`);
  } finally {
    await sql.end();
    await server?.destroy();
  }
}

/**
 * Fills a fresh queue with `n` jobs, `ANALYZE`s, starts `k` worker processes, and times from
 * "go" until no job is left. The workers report how many jobs their handlers ran; only once
 * those add up to `n` does the harness ask the database whether every job is done. Polling it
 * throughout cost the systems unequally: everywhen's count of 100,000 unfinished jobs took the
 * server ~50 ms, every 10 ms, on the cores the workers and the server share.
 */
async function drain(
  system: System,
  url: string,
  sql: postgres.Sql,
  ns: string,
  n: number,
  k: number,
): Promise<{ fillMs: number; runMs: number; shares: string }> {
  const fillMs = await system.fill(url, ns, n);
  // A freshly filled table has no statistics until autovacuum gets to it: plan every system's
  // claims on real ones.
  await sql`ANALYZE`;
  const counter = await system.counter(url, sql, ns);
  const ws = Array.from(
    { length: k },
    () =>
      spawn(process.execPath, ["--no-warnings", SELF, "worker", system.name, url, ns], {
        stdio: ["pipe", "pipe", "inherit"],
      }),
  );
  // Each worker's latest report of jobs run.
  const ran = ws.map(() => 0);
  await Promise.all(
    ws.map((w, i) =>
      new Promise<void>((resolve, reject) => {
        w.stdout!.on("data", (b: Buffer) => {
          const text = String(b);
          if (/ready/.test(text)) resolve();
          for (const m of text.matchAll(/ran (\d+)/g)) ran[i] = Number(m[1]);
        });
        w.once("exit", (code) => reject(new Error(`${system.name} worker exited (${code})`)));
      })
    ),
  );
  const started = performance.now();
  for (const w of ws) w.stdin!.write("go\n");
  while (ran.reduce((a, b) => a + b, 0) < n) await sleep(5);
  while ((await counter.left()) > 0) await sleep(10);
  const runMs = performance.now() - started;
  await Promise.all(ws.map((w) => {
    const exited = new Promise<void>((r) => w.once("exit", () => r()));
    w.kill("SIGTERM");
    return exited;
  }));
  await counter.close();
  // Each worker's share of the jobs, smallest first (a re-run counts twice).
  const total = ran.reduce((a, b) => a + b, 0);
  const shares = ran.sort((a, b) => a - b).map((r) => `${Math.round((r / total) * 100)}%`);
  return { fillMs, runMs, shares: shares.join(" ") };
}

async function fires(url: string, schema: string): Promise<void> {
  const store = await openStore(url, { schema });
  const due = Date.now() + 3_600_000;
  const count = 10_000;
  await oneShotsAt(store, count, due);
  const ms = await timeFires(store, count, due);
  await store.close();
  console.log(
    `fires: ${count} schedules due at one instant fired in ${ms} ms → ${rate(count, ms)} fires/s`,
  );
}
