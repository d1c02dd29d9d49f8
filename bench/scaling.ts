/**
 * How cost grows with the size of the store, on SQLite (a real file in a temporary directory,
 * WAL) and on PostgreSQL (a throwaway server started like the tests', or `EVERYWHEN_PG_URL`).
 * Each table ends with a ratio column: the cost at the largest size divided by the cost at the
 * smallest (for a rate, the smallest size's rate divided by the largest's), so a ratio above 1
 * always means dearer at the larger size.
 *
 * Schedules axis: 1,000, 10,000 and 100,000 schedules, each size in a fresh store (after a
 * warm-up at 200 that is left out of the table).
 * 1. create: N `scheduler.schedule()` calls with `every({ days: 1 }, { startAt: T })`, T an hour
 *    ahead (the Scheduler has no bulk path for schedules), 1,000 in flight at a time.
 * 2. open: `openStore` on the filled store, closed just before; start → first pass: from
 *    `new Scheduler(...)` and `start()` (real clock, nothing due) until the engine first arms its
 *    waker, i.e. its first pass (lease renewal, clean-up, lock read, due-schedule claim, job
 *    claim, next-wake-up query) is done.
 * 3. fires: `timeFires` of `bench/_fires.ts`, as `bench/sqlite.ts fires`: a Scheduler with
 *    `roles: { jobs: false }` on a clock shifted to 500 ms before T; N / (the last
 *    `job:created`'s instant − T).
 * 4. claim: median of 7 `store.claimJobs(…, 100, …)` pages among the N pending jobs the fires
 *    left (on PostgreSQL after `ANALYZE`).
 * 5. size: the .db plus -wal bytes (SQLite, open, just after `PRAGMA wal_checkpoint(TRUNCATE)`
 *    empties the WAL), `pg_total_relation_size` summed over the schema's tables (PostgreSQL:
 *    heap, indexes, TOAST); after creating and again after firing.
 *
 * Finished-jobs axis: one store grown to 10,000, 100,000 and 1,000,000 succeeded jobs (10
 * tasks, half of them from 100 schedules). Those rows are written by SQL into the store's own
 * `everywhen_jobs` columns (`INSERT … SELECT` over a recursive CTE on SQLite, over
 * `generate_series` on PostgreSQL), shaped like a job `finishJobs` wrote: going through the port
 * (`enqueueMany`, `claimJobs`, `finishJobs`) runs at about 4k–12k jobs/s on PostgreSQL, minutes
 * for 1,000,000. At each size: open and start → first pass as above; enqueue and run 1,000 jobs
 * (`enqueueMany`, then until the 1,000th `job:succeeded`; median of 3); claim of 100 among 1,000
 * pending jobs enqueued for it (median of 10 pages, then finished through `finishJobs`);
 * `countJobs` and `listJobs` (median of 5); `cleanup` of 10,000 expired rows written just before
 * (a fixed amount of work in a growing table); size.
 *
 * PostgreSQL runs `ANALYZE` after each fill and after the fires, as `bench/postgres.ts` does, so
 * plans use real statistics; nothing runs `VACUUM`.
 *
 *   node_modules/node26/bin/node --no-warnings bench/scaling.ts [sqlite|postgres|all] [maxSchedules] [maxFinished]
 *   (npm run bench:scaling; defaults: all 100000 1000000)
 *
 * Benchmarks measure; nothing here asserts.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import postgres from "postgres";
import { openStore as openPostgres } from "../adapters/postgres.ts";
import { openStore as openSqlite } from "../adapters/sqlite.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { SqlStore } from "../src/store/sql/sql_store.ts";
import type { JobRecord } from "../src/store/store.ts";
import { every } from "../src/triggers/mod.ts";
import { TimerWaker, type WakerFactory } from "../src/waker.ts";
import { startPostgres } from "../tests/helpers/postgres.ts";
import { timeFires } from "./_fires.ts";
import { fmt, printTable } from "./_stats.ts";

const USAGE = "usage: bench/scaling.ts [sqlite|postgres|all] [maxSchedules] [maxFinished]";
const DAY = 86_400_000;
/** Jobs per claim, as a scheduler with a few hundred free slots would ask for. */
const PAGE = 100;
/** Pages claimed on the finished-jobs axis: every pending job enqueued for it, so none is left. */
const CLAIM_PAGES = 10;
const RUN_JOBS = 1_000;
const EXPIRED_ROWS = 10_000;
const OWNER = "bench-scaling";

