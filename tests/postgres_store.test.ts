import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import postgres from "postgres";
import { openStore, SqlStore } from "../adapters/postgres.ts";
import type { SqlDriver } from "../src/store/sql/driver.ts";
import { migrate, MIGRATIONS, SCHEMA_VERSION } from "../src/store/sql/schema.ts";
import { postgres as postgresDialect } from "../src/store/sql/dialect.ts";
import { JOB_COLUMNS, jobParams } from "../src/store/sql/_rows.ts";
import { pgDriver, type Sql } from "../adapters/postgres/_driver.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { every } from "../src/triggers/mod.ts";
import { jobRecord, scheduleRecord, storeConformance } from "./store_conformance.ts";
import { failInCi, startPostgres } from "./helpers/postgres.ts";
import { countsThroughEveryWrite, OLD_FINISHED_JOBS } from "./helpers/counts.ts";

const pg = await startPostgres();
after(() => pg.destroy());
failInCi(pg);
const url = pg.url ?? "postgres://unused";
const skip = pg.skip ? `no PostgreSQL server: ${pg.skip}` : false;
/** Heavy or server-restarting tests run once per suite run, from Node 26. */
const once = process.env.EVERYWHEN_RUNTIME && process.env.EVERYWHEN_RUNTIME !== "node26"
  ? "restarts the server or runs long; runs once, from the Node 26 suite"
  : false;
let schemas = 0;
const fresh = (): string => `t${process.pid}_${++schemas}`;

const T0 = Date.parse("2030-01-01T00:00:00Z");
const LEASE = 30_000;
const tasks = { tasks: ["t"] };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A raw client for inspecting and poking the database behind the store's back. */
const raw = (): postgres.Sql => postgres(url, { max: 2, onnotice: () => {} });

storeConformance("SqlStore (PostgreSQL)", () => openStore(url, { schema: fresh() }), { skip });

describe("openStore (PostgreSQL) options", () => {
  it("refuses unknown option keys before connecting, naming the closest known one", async () => {
    await assert.rejects(
      openStore("postgres://nowhere.invalid/db", { shema: "x" } as never),
      (e: unknown) => e instanceof TypeError && /shema.*schema/s.test((e as Error).message),
    );
  });
});

/** A one-connection driver on a new, empty schema: for writing an older version's tables. */
async function emptySchemaDriver(schema: string): Promise<SqlDriver> {
  const db = raw();
  await db.unsafe(`CREATE SCHEMA "${schema}"`);
  await db.end();
  const client = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { search_path: `"${schema}"` },
    types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } },
  } as never) as unknown as Sql;
  return pgDriver(client, {
    retryFor: 0,
    connections: 1,
    channel: "unused",
    listener: () => {
      throw new Error("not listening");
    },
  });
}

