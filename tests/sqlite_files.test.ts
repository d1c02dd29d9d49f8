import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { BUSY_STEP_MS, BusyError, openStore, sqliteDriver, SqlStore } from "../adapters/sqlite.ts";
import { sqlite } from "../src/store/sql/dialect.ts";
import { migrate, MIGRATIONS, SCHEMA_VERSION } from "../src/store/sql/schema.ts";
import { JOB_COLUMNS, jobParams } from "../src/store/sql/_rows.ts";
import type { SqlDriver } from "../src/store/sql/driver.ts";
import { jobRecord, scheduleRecord } from "./store_conformance.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-sqlite-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `file-${++files}.db`);

function versionOf(path: string): number {
  const db = new DatabaseSync(path);
  try {
    const row = db.prepare("SELECT max(version) AS v FROM everywhen_migrations").get();
    return Number(row?.v);
  } finally {
    db.close();
  }
}

/** The job columns of schema versions 1 and 2, which end before `seq`. */
const OLD_COLUMNS = JOB_COLUMNS.slice(0, JOB_COLUMNS.indexOf("seq"));

/** Writes a job the way schema versions 1 and 2 stored it. */
async function insertOld(driver: SqlDriver, job: ReturnType<typeof jobRecord>): Promise<void> {
  await driver.exec(
    `INSERT INTO everywhen_jobs (${OLD_COLUMNS.join(", ")}) VALUES (${
      OLD_COLUMNS.map(() => "?").join(", ")
    })`,
    jobParams(job).slice(0, OLD_COLUMNS.length),
  );
}

function tableNames(path: string): string[] {
  const db = new DatabaseSync(path);
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
      .map((r) => String(r.name));
  } finally {
    db.close();
  }
}