const which = process.argv[2] ?? "all";
const maxSchedules = Number(process.argv[3] ?? 100_000);
const maxFinished = Number(process.argv[4] ?? 1_000_000);
if (
  !["sqlite", "postgres", "all"].includes(which) || !(maxSchedules >= 1) || !(maxFinished >= 1)
) {
  console.error(USAGE);
  process.exit(2);
}

// ---- small helpers ------------------------------------------------------------------------

const load = (): string => loadavg()[0]!.toFixed(2);
const count = (n: number): string => n.toLocaleString("en-US");

function median(samples: readonly number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function medianOf(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(work));
  return median(times);
}

/** `from`, 10 × `from`, … up to `max`, and `max` itself if the ladder stops short of it. */
function ladder(from: number, max: number): number[] {
  const sizes: number[] = [];
  for (let n = from; n <= max; n *= 10) sizes.push(n);
  if (sizes.at(-1) !== max) sizes.push(max);
  return sizes.filter((n) => n <= max);
}

function reportErrors(s: Scheduler, where: string): void {
  s.on("scheduler:error", ({ error, context }) => console.error(`  [${where}] ${context}:`, error));
}

// Temporary directories go at exit, however the run ends (an error, Ctrl-C).
const tempDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));
}

// ---- the stores ---------------------------------------------------------------------------

/** One fresh, empty store of one kind: reopened at will, measured, removed. */
interface Target {
  open(): Promise<SqlStore>;
  /** Bytes on disk of the store, open as `store`. */
  bytes(store: SqlStore): Promise<number>;
  /** Fresh planner statistics where the database keeps them apart (PostgreSQL). */
  analyze(): Promise<void>;
  remove(): Promise<void>;
}

interface Backend {
  name: string;
  version: string;
  fresh(): Promise<Target>;
  close(): Promise<void>;
}

function sqliteBackend(): Backend {
  const db = new DatabaseSync(":memory:");
  const row = db.prepare("SELECT sqlite_version() AS v").get() as { v: string };
  db.close();
  return {
    name: "SQLite",
    version: row.v,
    fresh: () => {
      const dir = mkdtempSync(join(tmpdir(), "everywhen-scaling-"));
      tempDirs.add(dir);
      const file = join(dir, "bench.db");
      const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
      return Promise.resolve({
        open: () => openSqlite(file),
        bytes: async (store) => {
          // The WAL is a reused buffer (about 4 MB at SQLite's default checkpoint size) whose
          // length depends on when the last checkpoint ran: empty it so that sizes compare.
          await store.driver.query("PRAGMA wal_checkpoint(TRUNCATE)");
          return size(file) + size(`${file}-wal`);
        },
        // The store never runs ANALYZE on SQLite; measure what an application gets.
        analyze: () => Promise.resolve(),
        remove: () => {
          rmSync(dir, { recursive: true, force: true });
          tempDirs.delete(dir);
          return Promise.resolve();
        },
      });
    },
    close: () => Promise.resolve(),
  };
}

async function postgresBackend(): Promise<Backend> {
  const server = process.env.EVERYWHEN_PG_URL ? null : await startPostgres();
  if (server?.skip) throw new Error(`Cannot start PostgreSQL: ${server.skip}`);
  const url = process.env.EVERYWHEN_PG_URL ?? server!.url!;
  const sql = postgres(url, { onnotice: () => {} });
  const [row] = await sql`SELECT current_setting('server_version') AS version`;
  let made = 0;
  return {
    name: "PostgreSQL",
    version: String(row?.version),
    fresh: () => {
      // The pid keeps schemas apart from other runs' when EVERYWHEN_PG_URL is a shared server.
      const schema = `scaling_${process.pid}_${++made}`;
      return Promise.resolve({
        open: () => openPostgres(url, { schema }),
        bytes: async () => {
          const [r] = await sql`SELECT COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS b
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ${schema} AND c.relkind = 'r'`;
          return Number(r?.b ?? 0);
        },
        analyze: async () => {
          await sql.unsafe(`ANALYZE "${schema}".everywhen_jobs, "${schema}".everywhen_schedules`);
        },
        remove: async () => {
          await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        },
      });
    },
    close: async () => {
      await sql.end();
      await server?.destroy();
    },
  };
}

