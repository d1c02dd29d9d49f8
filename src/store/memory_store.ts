/**
 * `MemoryStore`: the in-process store. Nothing survives the process; use it for tests, for
 * single-process apps that rebuild their schedules on boot, and as the reference
 * implementation of the Store port.
 *
 * Due times live in min-heaps with lazy deletion, so the scheduler's wake-up query and claims
 * cost O(log n) however many idle schedules there are.
 * @module
 */

import { MinHeap } from "./_heap.ts";
import { checkKeys } from "../_keys.ts";
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
} from "./store.ts";
import {
  droppedOnArrival,
  isExpired,
  jobReadyAt as readyAt,
  listJobsOf,
  listSchedulesOf,
  matchesJob,
  scheduleDueAt,
  scheduleExists,
} from "./semantics.ts";

interface Slot {
  rec: ScheduleRecord;
  leaseOwner: string | null;
  leaseUntil: number;
}

/**
 * A Store kept in memory.
 *
 * @example
 * ```ts
 * import { MemoryStore, Scheduler } from "@everywhen/everywhen";
 * const scheduler = new Scheduler({ store: new MemoryStore() });
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
  #jobHeap = new MinHeap();
  #expiryHeap = new MinHeap();
  #active = new Map<string, number>();
  #runningByKey = new Map<string, number>();
  #meta = new Map<string, string>();

  /**
   * Creates an empty store.
   * @param options None yet; an object with any key is refused, so a typo is not ignored.
   */
  constructor(options?: Record<string, never>) {
    checkKeys(options, [], "MemoryStore options");
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
    for (const job of release.jobs) if (this.#insert(job)) inserted.push(job.id);
    slot.rec = { ...slot.rec, nextRunAt: release.nextRunAt, lastRunAt: release.lastRunAt };
    slot.leaseOwner = null;
    slot.leaseUntil = 0;
    this.#pushSchedule(slot);
    return Promise.resolve(inserted);
  }

  insertJob(job: JobRecord): Promise<boolean> {
    return Promise.resolve(this.#insert(job));
  }

  getJob(id: string): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    return Promise.resolve(job ? { ...job } : null);
  }

  listJobs(filter: JobFilter = {}): Promise<JobRecord[]> {
    return Promise.resolve(listJobsOf(this.#jobs.values(), filter).map((job) => ({ ...job })));
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
    const out: JobRecord[] = [];
    const skipped: [number, string][] = [];
    const heap = this.#jobHeap;
    while (out.length < limit) {
      const top = heap.peek();
      if (!top || top[0] > now) break;
      heap.pop();
      const job = this.#jobs.get(top[1]);
      if (!job || readyAt(job) !== top[0]) continue;
      const wasRunning = job.status === "running";
      if (!tasks.has(job.task) || (!wasRunning && this.#atLimit(job))) {
        skipped.push(top);
        continue;
      }
      if (!wasRunning && job.concurrencyKey !== null) this.#bump(job.concurrencyKey, 1);
      job.status = "running";
      job.attempts++;
      job.startedAt = now;
      job.leaseOwner = owner;
      job.leaseUntil = now + leaseMs;
      heap.push(job.leaseUntil, job.id);
      out.push({ ...job });
    }
    for (const [time, id] of skipped) heap.push(time, id);
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
      this.#jobHeap.push(leaseUntil, id);
      if (job.cancelRequested) renewal.cancelRequested.push(id);
    }
    return Promise.resolve(renewal);
  }

  finishJob(id: string, owner: string, outcome: JobOutcome): Promise<boolean> {
    const job = this.#held(id, owner);
    if (!job) return Promise.resolve(false);
    this.#leaveRunning(job);
    Object.assign(job, outcome, { leaseOwner: null, leaseUntil: null, progress: job.progress });
    this.#settle(job);
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
    this.#jobHeap.push(runAt, id);
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
    if (job.status === "pending") {
      job.status = "cancelled";
      job.finishedAt = now;
      job.expiresAt = expiresAt;
      this.#settle(job);
    } else if (job.status === "running") {
      job.cancelRequested = true;
    }
    return Promise.resolve({ ...job });
  }

  nextWakeup(): Promise<number | null> {
    const s = this.#cleanTop(this.#scheduleHeap, (id, t) => {
      const slot = this.#schedules.get(id);
      return slot !== undefined && dueAt(slot) === t;
    });
    const j = this.#cleanTop(this.#jobHeap, (id, t) => {
      const job = this.#jobs.get(id);
      return job !== undefined && readyAt(job) === t;
    });
    if (s === null) return Promise.resolve(j);
    return Promise.resolve(j === null ? s : Math.min(s, j));
  }

  cleanup(now: number): Promise<number> {
    let removed = 0;
    const heap = this.#expiryHeap;
    for (let top = heap.peek(); top && top[0] <= now; top = heap.peek()) {
      heap.pop();
      const job = this.#jobs.get(top[1]);
      if (job && job.expiresAt === top[0] && isExpired(job, now)) {
        this.#jobs.delete(top[1]);
        removed++;
      }
    }
    return Promise.resolve(removed);
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

  #insert(job: JobRecord): boolean {
    if (this.#jobs.has(job.id)) return false;
    const copy = { ...job };
    this.#jobs.set(job.id, copy);
    if (copy.status === "pending" || copy.status === "running") {
      if (copy.scheduleId !== null) {
        this.#active.set(copy.scheduleId, (this.#active.get(copy.scheduleId) ?? 0) + 1);
      }
      if (copy.status === "running" && copy.concurrencyKey !== null) {
        this.#bump(copy.concurrencyKey, 1);
      }
      const t = readyAt(copy);
      if (t !== null) this.#jobHeap.push(t, copy.id);
    } else {
      this.#expire(copy);
    }
    return true;
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

  /** Bookkeeping for a job that just reached a final status. */
  #settle(job: JobRecord): void {
    if (job.scheduleId !== null) {
      const n = (this.#active.get(job.scheduleId) ?? 1) - 1;
      if (n <= 0) this.#active.delete(job.scheduleId);
      else this.#active.set(job.scheduleId, n);
    }
    this.#expire(job);
  }

  /** Drops a finished job at once if it is already past retention, else queues its removal. */
  #expire(job: JobRecord): void {
    if (job.expiresAt === null) return;
    if (droppedOnArrival(job)) this.#jobs.delete(job.id);
    else this.#expiryHeap.push(job.expiresAt, job.id);
  }

  #cleanTop(heap: MinHeap, valid: (id: string, time: number) => boolean): number | null {
    for (let top = heap.peek(); top; top = heap.peek()) {
      if (valid(top[1], top[0])) return top[0];
      heap.pop();
    }
    return null;
  }
}

function dueAt(slot: Slot): number | null {
  return scheduleDueAt(slot.rec, slot.leaseOwner, slot.leaseUntil);
}
