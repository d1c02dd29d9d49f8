/**
 * The `Scheduler`: the public API over the engine. It registers tasks, writes schedules and
 * jobs to a Store, and starts and stops the engine that fires and runs them. Every method checks
 * its input before touching the store; events are told only after a write succeeded.
 * @module
 */

import type { Clock } from "../clock.ts";
import type { Codec } from "../codec.ts";
import {
  JobCancelledError,
  NotFoundError,
  QueueFullError,
  SchedulerStoppedError,
  UnknownTaskError,
} from "../errors.ts";
import { assertJson, type JsonValue } from "../json.ts";
import { checkKeys } from "../_keys.ts";
import { checkBoolean, checkEnum, checkId, checkInt, durationOr } from "../_options.ts";
import { DEFAULT_GRACE_MS } from "../_defaults.ts";
import type { JobRecord, JobStatus, ScheduleRecord, Store } from "../store.ts";
import type { Temporal } from "../temporal.ts";
import { type DurationInput, instantFromMs, type InstantInput, toEpochMs } from "../time.ts";
import { triggerFromJSON } from "../triggers/mod.ts";
import type {
  EnqueueOptions,
  JobHandle,
  JobInfo,
  ListJobsOptions,
  ListSchedulesOptions,
  ScheduleInfo,
  ScheduleOptions,
  SchedulePatch,
  TaskHandle,
  TaskHandler,
  TaskOptions,
} from "../types.ts";
import { TimerWaker } from "../waker.ts";
import { Engine, LOCK_KEY, type SchedulerState } from "../engine/_engine.ts";
import { jobRecord, runNowJobId } from "../engine/_job_record.ts";
import { ResultWaiters } from "../engine/_results.ts";
import type { EventSink } from "../engine/_sink.ts";
import type { TaskDefaults, TaskEntry } from "../engine/_tasks.ts";
import { checkNextRunsCount, checkPage } from "./_checks.ts";
import { checkEnqueueOptions, enqueuedJob } from "./_enqueue.ts";
import { scheduleInfo, toJobInfo, toScheduleInfo } from "./_info.ts";
import {
  type BuildContext,
  buildSchedule,
  type BuiltSchedule,
  checkPatch,
  SCHEDULE_KEYS,
} from "./_schedule_record.ts";
import { taskEntry } from "./_task_entry.ts";
import { SchedulerEvents } from "./events.ts";
import { resolveOptions, type RunDueOptions, type SchedulerOptions } from "./options.ts";

export type { SchedulerState } from "../engine/_engine.ts";
export type { RunDueOptions, SchedulerOptions } from "./options.ts";

const JOB_FILTER_KEYS = ["status", "task", "scheduleId"] as const;

/**
 * A job scheduler.
 *
 * @example
 * ```ts
 * import { cron, Scheduler } from "@everywhen/everywhen";
 * const scheduler = new Scheduler({ timezone: "Europe/Berlin" });
 * const report = scheduler.task("report", (p: { to: string }) => `sent to ${p.to}`);
 * await report.schedule({ id: "daily-report", trigger: cron("0 9 * * *"), payload: { to: "ops" } });
 * scheduler.start();
 * ```
 */
export class Scheduler extends SchedulerEvents {
  /** The store this scheduler reads and writes. */
  readonly store: Store;
  /** The clock it runs on. */
  readonly clock: Clock;
  /** This process's lease owner id. */
  readonly identity: string;
  /** Default time zone for triggers. */
  readonly timezone: string;
  #codec: Codec;
  #maxPending: number;
  #runsJobs: boolean;
  #build: Omit<BuildContext, "now">;
  #taskDefaults: TaskDefaults;
  #tasks = new Map<string, TaskEntry>();
  #results: ResultWaiters;
  #engine: Engine;

