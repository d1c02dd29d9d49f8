/**
 * Scheduler options: their types, defaults and validation. `resolveOptions` checks everything
 * before the scheduler exists, so a bad option fails the constructor and nothing else.
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { type Codec, jsonCodec } from "../codec.ts";
import { MemoryStore } from "../store/memory_store.ts";
import {
  checkBackoff,
  checkBoolean,
  checkEnum,
  checkId,
  checkInt,
  describe,
  durationOr,
} from "../_options.ts";
import { checkKeys } from "../_keys.ts";
import type { TaskDefaults } from "../engine/_tasks.ts";
import { BACKOFF_KEYS } from "./_task_entry.ts";
import type { Coalesce, Overlap, Store } from "../store/store.ts";
import { type DurationInput, validateTimeZone } from "../time.ts";
import type { TaskOptions } from "../types.ts";
import type { WakerFactory } from "../waker.ts";
import type { ExecutorFactory } from "../engine/executor.ts";
import { checkLogger, checkLogLevel, type Logger, type LogLevel } from "./logging.ts";

/** Scheduler-wide schedule defaults. */
export interface ScheduleDefaults {
  /** Which of several overdue fires run. @default "latest" */
  coalesce?: Coalesce;
  /** How late a fire may start; later ones are `missed`. @default null (no limit) */
  misfireGraceTime?: DurationInput | null;
  /** Jobs of one schedule pending or running at once, across all processes. @default 1 */
  maxInstances?: number;
  /** What a fire beyond `maxInstances` does: `"skip"` it or `"queue"` it. @default "skip" */
  overlap?: Overlap;
  /** Random delay at most added to each run, never past the following fire. @default 0 */
  jitter?: DurationInput;
}

