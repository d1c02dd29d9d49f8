/**
 * The `Scheduler`: the public API over the engine. It registers tasks, writes schedules and
 * jobs to a Store, and starts and stops the engine that fires and runs them. Every method checks
 * its input before touching the store; events are told only after a write succeeded.
 * @module
 */

import type { Clock } from "../clock.ts";
import { SchedulerStoppedError, UnknownTaskError } from "../errors.ts";
import { assertJson, type JsonValue } from "../json.ts";
import { checkKeys } from "../_keys.ts";
import { checkId, checkInt, durationOr } from "../_options.ts";
import { DEFAULT_GRACE_MS } from "../_defaults.ts";
import type { Store } from "../store/store.ts";
import { DEFAULT_FAILED_TTL_MS, MAX_INSERT_JOBS } from "../store/semantics.ts";
import type { Temporal } from "../temporal.ts";
import type { DurationInput, InstantInput } from "../time.ts";
import type {
  EnqueueManyItem,
  EnqueueOptions,
  JobHandle,
  JobInfo,
  ListJobsOptions,
  ListSchedulesOptions,
  PurgeJobsOptions,
  ScheduleInfo,
  ScheduleOptions,
  SchedulePatch,
  TaskHandle,
  TaskHandler,
  TaskOptions,
} from "../types.ts";
import { TimerWaker } from "../waker.ts";
import { Engine, LOCK_KEY, type SchedulerState } from "../engine/_engine.ts";
import type { SchedulerApi } from "../admin/api.ts";
import { ResultWaiters } from "../engine/_results.ts";
import type { EventSink } from "../engine/_sink.ts";
import type { TaskDefaults, TaskEntry } from "../engine/_tasks.ts";
import { Jobs } from "./_jobs.ts";
import { Schedules } from "./_schedules.ts";
import { taskEntry } from "./_task_entry.ts";
import { SchedulerEvents } from "./events.ts";
import { resolveOptions, type RunDueOptions, type SchedulerOptions } from "./options.ts";

