/**
 * `durableScheduler()`: a Durable Object class whose one alarm runs every schedule and job the
 * object holds, with the store in the object's SQLite storage and an RPC entry point for
 * {@linkcode schedulerClient}.
 * @module
 */

import type { Clock } from "../../src/clock.ts";
import { systemClock } from "../../src/clock.ts";
import { OPERATION_BY_NAME, runOperation } from "../../src/admin/operations.ts";
import { plain } from "../../src/admin/plain.ts";
import type { JobHandle } from "../../src/types.ts";
import { Scheduler, type SchedulerOptions } from "../../src/scheduler/scheduler.ts";
import { SqlStore } from "../../src/store/sql/sql_store.ts";
import { TimerWaker, type Waker } from "../../src/waker.ts";
import { noWorkers } from "../../src/engine/handler_module.ts";
import { DurableAlarm } from "./_alarm.ts";
import { durableObjectDriver, newMetrics, type StorageMetrics } from "./driver.ts";
import type { AlarmInvocationInfo, DurableObjectBase, DurableObjectStateLike } from "./types.ts";
import { errorToWire, type WireRequest, type WireResponse } from "./wire.ts";

/** Options for {@linkcode durableScheduler}: the scheduler's, minus what the object supplies. */
export interface DurableSchedulerOptions
  extends Omit<SchedulerOptions, "store" | "waker" | "keepAlive" | "concurrency" | "executor"> {
  /**
   * Jobs one `alarm()` starts before it stops claiming; the alarm is then re-armed at once for
   * the rest. Also the number of jobs that run at once.
   * @default 50
   */
  maxJobsPerAlarm?: number;
  /**
   * Milliseconds after which one `alarm()` starts no new work (it still waits for the jobs it
   * started, up to ten minutes); the alarm is then re-armed at once for the rest.
   * @default 30000
   */
  alarmBudget?: number;
  /**
   * Milliseconds to wait before looking again at work that is due but could not run (a job of
   * a task this class does not register, or the store-wide lock), instead of waking at once.
   * @default 60000
   */
  stuckRetry?: number;
}

/** Registers tasks (and, if wanted, declares schedules) when the object wakes. */
export type SchedulerSetup<Env> = (
  scheduler: Scheduler,
  env: Env,
  ctx: DurableObjectStateLike,
) => void | Promise<void>;

/** The members a {@linkcode durableScheduler} class adds to the Durable Object. */
export interface DurableSchedulerObject {
  /** The object's scheduler (usable once `ready` resolves). */
  readonly scheduler: Scheduler;
  /** Storage rows and alarm calls since the object woke. */
  readonly metrics: StorageMetrics;
  /** Resolves once the store is open and the setup has run. */
  readonly ready: Promise<void>;
  /** Runs due schedules and jobs. Called by the platform; never throws for handler errors. */
  alarm(info?: AlarmInvocationInfo): Promise<void>;
  /** The RPC entry point {@linkcode schedulerClient} calls. */
  everywhen(request: WireRequest): Promise<WireResponse>;
}

/**
 * A Durable Object class built by {@linkcode durableScheduler}. Its instances are also instances
 * of the base class (so a Workers project's `DurableObject` brand carries over).
 */
export type DurableSchedulerClass<Env, Instance extends object = object> = new (
  ctx: DurableObjectStateLike,
  env: Env,
) => Instance & DurableSchedulerObject;

/** Longest one `alarm()` waits for the jobs it started (the platform stops it at 15 min). */
const MAX_ALARM_WAIT = 10 * 60_000;

/**
 * Builds a Durable Object class (extend it and export it) whose scheduler keeps its schedules
 * and jobs in the object's SQLite storage and is woken by the object's one alarm.
 *
 * Outside `alarm()` the scheduler only records changes (every write moves the alarm in the same
 * storage transaction); due work runs in `alarm()`, at most `maxJobsPerAlarm` jobs or
 * `alarmBudget` ms of starting work per call, then the alarm is re-armed for the rest.
 *
 * @param Base `DurableObject` from `cloudflare:workers` (RPC needs it as the base class).
 * @param setup Registers the tasks; runs once each time the object wakes.
 * @param options Scheduler and alarm options, or a function of `env` and `ctx` returning them.
 * @returns The class to extend.
 * @example
 * ```ts ignore
 * import { DurableObject } from "cloudflare:workers";
 * import { durableScheduler } from "@everywhen/everywhen/cloudflare";
 *
 * export class Jobs extends durableScheduler(DurableObject, (scheduler) => {
 *   scheduler.task("report", async (p: { to: string }) => ({ sentTo: p.to }), { retries: 3 });
 * }) {}
 * ```
 */
