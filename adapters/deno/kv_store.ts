/**
 * `DenoKvStore`: the Store port on Deno KV (a local SQLite file, `:memory:`, Deno Deploy or a
 * remote KV). Every change is one `atomic()` with versionstamp `check`s on what it read, retried
 * when another writer got there first, so many isolates and processes can share one database.
 *
 * Split into: key layout (`_kv_keys.ts`), Deno KV's size limits and the splitting of big
 * writes (`_kv_limits.ts`), and committing with retries (`_kv_commit.ts`).
 * @module
 */

import type {
  ClaimedSchedule,
  ClaimJobsOptions,
  JobError,
  JobFilter,
  JobIfExists,
  JobOutcome,
  JobRecord,
  JobStatus,
  LeaseRenewal,
  PurgeFilter,
  ScheduleFilter,
  ScheduleRecord,
  ScheduleRelease,
  Store,
} from "../../src/store/store.ts";
import type { Kv, KvAtomic, KvEntryMaybe, KvKey, KvKeyPart } from "./types.ts";
import { END, KvKeys, type Slot, slotDueAt } from "./_kv_keys.ts";
import { checkKey, checkValue, fitsAtomic, GET_MANY, partition } from "./_kv_limits.ts";
import { commit, contention, MAX_TRIES } from "./_kv_commit.ts";
import { KvTx } from "./_kv_tx.ts";
import {
  deleteJob,
  finalize,
  insertCost,
  insertNew,
  putJob,
  withDependencies,
} from "./_kv_jobs.ts";
import { drainReleases } from "./_kv_release.ts";
import { claimJob, claimOrder } from "./_kv_claim.ts";
import { pruneRateLog } from "./_kv_rate.ts";
import { openLayout } from "./_kv_layout.ts";
import { checkKeys } from "../../src/_keys.ts";
import { InsertGroup, type InsertOutcome } from "../../src/store/_write_group.ts";

import {
  canRerun,
  droppedOnArrival,
  isExpired,
  isFinal,
  listJobsOf,
  listSchedulesOf,
  matchesJob,
  matchesPurge,
  MAX_INSERT_JOBS,
  replacedJob,
  rerunRecord,
  scheduleExists,
} from "../../src/store/semantics.ts";

/**
 * Most jobs one grouped insert writes: well inside an atomic operation's limits for ordinary
 * jobs; a group that does not fit is written again job by job.
 */
const KV_GROUP_MAX = 50;

/** Options for {@linkcode DenoKvStore}. */
export interface DenoKvStoreOptions {
  /**
   * Key prefix for everything this store writes, so one database can hold several stores or
   * other data.
   * @default ["everywhen"]
   */
  prefix?: readonly KvKeyPart[];
  /**
   * Whether `close()` closes the `Deno.Kv` too.
   * @default true
   */
  closeKv?: boolean;
}

/**
 * A Store in Deno KV. Use {@linkcode openKvStore} to open one from a path, or pass an open
 * `Deno.Kv` (e.g. on Deno Deploy) to the constructor.
 *
 * @example
 * ```ts
 * import { Scheduler } from "@everywhen/everywhen";
 * import { DenoKvStore } from "@everywhen/everywhen/deno";
 *
 * const kv = await Deno.openKv();
 * const scheduler = new Scheduler({ store: new DenoKvStore(kv) });
 * ```
 */
