/**
 * The `Scheduler`: registers tasks, stores schedules and jobs in a Store, and runs one loop
 * that fires due schedules and runs due jobs, woken by a single Waker.
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Codec } from "./codec.ts";
import {
  JobCancelledError,
  LeaseLostError,
  NotFoundError,
  QueueFullError,
  SchedulerStoppedError,
  UnknownTaskError,
} from "./errors.ts";
import type { SchedulerEventMap } from "./events.ts";
import { assertJson, type JsonValue } from "./json.ts";
import { checkBackoff, checkEnum, checkId, checkInt, durationOr } from "./_options.ts";
import { type RunnerHost, type RunningJob, startJob, type TaskEntry } from "./_runner.ts";
import { type FireHost, fireSchedule } from "./_firing.ts";
import { toJobInfo, toScheduleInfo } from "./_records.ts";
import { buildSchedule, type ScheduleDefaults } from "./_schedules.ts";
import type { JobOutcome, JobRecord, ScheduleRecord, Store } from "./store/store.ts";
import { type DurationInput, instantFromMs as instant, toEpochMs } from "./time.ts";
import type {
  EnqueueOptions,
  JobHandle,
  JobInfo,
  ListJobsOptions,
  ScheduleInfo,
  ScheduleOptions,
  SchedulePatch,
  TaskHandle,
  TaskHandler,
  TaskOptions,
} from "./types.ts";
import type { Temporal } from "./temporal.ts";
import { TimerWaker, type Waker } from "./waker.ts";
import { DEFAULT_GRACE_MS } from "./_defaults.ts";
import { SchedulerEvents } from "./_scheduler_events.ts";
import { ResultWaiters } from "./_results.ts";
import { resolveOptions, type RunDueOptions, type SchedulerOptions } from "./_scheduler_options.ts";

export type { RunDueOptions, SchedulerOptions } from "./_scheduler_options.ts";
import { triggerFromJSON } from "./triggers/mod.ts";

/** Lifecycle state of a scheduler. */
export type SchedulerState = "idle" | "started" | "stopping" | "stopped";

