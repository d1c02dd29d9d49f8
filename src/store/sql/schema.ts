/**
 * The SQL store's schema: an ordered list of migrations and the code that applies them.
 *
 * `everywhen_migrations` records every applied version. Opening a database at an older version
 * migrates it inside one write transaction (all or nothing); a database at a newer version than
 * this code knows is refused before anything is written to it.
 * @module
 */

import type { Dialect } from "./dialect.ts";
import type { SqlDriver } from "./driver.ts";
import {
  JOB_COUNTS,
  JOB_COUNTS_ON_FINISH,
  NO_UPDATE_TRIGGERS,
  PG_JOB_COUNTS,
} from "./_job_counts.ts";

/** One step of the schema's history. Versions start at 1 and increase by 1. */
export interface Migration {
  /** The schema version this migration produces. */
  version: number;
  /** What it changes, for humans. */
  description: string;
  /**
   * @param d The dialect to write DDL for.
   * @returns The statements, one per entry, run in order.
   */
  up(d: Dialect): string[];
}

/** Table recording applied schema versions. */
export const VERSION_TABLE = "everywhen_migrations";

/** The schema's history, oldest first. Append only: never edit a released migration. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "schedules, jobs and meta, with due-time indexes",
    up: (d) => [
      `CREATE TABLE everywhen_meta (key ${d.text} PRIMARY KEY, value ${d.text} NOT NULL)`,
      `CREATE TABLE everywhen_schedules (
        id ${d.text} PRIMARY KEY,
        task ${d.text} NOT NULL,
        trigger_json ${d.text} NOT NULL,
        payload ${d.text} NOT NULL,
        paused ${d.int} NOT NULL,
        coalesce_policy ${d.text} NOT NULL,
        misfire_grace_time ${d.num},
        max_instances ${d.num} NOT NULL,
        overlap ${d.text} NOT NULL,
        jitter ${d.num} NOT NULL,
        result_ttl ${d.num},
        next_run_at ${d.int},
        last_run_at ${d.int},
        created_at ${d.int} NOT NULL,
        updated_at ${d.int} NOT NULL,
        lease_owner ${d.text},
        lease_until ${d.int},
        due_at ${d.int} GENERATED ALWAYS AS (CASE
          WHEN paused <> 0 OR next_run_at IS NULL THEN NULL
          WHEN lease_owner IS NULL THEN next_run_at
          ELSE ${d.greatest("next_run_at", "lease_until")} END) ${d.generated}
      )`,
      `CREATE TABLE everywhen_jobs (
        id ${d.text} PRIMARY KEY,
        task ${d.text} NOT NULL,
        schedule_id ${d.text},
        scheduled_at ${d.int} NOT NULL,
        run_at ${d.int} NOT NULL,
        status ${d.text} NOT NULL,
        payload ${d.text} NOT NULL,
        result ${d.text},
        error_json ${d.text},
        attempts ${d.int} NOT NULL,
        max_attempts ${d.num},
        timeout ${d.num},
        result_ttl ${d.num},
        concurrency_key ${d.text},
        concurrency_limit ${d.num},
        progress ${d.text},
        cancel_requested ${d.int} NOT NULL,
        lease_owner ${d.text},
        lease_until ${d.int},
        created_at ${d.int} NOT NULL,
        started_at ${d.int},
        finished_at ${d.int},
        expires_at ${d.int},
        ready_at ${d.int} GENERATED ALWAYS AS (CASE status
          WHEN 'pending' THEN run_at WHEN 'running' THEN lease_until END) ${d.generated}
      )`,
      // due_at / ready_at are when a row next needs attention (null: never); claims and the
      // wake-up query walk these indexes from the smallest value, so idle rows cost nothing.
      "CREATE INDEX everywhen_schedules_due ON everywhen_schedules (due_at, id) WHERE due_at IS NOT NULL",
      "CREATE INDEX everywhen_jobs_ready ON everywhen_jobs (ready_at, id) WHERE ready_at IS NOT NULL",
      "CREATE INDEX everywhen_jobs_expiry ON everywhen_jobs (expires_at) WHERE expires_at IS NOT NULL",
      "CREATE INDEX everywhen_jobs_schedule ON everywhen_jobs (schedule_id, status)",
      "CREATE INDEX everywhen_jobs_key ON everywhen_jobs (concurrency_key, status)",
      "CREATE INDEX everywhen_jobs_created ON everywhen_jobs (created_at, id)",
    ],
  },
  {
    version: 2,
    description: "indexes for the admin queries: jobs by status, task and schedule, newest first",
    // Each serves a filtered count and the newest-first page of the same filter without a scan
    // or a sort. They index `column || ''`, which the admin queries write and nothing else does:
    // without statistics SQLite would otherwise pick them for claims and finishes (`status =
    // 'running'`), walking every running job instead of one row by id. Not on Durable Objects:
    // the platform bills every index row a write touches.
    up: (d) =>
      d.name === "durable-object" ? [] : [
        "CREATE INDEX everywhen_jobs_status ON everywhen_jobs ((status || ''), created_at, id)",
        "CREATE INDEX everywhen_jobs_task ON everywhen_jobs ((task || ''), created_at, id)",
        "CREATE INDEX everywhen_jobs_schedule_created ON everywhen_jobs ((schedule_id || ''), created_at, id)",
      ],
  },
  {
    version: 3,
    description:
      "queue controls: creation sequence, priority, rate limits, dependencies, re-run history",
    up: (d) => [
      `ALTER TABLE everywhen_schedules ADD COLUMN priority ${d.int} NOT NULL DEFAULT 0`,
      `ALTER TABLE everywhen_jobs ADD COLUMN seq ${d.int} NOT NULL DEFAULT 0`,
      `ALTER TABLE everywhen_jobs ADD COLUMN priority ${d.int} NOT NULL DEFAULT 0`,
      `ALTER TABLE everywhen_jobs ADD COLUMN rate_key ${d.text}`,
      `ALTER TABLE everywhen_jobs ADD COLUMN rate_limit ${d.num}`,
      `ALTER TABLE everywhen_jobs ADD COLUMN rate_period ${d.num}`,
      `ALTER TABLE everywhen_jobs ADD COLUMN after_json ${d.text} NOT NULL DEFAULT '[]'`,
      `ALTER TABLE everywhen_jobs ADD COLUMN history_json ${d.text} NOT NULL DEFAULT '[]'`,
      // Existing jobs get their creation order; new ones take the next value of the counter
      // (SQLite) or sequence (PostgreSQL), inside the inserting transaction.
      `UPDATE everywhen_jobs SET seq = r.n FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n
        FROM everywhen_jobs) AS r WHERE everywhen_jobs.id = r.id`,
      ...(d.name === "postgres"
        ? [
          "CREATE SEQUENCE everywhen_jobs_seq",
          "SELECT setval('everywhen_jobs_seq', (SELECT COALESCE(max(seq), 0) + 1 FROM everywhen_jobs), false)",
        ]
        : [
          `CREATE TABLE everywhen_counters (name ${d.text} PRIMARY KEY, value ${d.int} NOT NULL)`,
          "INSERT INTO everywhen_counters (name, value) SELECT 'job_seq', COALESCE(max(seq), 0) FROM everywhen_jobs",
          // A job inserted alone takes counter + 1 in its INSERT; this moves the counter on in
          // the same statement. Batches take their numbers first, so it never fires for them.
          `CREATE TRIGGER everywhen_jobs_seq AFTER INSERT ON everywhen_jobs
            WHEN NEW.seq > (SELECT value FROM everywhen_counters WHERE name = 'job_seq')
            BEGIN UPDATE everywhen_counters SET value = NEW.seq WHERE name = 'job_seq'; END`,
        ]),
      // Claims walk ready jobs in (ready_at, seq) order for starved jobs and FIFO, and per
      // priority level in (priority, ready_at, seq) order; both partial, so final and waiting
      // jobs cost no index rows.
      "DROP INDEX everywhen_jobs_ready",
      "CREATE INDEX everywhen_jobs_ready ON everywhen_jobs (ready_at, seq) WHERE ready_at IS NOT NULL",
      `CREATE INDEX everywhen_jobs_priority ON everywhen_jobs (priority, ready_at, seq)
        WHERE ready_at IS NOT NULL${d.name === "durable-object" ? " AND priority <> 0" : ""}`,
      // Per-key concurrency counts running jobs of a key: index only those, so a keyed job
      // writes the index on claim and on finish, not on every change of status.
      "DROP INDEX everywhen_jobs_key",
      `CREATE INDEX everywhen_jobs_running_key ON everywhen_jobs (concurrency_key)
        WHERE status = 'running' AND concurrency_key IS NOT NULL`,
      // Rate limits: one row per start of a rate-limited job, counted per key over its window
      // and removed by clean-up once `expires_at` (the start plus at least a day) has passed.
      `CREATE TABLE everywhen_rate_starts (
        rate_key ${d.text} NOT NULL,
        started_at ${d.int} NOT NULL,
        expires_at ${d.int} NOT NULL
      )`,
      "CREATE INDEX everywhen_rate_starts_key ON everywhen_rate_starts (rate_key, started_at)",
      "CREATE INDEX everywhen_rate_starts_expiry ON everywhen_rate_starts (expires_at)",
      // Dependencies: one edge per (dependency, waiting job), so a finishing job finds its
      // dependants through the key instead of reading every waiting job's list.
      `CREATE TABLE everywhen_job_deps (
        dep_id ${d.text} NOT NULL,
        job_id ${d.text} NOT NULL,
        PRIMARY KEY (dep_id, job_id)
      )${d.withoutRowid}`,
    ],
  },
  {
    version: 4,
    description: "job counts per status and task, kept by triggers, for the admin counts",
    up: (d) => d.name === "sqlite" ? [...JOB_COUNTS] : [],
  },
  {
    version: 5,
    description:
      "jobs-by-schedule indexes hold only jobs of a schedule; count triggers only on finish",
    // Most jobs have no schedule, yet both indexes took an entry for each, rewritten on every
    // change of status: a third of the index writes of a plain job's life. The active-jobs count
    // of a fire reads pending and running jobs only, so that index holds only those.
    up: (d) => [
      "DROP INDEX everywhen_jobs_schedule",
      `CREATE INDEX everywhen_jobs_schedule_active ON everywhen_jobs (schedule_id)
        WHERE schedule_id IS NOT NULL AND status IN ('pending', 'running')`,
      ...(d.name === "durable-object" ? [] : [
        "DROP INDEX everywhen_jobs_schedule_created",
        `CREATE INDEX everywhen_jobs_schedule_created ON everywhen_jobs ((schedule_id || ''), created_at, id)
          WHERE schedule_id IS NOT NULL`,
      ]),
      ...(d.name === "sqlite" ? JOB_COUNTS_ON_FINISH : []),
    ],
  },
  {
    version: 6,
    description:
      "SQLite files: no priority index entry for default-priority jobs, no count update triggers",
    // A claim and a finish each moved a job's entry in this index: with the ready index and the
    // status index, a third of the index writes of a plain job's run. Jobs of priority 0 are
    // walked through the ready index instead (as on Durable Objects since version 3).
    up: (d) => [
      ...(d.sparsePriority && d.name !== "durable-object"
        ? [
          "DROP INDEX everywhen_jobs_priority",
          `CREATE INDEX everywhen_jobs_priority ON everywhen_jobs (priority, ready_at, seq)
            WHERE ready_at IS NOT NULL AND priority <> 0`,
        ]
        : []),
      ...(d.name === "sqlite" ? NO_UPDATE_TRIGGERS : []),
    ],
  },
  {
    version: 7,
    description: "PostgreSQL: job counts per status and task, for the admin counts",
    // Counting a final status walked its index: 139 ms at a million succeeded jobs, on every
    // refresh of the dashboard's counts.
    up: (d) => d.name === "postgres" ? [...PG_JOB_COUNTS] : [],
  },
  {
    version: 8,
    description: "SQLite files and Durable Objects: a job's seq is its rowid; the counter moves " +
      "only when the newest job is deleted",
    // The insert trigger wrote the counter's row on every job inserted alone: on a Durable
    // Object, one billed row of the ten a recurring fire wrote. New jobs take one past the
    // largest rowid and the counter. The counter now keeps only what the table cannot show: the
    // number of a deleted job above every rowid left, so that no number is handed out twice.
    up: (d) =>
      d.nextSeq === null
        ? [
          "DROP TRIGGER IF EXISTS everywhen_jobs_seq",
          `CREATE TRIGGER everywhen_jobs_seq_floor AFTER DELETE ON everywhen_jobs
            WHEN OLD.seq > (SELECT max(coalesce((SELECT max(rowid) FROM everywhen_jobs), 0), value)
              FROM everywhen_counters WHERE name = 'job_seq')
            BEGIN UPDATE everywhen_counters SET value = OLD.seq WHERE name = 'job_seq'; END`,
        ]
        : [],
  },
  {
    version: 9,
    description: "schedules keep the concurrency and rate-limit keys of their payload",
    // Computed when the schedule is written, by its task's key functions: a fire cannot run them
    // (it writes inside one transaction, and an encrypted payload decodes asynchronously).
    up: (d) => [
      `ALTER TABLE everywhen_schedules ADD COLUMN concurrency_key ${d.text}`,
      `ALTER TABLE everywhen_schedules ADD COLUMN rate_key ${d.text}`,
    ],
  },
  {
    version: 10,
    description: "PostgreSQL: inserted pending jobs notify once per statement, not once per row",
    // The dialect's own statements (`Dialect.extraMigration`), beside the triggers of version 1.
    up: () => [],
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/**
 * @param db The database.
 * @param d Its dialect.
 * @returns The applied schema version, `0` for a database without everywhen tables.
 */