// ---- measures shared by both axes -----------------------------------------------------------

/**
 * A waker that tells its first arming. The engine arms its waker only when a loop ends, after
 * its first pass and any pass that one asked for, so the first arming marks "started and idle".
 */
function firstArm(): { waker: WakerFactory; armed: Promise<void> } {
  let armed!: () => void;
  const promise = new Promise<void>((resolve) => (armed = resolve));
  const waker: WakerFactory = (wake, clock) => {
    const timer = new TimerWaker(clock, wake);
    return {
      arm: (at, options) => {
        armed();
        timer.arm(at, options);
      },
      disarm: () => timer.disarm(),
    };
  };
  return { waker, armed: promise };
}

/** Reopens the store and starts a scheduler on it; times each half. */
async function openAndStart(
  target: Target,
): Promise<{ store: SqlStore; scheduler: Scheduler; openMs: number; startMs: number }> {
  const t0 = performance.now();
  const store = await target.open();
  const t1 = performance.now();
  const probe = firstArm();
  const scheduler = new Scheduler({ store, concurrency: 1000, waker: probe.waker });
  reportErrors(scheduler, "scheduler");
  scheduler.task("noop", (n: number) => n);
  scheduler.start();
  await probe.armed;
  return { store, scheduler, openMs: t1 - t0, startMs: performance.now() - t1 };
}

/** Median time of claiming `pages` pages of `PAGE` jobs, and the jobs claimed. */
async function claimPages(
  store: SqlStore,
  now: number,
  pages: number,
): Promise<{ ms: number; jobs: JobRecord[] }> {
  const times: number[] = [];
  const jobs: JobRecord[] = [];
  for (let i = 0; i < pages; i++) {
    const t0 = performance.now();
    const page = await store.claimJobs(now, OWNER, 60_000, PAGE, { tasks: ["noop"] });
    times.push(performance.now() - t0);
    jobs.push(...page);
  }
  return { ms: median(times), jobs };
}

// ---- schedules axis -------------------------------------------------------------------------

interface ScheduleResult {
  createUs: number;
  openMs: number;
  startMs: number;
  firesPerS: number;
  claimMs: number;
  createdBytes: number;
  firedBytes: number;
  load: string;
}

async function createSchedules(
  store: SqlStore,
  n: number,
  due: number,
): Promise<number> {
  const inFlight = 1000;
  const s = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  // One trigger for all: its start anchor is explicit, so every schedule is due at `due`.
  const trigger = every({ days: 1 }, { startAt: due });
  const t0 = performance.now();
  for (let i = 0; i < n; i += inFlight) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + inFlight); j++) {
      batch.push(s.schedule({ id: `s${j}`, task: "noop", trigger }));
    }
    await Promise.all(batch);
  }
  const ms = performance.now() - t0;
  await s.stop();
  return ms;
}

async function schedulesAt(backend: Backend, n: number, note = ""): Promise<ScheduleResult> {
  const target = await backend.fresh();
  // An hour ahead: nothing is due while the schedules are written and the store restarted.
  const due = Date.now() + 3_600_000;
  let store = await target.open();
  try {
    const createMs = await createSchedules(store, n, due);
    const createdBytes = await target.bytes(store);
    await store.close();
    const started = await openAndStart(target);
    store = started.store;
    await started.scheduler.stop();
    const fireMs = await timeFires(store, n, due);
    await target.analyze();
    const claim = await claimPages(store, due + 60_000, 7);
    const firedBytes = await target.bytes(store);
    const r: ScheduleResult = {
      createUs: (createMs * 1000) / n,
      openMs: started.openMs,
      startMs: started.startMs,
      firesPerS: n / (fireMs / 1000),
      claimMs: claim.ms,
      createdBytes,
      firedBytes,
      load: load(),
    };
    console.log(
      `  ${backend.name} ${count(n)} schedules${note}: created in ${fmt(createMs)} ms; open ${
        fmt(r.openMs, 1)
      } ms, first pass ${fmt(r.startMs, 1)} ms; fired in ${fmt(fireMs)} ms; claim ${
        fmt(r.claimMs, 2)
      } ms (${claim.jobs.length} claimed in 7 pages); ${mb(createdBytes)} → ${
        mb(firedBytes)
      } MB; load ${r.load}`,
    );
    return r;
  } finally {
    await store.close();
    await target.remove();
  }
}