export class DenoKvStore implements Store {
  /** Always `"deno-kv"`. */
  readonly name: string = "deno-kv";
  /** Always `true`: other isolates and processes may write to the same database. */
  readonly shared: boolean = true;
  /** The underlying `Deno.Kv` (the escape hatch to the native client). */
  readonly kv: Kv;
  #k: KvKeys;
  #closeKv: boolean;
  #inserts = new InsertGroup(
    async (jobs) =>
      jobs.length === 1
        ? new Set((await this.#insertAlone(jobs[0]!, "keep")) === "inserted" ? [jobs[0]!.id] : [])
        : new Set(await this.insertJobs(jobs)),
    KV_GROUP_MAX,
  );
  #closed = false;
  #opened: Promise<void> | undefined;

  /**
   * Wraps an open `Deno.Kv`; throws `TypeError` if `kv` is not one or `prefix` is not an array.
   * @param kv An open `Deno.Kv`.
   * @param options Key prefix and ownership of `kv`.
   */
  constructor(kv: Kv, options?: DenoKvStoreOptions) {
    if (typeof kv?.atomic !== "function" || typeof kv.list !== "function") {
      throw new TypeError("Invalid Deno KV: expected an open Deno.Kv (from Deno.openKv())");
    }
    options = checkKeys(options, ["prefix", "closeKv"], "Deno KV store options");
    const prefix = options.prefix ?? ["everywhen"];
    if (!Array.isArray(prefix)) {
      throw new TypeError("Invalid prefix: expected an array of Deno KV key parts");
    }
    this.kv = kv;
    this.#k = new KvKeys(prefix);
    this.#closeKv = options.closeKv ?? true;
  }

  // ---- schedules ----------------------------------------------------------------------------

  async putSchedule(
    record: ScheduleRecord,
    ifExists: "replace" | "keep" | "error",
  ): Promise<"inserted" | "replaced" | "kept"> {
    const key = this.#k.schedule(record.id);
    const next: Slot = { rec: { ...record }, leaseOwner: null, leaseUntil: 0 };
    checkValue(next, `schedule ${JSON.stringify(record.id)}`);
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<Slot>(key);
      if (entry.value && ifExists === "error") {
        throw scheduleExists(record.id);
      }
      if (entry.value && ifExists === "keep") return "kept";
      const op = this.kv.atomic().check(entry);
      this.#writeSlot(op, record.id, entry.value, next);
      if (await commit(op, `store schedule ${JSON.stringify(record.id)}`)) {
        return entry.value ? "replaced" : "inserted";
      }
    }
    throw contention("store schedule", record.id);
  }

  async getSchedule(id: string): Promise<ScheduleRecord | null> {
    return (await this.#get<Slot>(this.#k.schedule(id))).value?.rec ?? null;
  }

  async listSchedules(filter: ScheduleFilter = {}): Promise<ScheduleRecord[]> {
    const all: ScheduleRecord[] = [];
    for await (const { value } of this.#list<Slot>({ prefix: this.#k.key("s") })) {
      all.push(value.rec);
    }
    return listSchedulesOf(all, filter);
  }

  async updateSchedule(record: ScheduleRecord): Promise<ScheduleRecord | null> {
    const key = this.#k.schedule(record.id);
    const next: Slot = { rec: { ...record }, leaseOwner: null, leaseUntil: 0 };
    checkValue(next, `schedule ${JSON.stringify(record.id)}`);
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<Slot>(key);
      if (!entry.value) return null;
      const op = this.kv.atomic().check(entry);
      this.#writeSlot(op, record.id, entry.value, next);
      if (await commit(op, `update schedule ${JSON.stringify(record.id)}`)) return { ...record };
    }
    throw contention("update schedule", record.id);
  }

