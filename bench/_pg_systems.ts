/**
 * The three PostgreSQL job queues of `bench/postgres.ts`, each in the configuration its own
 * documentation recommends for throughput, behind one shape: fill the queue with its bulk API,
 * count what is left, and prepare a worker process that starts working on `go`.
 *
 * Every handler is a no-op, so the figures compare the queues, not the handlers.
 * @module
 */
import process from "node:process";
import type postgres from "postgres";
import { openStore } from "../adapters/postgres.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";

/** One queue under test. */
export interface System {
  name: string;
  /** Its configuration, printed with the results. */
  config: string;
  /** Fills the queue with `n` no-op jobs; set-up (migrations, connections) is not timed. @returns ms */
  fill(url: string, ns: string, n: number): Promise<number>;
  /** Opens a counter of the jobs neither completed nor failed. */
  counter(url: string, sql: postgres.Sql, ns: string): Promise<Counter>;
  /** In a worker process: connect and warm up, then return what starts the work. */
  prepare(url: string, ns: string): Promise<() => unknown>;
}

export interface Counter {
  left(): Promise<number>;
  close(): Promise<void>;
}

/** Jobs this worker process's handlers ran: each worker reports it, for the share of each. */
export const tally = { ran: 0 };

const CHUNK = 1000;
const chunks = (n: number): number[] =>
  Array.from({ length: Math.ceil(n / CHUNK) }, (_, i) => Math.min(CHUNK, n - i * CHUNK));

/** everywhen's default is 100; the bench has always run workers at 1,000. */
export const EVERYWHEN_CONCURRENCY = Number(process.env.BENCH_EVERYWHEN_CONCURRENCY ?? 1000);

/**
 * everywhen keeps a finished job for its `resultTtl` (default a day), as pg-boss keeps completed
 * jobs; `keep: false` runs it with `resultTtl: 0`, where a finish deletes the job, as
 * graphile-worker does with every completed job: the same work as each peer.
 */
function everywhenSystem(keep: boolean): System {
  return {
    name: keep ? "everywhen" : "everywhen resultTtl:0",
    config: `concurrency ${EVERYWHEN_CONCURRENCY} (default 100), pollInterval 1 s (default), ` +
      `roles { schedules: false }, ${
        keep ? "resultTtl 1 day (default)" : "resultTtl 0 (a finished job is deleted)"
      }, fill: enqueueMany of 1,000`,
    async fill(url, ns, n) {
      const store = await openStore(url, { schema: ns });
      const producer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
      const t0 = performance.now();
      for (const size of chunks(n)) {
        await producer.enqueueMany(
          Array.from({ length: size }, () => ({ task: "record", payload: null })),
        );
      }
      const ms = performance.now() - t0;
      await producer.stop();
      await store.close();
      return ms;
    },
    async counter(url, _sql, ns) {
      const store = await openStore(url, { schema: ns });
      return {
        left: () => store.countJobs({ status: ["pending", "running"] }),
        close: () => store.close(),
      };
    },
    async prepare(url, ns) {
      const store = await openStore(url, { schema: ns });
      const s = new Scheduler({
        store,
        concurrency: EVERYWHEN_CONCURRENCY,
        roles: { schedules: false, jobs: true },
      });
      s.task("record", () => void tally.ran++, keep ? {} : { resultTtl: 0 });
      return () => s.start();
    },
  };
}

/**
 * pg-boss's fetch loop sleeps `pollingIntervalSeconds` (at least 0.5 s) after each batch, which
 * caps one loop at batchSize / 0.5 s; `burstWhenBatchFull` (12.x; 11.x has no such option)
 * fetches again at once while batches come back full, and `localConcurrency` runs several
 * loops per process.
 */
export const PGBOSS_LOOPS = Number(process.env.BENCH_PGBOSS_LOOPS ?? 1);
export const PGBOSS_BATCH = Number(process.env.BENCH_PGBOSS_BATCH ?? 1000);

