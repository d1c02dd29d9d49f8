/**
 * Queue-control benchmarks shared by `bench/sqlite.ts` and `bench/postgres.ts`: throughput with
 * priorities and concurrency keys in use against plain jobs, claim cost as the number of pending
 * jobs grows from 1,000 to 1,000,000, and `enqueueMany` against a loop of `enqueue`.
 *
 * Benchmarks measure; nothing here asserts.
 */
import type { SqlStore } from "../src/store/sql/sql_store.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";

/** Opens a fresh, empty store; `done` removes it. */
export type OpenFresh = () => Promise<{ store: SqlStore; done(): Promise<void> }>;

function rate(n: number, ms: number): string {
  return Math.round(n / (ms / 1000)).toLocaleString("en-US");
}

/**
 * How the jobs of a throughput run are enqueued: "plain" without options (drained in creation
 * order); "shuffled" without controls, but with ready times staggered by 0–10 ms so that they
 * are drained in the same order as "controls" (every 11th row, like 11 interleaved levels);
 * "controls" with 11 priority levels and 100 concurrency keys.
 */
type Mode = "plain" | "shuffled" | "controls";

/** Runs `n` already enqueued jobs through one scheduler and returns the run phase in ms. */
async function runPhase(open: OpenFresh, n: number, mode: Mode): Promise<number> {
  const { store, done } = await open();
  const s = new Scheduler({ store, concurrency: 1000 });
  // Keys with room to spare: what is measured is the cost of counting them, not their limit.
  s.task(
    "noop",
    (i: number) => i,
    mode === "controls" ? { concurrency: { key: (i: number) => `k${i % 100}`, limit: 100 } } : {},
  );
  // Priority p = i % 11 - 5 runs first for p = 5; a ready time of base - (i % 11) ms puts the
  // same jobs first by ready time. Both are in the past: every job is ready at start().
  const base = Date.now();
  const options = (i: number) =>
    mode === "controls"
      ? { priority: i % 11 - 5 }
      : mode === "shuffled"
      ? { runAt: base - (i % 11) }
      : {};
  for (let i = 0; i < n; i += 10_000) {
    await s.enqueueMany(
      Array.from({ length: Math.min(10_000, n - i) }, (_, j) => ({
        task: "noop",
        payload: i + j,
        options: options(i + j),
      })),
    );
  }
  let finished = 0;
  const all = new Promise<void>((resolve) =>
    s.on("job:succeeded", () => {
      if (++finished === n) resolve();
    })
  );
  const t0 = performance.now();
  s.start();
  await all;
  const ms = performance.now() - t0;
  await s.stop();
  await done();
  return ms;
}

/**
 * Throughput of jobs with 11 priority levels and 100 concurrency keys against plain jobs, both
 * drained in creation order and drained in the same order as the priorities (see
 * {@linkcode Mode}): the second is the like-for-like baseline, since a claim that takes every
 * 11th row writes about 11 times as many pages as one taking adjacent rows, whatever orders it.
 */
export async function controlsThroughput(open: OpenFresh, n: number): Promise<void> {
  // Alternated and best of three each: no side pays alone for a cold start or a busy moment.
  const best: Record<Mode, number> = { plain: Infinity, shuffled: Infinity, controls: Infinity };
  for (let round = 0; round < 3; round++) {
    for (const mode of ["plain", "shuffled", "controls"] as const) {
      best[mode] = Math.min(best[mode], await runPhase(open, n, mode));
    }
  }
  const versus = (ms: number): string => {
    const change = (best.controls / ms - 1) * 100;
    return `${Math.abs(change).toFixed(1)}% ${change >= 0 ? "slower" : "faster"}`;
  };
  console.log(
    `queue controls, ${n.toLocaleString("en-US")} jobs in 1 process (claim → handler → finish): ` +
      `plain ${rate(n, best.plain)} jobs/s in creation order, ${
        rate(n, best.shuffled)
      } jobs/s in the priorities' order; ` +
      `priorities (11 levels) + concurrency keys (100) ${rate(n, best.controls)} jobs/s ` +
      `(${versus(best.shuffled)} than plain in the same order, ${
        versus(best.plain)
      } than plain in creation order)`,
  );
}

/** Rows of pending, ready jobs written straight into the table (3 priority levels). */
function fillSql(dialect: string, from: number, to: number): string {
  const columns = `id, task, scheduled_at, run_at, status, payload, attempts, cancel_requested,
    created_at, seq, priority, after_json, history_json`;
  const values = (i: string) =>
    `'p' || ${i}, 't', ${i}, ${i}, 'pending', 'null', 0, 0, ${i}, ${i} + 1, (${i} % 3) - 1, '[]', '[]'`;
  if (dialect === "postgres") {
    return `INSERT INTO everywhen_jobs (${columns}) SELECT ${
      values("i")
    } FROM generate_series(${from}, ${to - 1}) AS i`;
  }
  return `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to - 1})
    INSERT INTO everywhen_jobs (${columns}) SELECT ${values("i")} FROM n`;
}

/** Median time of claiming 10 jobs at 1k, 10k, 100k and `max` pending jobs. */
export async function claimCost(open: OpenFresh, max = 1_000_000): Promise<void> {
  const { store, done } = await open();
  const now = Date.now() + 1e12;
  const sizes = [1_000, 10_000, 100_000, 1_000_000].filter((n) => n <= max);
  const out: string[] = [];
  let filled = 0;
  for (const size of sizes) {
    await store.driver.exec(fillSql(store.driver.dialect, filled, size));
    filled = size;
    if (store.driver.dialect === "postgres") await store.driver.exec("ANALYZE everywhen_jobs");
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await store.claimJobs(now, "bench", 60_000, 10, { tasks: ["t"] });
      times.push(performance.now() - t);
    }
    out.push(`${size.toLocaleString("en-US")}: ${times.sort((a, b) => a - b)[3]!.toFixed(2)} ms`);
  }
  await done();
  console.log(`claim of 10 jobs (median of 7) at N pending jobs: ${out.join("; ")}`);
}

/** 10,000 jobs in one `enqueueMany` call against a loop of awaited `enqueue` calls. */
export async function enqueueManyRate(open: OpenFresh, n = 10_000): Promise<void> {
  const measure = async (batch: boolean): Promise<number> => {
    const { store, done } = await open();
    const s = new Scheduler({ store, roles: { schedules: false, jobs: false } });
    s.task("noop", () => {});
    const t0 = performance.now();
    if (batch) {
      await s.enqueueMany(Array.from({ length: n }, (_, i) => ({ task: "noop", payload: i })));
    } else {
      for (let i = 0; i < n; i++) await s.enqueue("noop", i);
    }
    const ms = performance.now() - t0;
    await s.stop();
    await done();
    return ms;
  };
  const many = await measure(true);
  const loop = await measure(false);
  console.log(
    `enqueue ${n.toLocaleString("en-US")} jobs: enqueueMany ${rate(n, many)} jobs/s ` +
      `(${Math.round(many)} ms); loop of enqueue ${rate(n, loop)} jobs/s (${
        Math.round(loop)
      } ms); ` +
      `${(loop / many).toFixed(1)}× faster`,
  );
}
