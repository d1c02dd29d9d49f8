/**
 * `MemoryStore`: the in-process store. Nothing survives the process; use it for tests, for
 * single-process apps that rebuild their schedules on boot, and as the reference
 * implementation of the Store port.
 *
 * Due times live in min-heaps with lazy deletion, so the scheduler's wake-up query and claims
 * cost O(log n) however many idle schedules there are. Memory is bounded: at most
 * `maxFinishedJobs` finished jobs are kept, so steady schedules do not grow the heap for the
 * length of their results' retention.
 * @module
 */

import { MinHeap } from "./_heap.ts";
import { RateLog } from "./_rate_log.ts";
import { ClaimQueue } from "./_claim_queue.ts";
import { DEFAULT_MAX_FINISHED_JOBS } from "../_defaults.ts";
import { checkKeys } from "../_keys.ts";
import { checkInt } from "../_options.ts";
import { nextTurn } from "../_turns.ts";
import type {
  ClaimedSchedule,
  ClaimJobsOptions,
  JobError,
  JobFilter,
  JobIfExists,
  JobOutcome,
  JobRecord,
  LeaseRenewal,
  PurgeFilter,
  ScheduleFilter,
  ScheduleRecord,
  ScheduleRelease,
  Store,
} from "./store.ts";
import {
  canRerun,
  DEFAULT_STARVATION_MS,
  dependencyExpiresAt,
  droppedOnArrival,
  evaluateDependencies,
  isExpired,
  isFinal,
  jobReadyAt as readyAt,
  listJobsOf,
  listSchedulesOf,
  matchesJob,
  matchesPurge,
  MAX_INSERT_JOBS,
  NO_ITEMS,
  replacedJob,
  rerunRecord,
  scheduleDueAt,
  scheduleExists,
} from "./semantics.ts";

interface Slot {
  rec: ScheduleRecord;
  leaseOwner: string | null;
  leaseUntil: number;
}

/** Options for `new MemoryStore()`. */
export interface MemoryStoreOptions {
  /**
   * Most finished jobs (succeeded, failed, cancelled) kept in memory. Past it the job that
   * finished longest ago is dropped, whatever its remaining `resultTtl` or `failedTtl`: it then
   * reads as an expired job does (`getJob` gives `null`, `job.result()` rejects with
   * `ResultExpiredError`, `retryJob` throws `NotFoundError`, counts leave it out). A finished job
   * that a waiting job still lists in `after` is kept until that job stops waiting. Pending,
   * waiting and running jobs are never dropped. `Infinity` keeps every finished job for its
   * retention; `0` keeps none past the moment it finishes.
   * @default 10000
   */
  maxFinishedJobs?: number;
}

/** Most expiry-heap entries looked at in one step of `cleanup` before it yields. */
export const MEMORY_CLEANUP_CHUNK = 10_000;
/** Most pinned jobs (listed by a waiting job) one trim steps over before it gives up. */
const MAX_PINNED_SKIPS = 16;

/**
 * A Store kept in memory.
 *
 * @example
 * ```ts
 * import { MemoryStore, Scheduler } from "@everywhen/everywhen";
 * const scheduler = new Scheduler({ store: new MemoryStore() });
 * // Keep more finished jobs (and their results) than the default 10,000:
 * const roomy = new MemoryStore({ maxFinishedJobs: 100_000 });
 * ```
 */
export class MemoryStore implements Store {
  /** Always `"memory"`. */
  readonly name: string = "memory";
  /** Always `false`: only this process sees the data. */
  readonly shared: boolean = false;
  #schedules = new Map<string, Slot>();
  #scheduleHeap = new MinHeap();
  #jobs = new Map<string, JobRecord>();
  /** Lease ends of running jobs: a job whose lease ends unrenewed is claimable again. */
  #leaseHeap = new MinHeap();
  /** Pending jobs, and running ones whose lease ended, in claim order. */
  #claims = new ClaimQueue();
  #expiryHeap = new MinHeap();
  #active = new Map<string, number>();
  #runningByKey = new Map<string, number>();
  #meta = new Map<string, string>();
  #seq = 0;
  /** Waiting jobs by the id of a job they wait for (entries are re-checked before use). */
  #dependants = new Map<string, Set<string>>();
  #rates = new RateLog();
  /** Ids of the finished jobs kept, in the order they finished (oldest first). */
  #finished = new Set<string>();
  /** Walks `#finished` from its oldest entry; a fresh iterator would step over every hole. */
  #oldest: Iterator<string> = this.#finished.values();
  #maxFinished: number;