const pgBoss: System = {
  name: "pg-boss",
  config: `burstWhenBatchFull (default off), localConcurrency ${PGBOSS_LOOPS} (default 1), ` +
    `batchSize ${PGBOSS_BATCH} (default 1), pollingIntervalSeconds 0.5 (the minimum; default ` +
    "2), pool max 10 (default), supervise and schedule off, fill: insert() of 1,000",
  async fill(url, ns, n) {
    const { PgBoss } = await import("pg-boss");
    const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
    boss.on("error", (e) => console.error(e));
    await boss.start();
    await boss.createQueue(ns);
    const t0 = performance.now();
    for (const size of chunks(n)) {
      await boss.insert(ns, Array.from({ length: size }, () => ({ data: {} })));
    }
    const ms = performance.now() - t0;
    await boss.stop({ graceful: false });
    return ms;
  },
  counter: (_url, sql, ns) =>
    Promise.resolve({
      async left() {
        const [row] = await sql`SELECT count(*)::int AS left FROM pgboss.job
        WHERE name = ${ns} AND state NOT IN ('completed', 'failed')`;
        return row!.left as number;
      },
      close: () => Promise.resolve(),
    }),
  async prepare(url, ns) {
    const { PgBoss } = await import("pg-boss");
    const boss = new PgBoss({
      connectionString: url,
      supervise: false,
      schedule: false,
      migrate: false,
    });
    boss.on("error", (e) => console.error(e));
    await boss.start();
    return () =>
      boss.work(ns, {
        batchSize: PGBOSS_BATCH,
        localConcurrency: PGBOSS_LOOPS,
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
      }, (jobs) => Promise.resolve(void (tally.ran += jobs.length)));
  },
};

/**
 * graphile-worker's own performance configuration (worker.graphile.org/docs/performance):
 * 24 concurrent jobs, a pool of 25, a local queue of 500 and batched completions.
 */
const GRAPHILE_PRESET = {
  concurrentJobs: 24,
  maxPoolSize: 25,
  localQueue: { size: 500 },
  completeJobBatchDelay: 0,
  failJobBatchDelay: 0,
};

const graphile: System = {
  name: "graphile-worker",
  config: "concurrentJobs 24 (default 1), maxPoolSize 25 (default 10), localQueue.size 500 " +
    "(default off), completeJobBatchDelay 0 and failJobBatchDelay 0 (default off): the " +
    "configuration of its performance page; success logging off; fill: addJobs() of 1,000",
  async fill(url, ns, n) {
    const { makeWorkerUtils } = await import("graphile-worker");
    const utils = await makeWorkerUtils({ connectionString: url, schema: ns });
    await utils.migrate();
    const t0 = performance.now();
    for (const size of chunks(n)) {
      await utils.addJobs(
        Array.from({ length: size }, () => ({ identifier: "record", payload: {} })),
      );
    }
    const ms = performance.now() - t0;
    await utils.release();
    return ms;
  },
  counter: (_url, sql, ns) =>
    Promise.resolve({
      async left() {
        // Completed jobs are deleted; failed ones would stay with attempts = max_attempts.
        const [row] = await sql`SELECT count(*)::int AS left FROM ${sql(ns)}._private_jobs
        WHERE attempts < max_attempts`;
        return row!.left as number;
      },
      close: () => Promise.resolve(),
    }),
  async prepare(url, ns) {
    process.env.NO_LOG_SUCCESS = "1";
    const { run, Logger } = await import("graphile-worker");
    const { default: pg } = await import("pg");
    // Open the pool's connections now, so that `run()` on go does not pay for them.
    const pool = new pg.Pool({ connectionString: url, max: GRAPHILE_PRESET.maxPoolSize });
    pool.on("error", (e) => console.error(e));
    pool.on("connect", (c) => c.on("error", (e) => console.error(e)));
    const clients = await Promise.all(
      Array.from({ length: GRAPHILE_PRESET.maxPoolSize }, () => pool.connect()),
    );
    for (const c of clients) c.release();
    const logger = new Logger(() => (level, message) => {
      if (level === "error" || level === "warning") console.error(message);
    });
    return () =>
      run({
        pgPool: pool,
        schema: ns,
        logger,
        noHandleSignals: true,
        taskList: { record: () => Promise.resolve(void tally.ran++) },
        preset: { worker: GRAPHILE_PRESET },
      });
  },
};

export const SYSTEMS: readonly System[] = [
  everywhenSystem(true),
  everywhenSystem(false),
  pgBoss,
  graphile,
];