export function durableScheduler<Env, Instance extends object = object>(
  Base: DurableObjectBase<Env, Instance>,
  setup: SchedulerSetup<Env>,
  options:
    | DurableSchedulerOptions
    | ((env: Env, ctx: DurableObjectStateLike) => DurableSchedulerOptions) = {},
): DurableSchedulerClass<Env, Instance> {
  const Parent = Base as unknown as new (ctx: DurableObjectStateLike, env: Env) => object;
  return class DurableScheduler extends Parent implements DurableSchedulerObject {
    readonly metrics: StorageMetrics = newMetrics();
    readonly ready: Promise<void>;
    #scheduler: Scheduler | undefined;
    #alarm: DurableAlarm;
    #inAlarm = false;
    #maxJobs: number;
    #budget: number;
    #stuckRetry: number;
    #clock: Clock;

    constructor(ctx: DurableObjectStateLike, env: Env) {
      super(ctx, env);
      const opts = typeof options === "function" ? options(env, ctx) : options;
      // What the object supplies itself; the Scheduler refuses every other unknown key.
      for (const key of ["store", "waker", "keepAlive", "concurrency", "executor"]) {
        if (opts !== null && typeof opts === "object" && key in opts) {
          throw new TypeError(
            `Invalid durableScheduler options: ${JSON.stringify(key)} is set by the Durable Object`,
          );
        }
      }
      const {
        maxJobsPerAlarm = 50,
        alarmBudget = 30_000,
        stuckRetry = 60_000,
        ...schedulerOptions
      } = opts;
      this.#maxJobs = positive(maxJobsPerAlarm, "maxJobsPerAlarm");
      this.#budget = positive(alarmBudget, "alarmBudget");
      this.#stuckRetry = positive(stuckRetry, "stuckRetry");
      this.#clock = schedulerOptions.clock ?? systemClock();
      const report = (error: unknown) => this.#scheduler?.reportError(error, "setting the alarm");
      this.#alarm = new DurableAlarm(ctx.storage, this.#clock, this.metrics, report);
      const driver = durableObjectDriver(ctx.storage, this.metrics, () => {
        if (!this.#inAlarm) this.#alarm.set(this.#alarm.earliest());
      });
      this.ready = ctx.blockConcurrencyWhile(async () => {
        const store = await SqlStore.open(driver, {
          shared: false,
          name: "durable-object",
          // One object, one instance: a fire's job needs no lease (one billed row fewer).
          soleWriter: true,
        });
        const scheduler = new Scheduler({
          ...schedulerOptions,
          clock: this.#clock,
          concurrency: this.#maxJobs,
          // Work starts only inside alarm() (runDue); outside it the scheduler records changes.
          runMode: "manual",
          store,
          // In memory only: lease renewals and timers while the object is awake. Anything the
          // store holds is covered by the durable alarm.
          waker: (wake, clock): Waker => new TimerWaker(clock, wake),
          // No threads in workerd: a task registered with `workers` is refused, saying so.
          executor: noWorkers,
          // Spawned work keeps the invocation that spawned it alive until it settles.
          ...(schedulerOptions.waitUntil || !ctx.waitUntil
            ? {}
            : { waitUntil: (promise: Promise<unknown>) => ctx.waitUntil!(promise) }),
        });
        scheduler.on("job:started", () => {
          this.metrics.jobsStarted++;
        });
        scheduler.on("job:created", (d) => {
          if (d.scheduleId !== null) this.metrics.fires++;
        });
        scheduler.start();
        this.#scheduler = scheduler;
        await setup(scheduler, env, ctx);
        // Every wake-up re-checks: a missing or stale alarm is repaired, overdue rows are due.
        await this.#alarm.load();
        this.#alarm.set(this.#alarm.earliest());
      });
    }

    get scheduler(): Scheduler {
      if (!this.#scheduler) throw new Error("The scheduler is not ready yet (await this.ready)");
      return this.#scheduler;
    }

    async alarm(_info?: AlarmInvocationInfo): Promise<void> {
      await this.ready;
      const scheduler = this.scheduler;
      this.metrics.alarms++;
      this.#alarm.consumed();
      this.#inAlarm = true;
      const startedAt = this.#clock.now();
      const before = this.metrics.jobsStarted + this.metrics.fires;
      // After the time budget the run starts nothing new; it still waits for what it started.
      const stop = new AbortController();
      const budget = this.#clock.setTimer(() => stop.abort(), this.#budget);
      let timer: unknown;
      const tooLong = new Promise<void>((r) => (timer = this.#clock.setTimer(r, MAX_ALARM_WAIT)));
      try {
        await Promise.race([
          scheduler.runDue({ maxJobs: this.#maxJobs, signal: stop.signal }),
          tooLong,
        ]);
      } finally {
        this.#clock.clearTimer(budget);
        this.#clock.clearTimer(timer);
        this.#inAlarm = false;
        const progress = this.metrics.jobsStarted + this.metrics.fires > before;
        const next = this.#alarm.earliest();
        // Still due although this run could not take it: look again later, not at once.
        const stuck = next !== null && next <= startedAt && !progress;
        this.#alarm.set(stuck ? this.#clock.now() + this.#stuckRetry : next);
      }
    }

    async everywhen(request: WireRequest): Promise<WireResponse> {
      try {
        await this.ready;
        return { ok: true, value: await this.#call(request) };
      } catch (error) {
        return { ok: false, error: errorToWire(error) };
      }
    }

    /** Runs an admin operation from the table (src/admin/operations.ts) on this object. */
    async #call({ op, input }: WireRequest): Promise<unknown> {
      if (op === "metrics") return { ...this.metrics };
      const operation = OPERATION_BY_NAME.get(op);
      if (!operation) throw new TypeError(`Unknown operation: ${JSON.stringify(op)}`);
      const result = await runOperation(this.scheduler, operation, input);
      return operation.output === "handle" ? (result as JobHandle).id : plain(result);
    }
  } as unknown as DurableSchedulerClass<Env, Instance>;
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || !(value > 0)) {
    throw new RangeError(`Invalid ${name}: ${String(value)} (expected a number > 0)`);
  }
  return value;
}