describe("SqlStore on PostgreSQL", { skip }, () => {
  it("keeps schedules, jobs and meta across a reopen, in its own schema", async () => {
    const schema = fresh();
    const trigger = {
      v: 1,
      type: "anyOf",
      triggers: [{ v: 1, type: "cron", expr: "0 9 * * *", timezone: "Europe/Paris" }],
    } as never;
    const store = await openStore(url, { schema });
    assert.equal(store.name, "postgres");
    assert.equal(store.shared, true);
    await store.putSchedule(scheduleRecord("s", { trigger, maxInstances: Infinity }), "error");
    await store.insertJob(jobRecord("j", { error: { name: "E", message: "m", stack: "at x" } }));
    await store.setMeta("lock", "yes");
    await store.close();
    await store.close(); // closing twice is harmless
    await assert.rejects(store.getJob("j"), /closed/);
    const other = await openStore(url, { schema: fresh() });
    assert.equal(await other.getJob("j"), null, "another schema is another store");
    await other.close();
    const again = await openStore(url, { schema });
    try {
      assert.deepEqual(
        await again.getSchedule("s"),
        scheduleRecord("s", { trigger, maxInstances: Infinity }),
      );
      assert.deepEqual(
        await again.getJob("j"),
        jobRecord("j", { error: { name: "E", message: "m", stack: "at x" }, seq: 1 }),
      );
      assert.equal(await again.getMeta("lock"), "yes");
    } finally {
      await again.close();
    }
  });

  it("refuses bad options with typed errors and creates nothing", async () => {
    await assert.rejects(openStore("", {}), TypeError);
    for (const schema of ["1abc", "a-b", "x".repeat(54), 'a"b', ""]) {
      await assert.rejects(openStore(url, { schema }), RangeError);
    }
    await assert.rejects(openStore(url, { max: 0 }), RangeError);
    await assert.rejects(openStore(url, { retryFor: -1 }), RangeError);
    await assert.rejects(openStore(url, { retryFor: NaN }), RangeError);
    const db = raw();
    try {
      const rows = await db`SELECT nspname FROM pg_namespace WHERE nspname IN ('1abc', 'a-b')`;
      assert.equal(rows.length, 0);
    } finally {
      await db.end();
    }
  });

  it("refuses a schema written by a newer everywhen and leaves it untouched", async () => {
    const schema = fresh();
    await (await openStore(url, { schema })).close();
    const db = raw();
    try {
      await db.unsafe(
        `INSERT INTO "${schema}".everywhen_migrations (version, applied_at) VALUES (99, 0)`,
      );
      await assert.rejects(openStore(url, { schema }), /schema version 99 is newer/);
      const [row] = await db.unsafe(
        `SELECT count(*)::int AS n FROM "${schema}".everywhen_migrations`,
      );
      assert.equal(row!.n, SCHEMA_VERSION + 1, "its own versions plus 99, nothing added");
    } finally {
      await db.end();
    }
  });

  it("migrates a version 2 schema to the queue columns, numbering its jobs in creation order", async () => {
    const schema = fresh();
    const driver = await emptySchemaDriver(schema);
    // Schema version 2 exactly as it was released: its migrations, and its job columns.
    await migrate(driver, postgresDialect, MIGRATIONS.slice(0, 2));
    const old = JOB_COLUMNS.slice(0, JOB_COLUMNS.indexOf("seq"));
    const insertOld = (job: ReturnType<typeof jobRecord>) =>
      driver.exec(
        `INSERT INTO everywhen_jobs (${old.join(", ")}) VALUES (${old.map(() => "?").join(", ")})`,
        jobParams(job).slice(0, old.length),
      );
    await insertOld(jobRecord("a", { createdAt: T0 - 1 }));
    await insertOld(jobRecord("d", { createdAt: T0 - 2 }));
    await insertOld(jobRecord("b", { createdAt: T0 - 2 }));
    await insertOld(jobRecord("c", { createdAt: T0 - 3 }));
    await driver.close();
    const store = await openStore(url, { schema });
    try {
      const seqs = Object.fromEntries((await store.listJobs()).map((j) => [j.id, j.seq]));
      assert.deepEqual(seqs, { c: 1, b: 2, d: 3, a: 4 });
      await store.insertJob(jobRecord("new", { createdAt: T0 }));
      assert.equal((await store.getJob("new"))!.seq, 5, "new jobs continue the sequence");
      const claimed = await store.claimJobs(T0, "A", LEASE, 10, tasks);
      assert.deepEqual(claimed.map((j) => j.id), ["c", "b", "d", "a", "new"]);
    } finally {
      await store.close();
    }
  });

  it("keeps job counts exact through every write, from a migrated version 6 schema", async () => {
    const schema = fresh();
    const driver = await emptySchemaDriver(schema);
    // Finished jobs written before there was a counts table: the migration counts them.
    await migrate(driver, postgresDialect, MIGRATIONS.slice(0, 6));
    const columns = JOB_COLUMNS.filter((c) => c !== "seq");
    for (const job of OLD_FINISHED_JOBS) {
      const values = jobParams(job);
      values.splice(JOB_COLUMNS.indexOf("seq"), 1);
      await driver.exec(
        `INSERT INTO everywhen_jobs (${columns.join(", ")}, seq)
          VALUES (${columns.map(() => "?").join(", ")}, nextval('everywhen_jobs_seq'))`,
        values,
      );
    }
    await driver.close();
    const store = await openStore(url, { schema });
    const other = await openStore(url, { schema });
    try {
      await countsThroughEveryWrite(store, other);
    } finally {
      await store.close();
      await other.close();
    }
  });

  it("replaces a job whose plain insert commits while the replace waits on it", async () => {
    const schema = fresh();
    const store = await openStore(url, { schema });
    const db = raw();
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const didInsert = new Promise<void>((r) => (inserted = r));
      const other = db.begin(async (sql) => {
        await sql.unsafe(
          `INSERT INTO "${schema}".everywhen_jobs (${JOB_COLUMNS.join(", ")}) VALUES (${
            JOB_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")
          })`,
          jobParams(jobRecord("r", { payload: '"first"', seq: 1 })) as never,
        );
        inserted();
        await held;
      });
      await didInsert;
      const replacing = store.insertJob(jobRecord("r", { payload: '"second"' }), "replace");
      await sleep(200); // the replace's insert now waits on the uncommitted row
      release();
      await other;
      assert.equal(await replacing, "replaced");
      assert.equal((await store.getJob("r"))!.payload, '"second"');
    } finally {
      await db.end();
      await store.close();
    }
  });

  it("inserts a dependant against its dependency's committed status, never a stale one", async () => {
    const schema = fresh();
    const store = await openStore(url, { schema });
    const db = raw();
    try {
      await store.insertJob(jobRecord("a"));
      await store.claimJobs(T0, "A", LEASE, 1, tasks);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let updated!: () => void;
      const didUpdate = new Promise<void>((r) => (updated = r));
      // Another process records that "a" succeeded, and has not committed yet.
      const other = db.begin(async (sql) => {
        await sql.unsafe(
          `UPDATE "${schema}".everywhen_jobs SET status = 'succeeded', finished_at = 1,
            lease_owner = NULL, lease_until = NULL WHERE id = 'a'`,
        );
        updated();
        await held;
      });
      await didUpdate;
      const inserting = store.insertJob(jobRecord("w", { after: ["a"] }));
      await sleep(200); // the insert now waits to read "a"
      release();
      await other;
      assert.equal(await inserting, "inserted");
      assert.equal((await store.getJob("w"))!.status, "pending", "not left waiting for good");
    } finally {
      await db.end();
      await store.close();
    }
  });

  it("migrates once when several processes open a new schema at the same moment", async () => {
    const schema = fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url, { schema })));
    try {
      await stores[0]!.insertJob(jobRecord("j"));
      for (const s of stores) assert.notEqual(await s.getJob("j"), null);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("claims around rows another transaction holds, without waiting for it", async () => {
    const schema = fresh();
    const store = await openStore(url, { schema });
    const db = raw();
    try {
      for (let i = 0; i < 5; i++) await store.insertJob(jobRecord(`j${i}`, { runAt: T0 + i }));
      await store.putSchedule(scheduleRecord("a", { nextRunAt: T0 }), "error");
      await store.putSchedule(scheduleRecord("b", { nextRunAt: T0 + 1 }), "error");
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = db.begin(async (tx) => {
        await tx.unsafe(
          `SELECT 1 FROM "${schema}".everywhen_jobs WHERE id IN ('j0', 'j1') FOR UPDATE`,
        );
        await tx.unsafe(`SELECT 1 FROM "${schema}".everywhen_schedules WHERE id = 'a' FOR UPDATE`);
        locked();
        await held;
      });
      await isLocked;
      const started = Date.now();
      const jobs = await store.claimJobs(T0 + 10, "A", LEASE, 10, tasks);
      const schedules = await store.claimDueSchedules(T0 + 10, "A", LEASE, 10);
      // Waiting for the holder would never end (it releases only after this line), so any bound
      // tells skipping from waiting; a generous one keeps a slow machine green.
      assert.ok(Date.now() - started < 20_000, "did not wait for the holder");
      assert.deepEqual(jobs.map((j) => j.id), ["j2", "j3", "j4"]);
      assert.deepEqual(schedules.map((s) => s.record.id), ["b"]);
      release();
      await holder;
      const rest = await store.claimJobs(T0 + 10, "B", LEASE, 10, tasks);
      assert.deepEqual(rest.map((j) => j.id), ["j0", "j1"]);
    } finally {
      await db.end();
      await store.close();
    }
  });

  it("keeps concurrency limits when claimers on several connections race", async () => {
    const schema = fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url, { schema })));
    try {
      for (let i = 0; i < 40; i++) {
        await stores[0]!.insertJob(
          jobRecord(`q${i}`, { runAt: T0 + i, concurrencyKey: "k", concurrencyLimit: 3 }),
        );
      }
      for (let round = 0; round < 5; round++) {
        await Promise.all(stores.map((s, i) => s.claimJobs(T0 + 100, `o${i}`, LEASE, 10, tasks)));
      }
      assert.equal(await stores[0]!.countJobs({ status: "running" }), 3);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("locks and counts the concurrency keys of a page of candidates in a statement each", async () => {
    const schema = fresh();
    const store = await openStore(url, { schema });
    try {
      await store.insertJobs(
        Array.from({ length: 200 }, (_, i) =>
          jobRecord(`q${i}`, {
            runAt: T0 + i,
            concurrencyKey: `k${i % 100}`,
            concurrencyLimit: 1,
          })),
      );
      // The same connection pool, every statement counted.
      const seen: string[] = [];
      const counting = (d: SqlDriver): SqlDriver => ({
        dialect: d.dialect,
        query: (sql, params) => (seen.push(sql), d.query(sql, params)),
        exec: (sql, params) => (seen.push(sql), d.exec(sql, params)),
        transaction: (fn) => d.transaction((tx) => fn(counting(tx))),
        close: () => Promise.resolve(),
      });
      const counted = await SqlStore.open(counting(store.driver));
      seen.length = 0;
      const claimed = await counted.claimJobs(T0 + 1000, "A", LEASE, 200, tasks);
      assert.deepEqual(claimed.map((j) => j.id), Array.from({ length: 100 }, (_, i) => `q${i}`));
      // Four pages of 64 candidates (the last short), each read, locked, counted and leased, and
      // the priority level seeks; one lock and one count per key would add 200 statements.
      const locks = seen.filter((sql) => /pg_try_advisory_xact_lock/.test(sql)).length;
      const counts = seen.filter((sql) => /count\(\*\)/.test(sql)).length;
      assert.ok(locks <= 4 && counts <= 4, `${locks} lock and ${counts} count statements`);
      assert.ok(seen.length <= 24, `${seen.length} statements`);
    } finally {
      await store.close();
    }
  });

  it("sends a large batch's inserts together, in order, all or nothing", async () => {
    const store = await openStore(url, { schema: fresh() });
    try {
      // The same connection pool, with the statements in flight inside a transaction counted.
      let inFlight = 0;
      let most = 0;
      const counting = (d: SqlDriver): SqlDriver => ({
        dialect: d.dialect,
        pipelines: d.pipelines === true,
        query: async (sql, params) => {
          most = Math.max(most, ++inFlight);
          try {
            return await d.query(sql, params);
          } finally {
            inFlight--;
          }
        },
        exec: (sql, params) => d.exec(sql, params),
        transaction: (fn) => d.transaction((tx) => fn(counting(tx))),
        close: () => Promise.resolve(),
      });
      const counted = await SqlStore.open(counting(store.driver));
      // 1,000 jobs, the id of the 11th repeated as the 701st: five statements of 200 rows.
      const jobs = Array.from({ length: 1000 }, (_, i) => jobRecord(`b${i === 700 ? 10 : i}`));
      const inserted = await counted.insertJobs(jobs);
      assert.ok(most >= 5, `${most} statements in flight at once`);
      assert.equal(inserted.length, 999, "a repeated id is inserted once, for its first place");
      assert.ok(!inserted.includes("b700") && inserted.includes("b10"));
      const seqs = (await Promise.all(inserted.map((id) => store.getJob(id)))).map((j) => j!.seq);
      assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), "numbered in batch order");
      // A row the server refuses (text with NUL) in the fourth statement: nothing of the batch.
      const bad = Array.from(
        { length: 1000 },
        (_, i) => jobRecord(`c${i}`, i === 650 ? { payload: '"\u0000"', task: "t\u0000" } : {}),
      );
      await assert.rejects(counted.insertJobs(bad));
      assert.equal(await store.countJobs({}), 999, "the failed batch wrote nothing");
    } finally {
      await store.close();
    }
  });

  it("leaves the jobs of a key another claimer holds, claiming other keys without waiting", async () => {
    const schema = fresh();
    const store = await openStore(url, { schema });
    const db = raw();
    try {
      for (const [i, key] of ["a", "b", "a", "c"].entries()) {
        await store.insertJob(
          jobRecord(`j${i}`, { runAt: T0 + i, concurrencyKey: key, concurrencyLimit: 5 }),
        );
      }
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      // Another claimer counting key "a": it holds the key's lock until it commits.
      const holder = db.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
        await tx.unsafe(postgresDialect.lock!.replace("?", "$1"), ["key:a"]);
        locked();
        await held;
      });
      await isLocked;
      const started = Date.now();
      const first = await store.claimJobs(T0 + 10, "A", LEASE, 10, tasks);
      assert.ok(Date.now() - started < 20_000, "did not wait for the holder");
      assert.deepEqual(first.map((j) => j.id), ["j1", "j3"]);
      release();
      await holder;
      const rest = await store.claimJobs(T0 + 10, "A", LEASE, 10, tasks);
      assert.deepEqual(rest.map((j) => j.id), ["j0", "j2"]);
    } finally {
      await db.end();
      await store.close();
    }
  });

  it("commits every one of many more transactions at once than the pool has connections", async () => {
    // postgres.js 3.4.9's sql.begin() pipelines BEGIN onto a busy connection and, when BEGIN
    // fills that connection's pipeline, leaves it unreserved: the transaction failed with
    // UNSAFE_TRANSACTION, or other queries ran inside it (porsager/postgres#823, #1189).
    const store = await openStore(url, { schema: fresh() });
    try {
      const s = new Scheduler({ store, roles: { schedules: false, jobs: false } });
      s.task("t", () => {});
      const trigger = every({ days: 1 });
      const failures: unknown[] = [];
      for (let round = 0; round < 3; round++) {
        const calls = Array.from(
          { length: 1000 },
          (_, i) => s.schedule({ id: `s${round}-${i}`, task: "t", trigger }),
        );
        for (const r of await Promise.allSettled(calls)) {
          if (r.status === "rejected") failures.push(r.reason);
        }
      }
      assert.deepEqual(failures.map(String).slice(0, 3), []);
      assert.equal((await store.listSchedules()).length, 3000);
      await s.stop();
    } finally {
      await store.close();
    }
  });

  it("serialises putSchedule of one id across connections", async () => {
    const schema = fresh();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(url, { schema })));
    try {
      const results = await Promise.allSettled(
        stores.map((s, i) => s.putSchedule(scheduleRecord("s", { payload: `${i}` }), "error")),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      assert.equal(
        results.filter((r) => r.status === "rejected" && /already exists/.test(String(r.reason)))
          .length,
        3,
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("tells watchers about new work committed by other connections", async () => {
    const schema = fresh();
    const watcher = await openStore(url, { schema });
    const writer = await openStore(url, { schema });
    try {
      assert.equal(typeof watcher.watch, "function");
      let calls = 0;
      const stop = watcher.watch!(() => calls++);
      await waitFor(() => calls >= 1, "the first call after LISTEN");
      calls = 0;
      await writer.insertJob(jobRecord("j"));
      await waitFor(() => calls >= 1, "a call after insertJob");
      // A claim or a lease renewal is not new work: no wake-up.
      calls = 0;
      await writer.claimJobs(T0, "A", LEASE, 1, tasks);
      await writer.renewJobs(["j"], "A", T0 + LEASE * 2);
      await sleep(150);
      assert.equal(calls, 0);
      stop();
      await writer.insertJob(jobRecord("k"));
      await sleep(150);
      assert.equal(calls, 0, "no calls after stopping");
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it("notifies once per inserting statement with a pending job, from a migrated version 9 schema", async () => {
    const schema = fresh();
    const driver = await emptySchemaDriver(schema);
    await migrate(driver, postgresDialect, MIGRATIONS.slice(0, 9));
    await driver.close();
    const store = await openStore(url, { schema });
    const db = raw();
    try {
      // Version 10 replaced the row trigger (a PL/pgSQL call per inserted job) with a statement one.
      const [trigger] =
        await db`SELECT tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${schema} AND t.tgname = 'everywhen_jobs_inserted'`;
      assert.equal(Number(trigger!.tgtype) & 1, 0, "a statement trigger, not a row trigger");
      let heard = 0;
      await db.listen(`everywhen:${schema}`, () => void heard++);
      // A batch of many statements in one transaction: one notification.
      await store.insertJobs(Array.from({ length: 450 }, (_, i) => jobRecord(`p${i}`)));
      await waitFor(() => heard >= 1, "the batch's notification", 10_000);
      // Jobs nobody needs waking for: written running by a fire, waiting, finished.
      heard = 0;
      await store.insertJobs([
        jobRecord("r", { status: "running", attempts: 1, leaseOwner: "A", leaseUntil: T0 + LEASE }),
        jobRecord("w", { status: "waiting", after: ["p0"] }),
        jobRecord("f", { status: "succeeded", finishedAt: T0, expiresAt: T0 + LEASE }),
      ]);
      // A pending job after them: its notification is delivered after any of theirs.
      await store.insertJob(jobRecord("last"));
      await waitFor(() => heard >= 1, "the pending job's notification", 10_000);
      await sleep(100);
      assert.equal(heard, 1, "only the pending job woke the listener");
      assert.equal((await store.getJob("p449"))?.status, "pending");
    } finally {
      await db.end();
      await store.close();
    }
  });

  it("starts a job enqueued on another host through a notification, not the poll", async () => {
    const schema = fresh();
    const workerStore = await openStore(url, { schema });
    const producerStore = await openStore(url, { schema });
    // Polling every minute: only a notification can start the jobs in time.
    const worker = new Scheduler({ store: workerStore, pollInterval: 60_000 });
    const producer = new Scheduler({
      store: producerStore,
      roles: { schedules: false, jobs: false },
    });
    const started = new Map<string, number>();
    worker.task("ping", (_: null, ctx) => void started.set(ctx.jobId, Date.now()));
    worker.start();
    try {
      await sleep(300); // LISTEN is in place
      const latencies: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t = Date.now();
        const job = await producer.enqueue("ping", null);
        // The worker polls once a minute: a start within half of that came from the notification.
        await waitFor(() => started.has(job.id), `job ${i} to start`, 30_000);
        latencies.push(started.get(job.id)! - t);
        await sleep(5);
      }
      latencies.sort((a, b) => a - b);
      const p50 = latencies[49]!;
      const p99 = latencies[98]!;
      console.log(
        `wake-up latency over 100 jobs: p50 ${p50} ms, p99 ${p99} ms, max ${latencies[99]} ms`,
      );
      // Latency itself is a benchmark figure (BENCHMARKS.md), printed above, never asserted.
      assert.equal(latencies.length, 100);
    } finally {
      await worker.stop();
      await producer.stop();
      await workerStore.close();
      await producerStore.close();
    }
  });

  it("keeps firing through a server restart: error events, then every fire exactly once", {
    skip: once,
  }, async () => {
    const schema = fresh();
    // A short retry budget, so the outage outlasts it and reaches the scheduler.
    const store = await openStore(url, { schema, retryFor: 300 });
    const scheduler = new Scheduler({ store, pollInterval: 100, leaseTime: 3000 });
    const runs: string[] = [];
    const errors: string[] = [];
    scheduler.on("scheduler:error", (e) => errors.push(String(e.error)));
    scheduler.task("tick", (_: null, ctx) => void runs.push(ctx.jobId));
    const startAt = Math.ceil(Date.now() / 1000) * 1000;
    await scheduler.schedule({
      id: "s",
      task: "tick",
      trigger: every(200, { startAt }),
      coalesce: "all",
      maxInstances: 100,
    });
    let watched = 0;
    const unwatch = store.watch!(() => watched++);
    scheduler.start();
    try {
      await sleep(1500);
      await pg.stop();
      await sleep(2000);
      watched = 0;
      await pg.start();
      await waitFor(() => watched > 0, "LISTEN to reconnect", 10_000);
      await sleep(2000);
      await scheduler.pauseSchedule("s");
      await waitFor(
        async () => (await store.countJobs({ status: ["pending", "running"] })) === 0,
        "jobs to finish",
        10_000,
      );
      assert.ok(errors.length > 0, "the outage was reported");
      // While it reconnects, the postgres client itself sometimes throws a TypeError ("reading
      // 'write'" of a closed socket) before our retry gives up with its own message: it is
      // reported too, so look for ours among the errors rather than first.
      assert.ok(
        errors.some((e) => /Cannot reach PostgreSQL|connect|terminat/i.test(e)),
        `an outage error among ${JSON.stringify(errors.slice(0, 5))}`,
      );
      const jobs = await store.listJobs({ scheduleId: "s", limit: 10_000 });
      const fires = jobs.map((j) => j.scheduledAt).sort((a, b) => a - b);
      assert.ok(fires.length >= 20, `only ${fires.length} fires`);
      for (let i = 1; i < fires.length; i++) {
        assert.equal(fires[i]! - fires[i - 1]!, 200, "no fire lost");
      }
      assert.deepEqual(jobs.filter((j) => j.status !== "succeeded").map((j) => j.id), []);
      const counted = new Map<string, number>();
      for (const id of runs) counted.set(id, (counted.get(id) ?? 0) + 1);
      const twice = [...counted].filter(([, n]) => n > 1).map(([id]) => id);
      const rerun = new Set(jobs.filter((j) => j.attempts > 1).map((j) => j.id));
      assert.deepEqual(twice.filter((id) => !rerun.has(id)), [], "re-runs only after a lost lease");
      assert.equal(counted.size, jobs.length, "every fire ran");
    } finally {
      unwatch();
      await scheduler.stop();
      await store.close();
    }
  });
});

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 3000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(2);
  }
}
