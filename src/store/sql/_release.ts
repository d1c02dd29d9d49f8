/**
 * The SQL store's schedule release, for one fire or for a group of them: every schedule's next
 * run written and lease dropped in one statement, and every job of the fires inserted in
 * multi-row `INSERT`s, all in the caller's transaction. A batch of fires then costs a few
 * statements instead of a transaction each (PostgreSQL: four round trips per fire).
 * @module
 */

import type { ScheduleRelease } from "../store.ts";
import type { Dialect } from "./dialect.ts";
import type { SqlDriver } from "./driver.ts";
import { insertMany } from "./_inserts.ts";

const S = "everywhen_schedules";

/** One `releaseSchedule` call. */
export interface ReleaseCall {
  id: string;
  /** The lease holder; `null` for a row the caller's transaction holds (no lease to check). */
  owner: string | null;
  release: ScheduleRelease;
}

/**
 * Releases schedules that `owner` still holds and inserts their fires' jobs.
 * @param tx The write transaction.
 * @param d Its dialect.
 * @param calls The releases, at most one per schedule, all with an owner or all without.
 * @returns Per call, in order: the ids of the jobs it inserted, or `null` when its schedule was
 * no longer held by its owner (nothing of it written).
 */
export async function releaseIn(
  tx: SqlDriver,
  d: Dialect,
  calls: readonly ReleaseCall[],
): Promise<(string[] | null)[]> {
  const released = new Set<string>();
  const leased = calls[0]?.owner !== null;
  if (calls.length === 1) {
    const { id, owner, release } = calls[0]!;
    const { changes } = await tx.exec(
      `UPDATE ${S} SET next_run_at = ?, last_run_at = ?, lease_owner = NULL, lease_until = NULL
        WHERE id = ?${leased ? " AND lease_owner = ?" : ""}`,
      leased
        ? [release.nextRunAt, release.lastRunAt, id, owner]
        : [release.nextRunAt, release.lastRunAt, id],
    );
    if (changes > 0) released.add(id);
  } else {
    const v = d.records([["id", "text"], ["owner", "text"], ["next_run", "int"], [
      "last_run",
      "int",
    ]]);
    const rows = await tx.query<{ id: string }>(
      `WITH v AS (${v})
        UPDATE ${S} SET next_run_at = v.next_run, last_run_at = v.last_run, lease_owner = NULL,
          lease_until = NULL
        FROM v WHERE ${S}.id = v.id AND ${d.inRecords(`${S}.id`, "v")}${
        leased ? ` AND ${S}.lease_owner = v.owner` : ""
      }
        RETURNING ${S}.id AS id`,
      [
        JSON.stringify(calls.map(({ id, owner, release }) => ({
          id,
          owner,
          next_run: release.nextRunAt,
          last_run: release.lastRunAt,
        }))),
      ],
    );
    for (const row of rows) released.add(row.id);
  }
  const jobs = calls.flatMap((c) => released.has(c.id) ? c.release.jobs : []);
  const inserted = new Set(jobs.length === 0 ? [] : await insertMany(tx, d, jobs));
  return calls.map((c) =>
    released.has(c.id)
      ? c.release.jobs.filter((job) => inserted.has(job.id)).map((job) => job.id)
      : null
  );
}