/** Options for `new Scheduler()`. */
export interface SchedulerOptions {
  /** Where schedules and jobs live. @default new MemoryStore() */
  store?: Store;
  /** Time source and timers. @default systemClock({ keepAlive }) */
  clock?: Clock;
  /**
   * Keep the process alive while the scheduler has work ahead: a fire or job due, a job running,
   * or an awaited `job.result()` (real clock only). `false` lets the process exit whenever
   * nothing else holds it. @default true
   */
  keepAlive?: boolean;
  /** Zone for cron and calendar triggers created without one. @default "UTC" */
  timezone?: string;
  /** Jobs running at once in this process. @default 100 */
  concurrency?: number;
  /** Pending jobs allowed in the store before `enqueue` refuses. @default Infinity */
  maxPending?: number;
  /** This process's name in leases; must be unique among processes sharing a store. @default random */
  identity?: string;
  /** What this process does: fire schedules, run jobs, both, or neither. @default both */
  roles?: { schedules?: boolean; jobs?: boolean };
  /** Defaults for schedules and tasks. */
  defaults?: ScheduleDefaults & Pick<TaskOptions, "retries" | "backoff" | "timeout" | "resultTtl">;
  /**
   * How often to look for work written by other processes (shared stores only): ms or any
   * duration form (`"PT1S"`, `{ seconds: 1 }`). @default 1000
   */
  pollInterval?: DurationInput;
  /**
   * Lease length for claimed schedules and jobs, renewed at a third of it: ms or any duration
   * form (`"PT30S"`). @default 30000
   */
  leaseTime?: DurationInput;
  /** How payloads and results are stored (e.g. encrypted). @default JSON */
  codec?: Codec;
  /** Builds the waker. @default a TimerWaker on `clock` */
  waker?: WakerFactory;
  /** Random source for jitter and backoff (tests pass a seeded one). @default Math.random */
  random?: () => number;
  /**
   * `"auto"`: the scheduler wakes itself with its waker. `"manual"`: work runs only inside
   * `runDue()`, for platforms whose own alarm wakes the process (Durable Objects). Writes
   * (schedule, enqueue…) work the same in both. @default "auto"
   */
  runMode?: "auto" | "manual";
  /**
   * Builds the worker pool of a task registered with a handler module (`{ module }`): pass
   * `workerExecutor` from `"@everywhen/everywhen/workers"`. Without it such tasks are refused.
   */
  executor?: ExecutorFactory;
  /**
   * Where the scheduler logs (console-like: `debug`, `info`, `warn`, `error`, structured fields
   * as the second argument). `null` silences it. @default console
   */
  logger?: Logger | null;
  /** The least severe level logged. @default "warn" */
  logLevel?: LogLevel;
  /**
   * `spawn()` calls that may wait for a free slot; beyond it `spawn` refuses with a
   * `QueueFullError`. @default 10000
   */
  spawnPendingLimit?: number;
  /**
   * Hands each spawned closure's completion to the platform, e.g. a Worker's or Durable
   * Object's `ctx.waitUntil`, so the isolate lives until it settles.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** Options for `runDue`. */
export interface RunDueOptions {
  /** Jobs this run may start at most; the rest stays due. @default Infinity */
  maxJobs?: number;
  /** Once aborted, the run starts nothing new (running jobs still finish). */
  signal?: AbortSignal;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  store: Store;
  clock: Clock;
  timezone: string;
  identity: string;
  codec: Codec;
  concurrency: number;
  maxPending: number;
  roles: { schedules: boolean; jobs: boolean };
  scheduleDefaults: ScheduleDefaults;
  taskDefaults: TaskDefaults;
  pollInterval: number;
  leaseMs: number;
  waker: WakerFactory | undefined;
  random: () => number;
  manual: boolean;
  executor: ExecutorFactory | undefined;
  logger: Logger | null;
  logLevel: LogLevel;
  spawnPendingLimit: number;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

/**
 * Validates scheduler options and fills in defaults.
 * @param options What the caller passed.
 * @returns The resolved options.
 */
export function resolveOptions(options: SchedulerOptions | undefined): ResolvedOptions {
  const o = checkKeys(options, SCHEDULER_KEYS, "scheduler options");
  const d = checkKeys(o.defaults, DEFAULTS_KEYS, "scheduler options.defaults");
  const roles = checkKeys(o.roles, ["schedules", "jobs"], "scheduler options.roles");
  const scheduleDefaults: ScheduleDefaults = {
    coalesce: checkEnum(d.coalesce ?? "latest", "defaults.coalesce", ["latest", "earliest", "all"]),
    misfireGraceTime: d.misfireGraceTime ?? null,
    maxInstances: checkInt(d.maxInstances ?? 1, "defaults.maxInstances", 1),
    overlap: checkEnum(d.overlap ?? "skip", "defaults.overlap", ["skip", "queue"]),
    jitter: d.jitter ?? 0,
  };
  durationOr(scheduleDefaults.misfireGraceTime ?? undefined, "defaults.misfireGraceTime", 0);
  durationOr(scheduleDefaults.jitter, "defaults.jitter", 0);
  return {
    store: o.store === undefined ? new MemoryStore() : checkShape(o.store, "store", STORE_METHODS),
    clock: o.clock === undefined
      ? systemClock({ keepAlive: checkBoolean(o.keepAlive ?? true, "keepAlive") })
      : checkShape(o.clock, "clock", ["now", "setTimer", "clearTimer"]),
    timezone: validateTimeZone(o.timezone ?? "UTC", "timezone"),
    identity: checkId(o.identity ?? crypto.randomUUID(), "identity"),
    codec: o.codec === undefined ? jsonCodec : checkShape(o.codec, "codec", ["encode", "decode"]),
    concurrency: checkInt(o.concurrency ?? 100, "concurrency", 1, true),
    maxPending: checkInt(o.maxPending ?? Infinity, "maxPending", 1, true),
    roles: {
      schedules: checkBoolean(roles.schedules ?? true, "roles.schedules"),
      jobs: checkBoolean(roles.jobs ?? true, "roles.jobs"),
    },
    scheduleDefaults,
    taskDefaults: {
      retries: checkInt(d.retries ?? 0, "defaults.retries", 0),
      backoff: checkBackoff(
        d.backoff === undefined
          ? undefined
          : checkKeys(d.backoff, BACKOFF_KEYS, "scheduler options.defaults.backoff"),
        "defaults.backoff",
      ),
      timeout: durationOr(d.timeout, "defaults.timeout", 0),
      resultTtl: durationOr(d.resultTtl, "defaults.resultTtl", 86_400_000),
    },
    pollInterval: durationOr(o.pollInterval, "pollInterval", 1000, false),
    leaseMs: durationOr(o.leaseTime, "leaseTime", 30_000, false),
    waker: o.waker === undefined ? undefined : checkFunction(o.waker, "waker"),
    random: o.random === undefined ? Math.random : checkFunction(o.random, "random"),
    manual: checkEnum(o.runMode ?? "auto", "runMode", ["auto", "manual"]) === "manual",
    executor: o.executor === undefined ? undefined : checkFunction(o.executor, "executor"),
    logger: checkLogger(o.logger),
    logLevel: checkLogLevel(o.logLevel),
    spawnPendingLimit: checkInt(o.spawnPendingLimit ?? 10_000, "spawnPendingLimit", 0, true),
    waitUntil: o.waitUntil === undefined ? undefined : checkFunction(o.waitUntil, "waitUntil"),
  };
}

const SCHEDULER_KEYS: readonly (keyof SchedulerOptions)[] = [
  "store",
  "clock",
  "keepAlive",
  "timezone",
  "concurrency",
  "maxPending",
  "identity",
  "roles",
  "defaults",
  "pollInterval",
  "leaseTime",
  "codec",
  "waker",
  "random",
  "runMode",
  "executor",
  "logger",
  "logLevel",
  "spawnPendingLimit",
  "waitUntil",
];

const DEFAULTS_KEYS: readonly string[] = [
  "coalesce",
  "misfireGraceTime",
  "maxInstances",
  "overlap",
  "jitter",
  "retries",
  "backoff",
  "timeout",
  "resultTtl",
];

/** The Store methods the scheduler calls (optional capabilities such as `watch` excluded). */
const STORE_METHODS: readonly (keyof Store)[] = [
  "putSchedule",
  "getSchedule",
  "listSchedules",
  "updateSchedule",
  "removeSchedule",
  "claimDueSchedules",
  "releaseSchedule",
  "insertJob",
  "getJob",
  "listJobs",
  "countJobs",
  "claimJobs",
  "renewJobs",
  "finishJob",
  "retryJob",
  "setProgress",
  "cancelJob",
  "nextWakeup",
  "cleanup",
  "getMeta",
  "setMeta",
];

/** Checks that a port has the methods the scheduler calls, so a wrong object fails here. */
function checkShape<T>(value: T, name: string, methods: readonly string[]): T {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`Invalid ${name}: expected an object, got ${describe(value)}`);
  }
  const missing = methods.filter((m) =>
    typeof (value as Record<string, unknown>)[m] !== "function"
  );
  if (missing.length > 0) {
    throw new TypeError(
      `Invalid ${name}: missing method${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
  }
  return value;
}

function checkFunction<T>(value: T, name: string): T {
  if (typeof value !== "function") {
    throw new TypeError(`Invalid ${name}: expected a function, got ${describe(value)}`);
  }
  return value;
}
