/// <reference lib="esnext.disposable" preserve="true" />
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
import type { Executor, ExecutorFactory } from "../engine/executor.ts";
import type { HandlerModule } from "../engine/handler_module.ts";
import { resolveTaskHandler } from "./_worker_task.ts";
import { Spawner, type SpawnHandle, type SpawnOptions } from "./spawn.ts";
import { SchedulerLog } from "./logging.ts";
import { Holders } from "./_holders.ts";

export type { SchedulerState } from "../engine/_engine.ts";
export type { RunDueOptions, SchedulerOptions } from "./options.ts";

/** Options for `start()`. */
export interface StartOptions {
  /** Start paused: nothing fires or runs until `resume()`. @default false */
  paused?: boolean;
  /**
   * Load every worker task's handler module now (one worker each), so a module that does not
   * load is reported (`scheduler:error`, the logger) at start rather than at its first job.
   * @default false
   */
  checkWorkers?: boolean;
}

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
  #executorFactory: ExecutorFactory | undefined;
  #executors = new Map<string, Executor>();
  #spawner: Spawner;
  #log: SchedulerLog;
  #holders: Holders<StartOptions>;

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
    this.#executorFactory = o.executor;
    this.#log = new SchedulerLog(o.logger, o.logLevel, (type, listener) => this.on(type, listener));
    this.#spawner = new Spawner({
      clock: this.clock,
      concurrency: o.concurrency,
      pendingLimit: o.spawnPendingLimit,
      busySlots: () => this.#engine.busySlots,
      kick: () => this.#engine.kick(),
      reportError: events.reportError,
      waitUntil: o.waitUntil,
    });
    this.#holders = new Holders<StartOptions>(this);
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
      slots: { reserved: () => this.#spawner.reserved, freed: () => this.#spawner.pump() },
      lockSeen: (reason) => this.#log.lockChanged(reason),
    });
    const kick = () => this.#engine.kick();
    this.#schedules = new Schedules({
      store: this.store,
      clock: this.clock,
      codec: o.codec,
      build: {
        timezone: o.timezone,
        codec: o.codec,
        defaults: o.scheduleDefaults,
        taskOf: (task) => this.#tasks.get(task),
      },
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
   * @param handler `(payload, ctx) => result`; payload and result are JSON values. Or a
   * handler-module descriptor `{ module, export? }` to run it in a pool of `workers` workers
   * (needs the scheduler's `executor` option; docs/workers.md).
   * @param options Retries, backoff, timeout, per-process `maxRunning`, result retention,
   * `workers` and `abortGrace` for a handler module.
   * @returns A typed handle with `enqueue` and `schedule`.
   */
  task<P = JsonValue, R = JsonValue>(
    name: string,
    handler: TaskHandler<P, R> | HandlerModule,
    options?: TaskOptions,
  ): TaskHandle<P, Awaited<R>> {
    if (this.#tasks.has(name)) {
      throw new TypeError(`Task already registered: ${JSON.stringify(name)}`);
    }
    const resolved = resolveTaskHandler(name, handler, options, this.#executorFactory);
    let entry: TaskEntry;
    try {
      entry = taskEntry(
        name,
        resolved.handler,
        resolved.options,
        this.#taskDefaults,
        this.clock.now(),
      );
    } catch (error) {
      void resolved.executor?.close(0);
      throw error;
    }
    if (resolved.executor) this.#executors.set(name, resolved.executor);
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

  /**
   * Starts processing. Idempotent: calling it from several places is safe.
   * @param options `paused` starts without firing or running anything until `resume()`;
   * `checkWorkers` loads worker tasks' handler modules at once.
   * @returns this scheduler.
   */
  start(options?: StartOptions): this {
    const o = checkKeys(options, ["paused", "checkWorkers"], "start options");
    const state = this.#engine.state;
    if (state === "stopping" || state === "stopped") {
      throw new SchedulerStoppedError(
        "Cannot start a stopped scheduler (create a new Scheduler on the same store instead)",
      );
    }
    if (state === "started") return this;
    if (o.paused === true) this.#engine.setPaused(true);
    this.#engine.start();
    this.emit("scheduler:started", () => ({}));
    if (o.paused === true) this.emit("scheduler:paused", () => ({}));
    if (o.checkWorkers === true) {
      for (const [task, executor] of this.#executors) {
        executor.check().catch((error) =>
          this.reportError(error, `loading the handler module of task ${JSON.stringify(task)}`)
        );
      }
    }
    return this;
  }

  /**
   * Holds the scheduler for a scope: the first holder starts it, disposing the last one stops it
   * (with the default grace), so `await using` in a library and in the app that embeds it
   * compose. A scheduler started with `start()` before the first holder is not stopped by its
   * holders; `stop()` stops regardless of holders.
   * @returns A holder to dispose (`await using`), once.
   * @example
   * ```ts
   * import { Scheduler } from "@everywhen/everywhen";
   * const scheduler = new Scheduler();
   * {
   *   await using _app = scheduler.use();
   *   {
   *     await using _library = scheduler.use();
   *   } // still running
   * } // stopped
   * ```
   */
  use(options?: StartOptions): AsyncDisposable {
    return this.#holders.take(options);
  }

  /**
   * Runs a closure in the background under the scheduler's concurrency limit (shared with
   * jobs); it is not persisted. It waits for a free slot (up to `spawnPendingLimit`), or with
   * `wait: false` refuses at once with a `QueueFullError`. `stop({ grace })` waits for it up to
   * the grace period, then aborts its signal. A failure nobody awaits through `result()` is
   * reported as `scheduler:error` (and logged), never as an unhandled rejection.
   * @param fn The work; its signal aborts on `cancel()`, timeout and shutdown.
   * @param options `name`, `timeout`, `wait`; unknown keys are refused.
   * @returns A handle with `result()` and `cancel()`.
   * @throws {QueueFullError} When no slot is free and it may not wait (or too many wait).
   * @throws {SchedulerStoppedError} Once the scheduler is stopping.
   * @example
   * ```ts
   * import { Scheduler } from "@everywhen/everywhen";
   * const scheduler = new Scheduler().start();
   * const work = scheduler.spawn(async (signal) => {
   *   const response = await fetch("https://example.com/", { signal });
   *   return response.status;
   * }, { name: "ping", timeout: 10_000 });
   * ```
   */
  spawn<T>(fn: (signal: AbortSignal) => T | Promise<T>, options?: SpawnOptions): SpawnHandle<T> {
    const state = this.#engine.state;
    if (state === "stopped" || state === "stopping") {
      throw new SchedulerStoppedError("Cannot spawn work: the scheduler is stopped");
    }
    return this.#spawner.spawn(fn, options);
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
    const deadline = this.clock.now() + grace;
    const stopped = () => new SchedulerStoppedError("Scheduler stopped before the work finished");
    await Promise.all([this.#engine.stop(grace), this.#spawner.close(grace, stopped)]);
    // Workers get what is left of the grace to finish attempts that ignored their abort.
    const left = Math.max(0, deadline - this.clock.now());
    await Promise.all([...this.#executors.values()].map((executor) => executor.close(left)));
    this.#results.rejectAll((id) =>
      new SchedulerStoppedError(`Scheduler stopped while waiting for job ${id}`)
    );
    this.emit("scheduler:stopped", () => ({}));
  }

  /** Stops with the default grace period, regardless of `use()` holders. */
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
    this.#log.lockChanged(locked ? reason : null);
    this.#engine.kick();
  }

  /**
   * Reads the store-wide lock set by `setLock`.
   * @returns The store-wide lock's reason, or `null` when unlocked.
   */
  getLock(): Promise<string | null> {
    return this.store.getMeta(LOCK_KEY);
  }

  /**
   * Reads a store-wide setting: a small text value every scheduler on the same store sees (the
   * admin router keeps its sessions there). Settings live apart from the scheduler's own records.
   * @param key The setting's name (an id: 1 to 256 characters).
   * @returns Its value, or `null` when unset.
   */
  getSetting(key: string): Promise<string | null> {
    return this.store.getMeta(settingKey(key));
  }

  /**
   * Sets (or, with `null`, deletes) a store-wide setting; see {@linkcode getSetting}.
   * @param key The setting's name (an id: 1 to 256 characters).
   * @param value Text of at most 64 KiB, or `null` to delete it.
   */
  async setSetting(key: string, value: string | null): Promise<void> {
    const name = settingKey(key);
    if (value !== null && typeof value !== "string") {
      throw new TypeError(`Invalid setting value: expected a string or null, got ${typeof value}`);
    }
    if (value !== null && value.length > MAX_SETTING_LENGTH) {
      throw new RangeError(
        `Invalid setting value: ${value.length} characters, over the limit of ${MAX_SETTING_LENGTH}`,
      );
    }
    await this.store.setMeta(name, value);
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
  #usable<T>(write: () => Promise<T>): Promise<T> {
    // Not async: `enqueue` goes through here, and an async wrapper costs a promise per call.
    const state = this.#engine.state;
    if (state === "stopped" || state === "stopping") {
      return Promise.reject(
        new SchedulerStoppedError(
          "Scheduler is stopped (create a new Scheduler on the same store to continue)",
        ),
      );
    }
    try {
      return write();
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** Longest setting value, in UTF-16 code units: settings are small records, not a data store. */
const MAX_SETTING_LENGTH = 65_536;

/** Settings share the store's meta records with the scheduler's own (the lock), under a prefix. */
function settingKey(key: string): string {
  return `setting:${checkId(key, "setting key")}`;
}
