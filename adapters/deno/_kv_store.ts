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
  JobOutcome,
  JobRecord,
  LeaseRenewal,
  ScheduleFilter,
  ScheduleRecord,
  ScheduleRelease,
  Store,
} from "../../src/store/store.ts";
import type { Kv, KvAtomic, KvEntryMaybe, KvKey, KvKeyPart } from "./_types.ts";
import { END, KvKeys, type Slot, slotDueAt } from "./_kv_keys.ts";
import { applyOps, checkKey, checkValue, GET_MANY, type Ops, splitOps } from "./_kv_limits.ts";
import { commit, contention, MAX_TRIES } from "./_kv_commit.ts";
import { checkKeys } from "../../src/_keys.ts";
import {
  droppedOnArrival,
  isExpired,
  jobReadyAt as readyAt,
  listJobsOf,
  listSchedulesOf,
  matchesJob,
  scheduleExists,
} from "../../src/store/semantics.ts";

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
  #closed = false;

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
      if (await commit(op, record.id)) return entry.value ? "replaced" : "inserted";
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
      if (await commit(op, record.id)) return { ...record };
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
      if (await commit(op, id)) return true;
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
    const key = this.#k.schedule(id);
    const inserted: string[] = [];
    const unique = [...new Map(release.jobs.map((j) => [j.id, j])).values()];
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<Slot>(key);
      const slot = entry.value;
      // Not (or no longer) the lease holder: refused. Only a lost lease or a concurrent insert
      // of one of these ids makes a commit below fail; the next turn tells them apart.
      if (!slot || slot.leaseOwner !== owner) return null;
      const existing = await this.#getMany<JobRecord>(unique.map((j) => this.#k.job(j.id)));
      const fresh = unique.filter((_, n) => existing[n]!.versionstamp === null);
      const next: Slot = {
        rec: { ...slot.rec, nextRunAt: release.nextRunAt, lastRunAt: release.lastRunAt },
        leaseOwner: null,
        leaseUntil: 0,
      };
      // One atomic operation when it fits Deno KV's limits (the usual case). A catch-up of many
      // large jobs is split: every part checks the lease, and the last also advances the
      // schedule. Fire ids are deterministic (`id@instant`), so jobs of an earlier part that
      // outlive a lost lease are the same jobs the next owner would insert.
      const parts = splitOps(fresh.map((job) => this.#insertOps(job)));
      let done = 0;
      for (const [n, part] of parts.entries()) {
        const op = this.kv.atomic().check(entry);
        applyOps(op, part.ops);
        if (n === parts.length - 1) this.#writeSlot(op, id, slot, next);
        if (!await commit(op, id)) break;
        inserted.push(...part.ids.map((k) => fresh[k]!.id));
        done++;
      }
      if (done === parts.length) return inserted;
    }
    throw contention("release schedule", id);
  }

  // ---- jobs ---------------------------------------------------------------------------------

  async insertJob(job: JobRecord): Promise<boolean> {
    const ops = this.#insertOps(job);
    const op = this.kv.atomic();
    applyOps(op, ops);
    return await commit(op, job.id);
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
    const tasks = new Set(options.tasks);
    const out: JobRecord[] = [];
    if (limit <= 0 || tasks.size === 0) return out;
    const counts = new Map<string, KvEntryMaybe<number>>();
    const range = { start: this.#k.key("ready"), end: this.#k.key("ready", now, END) };
    for await (const { key } of this.#list(range, { batchSize: Math.min(limit * 2, 500) })) {
      const [time, id] = key.slice(-2) as [number, string];
      const job = await this.#claimJob(id, time, now, owner, leaseMs, tasks, counts);
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
      const job = await this.#updateHeld(id, owner, (j) => ({ ...j, leaseUntil }));
      if (!job) renewal.lost.push(id);
      else if (job.cancelRequested) renewal.cancelRequested.push(id);
    }
    return renewal;
  }

  async finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean> {
    const job = await this.#updateHeld(id, owner, (j) => ({
      ...j,
      status: outcome.status,
      result: outcome.result,
      error: outcome.error,
      finishedAt: outcome.finishedAt,
      expiresAt: outcome.expiresAt,
      leaseOwner: null,
      leaseUntil: null,
    }));
    return job !== null;
  }

  async retryJob(id: string, owner: string, runAt: number, error: JobError): Promise<boolean> {
    const job = await this.#updateHeld(id, owner, (j) => ({
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
    return (await this.#updateHeld(id, owner, (j) => ({ ...j, progress }))) !== null;
  }

  async cancelJob(id: string, now: number, expiresAt: number | null): Promise<JobRecord | null> {
    const key = this.#k.job(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<JobRecord>(key);
      const job = entry.value;
      if (!job) return null;
      let next: JobRecord;
      if (job.status === "pending") {
        next = { ...job, status: "cancelled", finishedAt: now, expiresAt };
      } else if (job.status === "running") {
        next = { ...job, cancelRequested: true };
      } else {
        return job;
      }
      const op = this.kv.atomic().check(entry);
      this.#writeJob(op, job, next);
      if (await commit(op, id)) return next;
    }
    throw contention("cancel job", id);
  }

  // ---- wake-ups, clean-up, meta -------------------------------------------------------------

  async nextWakeup(): Promise<number | null> {
    let best: number | null = null;
    for (const index of ["due", "ready"] as const) {
      for await (const { key } of this.#list({ prefix: this.#k.key(index) }, { limit: 1 })) {
        const time = key[key.length - 2] as number;
        if (best === null || time < best) best = time;
      }
    }
    return best;
  }

  async cleanup(now: number): Promise<number> {
    let removed = 0;
    const range = { start: this.#k.key("exp"), end: this.#k.key("exp", now, END) };
    for await (const { key } of this.#list(range, { batchSize: 100 })) {
      const [time, id] = key.slice(-2) as [number, string];
      for (let i = 0; i < MAX_TRIES; i++) {
        const entry = await this.#get<JobRecord>(this.#k.job(id));
        const job = entry.value;
        const op = this.kv.atomic().check(entry).delete(key);
        const expired = job !== null && job.expiresAt === time && isExpired(job, now);
        if (expired) op.delete(this.#k.job(id));
        if (await commit(op, id)) {
          if (expired) removed++;
          break;
        }
      }
    }
    return removed;
  }

  async getMeta(key: string): Promise<string | null> {
    return (await this.#get<string>(this.#k.key("m", key))).value;
  }

  async setMeta(key: string, value: string | null): Promise<void> {
    this.#assertOpen();
    const k = this.#k.key("m", key);
    checkKey(k, `meta ${JSON.stringify(key)}`);
    const op = this.kv.atomic();
    if (value === null) op.delete(k);
    else {
      checkValue(value, `meta ${JSON.stringify(key)}`);
      op.set(k, value);
    }
    await commit(op, key);
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

  #get<T>(key: KvKey): Promise<KvEntryMaybe<T>> {
    this.#assertOpen();
    return this.kv.get<T>(key);
  }

  async #getMany<T>(keys: KvKey[]): Promise<KvEntryMaybe<T>[]> {
    this.#assertOpen();
    const out: KvEntryMaybe<T>[] = [];
    for (let i = 0; i < keys.length; i += GET_MANY) {
      out.push(...(await this.kv.getMany(keys.slice(i, i + GET_MANY))) as KvEntryMaybe<T>[]);
    }
    return out;
  }

  #list<T = unknown>(
    selector: { prefix: KvKey } | { start: KvKey; end: KvKey },
    options: { limit?: number; batchSize?: number } = {},
  ): AsyncIterable<{ key: KvKey; value: T }> {
    this.#assertOpen();
    return this.kv.list<T>(selector, options);
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

  /** Adds to `op` the writes that replace slot `old` by `next` (or remove it). */
  #writeSlot(op: KvAtomic, id: string, old: Slot | null, next: Slot | null): void {
    const before = old ? slotDueAt(old) : null;
    if (before !== null) op.delete(this.#k.key("due", before, id));
    if (next === null) {
      op.delete(this.#k.schedule(id));
      return;
    }
    op.set(this.#k.schedule(id), next);
    const after = slotDueAt(next);
    if (after !== null) op.set(this.#k.key("due", after, id), null);
  }

  /** Adds to `op` the writes that replace job `old` by `next`, dropping it past retention. */
  #writeJob(op: KvAtomic, old: JobRecord | null, next: JobRecord): void {
    if (old) { for (const key of this.#k.jobIndexes(old)) op.delete(key); }
    if (droppedOnArrival(next)) {
      op.delete(this.#k.job(next.id));
      return;
    }
    checkValue(next, `job ${JSON.stringify(next.id)}`);
    op.set(this.#k.job(next.id), next);
    for (const key of this.#k.jobIndexes(next)) op.set(key, null);
  }

  /** The operations that insert `job` if its id is absent. */
  #insertOps(job: JobRecord): Ops {
    const key = this.#k.job(job.id);
    const ops: Ops = { checks: [{ key, versionstamp: null }], sets: [], deletes: [] };
    if (droppedOnArrival(job)) return ops;
    const copy = { ...job };
    checkValue(copy, `job ${JSON.stringify(job.id)}`);
    ops.sets.push([key, copy]);
    for (const k of this.#k.jobIndexes(copy)) ops.sets.push([k, null]);
    return ops;
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
      if (await commit(op, id)) return slot.rec;
    }
    throw contention("claim schedule", id);
  }

  async #claimJob(
    id: string,
    time: number,
    now: number,
    owner: string,
    leaseMs: number,
    tasks: Set<string>,
    counts: Map<string, KvEntryMaybe<number>>,
  ): Promise<JobRecord | null> {
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<JobRecord>(this.#k.job(id));
      const job = entry.value;
      if (!job || !tasks.has(job.task)) return null;
      const ready = readyAt(job);
      if (ready === null || ready > now || (i === 0 && ready !== time)) return null;
      const wasRunning = job.status === "running";
      const ck = wasRunning ? null : job.concurrencyKey;
      let count: KvEntryMaybe<number> | undefined;
      if (ck !== null) {
        count = counts.get(ck);
        if (count === undefined || i > 0) {
          count = await this.#get<number>(this.#k.key("run", ck));
          counts.set(ck, count);
        }
        if (job.concurrencyLimit !== null && (count.value ?? 0) >= job.concurrencyLimit) {
          return null;
        }
      }
      const next: JobRecord = {
        ...job,
        status: "running",
        attempts: job.attempts + 1,
        startedAt: now,
        leaseOwner: owner,
        leaseUntil: now + leaseMs,
      };
      const op = this.kv.atomic().check(entry);
      if (ck !== null && count) {
        const n = (count.value ?? 0) + 1;
        op.check(count).set(this.#k.key("run", ck), n);
      }
      this.#writeJob(op, job, next);
      if (await commit(op, id)) {
        if (ck !== null) counts.delete(ck);
        return next;
      }
    }
    throw contention("claim job", id);
  }

  /** Rewrites a job `owner` holds; `null` when it does not hold it. */
  async #updateHeld(
    id: string,
    owner: string,
    change: (job: JobRecord) => JobRecord,
  ): Promise<JobRecord | null> {
    const key = this.#k.job(id);
    for (let i = 0; i < MAX_TRIES; i++) {
      const entry = await this.#get<JobRecord>(key);
      const job = entry.value;
      if (!job || job.status !== "running" || job.leaseOwner !== owner) return null;
      const next = change(job);
      const op = this.kv.atomic().check(entry);
      if (next.status !== "running" && job.concurrencyKey !== null) {
        const countKey = this.#k.key("run", job.concurrencyKey);
        const count = await this.#get<number>(countKey);
        const n = (count.value ?? 0) - 1;
        op.check(count);
        if (n <= 0) op.delete(countKey);
        else op.set(countKey, n);
      }
      this.#writeJob(op, job, next);
      if (await commit(op, id)) return next;
    }
    throw contention("update job", id);
  }
}