describe("SQLite files: schema versions", () => {
  it("adds everywhen's tables to an existing database and leaves its own tables alone", async () => {
    const path = freshPath();
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE app_users (name TEXT); INSERT INTO app_users VALUES ('ada')");
    db.close();
    const store = await openStore(path);
    await store.insertJob(jobRecord("j"));
    await store.close();
    assert.equal(versionOf(path), SCHEMA_VERSION);
    const check = new DatabaseSync(path);
    assert.deepEqual(check.prepare("SELECT name FROM app_users").all().map((r) => r.name), [
      "ada",
    ]);
    check.close();
  });

  it("migrates an older file in order, and rolls a failing migration back whole", async () => {
    const path = freshPath();
    await (await openStore(path)).close();
    const known = SCHEMA_VERSION;
    assert.equal(versionOf(path), known);
    const next = {
      version: known + 1,
      description: "test: audit table",
      up: () => ["CREATE TABLE test_audit (at INTEGER)", "INSERT INTO test_audit VALUES (1)"],
    };
    const broken = {
      version: known + 2,
      description: "test: fails half-way",
      up: () => ["CREATE TABLE test_half (x INTEGER)", "INSERT INTO no_such_table VALUES (1)"],
    };
    const driver = sqliteDriver(new DatabaseSync(path));
    try {
      assert.deepEqual(await migrate(driver, sqlite, [...MIGRATIONS, next]), {
        from: known,
        to: known + 1,
      });
      assert.deepEqual(await migrate(driver, sqlite, [...MIGRATIONS, next]), {
        from: known + 1,
        to: known + 1,
      });
      await assert.rejects(migrate(driver, sqlite, [...MIGRATIONS, next, broken]), /no_such_table/);
    } finally {
      await driver.close();
    }
    assert.equal(versionOf(path), known + 1);
    const tables = tableNames(path);
    assert.ok(tables.includes("test_audit"));
    assert.ok(!tables.includes("test_half"), "the failed migration left nothing behind");
    // This code only knows its own version, so the file it just saw migrated is now too new.
    await assert.rejects(
      openStore(path),
      new RegExp(
        `^Error: Cannot open store: schema version ${
          known + 1
        } is newer than this everywhen supports \\(${known}\\); upgrade everywhen$`,
      ),
    );
  });

  it("migrates a version 7 file: new jobs number past its counter without writing it", async () => {
    const path = freshPath();
    const driver = sqliteDriver(new DatabaseSync(path));
    await migrate(driver, sqlite, MIGRATIONS.slice(0, 7));
    const T = Date.parse("2030-01-01T00:00:00Z");
    // Version 7 numbered jobs from the counter, which ran ahead of the rowids (jobs taken by
    // batches that lost their ids to existing ones, jobs deleted): rowids 1..3, seqs 998..1000.
    const columns = JOB_COLUMNS.join(", ");
    for (const [i, id] of ["x", "y", "z"].entries()) {
      await driver.exec(
        `INSERT INTO everywhen_jobs (${columns}) VALUES (${JOB_COLUMNS.map(() => "?").join(", ")})`,
        jobParams(jobRecord(id, { createdAt: T, runAt: T, seq: 998 + i })),
      );
    }
    await driver.exec("UPDATE everywhen_counters SET value = 1000 WHERE name = 'job_seq'");
    await driver.close();
    const store = await openStore(path);
    const db = new DatabaseSync(path);
    try {
      const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all();
      assert.ok(
        !triggers.some((t) => t.name === "everywhen_jobs_seq"),
        "the counter trigger is gone",
      );
      await store.insertJob(jobRecord("alone", { createdAt: T, runAt: T }));
      await store.insertJobs(
        ["b1", "b2", "b3"].map((id) => jobRecord(id, { createdAt: T, runAt: T })),
      );
      // Deleting the newest job moves the counter past it; deleting an older one writes nothing.
      db.exec("DELETE FROM everywhen_jobs WHERE id = 'b3'");
      db.exec("DELETE FROM everywhen_jobs WHERE id = 'y'");
      await store.insertJob(jobRecord("after", { createdAt: T, runAt: T }));
      const rows = db.prepare("SELECT id, seq, rowid AS r FROM everywhen_jobs ORDER BY seq").all();
      assert.deepEqual(
        rows.map((r) => [r.id, Number(r.seq)]),
        [["x", 998], ["z", 1000], ["alone", 1001], ["b1", 1002], ["b2", 1003], ["after", 1005]],
      );
      for (const r of rows.slice(2)) {
        assert.equal(Number(r.r), Number(r.seq), `${r.id}: rowid is seq`);
      }
      const counter = db.prepare("SELECT value FROM everywhen_counters WHERE name = 'job_seq'")
        .get();
      assert.equal(Number(counter?.value), 1004, "only the newest job's deletion wrote it");
      const claimed = await store.claimJobs(T, "A", 30_000, 10, { tasks: ["t"] });
      assert.deepEqual(claimed.map((j) => j.id), ["x", "z", "alone", "b1", "b2", "after"]);
    } finally {
      db.close();
      await store.close();
    }
  });

  it("migrates a version 1 file to the admin-query indexes, keeping its rows", async () => {
    const path = freshPath();
    const driver = sqliteDriver(new DatabaseSync(path));
    await migrate(driver, sqlite, MIGRATIONS.slice(0, 1));
    await insertOld(driver, jobRecord("old", { status: "succeeded", finishedAt: 1 }));
    await driver.close();
    assert.equal(versionOf(path), 1);
    const store = await openStore(path);
    assert.equal(versionOf(path), SCHEMA_VERSION);
    assert.deepEqual((await store.listJobs({ status: "succeeded" })).map((j) => j.id), ["old"]);
    await store.close();
    const db = new DatabaseSync(path);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all()
      .map((r) => r.name);
    db.close();
    for (const name of ["everywhen_jobs_status", "everywhen_jobs_task"]) {
      assert.ok(indexes.includes(name), `${name} in ${indexes.join(", ")}`);
    }
  });

  it("migrates a version 2 file to the queue columns, numbering its jobs in creation order", async () => {
    const path = freshPath();
    const driver = sqliteDriver(new DatabaseSync(path));
    await migrate(driver, sqlite, MIGRATIONS.slice(0, 2));
    const T = Date.parse("2030-01-01T00:00:00Z");
    // Created c, then b and d together (ids break the tie), then a; ids sort otherwise.
    await insertOld(driver, jobRecord("a", { createdAt: T - 1, runAt: T }));
    await insertOld(driver, jobRecord("d", { createdAt: T - 2, runAt: T }));
    await insertOld(driver, jobRecord("b", { createdAt: T - 2, runAt: T }));
    await insertOld(driver, jobRecord("c", { createdAt: T - 3, runAt: T }));
    const failed = { status: "failed" as const, finishedAt: T - 5, createdAt: T - 9 };
    await insertOld(driver, jobRecord("f", { ...failed, error: { name: "E", message: "m" } }));
    await driver.close();
    assert.equal(versionOf(path), 2);
    const store = await openStore(path);
    try {
      assert.equal(versionOf(path), SCHEMA_VERSION);
      const seqs = Object.fromEntries((await store.listJobs()).map((j) => [j.id, j.seq]));
      assert.deepEqual(seqs, { f: 1, c: 2, b: 3, d: 4, a: 5 });
      const f = (await store.getJob("f"))!;
      assert.deepEqual(
        [f.status, f.error, f.priority, f.after, f.history, f.rateKey],
        ["failed", { name: "E", message: "m" }, 0, [], [], null],
      );
      await store.insertJob(jobRecord("new", { createdAt: T, runAt: T }));
      assert.equal((await store.getJob("new"))!.seq, 6, "new jobs continue the sequence");
      const claimed = await store.claimJobs(T, "A", 30_000, 10, { tasks: ["t"] });
      assert.deepEqual(claimed.map((j) => j.id), ["c", "b", "d", "a", "new"]);
    } finally {
      await store.close();
    }
    const tables = tableNames(path);
    for (const name of ["everywhen_rate_starts", "everywhen_job_deps"]) {
      assert.ok(tables.includes(name), `${name} in ${tables.join(", ")}`);
    }
  });

  for (const mode of ["rollback journal", "WAL"]) {
    it(`refuses a newer file (${mode}) and leaves its bytes as they were`, async () => {
      const path = freshPath();
      const db = new DatabaseSync(path);
      if (mode === "WAL") db.exec("PRAGMA journal_mode = WAL");
      db.exec(`CREATE TABLE everywhen_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER);
        INSERT INTO everywhen_migrations VALUES (1, 0), (${SCHEMA_VERSION + 1}, 0);
        CREATE TABLE everywhen_jobs (id TEXT PRIMARY KEY, shape TEXT)`);
      db.close();
      const before = readFileSync(path);
      const listing = readdirSync(dir).sort();
      await assert.rejects(openStore(path), (e: unknown) => {
        assert.equal(
          (e as Error).message,
          `Cannot open store: schema version ${
            SCHEMA_VERSION + 1
          } is newer than this everywhen supports (${SCHEMA_VERSION}); upgrade everywhen`,
        );
        return true;
      });
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readdirSync(dir).sort(), listing);
    });
  }

  it("refuses a file that is not a database, unchanged", async () => {
    const path = freshPath();
    writeFileSync(path, "these are my notes, not a database\n".repeat(200));
    const before = readFileSync(path);
    await assert.rejects(openStore(path), /^Error: Cannot open store: /);
    assert.deepEqual(readFileSync(path), before);
  });

  it("switches a file to WAL mode with a short blocking busy timeout", async () => {
    const path = freshPath();
    const db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 1234");
    const store = await SqlStore.open(sqliteDriver(db));
    assert.equal(db.prepare("PRAGMA busy_timeout").get()?.timeout, 1234, "user's setting kept");
    await store.close();
    const other = new DatabaseSync(path);
    assert.equal(other.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    other.close();
    const opened = await openStore(path);
    const [row] = await opened.driver.query<{ timeout: number }>("PRAGMA busy_timeout");
    assert.equal(row?.timeout, BUSY_STEP_MS, "SQLite's own (blocking) wait stays short");
    const [sync] = await opened.driver.query<{ synchronous: number }>("PRAGMA synchronous");
    assert.equal(sync?.synchronous, 1, "NORMAL by default in WAL mode");
    await opened.close();
    const full = await openStore(path, { synchronous: "full" });
    const [fullSync] = await full.driver.query<{ synchronous: number }>("PRAGMA synchronous");
    assert.equal(fullSync?.synchronous, 2);
    await full.close();
    await assert.rejects(openStore(path, { synchronous: "off" as never }), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Other runtimes, as subprocesses: the test runner exports their absolute paths.

const ADAPTER = new URL("../adapters/sqlite.ts", import.meta.url).href;
const RUNTIMES = (["NODE22", "NODE26", "DENO", "BUN"] as const)
  .map((name) => ({ name: name.toLowerCase(), bin: process.env[`EVERYWHEN_${name}`] }))
  .filter((r): r is { name: string; bin: string } => !!r.bin);

/** Runs `body` (JavaScript with `openStore` in scope) on a runtime; resolves to its last line. */
function runOn(runtime: { name: string; bin: string }, body: string): Promise<string> {
  const code = `const { openStore } = await import(${JSON.stringify(ADAPTER)});\n${body}`;
  const args = runtime.name === "deno"
    ? ["eval", code]
    : runtime.name === "bun"
    ? ["-e", code]
    : ["--no-warnings", "--input-type=module", "-e", code];
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("close", (status) => {
      if (status === 0) resolve(out.trim().split("\n").at(-1) ?? "");
      else reject(new Error(`${runtime.name} exited with ${status}:\n${err}${out}`));
    });
  });
}

describe("SQLite files: shared between runtimes and processes", () => {
  it("reads on every runtime what each runtime wrote", async (t) => {
    if (RUNTIMES.length < 2) return t.skip("set EVERYWHEN_NODE22/NODE26/DENO/BUN");
    const path = freshPath();
    for (const r of RUNTIMES) {
      const schedule = scheduleRecord(`from-${r.name}`, { payload: JSON.stringify(r.name) });
      const job = jobRecord(`job-${r.name}`, { payload: JSON.stringify({ by: r.name }) });
      await runOn(
        r,
        `const store = await openStore(${JSON.stringify(path)});
        await store.putSchedule(${JSON.stringify(schedule)}, "error");
        await store.insertJob(${JSON.stringify(job)});
        await store.close();`,
      );
    }
    const expected = {
      schedules: RUNTIMES.map((r) => `from-${r.name}`).sort(),
      jobs: RUNTIMES.map((r) => JSON.stringify({ by: r.name })).sort(),
    };
    for (const r of RUNTIMES) {
      const seen = await runOn(
        r,
        `const store = await openStore(${JSON.stringify(path)});
        const schedules = (await store.listSchedules()).map((s) => s.id);
        const jobs = (await store.listJobs()).map((j) => j.payload).sort();
        await store.close();
        console.log(JSON.stringify({ schedules, jobs }));`,
      );
      assert.deepEqual(JSON.parse(seen), expected, `as read on ${r.name}`);
    }
  });

  it("claims each schedule and job exactly once when processes race on one file", async (t) => {
    const racers = RUNTIMES.length >= 2 ? RUNTIMES : [];
    if (racers.length < 2) return t.skip("set EVERYWHEN_NODE22/NODE26/DENO/BUN");
    const path = freshPath();
    const seed = await openStore(path);
    for (let i = 0; i < 60; i++) {
      await seed.putSchedule(scheduleRecord(`s${i}`, { nextRunAt: 0 }), "error");
    }
    for (let i = 0; i < 150; i++) await seed.insertJob(jobRecord(`j${i}`, { runAt: i }));
    await seed.close();
    const start = Date.now() + 1500;
    const outputs = await Promise.all(racers.map((r) =>
      runOn(
        r,
        `const store = await openStore(${JSON.stringify(path)});
        const owner = ${JSON.stringify(r.name)};
        const seen = { schedules: [], jobs: [], inserted: [] };
        while (Date.now() < ${start}) await new Promise((ok) => setTimeout(ok, 5));
        for (;;) {
          const now = Date.now();
          const due = await store.claimDueSchedules(now, owner, 600000, 2);
          for (const { record } of due) {
            seen.schedules.push(record.id);
            const job = { ...${
          JSON.stringify(jobRecord("x"))
        }, id: record.id + "@0", scheduleId: record.id, runAt: 0 };
            const ids = await store.releaseSchedule(record.id, owner, { nextRunAt: null, lastRunAt: 0, jobs: [job] });
            seen.inserted.push(...ids);
          }
          const jobs = await store.claimJobs(now, owner, 600000, 3, { tasks: ["t"] });
          seen.jobs.push(...jobs.map((j) => j.id));
          if (due.length === 0 && jobs.length === 0) break;
        }
        await store.close();
        console.log(JSON.stringify(seen));`,
      )
    ));
    const all = outputs.map((o) => JSON.parse(o) as Record<string, string[]>);
    const union = (k: string): string[] => all.flatMap((o) => o[k]!);
    const schedules = union("schedules");
    assert.equal(schedules.length, 60, "each schedule claimed once");
    assert.equal(new Set(schedules).size, 60);
    assert.equal(union("inserted").length, 60, "each fire inserted its job once");
    const jobs = union("jobs");
    assert.equal(jobs.length, 210, "each job claimed once");
    assert.equal(new Set(jobs).size, 210);
    const busy = all.filter((o) => o.jobs!.length > 0).length;
    t.diagnostic(`${busy} of ${racers.length} processes claimed jobs`);
  });
});

describe("SQLite files: locks held by other connections", () => {
  /** Tracks the longest gap between ticks of a 10 ms interval timer. */
  function loopWatch(): { stop(): number } {
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 10);
    return {
      stop: () => {
        clearInterval(timer);
        return Math.max(worst, performance.now() - last);
      },
    };
  }

  it("waits for another connection's write lock on timers, and then writes", async () => {
    const path = freshPath();
    const store = await openStore(path);
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    holder.exec("INSERT INTO everywhen_meta (key, value) VALUES ('holder', 'x')");
    const lockMs = 3000;
    const watch = loopWatch();
    const t0 = performance.now();
    setTimeout(() => holder.exec("COMMIT"), lockMs);
    await store.insertJob(jobRecord("after-lock"));
    await store.putSchedule(scheduleRecord("after-lock"), "error");
    const waited = performance.now() - t0;
    const gap = watch.stop();
    holder.close();
    assert.ok(waited >= lockMs - 100, `the write waited for the lock (${Math.round(waited)} ms)`);
    // Blocking inside SQLite would stall the loop for the whole 3 s lock.
    assert.ok(gap < 2000, `the event loop kept running while waiting (longest gap ${gap} ms)`);
    assert.equal((await store.getJob("after-lock"))?.id, "after-lock");
    assert.equal(await store.getMeta("holder"), "x");
    await store.close();
  });

  it("gives up after busyTimeout in all with an error that says why", async () => {
    const path = freshPath();
    const store = await openStore(path, { busyTimeout: 300 });
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    const watch = loopWatch();
    try {
      await assert.rejects(store.insertJob(jobRecord("blocked")), (error: Error) => {
        assert.ok(error instanceof BusyError, String(error));
        assert.match(error.message, /another connection held its lock for over \d+ ms/);
        return true;
      });
      await assert.rejects(store.putSchedule(scheduleRecord("blocked"), "error"), BusyError);
      assert.ok(watch.stop() < 1000, "no long stall while giving up either");
    } finally {
      watch.stop();
      holder.exec("ROLLBACK");
      holder.close();
    }
    assert.equal(
      await store.insertJob(jobRecord("blocked")),
      "inserted",
      "works once the lock is gone",
    );
    await store.close();
  });
});

describe("SQLite files: read-only databases and options", () => {
  it("refuses a database it cannot write at open, saying it is read-only", async () => {
    const path = freshPath();
    await (await openStore(path)).close();
    // As root, file modes do not stop writes, so the read-only condition is made by the open
    // flags, which SQLite reports exactly as for a read-only file or mount.
    const driver = sqliteDriver(new DatabaseSync(path, { readOnly: true }));
    await assert.rejects(SqlStore.open(driver), /Cannot open store: the database is read-only/);
    await driver.close();
  });

  it("refuses a chmod 0444 file at open", async (t) => {
    if (process.getuid?.() === 0) return t.skip("running as root, which ignores file modes");
    const path = freshPath();
    await (await openStore(path)).close();
    chmodSync(path, 0o444);
    await assert.rejects(openStore(path), /read-only/);
  });

  it("opens read-only on purpose with readOnly: true: reads work, writes fail", async () => {
    const path = freshPath();
    const writer = await openStore(path);
    await writer.insertJob(jobRecord("kept"));
    const reader = await openStore(path, { readOnly: true });
    assert.equal((await reader.getJob("kept"))?.id, "kept");
    assert.equal(await reader.countJobs(), 1);
    await assert.rejects(reader.insertJob(jobRecord("new")), /readonly|read-only/i);
    await reader.close();
    await writer.close();
    await assert.rejects(openStore(freshPath(), { readOnly: true }), /unable to open/i);
  });

  it("refuses unknown option keys, naming the closest known one", async () => {
    const path = freshPath();
    await assert.rejects(
      openStore(path, { busyTimout: 10 } as never),
      (error: Error) =>
        error instanceof TypeError && /busyTimout.*busyTimeout/s.test(error.message),
    );
    await assert.rejects(
      SqlStore.open(sqliteDriver(new DatabaseSync(":memory:")), { readonly: true } as never),
      (error: Error) => error instanceof TypeError && /readonly.*readOnly/s.test(error.message),
    );
    assert.throws(
      () => sqliteDriver(new DatabaseSync(":memory:"), { timeout: 1 } as never),
      TypeError,
    );
  });
});

describe("SQLite files: a sole writer (soleWriter)", () => {
  const T0 = Date.parse("2030-01-01T00:00:00Z");
  const LEASE = 30_000;
  const tasks = { tasks: ["t"] };
  const open = (path: string, soleWriter: boolean) =>
    SqlStore.open(sqliteDriver(new DatabaseSync(path)), { shared: false, soleWriter });

  it("makes the fired jobs a previous run left running without a lease due again on opening", async () => {
    const path = freshPath();
    const first = await open(path, true);
    for (const id of ["s", "other"]) {
      await first.putSchedule(scheduleRecord(id), "error");
      await first.claimDueSchedules(T0, "A", LEASE, 10);
      const job = jobRecord(`${id}@1`, {
        scheduleId: id,
        status: "running",
        attempts: 1,
        leaseOwner: "A",
        leaseUntil: id === "s" ? null : T0 + LEASE,
        startedAt: T0,
      });
      await first.releaseSchedule(id, "A", { nextRunAt: null, lastRunAt: T0, jobs: [job] });
    }
    await first.close();
    // Opened as a store other processes share, nothing is assumed about the runner: however
    // late, a job with no lease is left to it, while one whose lease ended is taken over.
    const late = T0 + 100 * LEASE;
    const shared = await SqlStore.open(sqliteDriver(new DatabaseSync(path)));
    const taken = await shared.claimJobs(late, "B", LEASE, 10, tasks);
    assert.deepEqual(taken.map((j) => j.id), ["other@1"]);
    assert.equal((await shared.getJob("s@1"))!.leaseUntil, null);
    await shared.close();
    // Opened as the sole writer: no runner is left, so the job is due at once, like one whose
    // lease ended.
    const second = await open(path, true);
    try {
      assert.equal(second.soleWriter, true);
      const again = await second.claimJobs(late, "C", LEASE, 10, tasks);
      assert.deepEqual(again.map((j) => [j.id, j.attempts, j.leaseOwner]), [["s@1", 2, "C"]]);
    } finally {
      await second.close();
    }
  });

  it("refuses soleWriter on a shared store or as a non-boolean, creating nothing", async () => {
    const path = freshPath();
    const driver = () => sqliteDriver(new DatabaseSync(path));
    await assert.rejects(
      SqlStore.open(driver(), { soleWriter: true }),
      new RangeError("Invalid SQL store options: soleWriter: true needs shared: false"),
    );
    await assert.rejects(
      SqlStore.open(driver(), { shared: false, soleWriter: "yes" as never }),
      new TypeError("Invalid soleWriter: yes (expected a boolean)"),
    );
    assert.deepEqual(tableNames(path), []);
  });
});