  async removeSchedule(id: string): Promise<boolean> {
    const key = this.#k.schedule(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<Slot>(key);
      if (!entry.value) return false;
      const op = this.kv.atomic().check(entry);
      this.#writeSlot(op, id, entry.value, null);
      if (await commit(op, `remove schedule ${JSON.stringify(id)}`)) return true;
    }
    throw contention("remove schedule", id);
  }

  async claimDueSchedules(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedSchedule[]> {
    const out: ClaimedSchedule[] = [];
    if (limit <= 0) return out;
    const range = { start: this.#k.key("due"), end: this.#k.key("due", now, END) };
    for await (const { key } of this.#list(range, { batchSize: Math.min(limit * 2, 500) })) {
      const [time, id] = key.slice(-2) as [number, string];
      const claimed = await this.#claimSchedule(id, time, now, owner, leaseMs);
      if (claimed) {
        out.push({ record: claimed, activeJobs: await this.#countActive(id) });
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  async releaseSchedule(
    id: string,
    owner: string,
    release: ScheduleRelease,
  ): Promise<string[] | null> {
    await this.#open();
    const key = this.#k.schedule(id);
    const inserted: string[] = [];
    const unique = [...new Map(release.jobs.map((j) => [j.id, j])).values()];
    // One atomic operation when it fits Deno KV's limits (the usual case). A catch-up of many
    // large jobs is split: every part checks the lease, and the last also advances the
    // schedule. Fire ids are deterministic (`id@instant`), so jobs of an earlier part that
    // outlive a lost lease are the same jobs the next owner would insert.
    const parts = partition(unique.map((job) => insertCost(this.#k, job)));
    for (const [n, part] of parts.entries()) {
      let done = false;
      for (let i = 0; i < MAX_TRIES && !done; i++) {
        const tx = new KvTx(this.kv);
        const slot = await tx.get<Slot>(key);
        // Not (or no longer) the lease holder: refused.
        if (!slot || slot.leaseOwner !== owner) return null;
        const jobs = part.map((m) => unique[m]!);
        const keys = jobs.map((j) => this.#k.job(j.id));
        await this.#prefetch(tx, keys);
        const fresh: JobRecord[] = [];
        for (const [m, job] of jobs.entries()) {
          if ((await tx.get<JobRecord>(keys[m]!, false)) === null) fresh.push(job);
        }
        await insertNew(tx, this.#k, fresh);
        if (n === parts.length - 1) {
          const next: Slot = {
            rec: { ...slot.rec, nextRunAt: release.nextRunAt, lastRunAt: release.lastRunAt },
            leaseOwner: null,
            leaseUntil: 0,
          };
          this.#writeSlot(tx, id, slot, next);
        }
        if (await tx.commit(`release schedule ${JSON.stringify(id)}`)) {
          inserted.push(...fresh.map((j) => j.id));
          done = true;
        }
      }
      if (!done) throw contention("release schedule", id);
    }
    return inserted;
  }

  // ---- jobs ---------------------------------------------------------------------------------

  insertJob(job: JobRecord, ifExists: JobIfExists = "keep"): Promise<InsertOutcome> {
    // Through one queue in call order (creation order is the order of the calls), plain inserts
    // arriving meanwhile in one atomic operation.
    if (ifExists === "keep" && job.after.length === 0 && !droppedOnArrival(job)) {
      return this.#inserts.add(job);
    }
    return this.#inserts.add(job, () => this.#insertAlone(job, ifExists));
  }

  async #insertAlone(job: JobRecord, ifExists: JobIfExists): Promise<InsertOutcome> {
    await this.#open();
    const key = this.#k.job(job.id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const tx = new KvTx(this.kv);
      const stored = await tx.get<JobRecord>(key);
      if (stored) {
        if (ifExists !== "replace" || !isReplaceable(stored.status)) return "kept";
        const next = await withDependencies(tx, this.#k, replacedJob(stored, job), job.createdAt);
        putJob(tx, this.#k, stored, next);
        const deferred = isFinal(next.status) && await finalize(tx, this.#k, next, job.createdAt);
        if (await tx.commit(`replace job ${JSON.stringify(job.id)}`)) {
          if (deferred) await drainReleases(this.kv, this.#k);
          return "replaced";
        }
        continue;
      }
      await insertNew(tx, this.#k, [job]);
      if (await tx.commit(`insert job ${JSON.stringify(job.id)}`)) return "inserted";
    }
    throw contention("insert job", job.id);
  }

  async insertJobs(jobs: readonly JobRecord[]): Promise<string[]> {
    if (jobs.length > MAX_INSERT_JOBS) {
      throw new RangeError(
        `Cannot insert ${jobs.length} jobs at once: at most ${MAX_INSERT_JOBS} per call`,
      );
    }
    await this.#open();
    if (jobs.length === 0) return [];
    for (let i = 0; i < MAX_TRIES; i++) {
      const tx = new KvTx(this.kv);
      const fresh: JobRecord[] = [];
      const seen = new Set<string>();
      const keys = jobs.map((j) => this.#k.job(j.id));
      await this.#prefetch(tx, keys);
      for (const [n, job] of jobs.entries()) {
        if (seen.has(job.id)) continue;
        seen.add(job.id);
        // Not checked: every insert advances the checked `seq` key, so an id absent now stays
        // absent until this commit (or the commit fails).
        if ((await tx.get<JobRecord>(keys[n]!, false)) === null) fresh.push(job);
      }
      await insertNew(tx, this.#k, fresh);
      if (await tx.commit(`insert ${jobs.length} jobs`, "split it into smaller batches")) {
        return fresh.map((j) => j.id);
      }
    }
    throw contention("insert jobs", jobs[0]!.id);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return (await this.#get<JobRecord>(this.#k.job(id))).value;
  }

  async listJobs(filter: JobFilter = {}): Promise<JobRecord[]> {
    return listJobsOf(await this.#scanJobs(filter), filter);
  }

  async countJobs(filter: JobFilter = {}): Promise<number> {
    return (await this.#scanJobs(filter)).length;
  }

  async claimJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    options: ClaimJobsOptions,
  ): Promise<JobRecord[]> {
    await this.#open();
    const tasks = new Set(options.tasks);
    const out: JobRecord[] = [];
    if (limit <= 0 || tasks.size === 0) return out;
    const claim = { now, owner, leaseMs, tasks };
    for await (const id of claimOrder(this.kv, this.#k, now, options.starvationMs)) {
      const job = await claimJob(this.kv, this.#k, id, claim);
      if (job) {
        out.push(job);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  async renewJobs(
    ids: readonly string[],
    owner: string,
    leaseUntil: number,
  ): Promise<LeaseRenewal> {
    const renewal: LeaseRenewal = { lost: [], cancelRequested: [] };
    for (const id of ids) {
      const job = await this.#updateHeld(id, owner, 0, (j) => ({ ...j, leaseUntil }));
      if (!job) renewal.lost.push(id);
      else if (job.cancelRequested) renewal.cancelRequested.push(id);
    }
    return renewal;
  }

  async finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean> {
    const change = (j: JobRecord) => finished(j, outcome);
    return (await this.#updateHeld(id, owner, outcome.finishedAt, change)) !== null;
  }

  async finishJobs(
    owner: string,
    items: ReadonlyArray<{ id: string; outcome: JobOutcome }>,
  ): Promise<string[]> {
    await this.#open();
    const unique = [...new Map(items.map((item) => [item.id, item])).values()];
    for (let i = 0; i < MAX_TRIES; i++) {
      const tx = new KvTx(this.kv);
      const recorded: string[] = [];
      let deferred = false;
      for (const { id, outcome } of unique) {
        const change = (j: JobRecord) => finished(j, outcome);
        const done = await this.#changeHeld(tx, id, owner, outcome.finishedAt, change);
        if (done === null) continue;
        recorded.push(id);
        deferred ||= done.deferred;
      }
      if (!fitsAtomic(tx.cost())) {
        // Too much for one atomic operation (large records, many dependants): one at a time.
        const one = await Promise.all(unique.map((it) => this.finishJob(it.id, owner, it.outcome)));
        return unique.filter((_, n) => one[n]).map((it) => it.id);
      }
      if (await tx.commit(`finish ${recorded.length} jobs`)) {
        if (deferred) await drainReleases(this.kv, this.#k);
        return recorded;
      }
    }
    throw contention("finish jobs of", owner);
  }

  async retryJob(id: string, owner: string, runAt: number, error: JobError): Promise<boolean> {
    const job = await this.#updateHeld(id, owner, 0, (j) => ({
      ...j,
      status: "pending",
      runAt,
      error,
      leaseOwner: null,
      leaseUntil: null,
    }));
    return job !== null;
  }

  async setProgress(id: string, owner: string, progress: string): Promise<boolean> {
    return (await this.#updateHeld(id, owner, 0, (j) => ({ ...j, progress }))) !== null;
  }

  async cancelJob(id: string, now: number, expiresAt: number | null): Promise<JobRecord | null> {
    await this.#open();
    const key = this.#k.job(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const tx = new KvTx(this.kv);
      const job = await tx.get<JobRecord>(key);
      if (!job) return null;
      let next: JobRecord;
      if (job.status === "pending" || job.status === "waiting") {
        next = { ...job, status: "cancelled", finishedAt: now, expiresAt };
      } else if (job.status === "running") {
        next = { ...job, cancelRequested: true };
      } else {
        return job;
      }
      putJob(tx, this.#k, job, next);
      const deferred = isFinal(next.status) && await finalize(tx, this.#k, next, now);
      if (await tx.commit(`cancel job ${JSON.stringify(id)}`)) {
        if (deferred) await drainReleases(this.kv, this.#k);
        return next;
      }
    }
    throw contention("cancel job", id);
  }

  async rerunJob(id: string, now: number): Promise<JobRecord | null> {
    await this.#open();
    const key = this.#k.job(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const tx = new KvTx(this.kv);
      const job = await tx.get<JobRecord>(key);
      if (!job || !canRerun(job.status)) return job;
      const next = rerunRecord(job, now);
      putJob(tx, this.#k, job, next);
      if (await tx.commit(`re-run job ${JSON.stringify(id)}`)) return next;
    }
    throw contention("re-run job", id);
  }

  async purgeJobs(filter: PurgeFilter, limit: number): Promise<number> {
    await this.#open();
    let removed = 0;
    if (limit <= 0) return removed;
    const end = filter.finishedBefore === undefined
      ? this.#k.key("fin", END)
      : this.#k.key("fin", filter.finishedBefore);
    const range = { start: this.#k.key("fin"), end };
    for await (const { key } of this.#list(range, { batchSize: Math.min(limit * 2, 500) })) {
      const id = key[key.length - 1] as string;
      for (let i = 0; i < MAX_TRIES; i++) {
        const tx = new KvTx(this.kv);
        const job = await tx.get<JobRecord>(this.#k.job(id));
        if (!job || !matchesPurge(job, filter)) break;
        deleteJob(tx, this.#k, job);
        if (await tx.commit(`purge job ${JSON.stringify(id)}`)) {
          removed++;
          break;
        }
      }
      if (removed >= limit) break;
    }
    return removed;
  }

  // ---- wake-ups, clean-up, meta -------------------------------------------------------------

  async nextWakeup(): Promise<number | null> {
    await this.#open();
    let best: number | null = null;
    // Waiting jobs are in none of these indexes: only their dependencies wake them.
    for (const [index, at] of [["due", -2], ["rt", -3], ["lease", -2]] as const) {
      for await (const { key } of this.#list({ prefix: this.#k.key(index) }, { limit: 1 })) {
        const time = key[key.length + at] as number;
        if (best === null || time < best) best = time;
      }
    }
    return best;
  }

  async cleanup(now: number): Promise<number> {
    await this.#open();
    let removed = 0;
    const range = { start: this.#k.key("exp"), end: this.#k.key("exp", now, END) };
    for await (const { key } of this.#list(range, { batchSize: 100 })) {
      const [time, id] = key.slice(-2) as [number, string];
      for (let i = 0; i < MAX_TRIES; i++) {
        const tx = new KvTx(this.kv);
        const job = await tx.get<JobRecord>(this.#k.job(id));
        const expired = job !== null && job.expiresAt === time && isExpired(job, now);
        if (expired) deleteJob(tx, this.#k, job);
        else tx.delete(key); // stale index entry
        if (await tx.commit(`clean up job ${JSON.stringify(id)}`)) {
          if (expired) removed++;
          break;
        }
      }
    }
    await pruneRateLog(this.kv, this.#k, now);
    await drainReleases(this.kv, this.#k); // what a crash after a deferred release left
    return removed;
  }

  async getMeta(key: string): Promise<string | null> {
    return (await this.#get<string>(this.#k.key("m", key))).value;
  }

  async setMeta(key: string, value: string | null): Promise<void> {
    await this.#open();
    const k = this.#k.key("m", key);
    checkKey(k, `meta ${JSON.stringify(key)}`);
    const op = this.kv.atomic();
    if (value === null) op.delete(k);
    else {
      checkValue(value, `meta ${JSON.stringify(key)}`);
      op.set(k, value);
    }
    await commit(op, `set meta ${JSON.stringify(key)}`);
  }

  /** Closes the store (and the `Deno.Kv`, unless `closeKv: false`). Closing twice is harmless. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#closeKv) this.kv.close();
    }
    return Promise.resolve();
  }

  // ---- internals ----------------------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closed) throw new Error("Cannot use the Deno KV store: it is closed");
  }

  async #get<T>(key: KvKey): Promise<KvEntryMaybe<T>> {
    await this.#open();
    return await this.kv.get<T>(key);
  }

  async *#list<T = unknown>(
    selector: { prefix: KvKey } | { start: KvKey; end: KvKey },
    options: { limit?: number; batchSize?: number } = {},
  ): AsyncGenerator<{ key: KvKey; value: T }> {
    await this.#open();
    yield* this.kv.list<T>(selector, options);
  }

  async #scanJobs(filter: JobFilter): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    const jobs = this.#list<JobRecord>({ prefix: this.#k.key("j") }, { batchSize: 500 });
    for await (const { value } of jobs) if (matchesJob(value, filter)) out.push(value);
    return out;
  }

  async #countActive(scheduleId: string): Promise<number> {
    let n = 0;
    for await (const _ of this.#list({ prefix: this.#k.key("act", scheduleId) })) n++;
    return n;
  }

  /** Reads `keys` into the round in groups (so checking many absent ids is not one get each). */
  async #prefetch(tx: KvTx, keys: KvKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += GET_MANY) {
      await Promise.all(keys.slice(i, i + GET_MANY).map((key) => tx.get(key, false)));
    }
  }

  /** Adds to the round the writes that replace slot `old` by `next` (or remove it). */
  #writeSlot(tx: KvTx | KvAtomic, id: string, old: Slot | null, next: Slot | null): void {
    const before = old ? slotDueAt(old) : null;
    if (before !== null) tx.delete(this.#k.key("due", before, id));
    if (next === null) {
      tx.delete(this.#k.schedule(id));
      return;
    }
    tx.set(this.#k.schedule(id), next);
    const after = slotDueAt(next);
    if (after !== null) tx.set(this.#k.key("due", after, id), null);
  }

  async #claimSchedule(
    id: string,
    time: number,
    now: number,
    owner: string,
    leaseMs: number,
  ): Promise<ScheduleRecord | null> {
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<Slot>(this.#k.schedule(id));
      const slot = entry.value;
      // A stale index entry (written over by a racing claimer) or nothing due any more.
      if (!slot) return null;
      const due = slotDueAt(slot);
      if (due === null || due > now) return null;
      if (i === 0 && due !== time) return null;
      const next: Slot = { rec: slot.rec, leaseOwner: owner, leaseUntil: now + leaseMs };
      const op = this.kv.atomic().check(entry);
      this.#writeSlot(op, id, slot, next);
      if (await commit(op, `claim schedule ${JSON.stringify(id)}`)) return slot.rec;
    }
    throw contention("claim schedule", id);
  }

  /**
   * Rewrites a job `owner` holds; `null` when it does not hold it. A job leaving `running`
   * frees its concurrency slot; one becoming final releases or cancels its dependants at `now`.
   */
  async #updateHeld(
    id: string,
    owner: string,
    now: number,
    change: (job: JobRecord) => JobRecord,
  ): Promise<JobRecord | null> {
    await this.#open();
    for (let i = 0; i < MAX_TRIES; i++) {
      const tx = new KvTx(this.kv);
      const done = await this.#changeHeld(tx, id, owner, now, change);
      if (done === null) return null;
      if (await tx.commit(`update job ${JSON.stringify(id)}`)) {
        if (done.deferred) await drainReleases(this.kv, this.#k);
        return done.next;
      }
    }
    throw contention("update job", id);
  }

  /**
   * Adds to the round the rewrite of a job `owner` holds: a job leaving `running` frees its
   * concurrency slot; one becoming final releases or cancels its dependants at `now`.
   * @returns The new record and whether its release was deferred; `null` when not held.
   */
  async #changeHeld(
    tx: KvTx,
    id: string,
    owner: string,
    now: number,
    change: (job: JobRecord) => JobRecord,
  ): Promise<{ next: JobRecord; deferred: boolean } | null> {
    const job = await tx.get<JobRecord>(this.#k.job(id));
    if (!job || job.status !== "running" || job.leaseOwner !== owner) return null;
    const next = change(job);
    if (next.status !== "running" && job.concurrencyKey !== null) {
      const countKey = this.#k.key("run", job.concurrencyKey);
      const n = ((await tx.get<number>(countKey)) ?? 0) - 1;
      if (n <= 0) tx.delete(countKey);
      else tx.set(countKey, n);
    }
    putJob(tx, this.#k, job, next);
    const deferred = isFinal(next.status) && await finalize(tx, this.#k, next, now);
    return { next, deferred };
  }

  /** Checks (once per store object) and if needed migrates the key layout. */
  #open(): Promise<void> {
    this.#assertOpen();
    this.#opened ??= openLayout(
      this.kv,
      this.#k,
      (tx, old, next) => putJob(tx, this.#k, old, next),
    );
    return this.#opened;
  }
}

/** @returns The record of a held job ended by `outcome`. */
function finished(job: JobRecord, outcome: JobOutcome): JobRecord {
  return {
    ...job,
    status: outcome.status,
    result: outcome.result,
    error: outcome.error,
    finishedAt: outcome.finishedAt,
    expiresAt: outcome.expiresAt,
    leaseOwner: null,
    leaseUntil: null,
  };
}

/** @returns Whether `insertJob(job, "replace")` may overwrite a job in this status. */
function isReplaceable(status: JobStatus): boolean {
  return status === "pending" || status === "waiting";
}
