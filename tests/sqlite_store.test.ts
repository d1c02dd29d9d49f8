import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type SqlDriver, sqliteDriver, SqlStore } from "../adapters/sqlite.ts";
import { CLEANUP_CHUNK } from "../src/store/sql/sql_store.ts";
import { JOB_SELECT, jobParams } from "../src/store/sql/_rows.ts";
import { sqlite } from "../src/store/sql/dialect.ts";
import { migrate, MIGRATIONS } from "../src/store/sql/schema.ts";
import type { JobFilter } from "../src/store/store.ts";
import { DatabaseSync } from "node:sqlite";
import { jobRecord, scheduleRecord, storeConformance } from "./store_conformance.ts";
import { countsThroughEveryWrite, OLD_FINISHED_JOBS } from "./helpers/counts.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `store-${++files}.db`);

storeConformance("SqlStore (SQLite file)", () => openStore(freshPath()));
storeConformance("SqlStore (SQLite :memory:)", () => openStore(":memory:"));

const T0 = Date.parse("2030-01-01T00:00:00Z");
const LEASE = 30_000;
const tasks = { tasks: ["t"] };

/** Writes jobs as they are, bypassing the store's insert (as an older version's rows). */
async function insertRaw(driver: SqlDriver, jobs: ReturnType<typeof jobRecord>[]): Promise<void> {
  for (const job of jobs) {
    await driver.exec(
      `INSERT INTO everywhen_jobs (${JOB_SELECT}) VALUES (${
        JOB_SELECT.split(", ").map(() => "?").join(", ")
      })`,
      jobParams(job),
    );
  }
}