export type { SchedulerState } from "../engine/_engine.ts";
export type { RunDueOptions, SchedulerOptions } from "./options.ts";

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
export class Scheduler extends SchedulerEvents implements SchedulerApi {
  /** The store this scheduler reads and writes. */
  readonly store: Store;
  /** The clock it runs on. */
  readonly clock: Clock;
  /** This process's lease owner id. */
  readonly identity: string;
  /** Default time zone for triggers. */
  readonly timezone: string;
  #runsJobs: boolean;
  #taskDefaults: TaskDefaults;
  #tasks = new Map<string, TaskEntry>();
  #results: ResultWaiters;
  #engine: Engine;
  #schedules: Schedules;
  #jobs: Jobs;

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
    this.#runsJobs = o.roles.jobs;
    this.#taskDefaults = o.taskDefaults;
    const events: EventSink = {
      emit: (type, detail) => this.emit(type, detail),
      reportError: (error, context) => this.reportError(error, context),
    };
    this.#results = new ResultWaiters(this.store, o.codec, events.reportError);
    this.#engine = new Engine({
      store: this.store,
      clock: this.clock,
      codec: o.codec,
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
    const kick = () => this.#engine.kick();
    this.#schedules = new Schedules({
      store: this.store,
      clock: this.clock,
      codec: o.codec,
      build: { timezone: o.timezone, codec: o.codec, defaults: o.scheduleDefaults },
      events,
      kick,
    });
    this.#jobs = new Jobs({
      store: this.store,
      clock: this.clock,
      codec: o.codec,
      events,
      results: this.#results,
      running: this.#engine.running,
      maxPending: o.maxPending,
      resultTtlOf: (task) => this.#tasks.get(task)?.resultTtl ?? o.taskDefaults.resultTtl,
      failedTtlOf: (task) => this.#tasks.get(task)?.failedTtl ?? DEFAULT_FAILED_TTL_MS,
      taskOf: (task) => this.#tasks.get(task),
      stopped: () => this.#engine.state === "stopped",
      kick,
    });
    this.#engine.waker = o.waker
      ? o.waker(kick, this.clock, { runDue: () => this.runDue() })
      : new TimerWaker(this.clock, kick);
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

  /**
   * Lists the tasks registered in this process (the same call as on a Workers client).
   * @returns Their names, in registration order.
   */
  listTasks(): Promise<string[]> {
    return Promise.resolve([...this.#tasks.keys()]);
  }

  // ---- schedules --------------------------------------------------------------------------

  /**
   * Adds (or, per `ifExists`, replaces or keeps) a schedule.
   * @param options Id, task, trigger, payload and policies; unknown keys are refused.
   * @returns The stored schedule.
   */
  schedule<P = JsonValue>(options: ScheduleOptions<P>): Promise<ScheduleInfo<P>> {
    return this.#usable(() =>
      this.#schedules.add(options as ScheduleOptions<unknown>, (task) => this.#taskName(task))
    ) as Promise<ScheduleInfo<P>>;
  }

  /**
   * Reads a schedule by id.
   * @returns The schedule, or `null` if there is none with this id.
   */
  getSchedule(id: string): Promise<ScheduleInfo | null> {
    return this.#schedules.get(id);
  }

  /**
   * Lists schedules, optionally only one task's or only paused or unpaused ones, a page at a
   * time (`limit` 0–1000, default 100; `offset` 0–2^31-1, default 0; as `listJobs`).
   * @returns Schedules ordered by id.
   */
  listSchedules(options?: ListSchedulesOptions): Promise<ScheduleInfo[]> {
    return this.#schedules.list(options);
  }

  /**
   * Changes a schedule's trigger, payload or policies. A new trigger recomputes the next run
   * from now.
   * @param patch The changes; unknown keys are refused.
   * @returns The updated schedule.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  updateSchedule<P = JsonValue>(id: string, patch: SchedulePatch<P>): Promise<ScheduleInfo> {
    return this.#usable(() => this.#schedules.update(id, patch as SchedulePatch<unknown>));
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
  pauseSchedule(id: string): Promise<ScheduleInfo> {
    return this.#usable(() => this.#schedules.pause(id));
  }

  /**
   * Resumes a paused schedule. Fires that fell due while paused are skipped unless `from`
   * (an instant in the past) is given: then fires after `from` count as overdue and the
   * misfire policy applies to them.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  resumeSchedule(id: string, options?: { from?: InstantInput }): Promise<ScheduleInfo> {
    return this.#usable(() => this.#schedules.resume(id, options));
  }

  /**
   * Removes a schedule. Its existing jobs are kept.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  removeSchedule(id: string): Promise<void> {
    return this.#usable(() => this.#schedules.remove(id));
  }

  /**
   * Creates a job for the schedule now, outside its trigger; the trigger is unaffected.
   * @throws {NotFoundError} When there is no schedule with this id.
   */
  runNow(id: string): Promise<JobHandle> {
    return this.#usable(async () => this.#jobs.runNow(await this.#schedules.mustGet(id)));
  }

  /**
   * Previews a schedule's upcoming fires without changing it (from now while it is paused).
   * @param count How many instants, 5 if omitted, at most 1000.
   * @returns The schedule's next `count` fire instants (from its next run, or from now).
   * @throws {NotFoundError} When there is no schedule with this id.
   * @throws {RangeError} When `count` is not an integer in 0..1000.
   */
  nextRuns(id: string, count = 5): Promise<Temporal.Instant[]> {
    return this.#schedules.nextRuns(id, count);
  }

  // ---- jobs -------------------------------------------------------------------------------

  /**
   * Enqueues a job.
   * @param task Task name or handle.
   * @param payload JSON payload.
   * @param options Delay or run time, id, overrides; unknown keys are refused.
   * @returns A handle whose `result()` waits for the outcome.
   */
  enqueue<R = JsonValue>(
    task: string | TaskHandle<never, R>,
    payload?: unknown,
    options?: EnqueueOptions,
  ): Promise<JobHandle<R>> {
    return this.#usable(() => {
      const name = this.#taskName(task);
      return this.#jobs.enqueue<R>(name, assertJson(payload, "payload"), options);
    });
  }

  /**
   * Enqueues many jobs in one store transaction, or none: every item is checked first, and a bad
   * item rejects the whole batch with its index in the message (`Invalid item 3: ...`).
   * `ifExists: "replace"` and `debounce` are refused in a batch. At most 10,000 items.
   * @param items `{ task, payload?, options? }` per job.
   * @returns A handle per item, in order.
   */
  enqueueMany(items: readonly EnqueueManyItem[]): Promise<JobHandle[]> {
    return this.#usable(() => {
      if (!Array.isArray(items)) {
        throw new TypeError("Invalid enqueueMany items: expected an array");
      }
      if (items.length > MAX_INSERT_JOBS) {
        throw new RangeError(
          `Invalid enqueueMany items: ${items.length} jobs (at most ${MAX_INSERT_JOBS} per call)`,
        );
      }
      const checked = items.map((item, index) => {
        try {
          const o = checkKeys(item, ["task", "payload", "options"], "enqueueMany item");
          return {
            task: this.#taskName(o.task),
            payload: assertJson(o.payload, "payload"),
            options: o.options,
          };
        } catch (error) {
          const message = `Invalid item ${index}: ${(error as Error).message}`;
          throw error instanceof RangeError ? new RangeError(message) : new TypeError(message);
        }
      });
      return this.#jobs.enqueueMany(checked);
    });
  }

  /**
   * Reads a job by id.
   * @returns The job, or `null` if unknown or cleaned up.
   */
  getJob<R = JsonValue>(id: string): Promise<JobInfo<R> | null> {
    return this.#jobs.get<R>(id);
  }

  /**
   * Gets a handle on a job by id without reading the store, e.g. to await a job enqueued
   * elsewhere.
   * @returns A handle on a job id (it need not exist yet).
   */
  job<R = JsonValue>(id: string): JobHandle<R> {
    return this.#jobs.handle<R>(checkId(id));
  }

  /**
   * Lists jobs by status, task or schedule, a page at a time (`limit` 0–1000, default 100;
   * `offset` 0–2^31-1, default 0; as `listSchedules`).
   * @returns Jobs matching the filter, newest first.
   */
  listJobs(options?: ListJobsOptions): Promise<JobInfo[]> {
    return this.#jobs.list(options);
  }

  /**
   * Counts jobs by status, task or schedule, e.g. the pending backlog.
   * @returns How many jobs match the filter.
   */
  countJobs(filter?: Omit<ListJobsOptions, "limit" | "offset">): Promise<number> {
    return this.#jobs.count(filter);
  }

  /**
   * Cancels a job: a pending one at once; a running one by aborting its `ctx.signal` (here,
   * or through the store in whichever process runs it).
   * @returns `true` if the job was pending or running, `false` if it had already finished.
   * @throws {NotFoundError} When there is no job with this id (or it was cleaned up).
   */
  cancelJob(id: string): Promise<boolean> {
    return this.#jobs.cancel(id);
  }

  /**
   * Runs a failed or cancelled job again: attempts restart and the previous error is kept in
   * the job's `history`. Works across processes sharing the store.
   * @returns `true` if the job was re-queued, `false` if it was not failed or cancelled.
   * @throws {NotFoundError} When there is no job with this id (or it was cleaned up).
   */
  retryJob(id: string): Promise<boolean> {
    return this.#jobs.retry(id);
  }

  /**
   * Deletes finished jobs (default: every final status) in bounded chunks.
   * @param options `status` (final statuses only), `task`, `olderThan` (a duration).
   * @returns How many jobs were deleted.
   */
  purgeJobs(options?: PurgeJobsOptions): Promise<number> {
    return this.#jobs.purge(options);
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

  /** Runs a write unless the scheduler is stopping or stopped; a throw becomes a rejection. */
  async #usable<T>(write: () => Promise<T>): Promise<T> {
    const state = this.#engine.state;
    if (state === "stopped" || state === "stopping") {
      throw new SchedulerStoppedError(
        "Scheduler is stopped (create a new Scheduler on the same store to continue)",
      );
    }
    return await write();
  }
}