const LOCK_KEY = "lock";

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
  #concurrency: number;
  #maxPending: number;
  #roles: { schedules: boolean; jobs: boolean };
  #scheduleDefaults: ScheduleDefaults;
  #taskDefaults: Pick<TaskEntry, "retries" | "backoff" | "timeout" | "resultTtl">;
  #pollInterval: number;
  #leaseMs: number;
  #random: () => number;
  #tasks = new Map<string, TaskEntry>();
  #running = new Map<string, RunningJob>();
  #results: ResultWaiters;
  #waker: Waker;
  #state: SchedulerState = "idle";
  #paused = false;
  #ticking: Promise<void> | null = null;
  #again = false;
  #nextRenewAt = Infinity;
  #nextCleanupAt = 0;
  #nextPollAt = 0;
  #unwatch: (() => void) | null = null;
  #manual: boolean;
  /** runDue() calls in progress, and their job budgets. */
  #runs = 0;
  #budgets = new Set<{ left: number; signal: AbortSignal | undefined }>();
  /** The clock reading the latest pass worked with. */
  #passNow = 0;

  /**
   * Creates an idle scheduler: writes (schedule, enqueue) work at once; firing schedules and
   * running jobs begin with `start()`.
   * @param options Store, clock, limits and defaults.
   */
  constructor(options: SchedulerOptions = {}) {
    super();
    const o = resolveOptions(options);
    this.store = o.store;
    this.clock = o.clock;
    this.timezone = o.timezone;
    this.identity = o.identity;
    this.#codec = o.codec;
    this.#concurrency = o.concurrency;
    this.#maxPending = o.maxPending;
    this.#roles = o.roles;
    this.#scheduleDefaults = o.scheduleDefaults;
    this.#taskDefaults = o.taskDefaults;
    this.#pollInterval = o.pollInterval;
    this.#leaseMs = o.leaseMs;
    this.#random = o.random;
    this.#manual = o.manual;
    this.#results = new ResultWaiters(this.store, this.#codec, (e, c) => this.reportError(e, c));
    const emit: RunnerHost["emit"] = (type, detail) => this.emit(type, detail);
    const reportError = (e: unknown, c: string) => this.reportError(e, c);
    this.#runnerHost = {
      store: this.store,
      clock: this.clock,
      codec: this.#codec,
      owner: this.identity,
      random: this.#random,
      emit,
      settle: (id, s) => this.#results.settle(id, s),
      finish: (id, outcome) => this.#finish(id, outcome),
      reportError,
    };
    this.#fireHost = {
      store: this.store,
      owner: this.identity,
      random: this.#random,
      emit,
      newJob: (spec) => this.#newJob(spec),
      reportError,
    };
    const wake = () => this.#kick();
    this.#waker = options.waker
      ? options.waker(wake, this.clock, { runDue: () => this.runDue() })
      : new TimerWaker(this.clock, wake);
  }

  // ---- tasks ------------------------------------------------------------------------------

  /**
   * Registers a named handler. Stores keep only the name, so every process that runs jobs of
   * this task registers it under the same name.
   *
   * @param name Task name.
   * @param handler `(payload, ctx) => result`; payload and result are JSON values.
   * @param options Retries, backoff, timeout, per-process instance limit, result retention.
   * @returns A typed handle with `enqueue` and `schedule`.
   */
  task<P = JsonValue, R = JsonValue>(
    name: string,
    handler: TaskHandler<P, R>,
    options: TaskOptions = {},
  ): TaskHandle<P, Awaited<R>> {
    checkId(name, "task name");
    if (typeof handler !== "function") {
      throw new TypeError(`Invalid handler for task ${JSON.stringify(name)}: expected a function`);
    }
    if (this.#tasks.has(name)) {
      throw new TypeError(`Task already registered: ${JSON.stringify(name)}`);
    }
    const defaults = this.#taskDefaults;
    this.#tasks.set(name, {
      name,
      handler: handler as TaskHandler<never, unknown>,
      retries: checkInt(options.retries ?? defaults.retries, "retries", 0),
      backoff: options.backoff ? checkBackoff(options.backoff) : defaults.backoff,
      timeout: durationOr(options.timeout, "timeout", defaults.timeout),
      maxInstances: checkInt(options.maxInstances ?? Infinity, "maxInstances", 1, true),
      resultTtl: durationOr(options.resultTtl, "resultTtl", defaults.resultTtl),
      running: 0,
    });
    this.#kick();
    return {
      name,
      enqueue: (payload, opts) => this.enqueue<Awaited<R>>(name, payload, opts),
      schedule: (opts) =>
        this.schedule({ ...opts, task: name } as ScheduleOptions<P>) as Promise<
          ScheduleInfo<P>
        >,
    };
  }

  /** Names of the tasks registered in this process. */
  get tasks(): string[] {
    return [...this.#tasks.keys()];
  }

  // ---- schedules --------------------------------------------------------------------------

  /**
   * Adds (or, per `ifExists`, replaces or keeps) a schedule.
   * @param options Id, task, trigger, payload and policies.
   * @returns The stored schedule.
   */
  async schedule<P = JsonValue>(options: ScheduleOptions<P>): Promise<ScheduleInfo<P>> {
    this.#assertUsable();
    const task = typeof options?.task === "string" ? options.task : options?.task?.name;
    this.#assertTask(task);
    const ifExists = checkEnum(options.ifExists ?? "replace", "ifExists", [
      "replace",
      "keep",
      "error",
    ]);
    const id = checkId(options.id);
    const existing = ifExists === "error" ? null : await this.store.getSchedule(id);
    if (existing && ifExists === "keep") return this.#scheduleInfo(existing) as never;
    const record = await buildSchedule(
      { ...options, task: task! },
      existing,
      this.#scheduleContext(),
    );
    const outcome = await this.store.putSchedule(record, ifExists);
    const stored = outcome === "kept" ? (await this.store.getSchedule(id))! : record;
    this.emit(outcome === "inserted" ? "schedule:added" : "schedule:updated", () => ({
      scheduleId: id,
    }));
    this.#kick();
    return this.#scheduleInfo(stored) as Promise<ScheduleInfo<P>>;
  }

  /**
   * Reads a schedule by id.
   * @returns The schedule, or `null`.
   */
  async getSchedule(id: string): Promise<ScheduleInfo | null> {
    const record = await this.store.getSchedule(checkId(id));
    return record ? this.#scheduleInfo(record) : null;
  }

  /**
   * Lists schedules, optionally only one task's or only paused or unpaused ones, with paging.
   * @returns Schedules ordered by id.
   */
  async listSchedules(
    filter: { task?: string; paused?: boolean; limit?: number; offset?: number } = {},
  ): Promise<ScheduleInfo[]> {
    const records = await this.store.listSchedules(filter);
    return Promise.all(records.map((r) => this.#scheduleInfo(r)));
  }

  /**
   * Changes a schedule's trigger, payload or policies. A new trigger recomputes the next run
   * from now.
   * @returns The updated schedule.
   */
  async updateSchedule<P = JsonValue>(id: string, patch: SchedulePatch<P>): Promise<ScheduleInfo> {
    this.#assertUsable();
    const existing = await this.#mustGetSchedule(id);
    if (typeof patch !== "object" || patch === null) {
      throw new TypeError("Invalid schedule patch: expected an object");
    }
    const trigger = patch.trigger ?? triggerFromJSON(existing.trigger);
    const payload = "payload" in patch
      ? patch.payload
      : await this.#codec.decode(existing.payload, `schedule:${id}`);
    const record = await buildSchedule(
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
      this.#scheduleContext(),
      !patch.trigger,
    );
    return this.#writeSchedule(record, "schedule:updated");
  }

  /** Replaces a schedule's trigger; the next run is recomputed from now. */
  reschedule(id: string, trigger: ScheduleOptions["trigger"]): Promise<ScheduleInfo> {
    return this.updateSchedule(id, { trigger });
  }

  /** Pauses a schedule: it does not fire until resumed, across restarts too. */
  async pauseSchedule(id: string): Promise<ScheduleInfo> {
    this.#assertUsable();
    const existing = await this.#mustGetSchedule(id);
    return this.#writeSchedule({ ...existing, paused: true }, "schedule:paused");
  }

  /**
   * Resumes a paused schedule. Fires that fell due while paused are skipped unless `from`
   * (an instant in the past) is given: then fires after `from` count as overdue and the
   * misfire policy applies to them.
   */
  async resumeSchedule(
    id: string,
    options: { from?: Parameters<typeof toEpochMs>[0] } = {},
  ): Promise<ScheduleInfo> {
    this.#assertUsable();
    const existing = await this.#mustGetSchedule(id);
    const from = options.from === undefined ? this.clock.now() : toEpochMs(options.from, "from");
    const trigger = triggerFromJSON(existing.trigger);
    const nextRunAt = trigger.nextMs(from - 1);
    return this.#writeSchedule({ ...existing, paused: false, nextRunAt }, "schedule:resumed");
  }

  /** Removes a schedule. Its existing jobs are kept. @returns whether it existed. */
  async removeSchedule(id: string): Promise<boolean> {
    this.#assertUsable();
    const removed = await this.store.removeSchedule(checkId(id));
    if (removed) this.emit("schedule:removed", () => ({ scheduleId: id }));
    return removed;
  }

  /** Creates a job for the schedule now, outside its trigger; the trigger is unaffected. */
  async runNow(id: string): Promise<JobHandle> {
    this.#assertUsable();
    const s = await this.#mustGetSchedule(id);
    const now = this.clock.now();
    const job = this.#newJob({
      id: `${s.id}@run:${new Date(now).toISOString()}:${randomId().slice(0, 6)}`,
      task: s.task,
      scheduleId: s.id,
      at: now,
      payload: s.payload,
      resultTtl: s.resultTtl,
    });
    await this.#insertJob(job);
    return this.#handle(job.id);
  }

  /**
   * Previews a schedule's upcoming fires without changing it (from now while it is paused).
   * @param count How many instants, 5 if omitted.
   * @returns The schedule's next `count` fire instants (from its next run, or from now).
   */
  async nextRuns(id: string, count = 5): Promise<Temporal.Instant[]> {
    const s = await this.#mustGetSchedule(id);
    checkInt(count, "count", 0);
    const trigger = triggerFromJSON(s.trigger);
    const start = s.nextRunAt !== null && !s.paused ? s.nextRunAt - 1 : this.clock.now();
    return trigger.nextRuns(count, start);
  }

  // ---- jobs -------------------------------------------------------------------------------

  /**
   * Enqueues a job.
   * @param task Task name or handle.
   * @param payload JSON payload.
   * @param options Delay or run time, id, overrides.
   * @returns A handle whose `result()` waits for the outcome.
   */
  async enqueue<R = JsonValue>(
    task: string | TaskHandle<never, R>,
    payload?: unknown,
    options: EnqueueOptions = {},
  ): Promise<JobHandle<R>> {
    this.#assertUsable();
    const name = typeof task === "string" ? task : task?.name;
    this.#assertTask(name);
    const value = assertJson(payload, "payload");
    const now = this.clock.now();
    if (options.delay !== undefined && options.runAt !== undefined) {
      throw new TypeError("Invalid enqueue options: give either delay or runAt, not both");
    }
    const at = options.runAt !== undefined
      ? toEpochMs(options.runAt, "runAt")
      : now + durationOr(options.delay, "delay", 0);
    const id = options.id === undefined ? randomId() : checkId(options.id);
    const retries = options.retries === undefined ? null : checkInt(options.retries, "retries", 0);
    const timeout = durationOr(options.timeout, "timeout", null);
    const resultTtl = durationOr(options.resultTtl, "resultTtl", null);
    if (this.#maxPending !== Infinity) {
      const pending = await this.store.countJobs({ status: "pending" });
      if (pending >= this.#maxPending) {
        throw new QueueFullError(
          `Cannot enqueue: ${pending} jobs are pending (maxPending is ${this.#maxPending})`,
        );
      }
    }
    const job = this.#newJob({
      id,
      task: name!,
      scheduleId: null,
      at,
      payload: await this.#codec.encode(value, id),
      resultTtl,
    });
    job.maxAttempts = retries === null ? null : retries + 1;
    job.timeout = timeout;
    await this.#insertJob(job);
    return this.#handle<R>(id);
  }

  /**
   * Reads a job by id.
   * @returns The job, or `null` if unknown or cleaned up.
   */
  async getJob<R = JsonValue>(id: string): Promise<JobInfo<R> | null> {
    const job = await this.store.getJob(checkId(id));
    return job ? this.#jobInfo(job) as Promise<JobInfo<R>> : null;
  }

  /**
   * Gets a handle on a job by id without reading the store, e.g. to await a job enqueued
   * elsewhere.
   * @returns A handle on an existing job id (it need not exist yet).
   */
  job<R = JsonValue>(id: string): JobHandle<R> {
    return this.#handle<R>(checkId(id));
  }

  /**
   * Lists jobs by status, task or schedule, 100 at a time unless `limit` says otherwise.
   * @returns Jobs matching the filter, newest first.
   */
  async listJobs(options: ListJobsOptions = {}): Promise<JobInfo[]> {
    const limit = checkInt(options.limit ?? 100, "limit", 0);
    const offset = checkInt(options.offset ?? 0, "offset", 0);
    const jobs = await this.store.listJobs({ ...options, limit, offset });
    return Promise.all(jobs.map((j) => this.#jobInfo(j)));
  }

  /**
   * Counts jobs by status, task or schedule, e.g. the pending backlog.
   * @returns How many jobs match the filter (`limit`/`offset` are ignored).
   */
  countJobs(filter: Omit<ListJobsOptions, "limit" | "offset"> = {}): Promise<number> {
    const { status, task, scheduleId } = filter;
    return this.store.countJobs({
      ...(status === undefined ? {} : { status }),
      ...(task === undefined ? {} : { task }),
      ...(scheduleId === undefined ? {} : { scheduleId }),
    });
  }

  /**
   * Cancels a job: a pending one at once; a running one by aborting its `ctx.signal` (here,
   * or through the store in whichever process runs it).
   * @returns Whether the job was pending or running.
   */
  async cancelJob(id: string): Promise<boolean> {
    checkId(id);
    const running = this.#running.get(id);
    if (running) {
      running.abort(new JobCancelledError(id));
      return true;
    }
    const now = this.clock.now();
    const before = await this.store.getJob(id);
    if (!before || (before.status !== "pending" && before.status !== "running")) return false;
    const ttl = before.resultTtl ?? this.#tasks.get(before.task)?.resultTtl ??
      this.#taskDefaults.resultTtl;
    const after = await this.store.cancelJob(id, now, now + ttl);
    if (after?.status === "cancelled") {
      this.emit("job:cancelled", () => ({
        jobId: id,
        task: after.task,
        scheduleId: after.scheduleId,
      }));
      this.#results.settle(id, { ok: false, error: new JobCancelledError(id) });
    }
    return after !== null;
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Starts processing. Idempotent. @returns this scheduler. */
  start(): this {
    if (this.#state === "stopping" || this.#state === "stopped") {
      throw new SchedulerStoppedError(
        "Cannot start a stopped scheduler (create a new Scheduler on the same store instead)",
      );
    }
    if (this.#state === "started") return this;
    this.#state = "started";
    this.#unwatch = this.store.watch?.(() => this.#kick()) ?? null;
    this.emit("scheduler:started", () => ({}));
    this.#kick();
    return this;
  }

  /** Pauses all processing (running jobs continue). */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.emit("scheduler:paused", () => ({}));
  }

  /** Resumes processing after `pause()`. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.emit("scheduler:resumed", () => ({}));
    this.#kick();
  }

  /** Whether `pause()` is in effect. */
  get paused(): boolean {
    return this.#paused;
  }

  /** `"idle"` before start, then `"started"`, `"stopping"`, `"stopped"`. */
  get state(): SchedulerState {
    return this.#state;
  }

  /** Number of jobs running in this process. */
  get runningJobs(): number {
    return this.#running.size;
  }

  /**
   * Stops: no new fires or jobs; running jobs get `grace` to finish, then their signals abort
   * and they are recorded as cancelled. A stopped scheduler cannot be restarted.
   * @param options `grace` in ms or a duration. @default 30000
   */
  async stop(options: { grace?: DurationInput } = {}): Promise<void> {
    const grace = durationOr(options.grace, "grace", DEFAULT_GRACE_MS);
    if (this.#state === "stopped" || this.#state === "stopping") return;
    this.#state = "stopping";
    this.#unwatch?.();
    this.#unwatch = null;
    this.#waker.disarm();
    await this.#ticking;
    if (this.#running.size > 0) {
      let timer: unknown;
      const expired = new Promise<void>((r) => (timer = this.clock.setTimer(r, grace)));
      await Promise.race([this.#allDone(), expired]);
      this.clock.clearTimer(timer);
      for (const [id, run] of this.#running) {
        run.abort(new JobCancelledError(id, { cause: "scheduler stopped" }));
      }
      await this.#allDone();
    }
    this.#state = "stopped";
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
  async runDue(options: RunDueOptions = {}): Promise<{ more: boolean }> {
    if (this.#state !== "started") return { more: false };
    const maxJobs = checkInt(options.maxJobs ?? Infinity, "maxJobs", 0, true);
    this.#runs++;
    const budget = { left: maxJobs, signal: options.signal };
    this.#budgets.add(budget);
    try {
      this.#kick();
      for (;;) {
        await this.#ticking;
        if (this.#running.size === 0 && !this.#ticking) break;
        await this.#allDone();
      }
    } finally {
      this.#budgets.delete(budget);
      this.#runs--;
    }
    const due = await this.store.nextWakeup();
    return { more: due !== null && due <= this.clock.now() };
  }

  /** Sets or lifts the store-wide lock that halts every scheduler sharing the store. */
  async setLock(locked: boolean, reason = "locked"): Promise<void> {
    await this.store.setMeta(LOCK_KEY, locked ? reason : null);
    this.#kick();
  }

  /**
   * Reads the store-wide lock set by `setLock`.
   * @returns The store-wide lock's reason, or `null` when unlocked.
   */
  getLock(): Promise<string | null> {
    return this.store.getMeta(LOCK_KEY);
  }

  // ---- the loop ---------------------------------------------------------------------------

  #kick(): void {
    if (this.#state !== "started" && this.#state !== "stopping") return;
    if (this.#manual && this.#runs === 0 && this.#running.size === 0) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = this.#loop().finally(() => (this.#ticking = null));
  }

  async #loop(): Promise<void> {
    // Let the caller's synchronous burst (e.g. many enqueues) finish before one pass handles it.
    await Promise.resolve();
    do {
      do {
        this.#again = false;
        try {
          await this.#pass();
        } catch (error) {
          this.reportError(error, "scheduler loop");
        }
      } while (this.#again && this.#state === "started");
      try {
        await this.#arm();
      } catch (error) {
        this.reportError(error, "arming the waker");
        this.#waker.arm(this.clock.now() + this.#pollInterval);
      }
      // A kick that arrived while arming (an enqueue, a finished job) must not be lost.
    } while (this.#again && this.#state === "started");
  }

  async #pass(): Promise<void> {
    const now = this.clock.now();
    this.#passNow = now;
    if (this.#running.size > 0 && now >= this.#nextRenewAt) await this.#renew(now);
    if (this.#state !== "started" || this.#paused) return;
    if (now >= this.#nextCleanupAt) {
      this.#nextCleanupAt = now + 60_000;
      await this.store.cleanup(now);
    }
    if (await this.store.getMeta(LOCK_KEY) !== null) return;
    if (this.#halted()) return;
    if (this.#roles.schedules) await this.#fireDue(now);
    if (this.#roles.jobs) await this.#claim(now);
    if (this.store.shared && this.#results.size > 0 && now >= this.#nextPollAt) {
      this.#nextPollAt = now + this.#pollInterval;
      await this.#results.poll((id) => this.#running.has(id));
    }
  }

  async #fireDue(now: number): Promise<void> {
    const batch = 256;
    for (;;) {
      const claimed = await this.store.claimDueSchedules(now, this.identity, this.#leaseMs, batch);
      const created = await Promise.all(claimed.map((c) => fireSchedule(this.#fireHost, c, now)));
      if (created.some((n) => n > 0)) {
        this.#again = true;
        // Start the first batch's jobs before firing the next batch.
        if (this.#roles.jobs) await this.#claim(now);
      }
      if (claimed.length < batch) return;
    }
  }

  async #claim(now: number): Promise<void> {
    // Tasks without a per-process limit are claimed together; each limited task separately,
    // so the store never hands this process more of a task than its maxInstances allows.
    const open: string[] = [];
    const limited: TaskEntry[] = [];
    for (const t of this.#tasks.values()) {
      if (t.maxInstances === Infinity) open.push(t.name);
      else if (t.running < t.maxInstances) limited.push(t);
    }
    if (open.length > 0) await this.#claimFor(now, open, Infinity);
    for (const t of limited) await this.#claimFor(now, [t.name], t.maxInstances - t.running);
  }

  async #claimFor(now: number, tasks: string[], cap: number): Promise<void> {
    const free = this.#concurrency - this.#running.size;
    if (free <= 0 || this.#halted()) return;
    const limit = Math.min(free, cap, 1000, this.#budgetLeft());
    const jobs = await this.store.claimJobs(now, this.identity, this.#leaseMs, limit, { tasks });
    for (const b of this.#budgets) b.left -= jobs.length;
    for (const job of jobs) {
      const task = this.#tasks.get(job.task)!;
      task.running++;
      const run = startJob(this.#runnerHost, task, job);
      this.#running.set(job.id, run);
      void run.done.then(() => {
        task.running--;
        this.#running.delete(job.id);
        if (this.#running.size === 0) this.#nextRenewAt = Infinity;
        this.#kick();
      });
    }
    if (jobs.length > 0 && this.#nextRenewAt === Infinity) {
      this.#nextRenewAt = now + Math.floor(this.#leaseMs / 3);
    }
    if (jobs.length === limit && limit < cap) this.#again = true;
  }

  /** In manual mode, work starts only inside runDue(), within its budget and signal. */
  #halted(): boolean {
    if (!this.#manual) return false;
    if (this.#runs === 0) return true;
    for (const b of this.#budgets) if (b.left <= 0 || b.signal?.aborted) return true;
    return false;
  }

  #budgetLeft(): number {
    let left = Infinity;
    for (const b of this.#budgets) left = Math.min(left, b.left);
    return left;
  }

  async #renew(now: number): Promise<void> {
    this.#nextRenewAt = now + Math.floor(this.#leaseMs / 3);
    const ids = [...this.#running.keys()];
    const { lost, cancelRequested } = await this.store.renewJobs(
      ids,
      this.identity,
      now + this.#leaseMs,
    );
    for (const id of lost) {
      this.#running.get(id)?.abort(new LeaseLostError(id));
    }
    for (const id of cancelRequested) {
      this.#running.get(id)?.abort(new JobCancelledError(id));
    }
  }

  async #arm(): Promise<void> {
    if (this.#state !== "started" && this.#state !== "stopping") return;
    const now = this.clock.now();
    let at = this.#nextRenewAt;
    // In manual mode the platform's own alarm wakes runDue(); timers only renew leases.
    if (this.#state === "started" && !this.#paused && !this.#manual) {
      const due = await this.store.nextWakeup();
      // Due at or before the instant the pass worked with, yet still there: the pass could not
      // take it (unknown task, full concurrency, lock), so look again soon instead of spinning.
      // Anything that fell due while the pass ran is armed for at once.
      if (due !== null) {
        at = Math.min(at, due <= this.#passNow ? now + this.#pollInterval : due);
      }
      at = Math.min(at, this.#nextCleanupAt);
      if (this.store.shared) at = Math.min(at, now + this.#pollInterval);
    }
    if (at === Infinity) this.#waker.disarm();
    else this.#waker.arm(at);
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Emits `scheduler:error`. Used for errors outside handlers; never throws. */
  reportError(error: unknown, context: string): void {
    this.emit("scheduler:error", () => ({ error, context }));
  }

  /** What the job runner and the firing code need from this scheduler; built once. */
  #runnerHost: RunnerHost;

  #finishing: Array<{ id: string; outcome: JobOutcome; done: PromiseWithResolvers<boolean> }> = [];

  /**
   * Records a job's outcome. Where the store can finish many jobs in one step, outcomes that
   * arrive in the same turn (jobs started together run in lockstep) are written together.
   */
  #finish(id: string, outcome: JobOutcome): Promise<boolean> {
    if (!this.store.finishJobs) return this.store.finishJob(id, this.identity, outcome);
    const done = Promise.withResolvers<boolean>();
    this.#finishing.push({ id, outcome, done });
    if (this.#finishing.length === 1) queueMicrotask(() => void this.#flushFinishes());
    return done.promise;
  }

  async #flushFinishes(): Promise<void> {
    const batch = this.#finishing;
    this.#finishing = [];
    try {
      const items = batch.map(({ id, outcome }) => ({ id, outcome }));
      const recorded = new Set(await this.store.finishJobs!(this.identity, items));
      for (const b of batch) b.done.resolve(recorded.has(b.id));
    } catch (error) {
      for (const b of batch) b.done.reject(error);
    }
  }

  #fireHost: FireHost;

  #scheduleContext() {
    return {
      now: this.clock.now(),
      timezone: this.timezone,
      codec: this.#codec,
      defaults: this.#scheduleDefaults,
    };
  }

  #newJob(spec: {
    id: string;
    task: string;
    scheduleId: string | null;
    at: number;
    payload: string;
    resultTtl: number | null;
    runAt?: number;
  }): JobRecord {
    return {
      id: spec.id,
      task: spec.task,
      scheduleId: spec.scheduleId,
      scheduledAt: spec.at,
      runAt: spec.runAt ?? spec.at,
      status: "pending",
      payload: spec.payload,
      result: null,
      error: null,
      attempts: 0,
      maxAttempts: null,
      timeout: null,
      resultTtl: spec.resultTtl,
      concurrencyKey: null,
      concurrencyLimit: null,
      progress: null,
      cancelRequested: false,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: this.clock.now(),
      startedAt: null,
      finishedAt: null,
      expiresAt: null,
    };
  }

  async #insertJob(job: JobRecord): Promise<void> {
    if (await this.store.insertJob(job)) {
      this.emit("job:created", () => ({
        jobId: job.id,
        task: job.task,
        scheduleId: job.scheduleId,
        runAt: instant(job.runAt),
      }));
      this.#kick();
    }
  }

  #handle<R>(id: string): JobHandle<R> {
    return {
      id,
      result: (options) =>
        this.#results.wait(
          id,
          this.clock.now(),
          this.#state === "stopped",
          options?.signal,
        ) as Promise<
          R
        >,
      info: () => this.getJob<R>(id),
      cancel: () => this.cancelJob(id),
    };
  }

  #allDone(): Promise<unknown> {
    return Promise.all([...this.#running.values()].map((r) => r.done));
  }

  async #writeSchedule(
    record: ScheduleRecord,
    event: "schedule:updated" | "schedule:paused" | "schedule:resumed",
  ): Promise<ScheduleInfo> {
    const updated = { ...record, updatedAt: this.clock.now() };
    const stored = await this.store.updateSchedule(updated);
    if (!stored) throw new NotFoundError("schedule", record.id);
    this.emit(event, () => ({ scheduleId: record.id }));
    this.#kick();
    return this.#scheduleInfo(stored);
  }

  async #mustGetSchedule(id: string): Promise<ScheduleRecord> {
    const record = await this.store.getSchedule(checkId(id));
    if (!record) throw new NotFoundError("schedule", id);
    return record;
  }

  #scheduleInfo(record: ScheduleRecord): Promise<ScheduleInfo> {
    return toScheduleInfo(record, this.#codec);
  }

  #jobInfo(job: JobRecord): Promise<JobInfo> {
    return toJobInfo(job, this.#codec);
  }

  #assertTask(name: string | undefined): void {
    if (typeof name !== "string") {
      throw new TypeError("Invalid task: expected a task name or a task handle");
    }
    // Processes that only enqueue or only fire schedules need not register handlers; they
    // declare the names they may use with `roles` and run no jobs.
    if (!this.#tasks.has(name) && this.#roles.jobs) throw new UnknownTaskError(name);
  }

  #assertUsable(): void {
    if (this.#state === "stopped" || this.#state === "stopping") {
      throw new SchedulerStoppedError(
        "Scheduler is stopped (create a new Scheduler on the same store to continue)",
      );
    }
  }

  /** Emits a typed event; `detail` is only built when someone listens. */
  protected emit<K extends keyof SchedulerEventMap>(
    type: K,
    detail: () => SchedulerEventMap[K],
  ): void {
    if (this.hasListeners(type)) this.dispatchEvent(new CustomEvent(type, { detail: detail() }));
  }
}

function randomId(): string {
  return crypto.randomUUID();
}