export async function schemaVersion(db: SqlDriver, d: Dialect): Promise<number> {
  let rows: { v: number | null }[];
  try {
    if ((await db.query(d.tableExists, [VERSION_TABLE])).length === 0) return 0;
    rows = await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${VERSION_TABLE}`);
  } catch (cause) {
    throw new Error(`Cannot open store: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  return rows[0]?.v ?? 0;
}

/**
 * Throws unless `version` is one this code can open.
 * @param version The database's schema version.
 * @param known The newest version this code knows.
 */
export function assertKnownVersion(version: number, known: number): void {
  if (version > known) {
    throw new Error(
      `Cannot open store: schema version ${version} is newer than this everywhen supports (${known}); upgrade everywhen`,
    );
  }
}

/**
 * Brings the database to the newest version in `migrations`, inside one write transaction.
 * Several processes may call this at once: the version is read again under the write lock.
 * @param db The database.
 * @param d Its dialect.
 * @param migrations The schema's history, oldest first.
 * @returns The versions before and after.
 */
export async function migrate(
  db: SqlDriver,
  d: Dialect,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<{ from: number; to: number }> {
  const known = migrations.length;
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new RangeError(`Migration ${i + 1} has version ${m.version}`);
  });
  const before = await schemaVersion(db, d);
  assertKnownVersion(before, known);
  if (before === known) return { from: before, to: before };
  return await db.transaction(async (tx) => {
    // Where writers are not serialised (PostgreSQL), one migrator at a time.
    if (d.lock !== null) await tx.query(d.lock, ["migrate"]);
    const from = await schemaVersion(tx, d);
    assertKnownVersion(from, known);
    if (from === 0) {
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version ${d.int} PRIMARY KEY, applied_at ${d.int} NOT NULL)`,
      );
    }
    for (const m of migrations.slice(from)) {
      for (const sql of [...m.up(d), ...d.extraMigration(m.version)]) await tx.exec(sql);
      await tx.exec(`INSERT INTO ${VERSION_TABLE} (version, applied_at) VALUES (?, ?)`, [
        m.version,
        Date.now(),
      ]);
    }
    return { from, to: known };
  });
}