describe("SqlStore on SQLite", () => {
  it("keeps schedules, jobs and meta across a reopen of the file", async () => {
    const path = freshPath();
    const trigger = {
      v: 1,
      type: "anyOf",
      triggers: [{ v: 1, type: "cron", expr: "0 9 * * *", timezone: "Europe/Paris" }],
    } as never;
    const store = await openStore(path);
    await store.putSchedule(scheduleRecord("s", { trigger, maxInstances: Infinity }), "error");
    await store.insertJob(jobRecord("j", { error: { name: "E", message: "m", stack: "at x" } }));
    await store.setMeta("lock", "yes");
    await store.close();
    await store.close(); // closing twice is harmless
    const again = await openStore(path);
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

  it("is shared for files and private for :memory:", async () => {
    const file = await openStore(freshPath());
    const memory = await openStore(":memory:");
    assert.equal(file.name, "sqlite");
    assert.equal(file.shared, true);
    assert.equal(memory.shared, false);
    await file.close();
    await memory.close();
    await assert.rejects(file.getJob("x"), /closed/);
  });

  it("counts only pending and running jobs as a schedule's active jobs", async () => {
    const store = await openStore(freshPath());
    try {
      await store.putSchedule(scheduleRecord("s"), "error");
      await store.insertJob(jobRecord("s@1", { scheduleId: "s" }));
      await store.insertJob(jobRecord("s@2", { scheduleId: "s" }));
      await store.insertJob(
        jobRecord("s@0", { scheduleId: "s", status: "succeeded", finishedAt: T0 }),
      );
      await store.claimJobs(T0, "A", LEASE, 1, tasks);
      const [claimed] = await store.claimDueSchedules(T0, "A", LEASE, 10);
      assert.equal(claimed!.activeJobs, 2);
    } finally {
      await store.close();
    }
  });

  it("drops a job inserted already past its retention, as MemoryStore does", async () => {
    const store = await openStore(freshPath());
    try {
      const done = { status: "succeeded" as const, finishedAt: T0, expiresAt: T0 };
      assert.equal(await store.insertJob(jobRecord("gone", done)), "inserted");
      assert.equal(await store.getJob("gone"), null);
      assert.equal(await store.cancelJob("missing", T0, T0), null);
      await store.insertJob(jobRecord("p"));
      const cancelled = await store.cancelJob("p", T0, T0);
      assert.equal(cancelled!.status, "cancelled");
      assert.equal(await store.getJob("p"), null, "zero retention: removed at once");
    } finally {
      await store.close();
    }
  });

  it("claims past many jobs of other tasks and over-limit keys", async () => {
    const store = await openStore(freshPath());
    try {
      for (let i = 0; i < 150; i++) {
        await store.insertJob(jobRecord(`other${i}`, { task: "zzz", runAt: T0 - 1000 + i }));
      }
      for (let i = 0; i < 100; i++) {
        const key = { concurrencyKey: "k", concurrencyLimit: 1, runAt: T0 - 500 + i };
        await store.insertJob(jobRecord(`k${String(i).padStart(3, "0")}`, key));
      }
      await store.insertJob(jobRecord("mine", { runAt: T0 }));
      const claimed = await store.claimJobs(T0, "A", LEASE, 5, tasks);
      assert.deepEqual(claimed.map((j) => j.id), ["k000", "mine"]);
    } finally {
      await store.close();
    }
  });

  it("numbers jobs in creation order across connections, single inserts and batches", async () => {
    const path = freshPath();
    const a = await openStore(path);
    const b = await openStore(path);
    try {
      const order: string[] = [];
      for (let i = 0; i < 6; i++) {
        const store = i % 2 === 0 ? a : b;
        if (i % 3 === 0) {
          const ids = [`m${i}a`, `m${i}b`, `m${i}c`];
          await store.insertJobs(ids.map((id) => jobRecord(id)));
          order.push(...ids);
        } else {
          await store.insertJob(jobRecord(`s${i}`));
          order.push(`s${i}`);
        }
      }
      await a.insertJob(jobRecord("s1"));
      const seqs = await Promise.all(order.map(async (id) => (await a.getJob(id))!.seq));
      assert.deepEqual(seqs, order.map((_, i) => i + 1), "1, 2, 3… in insertion order");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("serialises concurrent calls on one connection around transactions", async () => {
    const store = await openStore(freshPath());
    try {
      for (let i = 0; i < 40; i++) await store.insertJob(jobRecord(`j${i}`, { runAt: T0 + i }));
      const results = await Promise.all([
        ...["A", "B", "C", "D"].map((o) => store.claimJobs(T0 + 100, o, LEASE, 10, tasks)),
        ...Array.from({ length: 10 }, (_, i) => store.insertJob(jobRecord(`x${i}`))),
        store.countJobs({ status: "running" }),
      ]);
      const claimed = results.slice(0, 4).flat() as { id: string }[];
      assert.equal(new Set(claimed.map((j) => j.id)).size, 40);
      assert.equal(await store.countJobs(), 50);
    } finally {
      await store.close();
    }
  });

  it("writes inserts made at once in a few grouped statements, failing only a bad row", async () => {
    const inserts: number[] = [];
    let failFor: string | null = null;
    const spy = (d: SqlDriver): SqlDriver => ({
      dialect: d.dialect,
      query: (sql, params) => {
        if (sql.startsWith("INSERT INTO everywhen_jobs")) {
          inserts.push(sql.split("), (").length);
          if (failFor !== null && params?.includes(failFor)) {
            return Promise.reject(new Error(`refused ${failFor}`));
          }
        }
        return d.query(sql, params);
      },
      exec: (sql, params) => d.exec(sql, params),
      transaction: (fn) => d.transaction((tx) => fn(spy(tx))),
      close: () => d.close(),
    });
    const store = await SqlStore.open(spy(sqliteDriver(new DatabaseSync(freshPath()))));
    try {
      const ids = Array.from({ length: 1200 }, (_, i) => `g${i}`);
      const results = await Promise.all(ids.map((id) => store.insertJob(jobRecord(id))));
      assert.ok(results.every((r) => r === "inserted"));
      // Calls made in one synchronous run go together, 500 rows at most each.
      assert.deepEqual(inserts, [500, 500, 200]);
      assert.equal(await store.countJobs(), 1200);

      inserts.length = 0;
      failFor = "bad";
      const mixed = ["m1", "m2", "bad", "m3"].map((id) =>
        store.insertJob(jobRecord(id)).then((r) => r, (e: Error) => e.message)
      );
      assert.deepEqual(await Promise.all(mixed), [
        "inserted",
        "inserted",
        "refused bad",
        "inserted",
      ]);
      // The group of four failed and was written again one by one.
      assert.deepEqual(inserts, [4, 1, 1, 1, 1]);
      assert.equal(await store.getJob("bad"), null);
      assert.equal(await store.countJobs(), 1203);
    } finally {
      await store.close();
    }
  });

  it("reads only due rows through indexes when claiming, finishing and computing wake-ups", async () => {
    const db = new DatabaseSync(freshPath());
    const inner = sqliteDriver(db);
    const seen: string[] = [];
    const spy = (d: SqlDriver): SqlDriver => ({
      dialect: d.dialect,
      query: (sql, params) => (seen.push(sql), d.query(sql, params)),
      exec: (sql, params) => (seen.push(sql), d.exec(sql, params)),
      transaction: (fn) => d.transaction((tx) => fn(spy(tx))),
      close: () => d.close(),
    });
    const store = await SqlStore.open(spy(inner));
    try {
      await store.putSchedule(scheduleRecord("s"), "error");
      await store.insertJob(jobRecord("j", { concurrencyKey: "k", concurrencyLimit: 2 }));
      await store.insertJob(jobRecord("s@1", { scheduleId: "s" }));
      const blocked = { concurrencyKey: "none", concurrencyLimit: 0, runAt: T0 - 1 };
      for (let i = 0; i < 100; i++) await store.insertJob(jobRecord(`z${i}`, blocked));
      for (const id of ["f1", "f2"]) await store.insertJob(jobRecord(id, { runAt: T0 - 2 }));
      // Queue controls: priority levels, a starved job, a rate-limited key, dependants.
      for (const priority of [5, -3]) {
        await store.insertJob(jobRecord(`p${priority}`, { priority, runAt: T0 - 1 }));
      }
      await store.insertJob(jobRecord("old", { runAt: T0 - 3_600_000 }));
      const rate = { rateKey: "r", rateLimit: 1, ratePeriod: 60_000, runAt: T0 - 1 };
      for (const id of ["r1", "r2"]) await store.insertJob(jobRecord(id, rate));
      seen.length = 0;
      await store.insertJobs([
        jobRecord("w1", { after: ["f1"] }),
        jobRecord("b1"),
        jobRecord("b2"),
      ]);
      await store.insertJob(jobRecord("w2", { after: ["f2", "f1"] }));
      await store.insertJob(jobRecord("b1", { payload: "2" }), "replace");
      await store.nextWakeup();
      await store.claimDueSchedules(T0, "A", LEASE, 10);
      await store.releaseSchedule("s", "A", { nextRunAt: T0 + 1, lastRunAt: T0, jobs: [] });
      await store.claimJobs(T0, "A", LEASE, 10, tasks);
      const ok = { status: "succeeded" as const, result: "1", error: null, finishedAt: T0 };
      await store.finishJobs("A", [
        { id: "f1", outcome: { ...ok, expiresAt: T0 + 1000 } },
        { id: "f2", outcome: { ...ok, expiresAt: T0 } },
      ]);
      await store.cleanup(T0);
      await store.cancelJob("w2", T0, T0 + 1000);
      await store.rerunJob("w2", T0);
      await store.purgeJobs({ status: ["cancelled", "succeeded"], finishedBefore: T0 + 1 }, 100);
      await store.purgeJobs({ task: "t" }, 100);
      // The admin surfaces' queries: counts by status and pages filtered by status, task or
      // schedule, newest first.
      for (const status of ["pending", "succeeded"] as const) {
        await store.countJobs({ status });
        await store.listJobs({ status, limit: 50 });
      }
      await store.listJobs({ task: "t", limit: 50, offset: 10 });
      await store.countJobs({ task: "t" });
      await store.listJobs({ scheduleId: "s", limit: 50 });
      await store.countJobs({ scheduleId: "s" });
      assert.ok(seen.length >= 8);
      for (const sql of new Set(seen)) {
        const params = sql.split("?").slice(1).map((_, i) => (i === 1 ? "[]" : 0));
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params)
          .map((r) => String((r as { detail: string }).detail));
        // The job counts hold one row per status and task: reading them all is cheap.
        const scans = plan.filter((d) => /^SCAN everywhen_(?!job_counts\b)|TEMP B-TREE/.test(d));
        assert.deepEqual(scans, [], `full table scan in: ${sql}\n${plan.join("\n")}`);
        // The admin-query indexes serve admin filters only: a claim or a finish that picked one
        // would walk every job of a status instead of the rows it needs.
        if (!sql.includes("|| ''")) {
          const admin = plan.filter((d) =>
            /everywhen_jobs_(status|task|schedule_created)\b/.test(d)
          );
          assert.deepEqual(admin, [], `admin index used by: ${sql}\n${plan.join("\n")}`);
        }
        // A JSON list read more than once is read once per row of the other side: O(n²).
        const lists = plan.filter((d) => /SCAN json_each/.test(d));
        assert.ok(lists.length <= 1, `JSON list read repeatedly in: ${sql}\n${plan.join("\n")}`);
      }
    } finally {
      await store.close();
    }
  });

  it("keeps job counts exact through every write, from a migrated version 3 file", async () => {
    const path = freshPath();
    const old = sqliteDriver(new DatabaseSync(path));
    await migrate(old, sqlite, MIGRATIONS.slice(0, 3));
    await insertRaw(old, OLD_FINISHED_JOBS.map((job, i) => ({ ...job, seq: i + 1 })));
    await old.exec("UPDATE everywhen_counters SET value = 5 WHERE name = 'job_seq'");
    await old.close();
    const store = await openStore(path);
    const other = await openStore(path);
    try {
      await countsThroughEveryWrite(store, other);
    } finally {
      await store.close();
      await other.close();
    }
  });

  it("counts finished jobs without reading them, and the others through the status index", async () => {
    const db = new DatabaseSync(freshPath());
    const inner = sqliteDriver(db);
    const seen: string[] = [];
    const store = await SqlStore.open({
      ...inner,
      query: (sql, params) => (seen.push(sql), inner.query(sql, params)),
      transaction: (fn) => inner.transaction(fn),
      exec: (sql, params) => inner.exec(sql, params),
      close: () => inner.close(),
      dialect: inner.dialect,
    });
    try {
      const done = { finishedAt: T0, expiresAt: null };
      await store.insertJobs([
        jobRecord("a", { status: "succeeded", ...done }),
        jobRecord("b", { status: "failed", task: "u", ...done }),
        jobRecord("c"),
      ]);
      // Finished jobs are the many: never read them. The others go through the status index; a
      // task's jobs, all statuses, through the task's index.
      const status = /^SEARCH everywhen_jobs USING (COVERING )?INDEX everywhen_jobs_status /;
      const task = /^SEARCH everywhen_jobs USING (COVERING )?INDEX everywhen_jobs_task /;
      const cases: [JobFilter, number, RegExp | null][] = [
        [{ status: "succeeded" }, 1, null],
        [{ status: ["succeeded", "failed", "cancelled"] }, 2, null],
        [{ status: "failed", task: "u" }, 1, null],
        [{ status: "pending" }, 1, status],
        [{ status: ["pending", "running"], task: "t" }, 1, status],
        [{ status: ["pending", "failed"] }, 2, status],
        [{}, 3, status],
        [{ task: "u" }, 1, task],
      ];
      for (const [filter, n, index] of cases) {
        seen.length = 0;
        const what = `countJobs(${JSON.stringify(filter)})`;
        assert.equal(await store.countJobs(filter), n, what);
        const plan = seen.flatMap((sql) => {
          const params = sql.split("?").slice(1).map(() => "[]");
          return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params)
            .map((r) => String((r as { detail: string }).detail));
        });
        const jobs = plan.filter((d) => /everywhen_jobs\b/.test(d));
        const expected = index === null ? [] : [index];
        assert.equal(jobs.length, expected.length, `${what} reads: ${plan.join("; ")}`);
        for (const [i, line] of jobs.entries()) assert.match(line, expected[i]!, what);
      }
    } finally {
      await store.close();
    }
  });

  it("gives the pages clean-up freed back to the file system, and stops on an older file", async () => {
    const pragma = (db: SqlDriver, name: string) =>
      db.query<Record<string, number>>(`PRAGMA ${name}`).then((r) =>
        Number(Object.values(r[0]!)[0])
      );
    // An older file: its tables existed before incremental auto-vacuum could be chosen.
    const oldPath = freshPath();
    const raw = new DatabaseSync(oldPath);
    raw.exec("CREATE TABLE app_data (x)");
    raw.close();
    for (const [path, reclaims] of [[freshPath(), true], [oldPath, false]] as const) {
      const store = await openStore(path);
      try {
        const done = { status: "succeeded" as const, finishedAt: T0 - 10, expiresAt: T0 };
        const big = JSON.stringify("x".repeat(2000));
        await store.insertJobs(
          Array.from({ length: 2000 }, (_, i) => jobRecord(`old${i}`, { ...done, payload: big })),
        );
        const full = await pragma(store.driver, "page_count");
        assert.equal(await store.cleanup(T0), 2000);
        const free = await pragma(store.driver, "freelist_count");
        if (reclaims) {
          assert.equal(await pragma(store.driver, "auto_vacuum"), 2, "incremental");
          assert.ok(free < 64, `${free} pages still free`);
          assert.ok(await pragma(store.driver, "page_count") < full / 4, "the file shrank");
        } else {
          assert.equal(
            await pragma(store.driver, "auto_vacuum"),
            0,
            "an older file keeps its mode",
          );
          assert.ok(free > full / 2, `${free} of ${full} pages free, kept for reuse`);
        }
      } finally {
        await store.close();
      }
    }
  });

  it("cleans up in bounded chunks, letting timers run between them", async () => {
    const store = await openStore(":memory:");
    try {
      const n = CLEANUP_CHUNK * 2 + 500;
      const done = { status: "succeeded" as const, finishedAt: T0 - 10, expiresAt: T0 };
      await store.driver.transaction(async (tx) => {
        for (let i = 0; i < n; i++) {
          await tx.exec(
            `INSERT INTO everywhen_jobs (${JOB_SELECT}) VALUES (${
              JOB_SELECT.split(", ").map(() => "?").join(", ")
            })`,
            jobParams(jobRecord(`old${i}`, done)),
          );
        }
      });
      await store.insertJob(jobRecord("kept", { ...done, expiresAt: T0 + 1 }));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      const removed = await store.cleanup(T0);
      clearInterval(timer);
      assert.equal(removed, n);
      assert.ok(ticks >= 1, "a timer ran while the clean-up was under way");
      assert.deepEqual((await store.listJobs()).map((j) => j.id), ["kept"]);
    } finally {
      await store.close();
    }
  });
});