async function schedulesAxis(backend: Backend, sizes: readonly number[]): Promise<void> {
  // The first size would otherwise also pay for compiling the code paths it is the first to run.
  await schedulesAt(backend, 200, " (warm-up, not in the table)");
  const rs: ScheduleResult[] = [];
  for (const n of sizes) rs.push(await schedulesAt(backend, n));
  const row = (label: string, values: number[], digits: number, rate = false): Row => ({
    label,
    values,
    digits,
    rate,
  });
  table(`${backend.name}: N schedules`, sizes, [
    row("create, µs per schedule", rs.map((r) => r.createUs), 1),
    row("open, ms", rs.map((r) => r.openMs), 1),
    row("start → first pass, ms", rs.map((r) => r.startMs), 1),
    row("all N due at once, fires/s", rs.map((r) => r.firesPerS), 0, true),
    row(`claim of ${PAGE} among N pending, ms`, rs.map((r) => r.claimMs), 2),
    row("size with N schedules, MB", rs.map((r) => r.createdBytes / 1e6), 2),
    row("  bytes per schedule", rs.map((r, i) => r.createdBytes / sizes[i]!), 0),
    row("size after the fires (+ N jobs), MB", rs.map((r) => r.firedBytes / 1e6), 2),
    { label: "load (1 min)", values: [], digits: 0, text: rs.map((r) => r.load) },
  ]);
}

// ---- finished-jobs axis ---------------------------------------------------------------------

interface FinishedResult {
  fillMs: number;
  openMs: number;
  startMs: number;
  runPerS: number;
  claimMs: number;
  countSucceededMs: number;
  countPendingMs: number;
  listSucceededMs: number;
  listNewestMs: number;
  cleanupMs: number;
  bytes: number;
  /** Job rows in the store when measured: the filled ones plus those the runs and claims added. */
  rows: number;
  load: string;
}

/**
 * Writes succeeded jobs `from`..`to - 1` (ids `prefix` + i) as `finishJobs` leaves them: result
 * set, lease cleared, finished long ago, expiring at `expiresAt`. `seq` continues the store's
 * own numbering (the sequence on PostgreSQL; on SQLite the counter's trigger follows).
 */
async function insertFinished(
  store: SqlStore,
  from: number,
  to: number,
  prefix: string,
  expiresAt: number,
): Promise<void> {
  const pg = store.driver.dialect === "postgres";
  let seq = "nextval('everywhen_jobs_seq')";
  if (!pg) {
    const [top] = await store.driver.query<{ s: number | null }>(
      "SELECT max(seq) AS s FROM everywhen_jobs",
    );
    seq = `${Number(top?.s ?? 0) + 1 - from} + i`;
  }
  const t = Date.now() - 7 * DAY;
  const columns = `id, task, schedule_id, scheduled_at, run_at, status, payload, result, attempts,
    cancel_requested, created_at, started_at, finished_at, expires_at, seq, priority, after_json,
    history_json`;
  const values = `'${prefix}' || i, 't' || (i % 10),
    CASE WHEN i % 2 = 0 THEN 's' || (i % 100) END, ${t} + i, ${t} + i, 'succeeded',
    '{"n":' || i || '}', '"done"', 1, 0, ${t} + i, ${t} + i + 1, ${t} + i + 2, ${expiresAt},
    ${seq}, 0, '[]', '[]'`;
  await store.driver.exec(
    pg
      ? `INSERT INTO everywhen_jobs (${columns}) SELECT ${values}
          FROM generate_series(${from}, ${to - 1}) AS i`
      : `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${
        to - 1
      }) INSERT INTO everywhen_jobs (${columns}) SELECT ${values} FROM n`,
  );
}

async function rowCount(store: SqlStore): Promise<number> {
  const [row] = await store.driver.query<{ n: number }>("SELECT count(*) AS n FROM everywhen_jobs");
  return Number(row?.n ?? 0);
}

