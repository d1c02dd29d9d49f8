/**
 * Job operations behind the facade: enqueue, `runNow`, read, list, count, cancel and handles.
 * Records come from the one job-record module; every instant is checked before the store is
 * touched, and `job:created` is told only after the insert succeeded.
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Codec } from "../codec.ts";
import { JobCancelledError, NotFoundError, QueueFullError } from "../errors.ts";
import type { JsonValue } from "../json.ts";
import { checkKeys } from "../_keys.ts";
import { checkId, describe, durationOr } from "../_options.ts";
import type { JobRecord, JobStatus, ScheduleRecord, Store } from "../store/store.ts";
import { canRerun, FINAL_STATUSES, isFinal, isJobStatus, PURGE_CHUNK } from "../store/semantics.ts";
import { instantFromMs } from "../time.ts";
import type {
  EnqueueOptions,
  JobHandle,
  JobInfo,
  ListJobsOptions,
  PurgeJobsOptions,
} from "../types.ts";
import { attemptsOf, jobRecord, runNowJobId, scheduleControls } from "../engine/_job_record.ts";
import type { ResultWaiters } from "../engine/_results.ts";
import type { RunningJob } from "../engine/_running.ts";
import type { EventSink } from "../engine/_sink.ts";
import type { TaskEntry } from "../engine/_tasks.ts";
import { checkPage } from "./_checks.ts";
import { checkEnqueueOptions, enqueuedJob } from "./_enqueue.ts";
import { toJobInfo } from "./_info.ts";

const FILTER_KEYS = ["status", "task", "scheduleId"] as const;

/** What job operations need. */
export interface JobDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly codec: Codec;
  readonly events: EventSink;
  readonly results: ResultWaiters;
  /** Jobs running in this process (cancelled by aborting them). */
  readonly running: ReadonlyMap<string, RunningJob>;
  readonly maxPending: number;
  /** The retention of a job's task in this process, or the default. */
  resultTtlOf(task: string): number;
  /** The failed/cancelled retention of a job's task in this process, or the default. */
  failedTtlOf(task: string): number;
  /** The task as registered in this process, if it is. */
  taskOf(task: string): TaskEntry | undefined;
  /** Whether the scheduler has stopped (a pending job will not run here). */
  stopped(): boolean;
  /** Tells the engine that something changed. */
  kick(): void;
}

/** The job operations of one scheduler. */
export class Jobs {
  #d: JobDeps;

  /** @param deps Store, clock, codec, event sink, result waiters and engine views. */
  constructor(deps: JobDeps) {
    this.#d = deps;
  }