  /**
   * Creates an empty store.
   * @param options `maxFinishedJobs`; an unknown key is refused, so a typo is not ignored.
   * @throws {TypeError} For an options object with unknown keys or a non-number bound.
   * @throws {RangeError} For a bound that is not a non-negative integer or `Infinity`.
   */
  constructor(options?: MemoryStoreOptions) {
    const o = checkKeys(options, ["maxFinishedJobs"], "MemoryStore options");
    this.#maxFinished = checkInt(
      o.maxFinishedJobs ?? DEFAULT_MAX_FINISHED_JOBS,
      "maxFinishedJobs",
      0,
      true,
    );
  }

  putSchedule(
    record: ScheduleRecord,
    ifExists: "replace" | "keep" | "error",
  ): Promise<"inserted" | "replaced" | "kept"> {
    const existing = this.#schedules.has(record.id);
    if (existing && ifExists === "error") {
      return Promise.reject(scheduleExists(record.id));
    }
    if (existing && ifExists === "keep") return Promise.resolve("kept");
    this.#setSchedule({ rec: { ...record }, leaseOwner: null, leaseUntil: 0 });
    return Promise.resolve(existing ? "replaced" : "inserted");
  }

  getSchedule(id: string): Promise<ScheduleRecord | null> {
    const slot = this.#schedules.get(id);
    return Promise.resolve(slot ? { ...slot.rec } : null);
  }

  listSchedules(filter: ScheduleFilter = {}): Promise<ScheduleRecord[]> {
    const page = listSchedulesOf(Array.from(this.#schedules.values(), (slot) => slot.rec), filter);
    return Promise.resolve(page.map((rec) => ({ ...rec })));
  }

  updateSchedule(record: ScheduleRecord): Promise<ScheduleRecord | null> {
    if (!this.#schedules.has(record.id)) return Promise.resolve(null);
    this.#setSchedule({ rec: { ...record }, leaseOwner: null, leaseUntil: 0 });
    return Promise.resolve({ ...record });
  }

  removeSchedule(id: string): Promise<boolean> {
    return Promise.resolve(this.#schedules.delete(id));
  }

  claimDueSchedules(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ClaimedSchedule[]> {
    const out: ClaimedSchedule[] = [];
    const heap = this.#scheduleHeap;
    while (out.length < limit) {
      const top = heap.peek();
      if (!top || top[0] > now) break;
      heap.pop();
      const slot = this.#schedules.get(top[1]);
      if (!slot || dueAt(slot) !== top[0]) continue;
      slot.leaseOwner = owner;
      slot.leaseUntil = now + leaseMs;
      heap.push(slot.leaseUntil, slot.rec.id);
      out.push({ record: { ...slot.rec }, activeJobs: this.#active.get(slot.rec.id) ?? 0 });
    }
    return Promise.resolve(out);
  }

  releaseSchedule(id: string, owner: string, release: ScheduleRelease): Promise<string[] | null> {
    const slot = this.#schedules.get(id);
    if (!slot || slot.leaseOwner !== owner) return Promise.resolve(null);
    const inserted: string[] = [];
    for (const job of release.jobs) {
      if (this.#insert(job, "keep") === "inserted") inserted.push(job.id);
    }
    // The slot's record is never handed out (reads and claims get copies): update it in place.
    slot.rec.nextRunAt = release.nextRunAt;
    slot.rec.lastRunAt = release.lastRunAt;
    slot.leaseOwner = null;
    slot.leaseUntil = 0;
    this.#pushSchedule(slot);
    return Promise.resolve(inserted);
  }

  insertJob(
    job: JobRecord,
    ifExists: JobIfExists = "keep",
  ): Promise<"inserted" | "replaced" | "kept"> {
    return Promise.resolve(this.#insert(job, ifExists));
  }

  insertJobs(jobs: readonly JobRecord[]): Promise<string[]> {
    if (jobs.length > MAX_INSERT_JOBS) {
      return Promise.reject(
        new RangeError(`Too many jobs in one batch: ${jobs.length} (at most ${MAX_INSERT_JOBS})`),
      );
    }
    const inserted: string[] = [];
    for (const job of jobs) if (this.#insert(job, "keep") === "inserted") inserted.push(job.id);
    return Promise.resolve(inserted);
  }

  getJob(id: string): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    return Promise.resolve(job ? copyJob(job) : null);
  }

  listJobs(filter: JobFilter = {}): Promise<JobRecord[]> {
    return Promise.resolve(listJobsOf(this.#jobs.values(), filter).map(copyJob));
  }

  countJobs(filter: JobFilter = {}): Promise<number> {
    let n = 0;
    for (const job of this.#jobs.values()) if (matchesJob(job, filter)) n++;
    return Promise.resolve(n);
  }

  claimJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    options: ClaimJobsOptions,
  ): Promise<JobRecord[]> {
    const tasks = new Set(options.tasks);
    const starvationMs = options.starvationMs ?? DEFAULT_STARVATION_MS;
    const heap = this.#leaseHeap;
    const queue = this.#claims;
    // Running jobs whose lease ended unrenewed (a crashed runner) join the pending ones.
    for (let top = heap.peek(); top && top[0] <= now; top = heap.peek()) {
      heap.pop();
      const job = this.#jobs.get(top[1]);
      if (job && job.status === "running" && job.leaseUntil === top[0]) this.#queue(job, top[0]);
    }
    const out: JobRecord[] = [];
    const skipped: JobRecord[] = [];
    while (out.length < limit) {
      const entry = queue.take(now, starvationMs);
      if (!entry) break;
      const job = this.#jobs.get(entry.id);
      if (!job || readyAt(job) !== entry.readyAt) continue;
      const wasRunning = job.status === "running";
      if (!tasks.has(job.task) || (!wasRunning && this.#atLimit(job))) {
        skipped.push(job);
        continue;
      }
      if (!wasRunning && this.#rateDelayed(job, now)) continue;
      if (!wasRunning && job.concurrencyKey !== null) this.#bump(job.concurrencyKey, 1);
      this.#recordStart(job, now);
      job.status = "running";
      job.attempts++;
      job.startedAt = now;
      job.leaseOwner = owner;
      job.leaseUntil = now + leaseMs;
      heap.push(job.leaseUntil, job.id, job.seq);
      out.push(copyJob(job));
    }
    for (const job of skipped) this.#queue(job, readyAt(job)!);
    return Promise.resolve(out);
  }

  renewJobs(ids: readonly string[], owner: string, leaseUntil: number): Promise<LeaseRenewal> {
    const renewal: LeaseRenewal = { lost: [], cancelRequested: [] };
    for (const id of ids) {
      const job = this.#jobs.get(id);
      if (!job || job.status !== "running" || job.leaseOwner !== owner) {
        renewal.lost.push(id);
        continue;
      }
      job.leaseUntil = leaseUntil;
      this.#leaseHeap.push(leaseUntil, id, job.seq);
      if (job.cancelRequested) renewal.cancelRequested.push(id);
    }
    return Promise.resolve(renewal);
  }

  finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean> {
    const job = this.#held(id, owner);
    if (!job) return Promise.resolve(false);
    this.#leaveRunning(job);
    job.status = outcome.status;
    job.result = outcome.result;
    job.error = outcome.error;
    job.finishedAt = outcome.finishedAt;
    job.expiresAt = outcome.expiresAt;
    job.leaseOwner = null;
    job.leaseUntil = null;
    this.#settle(job, outcome.finishedAt);
    return Promise.resolve(true);
  }

  retryJob(id: string, owner: string, runAt: number, error: JobError): Promise<boolean> {
    const job = this.#held(id, owner);
    if (!job) return Promise.resolve(false);
    this.#leaveRunning(job);
    job.status = "pending";
    job.runAt = runAt;
    job.error = error;
    job.leaseOwner = null;
    job.leaseUntil = null;
    this.#queue(job, runAt);
    return Promise.resolve(true);
  }

  setProgress(id: string, owner: string, progress: string): Promise<boolean> {
    const job = this.#held(id, owner);
    if (job) job.progress = progress;
    return Promise.resolve(job !== undefined);
  }

  cancelJob(id: string, now: number, expiresAt: number | null): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    if (!job) return Promise.resolve(null);
    if (job.status === "pending" || job.status === "waiting") {
      job.status = "cancelled";
      job.finishedAt = now;
      job.expiresAt = expiresAt;
      this.#settle(job, now);
    } else if (job.status === "running") {
      job.cancelRequested = true;
    }
    return Promise.resolve(copyJob(job));
  }

  rerunJob(id: string, now: number): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    if (!job) return Promise.resolve(null);
    if (!canRerun(job.status)) return Promise.resolve(copyJob(job));
    const next = rerunRecord(job, now);
    this.#jobs.set(id, next);
    this.#finished.delete(id);
    if (next.scheduleId !== null) {
      this.#active.set(next.scheduleId, (this.#active.get(next.scheduleId) ?? 0) + 1);
    }
    this.#queue(next, next.runAt);
    return Promise.resolve(copyJob(next));
  }

  purgeJobs(filter: PurgeFilter, limit: number): Promise<number> {
    let removed = 0;
    for (const job of this.#jobs.values()) {
      if (removed >= limit) break;
      if (!matchesPurge(job, filter)) continue;
      this.#drop(job.id);
      removed++;
    }
    return Promise.resolve(removed);
  }

  nextWakeup(): Promise<number | null> {
    const s = this.#cleanTop(this.#scheduleHeap, (id, t) => {
      const slot = this.#schedules.get(id);
      return slot !== undefined && dueAt(slot) === t;
    });
    const j = this.#cleanTop(this.#leaseHeap, (id, t) => {
      const job = this.#jobs.get(id);
      return job !== undefined && job.status === "running" && job.leaseUntil === t;
    });
    const r = this.#claims.earliest((entry) => {
      const job = this.#jobs.get(entry.id);
      return job !== undefined && readyAt(job) === entry.readyAt;
    });
    const times = [s, j, r].filter((t): t is number => t !== null);
    return Promise.resolve(times.length === 0 ? null : Math.min(...times));
  }

  /**
   * Removes expired jobs, looking at {@linkcode MEMORY_CLEANUP_CHUNK} entries at a time and
   * yielding to the event loop between chunks, so a large expiry never holds the thread.
   */
  async cleanup(now: number): Promise<number> {
    let removed = 0;
    let looked = 0;
    // Re-read on every step: a trim may rebuild the heap while this waits for its turn.
    for (let top = this.#expiryHeap.peek(); top && top[0] <= now; top = this.#expiryHeap.peek()) {
      if (++looked % MEMORY_CLEANUP_CHUNK === 0) {
        await nextTurn();
        continue;
      }
      this.#expiryHeap.pop();
      const job = this.#jobs.get(top[1]);
      if (job && job.expiresAt === top[0] && isExpired(job, now)) {
        this.#drop(top[1]);
        removed++;
      }
    }
    this.#rates.prune(now);
    return removed;
  }

  getMeta(key: string): Promise<string | null> {
    return Promise.resolve(this.#meta.get(key) ?? null);
  }

  setMeta(key: string, value: string | null): Promise<void> {
    if (value === null) this.#meta.delete(key);
    else this.#meta.set(key, value);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #setSchedule(slot: Slot): void {
    this.#schedules.set(slot.rec.id, slot);
    this.#pushSchedule(slot);
  }

  #pushSchedule(slot: Slot): void {
    const t = dueAt(slot);
    if (t !== null) this.#scheduleHeap.push(t, slot.rec.id);
  }

  #insert(job: JobRecord, ifExists: JobIfExists): "inserted" | "replaced" | "kept" {
    const stored = this.#jobs.get(job.id);
    if (stored) {
      if (ifExists === "keep" || (stored.status !== "pending" && stored.status !== "waiting")) {
        return "kept";
      }
      const next = replacedJob(stored, copyJob(job));
      this.#jobs.set(next.id, next);
      // A waiting job stays waiting (its dependencies are kept); a pending one is due anew.
      if (next.status === "pending") this.#queue(next, next.runAt);
      return "replaced";
    }
    const copy = copyJob(job);
    copy.seq = ++this.#seq;
    this.#jobs.set(copy.id, copy);
    if (copy.status === "waiting" || (copy.status === "pending" && copy.after.length > 0)) {
      this.#applyDependencies(copy, copy.createdAt);
    } else if (copy.status === "pending" || copy.status === "running") {
      this.#enter(copy);
    } else {
      this.#expire(copy);
      this.#trim();
    }
    return "inserted";
  }

  /** Bookkeeping for a job that became pending or running. */
  #enter(job: JobRecord): void {
    if (job.scheduleId !== null) {
      this.#active.set(job.scheduleId, (this.#active.get(job.scheduleId) ?? 0) + 1);
    }
    if (job.status === "pending") this.#queue(job, job.runAt);
    else if (job.status === "running") {
      if (job.concurrencyKey !== null) this.#bump(job.concurrencyKey, 1);
      if (job.leaseUntil !== null) this.#leaseHeap.push(job.leaseUntil, job.id, job.seq);
    }
  }

  /** Queues a job for claims from `readyAt` on, replacing its earlier place in the queue. */
  #queue(job: JobRecord, readyAt: number): void {
    this.#claims.add({
      id: job.id,
      priority: job.priority,
      runAt: job.runAt,
      seq: job.seq,
      readyAt,
      stamp: 0,
    });
  }

  /**
   * Decides a new or replaced job's status from its dependencies (`now` is its creation time):
   * waiting, pending, or cancelled naming the cause.
   */
  #applyDependencies(job: JobRecord, now: number): void {
    const verdict = evaluateDependencies(job.after, (id) => this.#jobs.get(id)?.status ?? null);
    job.status = verdict.status;
    if (verdict.status === "waiting") {
      for (const dep of job.after) {
        let set = this.#dependants.get(dep);
        if (!set) this.#dependants.set(dep, set = new Set());
        set.add(job.id);
      }
    } else if (verdict.status === "cancelled") {
      this.#cancelByDependency(job, verdict.error, now);
    } else {
      this.#enter(job);
    }
  }

  #cancelByDependency(job: JobRecord, error: JobError, now: number): void {
    job.status = "cancelled";
    job.error = error;
    job.finishedAt = now;
    job.expiresAt = dependencyExpiresAt(job, now);
    this.#settle(job, now);
  }

  /**
   * Re-evaluates the waiting jobs that list `id`, which just became final (cascading). Those
   * still waiting for other jobs stay listed: `id` is read again when those end, so it must not
   * be dropped to make room (see `#pinned`).
   */
  #releaseDependants(id: string, now: number): void {
    const set = this.#dependants.get(id);
    if (!set) return;
    for (const depId of set) {
      const job = this.#jobs.get(depId);
      if (!job || job.status !== "waiting" || !job.after.includes(id)) {
        set.delete(depId);
        continue;
      }
      const verdict = evaluateDependencies(job.after, (d) => this.#jobs.get(d)?.status ?? null);
      if (verdict.status === "waiting") continue;
      set.delete(depId);
      if (verdict.status === "pending") {
        job.status = "pending";
        job.runAt = Math.max(job.runAt, now);
        this.#enter(job);
      } else if (verdict.status === "cancelled") {
        this.#cancelByDependency(job, verdict.error, now);
      }
    }
    if (set.size === 0) this.#dependants.delete(id);
  }

  /** Whether a rate limit holds `job` back; if so its `runAt` moves to the next allowed start. */
  #rateDelayed(job: JobRecord, now: number): boolean {
    if (job.rateKey === null || job.rateLimit === null || job.ratePeriod === null) return false;
    const until = this.#rates.delayedUntil(job.rateKey, job.rateLimit, job.ratePeriod, now);
    if (until === null) return false;
    job.runAt = until;
    this.#queue(job, until);
    return true;
  }

  #recordStart(job: JobRecord, now: number): void {
    if (job.rateKey !== null && job.ratePeriod !== null) {
      this.#rates.record(job.rateKey, job.ratePeriod, now);
    }
  }

  #held(id: string, owner: string): JobRecord | undefined {
    const job = this.#jobs.get(id);
    return job && job.status === "running" && job.leaseOwner === owner ? job : undefined;
  }

  #atLimit(job: JobRecord): boolean {
    if (job.concurrencyKey === null || job.concurrencyLimit === null) return false;
    return (this.#runningByKey.get(job.concurrencyKey) ?? 0) >= job.concurrencyLimit;
  }

  #bump(key: string, by: number): void {
    const n = (this.#runningByKey.get(key) ?? 0) + by;
    if (n <= 0) this.#runningByKey.delete(key);
    else this.#runningByKey.set(key, n);
  }

  #leaveRunning(job: JobRecord): void {
    if (job.concurrencyKey !== null) this.#bump(job.concurrencyKey, -1);
  }

  /** Bookkeeping for a job that just reached a final status, and its waiting dependants. */
  #settle(job: JobRecord, now: number): void {
    if (job.scheduleId !== null) {
      const n = (this.#active.get(job.scheduleId) ?? 1) - 1;
      if (n <= 0) this.#active.delete(job.scheduleId);
      else this.#active.set(job.scheduleId, n);
    }
    this.#expire(job);
    if (isFinal(job.status)) this.#releaseDependants(job.id, now);
    // After the dependants read its status: with a bound of 0 the job itself goes.
    this.#trim();
  }

  /**
   * Drops a finished job at once if it is already past retention, else queues its removal and
   * counts it among the finished jobs kept.
   */
  #expire(job: JobRecord): void {
    if (!isFinal(job.status)) return;
    if (droppedOnArrival(job)) return this.#drop(job.id);
    if (job.expiresAt !== null) this.#expiryHeap.push(job.expiresAt, job.id);
    this.#finished.delete(job.id);
    this.#finished.add(job.id);
  }

  /** Removes a job and what refers to it by id. */
  #drop(id: string): void {
    this.#jobs.delete(id);
    this.#finished.delete(id);
    this.#dependants.delete(id);
  }

  /**
   * Drops the finished jobs that finished longest ago while more than `maxFinishedJobs` are
   * kept, stepping over (and moving to the back) the few that a waiting job still lists.
   */
  #trim(): void {
    let skips = 0;
    while (this.#finished.size > this.#maxFinished && skips < MAX_PINNED_SKIPS) {
      let next = this.#oldest.next();
      if (next.done) next = (this.#oldest = this.#finished.values()).next();
      const id = next.value as string;
      if (this.#pinned(id)) {
        skips++;
        this.#finished.delete(id);
        this.#finished.add(id);
      } else this.#drop(id);
    }
    // Entries of dropped jobs stay in the expiry heap until their time; rebuild it when they
    // outnumber the live ones, so memory follows the bound rather than the retention.
    const heap = this.#expiryHeap;
    if (heap.size > 2 * this.#finished.size + 1024) {
      const rebuilt = new MinHeap();
      for (const id of this.#finished) {
        const at = this.#jobs.get(id)?.expiresAt;
        if (at !== null && at !== undefined) rebuilt.push(at, id);
      }
      this.#expiryHeap = rebuilt;
    }
  }

  /** Whether a waiting job still lists finished job `id` (it will read its status again). */
  #pinned(id: string): boolean {
    const set = this.#dependants.get(id);
    if (!set) return false;
    for (const depId of set) {
      const job = this.#jobs.get(depId);
      if (job?.status === "waiting" && job.after.includes(id)) return true;
      set.delete(depId);
    }
    this.#dependants.delete(id);
    return false;
  }

  #cleanTop(heap: MinHeap, valid: (id: string, time: number) => boolean): number | null {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (valid(top[1], top[0])) return top[0];
      heap.pop();
    }
    return null;
  }
}

/** A copy that shares nothing mutable with the stored record. */
function copyJob(job: JobRecord): JobRecord {
  // Most jobs have empty lists: those share the frozen one. `slice()`, not spread: no iterator.
  return {
    ...job,
    after: job.after.length === 0 ? NO_ITEMS : job.after.slice(),
    history: job.history.length === 0 ? NO_ITEMS : job.history.slice(),
  };
}

function dueAt(slot: Slot): number | null {
  return scheduleDueAt(slot.rec, slot.leaseOwner, slot.leaseUntil);
}