/** Enqueues `n` jobs on a started scheduler and waits for all of them; returns the ms. */
async function enqueueAndRun(s: Scheduler, n: number): Promise<number> {
  let done = 0;
  let off = () => {};
  const all = new Promise<void>((resolve) => {
    off = s.on("job:succeeded", () => {
      if (++done === n) resolve();
    });
  });
  const t0 = performance.now();
  await s.enqueueMany(Array.from({ length: n }, (_, i) => ({ task: "noop", payload: i })));
  await all;
  const ms = performance.now() - t0;
  off();
  return ms;
}

/** Claims pages among jobs enqueued for the purpose, then finishes them so none is left. */
async function claimAmongFinished(store: SqlStore): Promise<number> {
  const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  await producer.enqueueMany(
    Array.from({ length: CLAIM_PAGES * PAGE }, (_, i) => ({ task: "noop", payload: i })),
  );
  await producer.stop();
  const now = Date.now() + 1_000;
  const { ms, jobs } = await claimPages(store, now, CLAIM_PAGES);
  for (let i = 0; i < jobs.length; i += PAGE) {
    await store.finishJobs(
      OWNER,
      jobs.slice(i, i + PAGE).map((j) => ({
        id: j.id,
        outcome: {
          status: "succeeded" as const,
          result: "null",
          error: null,
          finishedAt: now,
          expiresAt: now + 30 * DAY,
        },
      })),
    );
  }
  return ms;
}

async function finishedAt(
  backend: Backend,
  target: Target,
  from: number,
  size: number,
): Promise<FinishedResult> {
  let store = await target.open();
  try {
    const fillMs = await timed(() => insertFinished(store, from, size, "f", Date.now() + 30 * DAY));
    await target.analyze();
    await store.close();
    const started = await openAndStart(target);
    store = started.store;
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push(await enqueueAndRun(started.scheduler, RUN_JOBS));
    await started.scheduler.stop();
    const claimMs = await claimAmongFinished(store);
    const countSucceededMs = await medianOf(5, () => store.countJobs({ status: "succeeded" }));
    const countPendingMs = await medianOf(5, () => store.countJobs({ status: "pending" }));
    const listSucceededMs = await medianOf(
      5,
      () => store.listJobs({ status: "succeeded", limit: 50 }),
    );
    const listNewestMs = await medianOf(5, () => store.listJobs({ limit: 50 }));
    await insertFinished(store, 0, EXPIRED_ROWS, `x${size}_`, Date.now() - DAY);
    let removed = 0;
    const cleanupMs = await timed(async () => (removed = await store.cleanup(Date.now())));
    const r: FinishedResult = {
      fillMs,
      openMs: started.openMs,
      startMs: started.startMs,
      runPerS: RUN_JOBS / (median(runs) / 1000),
      claimMs,
      countSucceededMs,
      countPendingMs,
      listSucceededMs,
      listNewestMs,
      cleanupMs,
      bytes: await target.bytes(store),
      rows: await rowCount(store),
      load: load(),
    };
    console.log(
      `  ${backend.name} ${count(size)} finished jobs: filled ${count(size - from)} rows in ${
        fmt(fillMs)
      } ms; open ${fmt(r.openMs, 1)} ms, first pass ${fmt(r.startMs, 1)} ms; runs of ${
        count(RUN_JOBS)
      } ${runs.map((ms) => fmt(ms)).join(", ")} ms; claim ${fmt(claimMs, 2)} ms; cleanup ${
        fmt(cleanupMs)
      } ms (${count(removed)} removed); ${mb(r.bytes)} MB; load ${r.load}`,
    );
    return r;
  } finally {
    await store.close();
  }
}