  /** @returns The handle of a new job of `task` (checked by the caller). */
  async enqueue<R>(
    task: string,
    payload: JsonValue,
    options: EnqueueOptions | undefined,
  ): Promise<JobHandle<R>> {
    const { store, clock, codec, maxPending } = this.#d;
    const now = clock.now();
    const spec = checkEnqueueOptions(options, now);
    if (maxPending !== Infinity) {
      const pending = await store.countJobs({ status: "pending" });
      if (pending >= maxPending) {
        throw new QueueFullError(
          `Cannot enqueue: ${pending} jobs are pending (maxPending is ${maxPending})`,
        );
      }
    }
    const job = await enqueuedJob(task, payload, spec, now, codec, this.#d.taskOf(task));
    await this.#insert(job, spec.ifExists);
    return this.handle<R>(spec.id);
  }

  /**
   * Enqueues many jobs in one store step: all are validated first (the first bad item rejects
   * the batch, its index in the message), then one `insertJobs`.
   * @param items Each item's task name (already resolved by `taskName`), payload and options.
   * @returns A handle per item, in order (an existing id gives the existing job's handle).
   */
  async enqueueMany(
    items: ReadonlyArray<{ task: string; payload: JsonValue; options: EnqueueOptions | undefined }>,
  ): Promise<JobHandle[]> {
    const { store, clock, codec, maxPending } = this.#d;
    const now = clock.now();
    const jobs: JobRecord[] = [];
    for (const [index, item] of items.entries()) {
      try {
        if (item.options?.ifExists === "replace" || item.options?.debounce !== undefined) {
          throw new TypeError(
            'ifExists "replace" and debounce are not allowed in a batch: enqueue that job alone',
          );
        }
        const spec = checkEnqueueOptions(item.options, now);
        jobs.push(
          await enqueuedJob(item.task, item.payload, spec, now, codec, this.#d.taskOf(item.task)),
        );
      } catch (error) {
        throw itemError(index, error);
      }
    }
    if (maxPending !== Infinity) {
      const pending = await store.countJobs({ status: "pending" });
      if (pending + jobs.length > maxPending) {
        throw new QueueFullError(
          `Cannot enqueue ${jobs.length} jobs: ${pending} are pending (maxPending is ${maxPending})`,
        );
      }
    }
    const inserted = new Set(jobs.length === 0 ? [] : await store.insertJobs(jobs));
    for (const job of jobs) {
      if (!inserted.has(job.id)) continue;
      this.#d.events.emit("job:created", () => ({
        jobId: job.id,
        task: job.task,
        scheduleId: null,
        runAt: instantFromMs(job.runAt),
      }));
    }
    if (inserted.size > 0) this.#d.kick();
    return jobs.map((job) => this.handle(job.id));
  }

  /** @returns The handle of an extra job of schedule `s`, due now. */
  async runNow(s: ScheduleRecord): Promise<JobHandle> {
    const now = this.#d.clock.now();
    const entry = this.#d.taskOf(s.task);
    const job = jobRecord({
      id: runNowJobId(s.id, now),
      task: s.task,
      scheduleId: s.id,
      scheduledAt: now,
      payload: s.payload,
      resultTtl: s.resultTtl,
      priority: s.priority,
      maxAttempts: attemptsOf(entry),
      createdAt: now,
      // Not held back by the schedule's own queue (`runNow` runs now), but by its task's limits.
      ...scheduleControls(s, entry, false),
    });
    await this.#insert(job);
    return this.handle(job.id);
  }

  /** @returns The job, or `null` if unknown or cleaned up. */
  async get<R>(id: string): Promise<JobInfo<R> | null> {
    const job = await this.#d.store.getJob(checkId(id));
    return job ? toJobInfo(job, this.#d.codec) as Promise<JobInfo<R>> : null;
  }

  /** @returns A page of matching jobs, newest first. */
  async list(options: ListJobsOptions | undefined): Promise<JobInfo[]> {
    const o = checkKeys(options, [...FILTER_KEYS, "limit", "offset"], "listJobs options");
    const jobs = await this.#d.store.listJobs({ ...jobFilter(o), ...checkPage(o.limit, o.offset) });
    return Promise.all(jobs.map((j) => toJobInfo(j, this.#d.codec)));
  }

  /** @returns How many jobs match. */
  async count(filter: Omit<ListJobsOptions, "limit" | "offset"> | undefined): Promise<number> {
    const o = checkKeys(filter, FILTER_KEYS, "countJobs filter");
    return await this.#d.store.countJobs(jobFilter(o));
  }

  /**
   * Cancels a job.
   * @returns `true` if it was pending or running, `false` if it had already finished.
   */
  async cancel(id: string): Promise<boolean> {
    checkId(id);
    const { store, clock, events, results } = this.#d;
    const running = this.#d.running.get(id);
    if (running) {
      running.abort(new JobCancelledError(id));
      return true;
    }
    const now = clock.now();
    const before = await store.getJob(id);
    if (!before) throw new NotFoundError("job", id);
    if (isFinal(before.status)) return false;
    const ttl = this.#d.failedTtlOf(before.task);
    const after = await store.cancelJob(id, now, now + ttl);
    if (after === null) throw new NotFoundError("job", id);
    if (after.status === "cancelled") {
      events.emit("job:cancelled", () => ({
        jobId: id,
        task: after.task,
        scheduleId: after.scheduleId,
      }));
      results.settle(id, { ok: false, error: new JobCancelledError(id) });
      // Jobs waiting for this one were cancelled with it: tell whoever awaits them.
      if (results.size > 0) await results.poll((job) => this.#d.running.has(job));
    }
    return true;
  }

  /** @returns A handle on job `id` (it need not exist yet). */
  handle<R>(id: string): JobHandle<R> {
    return {
      id,
      result: async (options) => {
        const o = checkKeys(options, ["signal"], "result options");
        const { results, clock } = this.#d;
        return await results.wait(id, clock.now(), this.#d.stopped(), o.signal) as R;
      },
      info: () => this.get<R>(id),
      cancel: () => this.cancel(id),
    };
  }

  /**
   * Re-queues a failed or cancelled job (attempts restart, its error kept in `history`).
   * @returns `true` if it was re-queued, `false` if it was in another status.
   */
  async retry(id: string): Promise<boolean> {
    checkId(id);
    const { store, clock } = this.#d;
    const before = await store.getJob(id);
    if (!before) throw new NotFoundError("job", id);
    const after = await store.rerunJob(id, clock.now());
    if (after === null) throw new NotFoundError("job", id);
    const rerun = canRerun(before.status) && after.status === "pending";
    if (rerun) this.#d.kick();
    return rerun;
  }

  /** @returns How many finished jobs were deleted, in chunks, yielding between them. */
  async purge(options: PurgeJobsOptions | undefined): Promise<number> {
    const o = checkKeys(options, ["status", "task", "olderThan"], "purgeJobs options");
    const statuses = o.status === undefined
      ? [...FINAL_STATUSES]
      : Array.isArray(o.status)
      ? o.status
      : [o.status];
    for (const s of statuses) {
      if (!isJobStatus(s) || !isFinal(s)) {
        throw new RangeError(
          `Invalid status: ${describe(s)} (expected one or more of ${FINAL_STATUSES.join(", ")})`,
        );
      }
    }
    const olderThan = durationOr(o.olderThan, "olderThan", null);
    const filter = {
      status: statuses,
      ...(o.task === undefined ? {} : { task: checkId(o.task, "task") }),
      ...(olderThan === null ? {} : { finishedBefore: this.#d.clock.now() - olderThan }),
    };
    let total = 0;
    for (;;) {
      const n = await this.#d.store.purgeJobs(filter, PURGE_CHUNK);
      total += n;
      if (n < PURGE_CHUNK) return total;
      // Let other work in between chunks: a large purge must not hold the event loop.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  async #insert(job: JobRecord, ifExists: "keep" | "replace" = "keep"): Promise<void> {
    const written = await this.#d.store.insertJob(job, ifExists);
    if (written === "kept") return;
    if (written === "replaced") return this.#d.kick();
    this.#d.events.emit("job:created", () => ({
      jobId: job.id,
      task: job.task,
      scheduleId: job.scheduleId,
      runAt: instantFromMs(job.runAt),
    }));
    this.#d.kick();
  }
}

/** The same kind of error, its message prefixed with the item's index. */
function itemError(index: number, error: unknown): Error {
  const message = `Invalid item ${index}: ${
    error instanceof Error ? error.message : String(error)
  }`;
  if (error instanceof RangeError) return new RangeError(message, { cause: error });
  if (error instanceof SyntaxError) return new SyntaxError(message, { cause: error });
  if (error instanceof TypeError) return new TypeError(message, { cause: error });
  return new Error(message, { cause: error });
}

function jobFilter(
  o: { status?: JobStatus | JobStatus[]; task?: string; scheduleId?: string },
): { status?: JobStatus | JobStatus[]; task?: string; scheduleId?: string } {
  return {
    ...(o.status === undefined ? {} : { status: o.status }),
    ...(o.task === undefined ? {} : { task: checkId(o.task, "task") }),
    ...(o.scheduleId === undefined ? {} : { scheduleId: checkId(o.scheduleId, "scheduleId") }),
  };
}