  /**
   * Creates an idle scheduler: writes (schedule, enqueue) work at once; firing schedules and
   * running jobs begin with `start()`.
   * @param options Store, clock, limits and defaults; unknown keys are refused.
   */
  constructor(options?: SchedulerOptions) {
    super();
    const o = resolveOptions(options);
    this.store = o.store;
    this.clock = o.clock;
    this.timezone = o.timezone;
    this.identity = o.identity;
    this.#codec = o.codec;
    this.#maxPending = o.maxPending;
    this.#runsJobs = o.roles.jobs;
    this.#build = { timezone: o.timezone, codec: o.codec, defaults: o.scheduleDefaults };
    this.#taskDefaults = o.taskDefaults;
    const events: EventSink = {
      emit: (type, detail) => this.emit(type, detail),
      reportError: (error, context) => this.reportError(error, context),
    };
    this.#results = new ResultWaiters(this.store, this.#codec, events.reportError);
    this.#engine = new Engine({
      store: this.store,
      clock: this.clock,
      codec: this.#codec,
      owner: this.identity,
      random: o.random,
      events,
      results: this.#results,
      tasks: this.#tasks,
      concurrency: o.concurrency,
      roles: o.roles,
      pollInterval: o.pollInterval,
      leaseMs: o.leaseMs,
      manual: o.manual,
    });
    const wake = () => this.#engine.kick();
    this.#engine.waker = o.waker
      ? o.waker(wake, this.clock, { runDue: () => this.runDue() })
      : new TimerWaker(this.clock, wake);
  }

  // ---- tasks ------------------------------------------------------------------------------

  /**
   * Registers a named handler. Stores keep only the name, so every process that runs jobs of
   * this task registers it under the same name.
   *
   * @param name Task name.
   * @param handler `(payload, ctx) => result`; payload and result are JSON values.
   * @param options Retries, backoff, timeout, per-process `maxRunning`, result retention.
   * @returns A typed handle with `enqueue` and `schedule`.
   */
  task<P = JsonValue, R = JsonValue>(
    name: string,
    handler: TaskHandler<P, R>,
    options?: TaskOptions,
  ): TaskHandle<P, Awaited<R>> {
    const entry = taskEntry(
      name,
      handler as TaskHandler<never, unknown>,
      options,
      this.#taskDefaults,
      this.clock.now(),
    );
    if (this.#tasks.has(name)) {
      throw new TypeError(`Task already registered: ${JSON.stringify(name)}`);
    }
    this.#tasks.set(name, entry);
    this.#engine.kick();
    return {
      name,
      enqueue: (payload, opts) => this.enqueue<Awaited<R>>(name, payload, opts),
      schedule: (opts) =>
        this.schedule({ ...opts, task: name } as ScheduleOptions<P>) as Promise<ScheduleInfo<P>>,
    };
  }

  /** Names of the tasks registered in this process. */
  get tasks(): string[] {
    return [...this.#tasks.keys()];
  }

  // ---- schedules --------------------------------------------------------------------------

  /**
   * Adds (or, per `ifExists`, replaces or keeps) a schedule.
   * @param options Id, task, trigger, payload and policies; unknown keys are refused.
   * @returns The stored schedule.
   */
  async schedule<P = JsonValue>(options: ScheduleOptions<P>): Promise<ScheduleInfo<P>> {
    this.#assertUsable();
    if (options === undefined) throw new TypeError("Invalid schedule options: expected an object");
    const { ifExists: mode, ...o } = checkKeys(options, SCHEDULE_KEYS, "schedule options");
    const task = this.#taskName(o.task);
    const ifExists = checkEnum(mode ?? "replace", "ifExists", ["replace", "keep", "error"]);
    const id = checkId(o.id);
    const existing = ifExists === "error" ? null : await this.store.getSchedule(id);
    if (existing && ifExists === "keep") return this.#info(existing) as Promise<ScheduleInfo<P>>;
    const built = await buildSchedule({ ...o, task }, existing, this.#context());
    const outcome = await this.store.putSchedule(built.record, ifExists);
    if (outcome === "kept") {
      return this.#info((await this.store.getSchedule(id))!) as Promise<ScheduleInfo<P>>;
    }
    this.emit(outcome === "inserted" ? "schedule:added" : "schedule:updated", () => ({
      scheduleId: id,
    }));
    this.#engine.kick();
    return this.#builtInfo(built) as ScheduleInfo<P>;
  }

  /**
   * Reads a schedule by id.
   * @returns The schedule, or `null` if there is none with this id.
   */
  async getSchedule(id: string): Promise<ScheduleInfo | null> {
    const record = await this.store.getSchedule(checkId(id));
    return record ? this.#info(record) : null;
  }

  /**
   * Lists schedules, optionally only one task's or only paused or unpaused ones, a page at a
   * time (`limit` 100 by default, at most 1000).
   * @returns Schedules ordered by id.
   */
  async listSchedules(options?: ListSchedulesOptions): Promise<ScheduleInfo[]> {
    const o = checkKeys(options, ["task", "paused", "limit", "offset"], "listSchedules options");
    const filter = {
      ...(o.task === undefined ? {} : { task: checkId(o.task, "task") }),
      ...(o.paused === undefined ? {} : { paused: checkBoolean(o.paused, "paused") }),
      ...checkPage(o.limit, o.offset),
    };
    const records = await this.store.listSchedules(filter);
    return Promise.all(records.map((r) => this.#info(r)));
  }

  /**
   * Changes a schedule's trigger, payload or policies. A new trigger recomputes the next run
   * from now.
   * @param patch The changes; unknown keys are refused.
   * @returns The updated schedule.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  async updateSchedule<P = JsonValue>(id: string, patch: SchedulePatch<P>): Promise<ScheduleInfo> {
    this.#assertUsable();
    checkPatch(patch);
    const existing = await this.#mustGetSchedule(id);
    const trigger = patch.trigger ?? triggerFromJSON(existing.trigger);
    const payload = "payload" in patch
      ? patch.payload
      : await this.#codec.decode(existing.payload, `schedule:${id}`);
    const built = await buildSchedule(
      {
        id,
        task: existing.task,
        trigger,
        payload,
        paused: patch.paused ?? existing.paused,
        coalesce: patch.coalesce ?? existing.coalesce,
        misfireGraceTime: "misfireGraceTime" in patch
          ? patch.misfireGraceTime
          : existing.misfireGraceTime,
        maxInstances: patch.maxInstances ?? existing.maxInstances,
        overlap: patch.overlap ?? existing.overlap,
        jitter: patch.jitter ?? existing.jitter,
        ...(patch.resultTtl !== undefined
          ? { resultTtl: patch.resultTtl }
          : existing.resultTtl !== null
          ? { resultTtl: existing.resultTtl }
          : {}),
      },
      existing,
      this.#context(),
      !patch.trigger,
    );
    return this.#write(built.record, "schedule:updated", built);
  }

  /**
   * Replaces a schedule's trigger; the next run is recomputed from now.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  reschedule(id: string, trigger: ScheduleOptions["trigger"]): Promise<ScheduleInfo> {
    return this.updateSchedule(id, { trigger });
  }

  /**
   * Pauses a schedule: it does not fire until resumed, across restarts too.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  async pauseSchedule(id: string): Promise<ScheduleInfo> {
    this.#assertUsable();
    const existing = await this.#mustGetSchedule(id);
    return this.#write({ ...existing, paused: true }, "schedule:paused");
  }

  /**
   * Resumes a paused schedule. Fires that fell due while paused are skipped unless `from`
   * (an instant in the past) is given: then fires after `from` count as overdue and the
   * misfire policy applies to them.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  async resumeSchedule(id: string, options?: { from?: InstantInput }): Promise<ScheduleInfo> {
    this.#assertUsable();
    const o = checkKeys(options, ["from"], "resumeSchedule options");
    const from = o.from === undefined ? undefined : toEpochMs(o.from, "from");
    const existing = await this.#mustGetSchedule(id);
    const trigger = triggerFromJSON(existing.trigger);
    const nextRunAt = trigger.nextMs((from ?? this.clock.now()) - 1);
    return this.#write({ ...existing, paused: false, nextRunAt }, "schedule:resumed");
  }

  /**
   * Removes a schedule. Its existing jobs are kept.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  async removeSchedule(id: string): Promise<void> {
    this.#assertUsable();
    if (!await this.store.removeSchedule(checkId(id))) throw new NotFoundError("schedule", id);
    this.emit("schedule:removed", () => ({ scheduleId: id }));
  }

  /**
   * Creates a job for the schedule now, outside its trigger; the trigger is unaffected.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  async runNow(id: string): Promise<JobHandle> {
    this.#assertUsable();
    const s = await this.#mustGetSchedule(id);
    const now = this.clock.now();
    const job = jobRecord({
      id: runNowJobId(s.id, now),
      task: s.task,
      scheduleId: s.id,
      scheduledAt: now,
      payload: s.payload,
      resultTtl: s.resultTtl,
      createdAt: now,
    });
    await this.#insertJob(job);
    return this.#handle(job.id);
  }

  /**
   * Previews a schedule's upcoming fires without changing it (from now while it is paused).
   * @param count How many instants, 5 if omitted, at most 1000.
   * @returns The schedule's next `count` fire instants (from its next run, or from now).
   * @throws {NotFoundError} When there is no schedule with this id.
   * @throws {RangeError} When `count` is not an integer in 0..1000.
   */
  async nextRuns(id: string, count = 5): Promise<Temporal.Instant[]> {
    checkNextRunsCount(count);
    const s = await this.#mustGetSchedule(id);
    const trigger = triggerFromJSON(s.trigger);
    const start = s.nextRunAt !== null && !s.paused ? s.nextRunAt - 1 : this.clock.now();
    return trigger.nextRuns(count, start);
  }

  // ---- jobs -------------------------------------------------------------------------------

  /**
   * Enqueues a job.
   * @param task Task name or handle.
   * @param payload JSON payload.
   * @param options Delay or run time, id, overrides; unknown keys are refused.
   * @returns A handle whose `result()` waits for the outcome.
   */
  async enqueue<R = JsonValue>(
    task: string | TaskHandle<never, R>,
    payload?: unknown,
    options?: EnqueueOptions,
  ): Promise<JobHandle<R>> {
    this.#assertUsable();
    const name = this.#taskName(task);
    const value = assertJson(payload, "payload");
    const now = this.clock.now();
    const spec = checkEnqueueOptions(options, now);
    if (this.#maxPending !== Infinity) {
      const pending = await this.store.countJobs({ status: "pending" });
      if (pending >= this.#maxPending) {
        throw new QueueFullError(
          `Cannot enqueue: ${pending} jobs are pending (maxPending is ${this.#maxPending})`,
        );
      }
    }
    await this.#insertJob(await enqueuedJob(name, value, spec, now, this.#codec));
    return this.#handle<R>(spec.id);
  }

  /**
   * Reads a job by id.
   * @returns The job, or `null` if unknown or cleaned up.
   */
  async getJob<R = JsonValue>(id: string): Promise<JobInfo<R> | null> {
    const job = await this.store.getJob(checkId(id));
    return job ? toJobInfo(job, this.#codec) as Promise<JobInfo<R>> : null;
  }

  /**
   * Gets a handle on a job by id without reading the store, e.g. to await a job enqueued
   * elsewhere.
   * @returns A handle on a job id (it need not exist yet).
   */
  job<R = JsonValue>(id: string): JobHandle<R> {
    return this.#handle<R>(checkId(id));
  }

  /**
   * Lists jobs by status, task or schedule, a page at a time (`limit` 100 by default, at most
   * 1000).
   * @returns Jobs matching the filter, newest first.
   */
  async listJobs(options?: ListJobsOptions): Promise<JobInfo[]> {
    const o = checkKeys(options, [...JOB_FILTER_KEYS, "limit", "offset"], "listJobs options");
    const filter = { ...jobFilter(o), ...checkPage(o.limit, o.offset) };
    const jobs = await this.store.listJobs(filter);
    return Promise.all(jobs.map((j) => toJobInfo(j, this.#codec)));
  }

  /**
   * Counts jobs by status, task or schedule, e.g. the pending backlog.
   * @returns How many jobs match the filter.
   */
  async countJobs(filter?: Omit<ListJobsOptions, "limit" | "offset">): Promise<number> {
    const o = checkKeys(filter, JOB_FILTER_KEYS, "countJobs filter");
    return await this.store.countJobs(jobFilter(o));
  }

  /**
   * Cancels a job: a pending one at once; a running one by aborting its `ctx.signal` (here,
   * or through the store in whichever process runs it).
   * @returns `true` if the job was pending or running, `false` if it had already finished.
   * @throws {NotFoundError} When there is no job with this id (or it was cleaned up).
   */
  async cancelJob(id: string): Promise<boolean> {
    checkId(id);
    const running = this.#engine.running.get(id);
    if (running) {
      running.abort(new JobCancelledError(id));
      return true;
    }
    const now = this.clock.now();
    const before = await this.store.getJob(id);
    if (!before) throw new NotFoundError("job", id);
    if (before.status !== "pending" && before.status !== "running") return false;
    const ttl = before.resultTtl ?? this.#tasks.get(before.task)?.resultTtl ??
      this.#taskDefaults.resultTtl;
    const after = await this.store.cancelJob(id, now, now + ttl);
    if (after === null) throw new NotFoundError("job", id);
    if (after.status === "cancelled") {
      this.emit("job:cancelled", () => ({
        jobId: id,
        task: after.task,
        scheduleId: after.scheduleId,
      }));
      this.#results.settle(id, { ok: false, error: new JobCancelledError(id) });
    }
    return true;
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Starts processing. Idempotent. @returns this scheduler. */
  start(): this {
    const state = this.#engine.state;
    if (state === "stopping" || state === "stopped") {
      throw new SchedulerStoppedError(
        "Cannot start a stopped scheduler (create a new Scheduler on the same store instead)",
      );
    }
    if (state === "started") return this;
    this.#engine.start();
    this.emit("scheduler:started", () => ({}));
    return this;
  }

  /** Pauses all processing (running jobs continue). */
  pause(): void {
    if (this.#engine.paused) return;
    this.#engine.setPaused(true);
    this.emit("scheduler:paused", () => ({}));
  }

  /** Resumes processing after `pause()`. */
  resume(): void {
    if (!this.#engine.paused) return;
    this.emit("scheduler:resumed", () => ({}));
    this.#engine.setPaused(false);
  }

  /** Whether `pause()` is in effect. */
  get paused(): boolean {
    return this.#engine.paused;
  }

  /** `"idle"` before start, then `"started"`, `"stopping"`, `"stopped"`. */
  get state(): SchedulerState {
    return this.#engine.state;
  }

  /** Number of jobs running in this process. */
  get runningJobs(): number {
    return this.#engine.running.size;
  }

  /**
   * Stops: no new fires or jobs; running jobs get `grace` to finish, then their signals abort
   * and they are recorded as cancelled. A stopped scheduler cannot be restarted.
   * @param options `grace` in ms or any duration form. @default 30000
   */
  async stop(options?: { grace?: DurationInput }): Promise<void> {
    const o = checkKeys(options, ["grace"], "stop options");
    const grace = durationOr(o.grace, "grace", DEFAULT_GRACE_MS);
    const state = this.#engine.state;
    if (state === "stopped" || state === "stopping") return;
    await this.#engine.stop(grace);
    this.#results.rejectAll((id) =>
      new SchedulerStoppedError(`Scheduler stopped while waiting for job ${id}`)
    );
    this.emit("scheduler:stopped", () => ({}));
  }

  /** Stops with the default grace period. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * Runs everything that is due now and resolves once the loop is idle and the jobs it started
   * have finished (including jobs those made due). For platforms that wake a sleeping isolate
   * and need to know when the work is done: a Durable Object `alarm()`, a `Deno.cron` tick. With
   * `runMode: "manual"` this is the only way work runs.
   * @param options `maxJobs` caps the jobs this run starts; `signal` stops it from starting more.
   * @returns Whether due work remains (the cap or the signal stopped the run).
   * @example
   * ```ts
   * import { Scheduler } from "@everywhen/everywhen";
   * const scheduler = new Scheduler({ runMode: "manual" }).start();
   * const { more } = await scheduler.runDue({ maxJobs: 50 });
   * ```
   */
  async runDue(options?: RunDueOptions): Promise<{ more: boolean }> {
    const o = checkKeys(options, ["maxJobs", "signal"], "runDue options");
    const maxJobs = checkInt(o.maxJobs ?? Infinity, "maxJobs", 0, true);
    if (this.#engine.state !== "started") return { more: false };
    await this.#engine.runDue(maxJobs, o.signal);
    const due = await this.store.nextWakeup();
    return { more: due !== null && due <= this.clock.now() };
  }

  /** Sets or lifts the store-wide lock that halts every scheduler sharing the store. */
  async setLock(locked: boolean, reason = "locked"): Promise<void> {
    await this.store.setMeta(LOCK_KEY, locked ? reason : null);
    this.#engine.kick();
  }

  /**
   * Reads the store-wide lock set by `setLock`.
   * @returns The store-wide lock's reason, or `null` when unlocked.
   */
  getLock(): Promise<string | null> {
    return this.store.getMeta(LOCK_KEY);
  }

  // ---- helpers ----------------------------------------------------------------------------

  #context(): BuildContext {
    return { now: this.clock.now(), ...this.#build };
  }

  async #insertJob(job: JobRecord): Promise<void> {
    if (!await this.store.insertJob(job)) return;
    this.emit("job:created", () => ({
      jobId: job.id,
      task: job.task,
      scheduleId: job.scheduleId,
      runAt: instantFromMs(job.runAt),
    }));
    this.#engine.kick();
  }

  #handle<R>(id: string): JobHandle<R> {
    return {
      id,
      result: async (options) => {
        const o = checkKeys(options, ["signal"], "result options");
        const stopped = this.#engine.state === "stopped";
        return await this.#results.wait(id, this.clock.now(), stopped, o.signal) as R;
      },
      info: () => this.getJob<R>(id),
      cancel: () => this.cancelJob(id),
    };
  }

  /**
   * Writes a changed schedule; `built` carries its live trigger and payload when the caller
   * has them, so they are not parsed back.
   */
  async #write(
    changed: ScheduleRecord,
    event: "schedule:updated" | "schedule:paused" | "schedule:resumed",
    built?: BuiltSchedule,
  ): Promise<ScheduleInfo> {
    const stored = await this.store.updateSchedule({ ...changed, updatedAt: this.clock.now() });
    if (!stored) throw new NotFoundError("schedule", changed.id);
    this.emit(event, () => ({ scheduleId: changed.id }));
    this.#engine.kick();
    return built ? this.#builtInfo({ ...built, record: stored }) : this.#info(stored);
  }

  #builtInfo(built: BuiltSchedule): ScheduleInfo {
    return scheduleInfo(built.record, built.trigger, built.payload);
  }

  async #mustGetSchedule(id: string): Promise<ScheduleRecord> {
    const record = await this.store.getSchedule(checkId(id));
    if (!record) throw new NotFoundError("schedule", id);
    return record;
  }

  #info(record: ScheduleRecord): Promise<ScheduleInfo> {
    return toScheduleInfo(record, this.#codec);
  }

  /** @returns The task's name; throws for a task this process neither knows nor may skip. */
  #taskName(task: string | { name?: unknown } | undefined): string {
    const name = typeof task === "string" ? task : task?.name;
    if (typeof name !== "string") {
      throw new TypeError("Invalid task: expected a task name or a task handle");
    }
    // Processes that only enqueue or only fire schedules need not register handlers; they
    // declare the names they may use with `roles` and run no jobs.
    if (!this.#tasks.has(name) && this.#runsJobs) throw new UnknownTaskError(name);
    return name;
  }

  #assertUsable(): void {
    const state = this.#engine.state;
    if (state === "stopped" || state === "stopping") {
      throw new SchedulerStoppedError(
        "Scheduler is stopped (create a new Scheduler on the same store to continue)",
      );
    }
  }
}

function jobFilter(
  o: { status?: JobStatus | JobStatus[]; task?: string; scheduleId?: string },
): { status?: JobStatus | JobStatus[]; task?: string; scheduleId?: string } {
  return {
    ...(o.status === undefined ? {} : { status: o.status }),
    ...(o.task === undefined ? {} : { task: o.task }),
    ...(o.scheduleId === undefined ? {} : { scheduleId: o.scheduleId }),
  };
}