async function finishedAxis(backend: Backend, sizes: readonly number[]): Promise<void> {
  const target = await backend.fresh();
  const rs: FinishedResult[] = [];
  try {
    let filled = 0;
    for (const size of sizes) {
      rs.push(await finishedAt(backend, target, filled, size));
      filled = size;
    }
  } finally {
    await target.remove();
  }
  const row = (label: string, pick: (r: FinishedResult) => number, digits = 2): Row => ({
    label,
    values: rs.map(pick),
    digits,
  });
  table(`${backend.name}: N finished (succeeded) jobs`, sizes, [
    row("open, ms", (r) => r.openMs, 1),
    row("start → first pass, ms", (r) => r.startMs, 1),
    {
      label: `enqueue + run ${count(RUN_JOBS)} jobs, jobs/s`,
      values: rs.map((r) => r.runPerS),
      digits: 0,
      rate: true,
    },
    row(`claim of ${PAGE} (${count(CLAIM_PAGES * PAGE)} pending), ms`, (r) => r.claimMs),
    row("countJobs({ status: 'succeeded' }), ms", (r) => r.countSucceededMs),
    row("countJobs({ status: 'pending' }), ms", (r) => r.countPendingMs),
    row("listJobs({ status: 'succeeded', limit: 50 }), ms", (r) => r.listSucceededMs),
    row("listJobs({ limit: 50 }), ms", (r) => r.listNewestMs),
    row(`cleanup of ${count(EXPIRED_ROWS)} expired rows, ms`, (r) => r.cleanupMs, 1),
    row("size, MB", (r) => r.bytes / 1e6),
    row("  bytes per job row", (r) => r.bytes / r.rows, 0),
    { label: "load (1 min)", values: [], digits: 0, text: rs.map((r) => r.load) },
  ]);
}

// ---- output ---------------------------------------------------------------------------------

/** One line of a table: a value per size, or text where a ratio means nothing. */
interface Row {
  label: string;
  values: number[];
  digits: number;
  /** Higher is better (a rate): the ratio is inverted so that above 1 means dearer. */
  rate?: boolean;
  text?: string[];
}

const mb = (bytes: number): string => fmt(bytes / 1e6, 1);

function ratio(row: Row): string {
  const first = row.values[0];
  const last = row.values.at(-1);
  if (row.values.length < 2 || first === undefined || last === undefined) return "–";
  if (!(first > 0 && last > 0)) return "n/a";
  return `${(row.rate ? first / last : last / first).toFixed(2)}×`;
}

function table(title: string, sizes: readonly number[], rows: readonly Row[]): void {
  const span = sizes.at(-1)! / sizes[0]!;
  console.log(`\n${title}`);
  printTable(
    [
      "N",
      ...sizes.map(count),
      sizes.length > 1 ? `ratio ${count(sizes.at(-1)!)}/${count(sizes[0]!)}` : "ratio",
    ],
    rows.map((r) => [
      r.label,
      ...(r.text ?? r.values.map((v) => fmt(v, v >= 100 ? 0 : r.digits))),
      r.text ? "" : ratio(r),
    ]),
  );
  if (sizes.length > 1) {
    console.log(
      `(N grows ${fmt(span)}×: a one-off operation that costs O(log N) grows about ${
        (Math.log(sizes.at(-1)!) / Math.log(sizes[0]!)).toFixed(2)
      }×, one that costs O(N) ${fmt(span)}×; per-item rows should stay near 1×; sizes grow ~N)`,
    );
  }
}

// ---- main -----------------------------------------------------------------------------------

const began = performance.now();
const loadAtStart = load();
const scheduleSizes = ladder(1_000, maxSchedules);
const finishedSizes = ladder(10_000, maxFinished);
const backends: Backend[] = [];
if (which !== "postgres") backends.push(sqliteBackend());
if (which !== "sqlite") backends.push(await postgresBackend());
console.log(
  `Scaling benchmark: ${count(scheduleSizes.at(-1)!)} schedules, ${
    count(finishedSizes.at(-1)!)
  } finished jobs; Node ${process.version}; ${
    backends.map((b) => `${b.name} ${b.version}`).join(", ")
  }${which === "sqlite" ? "; PostgreSQL not run" : ""}; load ${loadAtStart} at start`,
);
try {
  for (const backend of backends) {
    const t0 = performance.now();
    console.log(`\n${backend.name}: schedules axis`);
    await schedulesAxis(backend, scheduleSizes);
    console.log(`\n${backend.name}: finished-jobs axis`);
    await finishedAxis(backend, finishedSizes);
    console.log(`\n${backend.name} took ${fmt((performance.now() - t0) / 1000, 1)} s`);
  }
} finally {
  for (const backend of backends) await backend.close();
}
console.log(
  `\nload ${load()} at end; whole run ${fmt((performance.now() - began) / 1000, 1)} s`,
);
