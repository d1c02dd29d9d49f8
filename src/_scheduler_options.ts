/**
 * Scheduler options: their types, defaults and validation. `resolveOptions` checks everything
 * before the scheduler exists, so a bad option fails the constructor and nothing else.
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import { type Codec, jsonCodec } from "./codec.ts";
import { MemoryStore } from "./memory_store.ts";
import {
  checkBackoff,
  checkBoolean,
  checkEnum,
  checkId,
  checkInt,
  durationOr,
} from "./_options.ts";
import type { TaskEntry } from "./_runner.ts";
import type { ScheduleDefaults } from "./_schedules.ts";
import type { Store } from "./store.ts";
import { validateTimeZone } from "./time.ts";
import type { TaskOptions } from "./types.ts";
import type { WakerFactory } from "./waker.ts";

/** Options for `new Scheduler()`. */
export interface SchedulerOptions {
  /** Where schedules and jobs live. @default new MemoryStore() */
  store?: Store;
  /** Time source and timers. @default systemClock({ keepAlive }) */
  clock?: Clock;
  /** Keep the process alive while idle (real clock only). @default false */
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
  /** How often to look for work written by other processes (shared stores only). @default 1000 */
  pollInterval?: number;
  /** Lease length for claimed schedules and jobs; renewed at a third of it. @default 30000 */
  leaseTime?: number;
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
  taskDefaults: Pick<TaskEntry, "retries" | "backoff" | "timeout" | "resultTtl">;
  pollInterval: number;
  leaseMs: number;
  random: () => number;
  manual: boolean;
}

/**
 * Validates scheduler options and fills in defaults.
 * @param options What the caller passed.
 * @returns The resolved options.
 */
export function resolveOptions(options: SchedulerOptions): ResolvedOptions {
  const d = options.defaults ?? {};
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
    store: options.store ?? new MemoryStore(),
    clock: options.clock ??
      systemClock({ keepAlive: checkBoolean(options.keepAlive ?? true, "keepAlive") }),
    timezone: validateTimeZone(options.timezone ?? "UTC", "timezone"),
    identity: checkId(options.identity ?? crypto.randomUUID(), "identity"),
    codec: options.codec ?? jsonCodec,
    concurrency: checkInt(options.concurrency ?? 100, "concurrency", 1, true),
    maxPending: checkInt(options.maxPending ?? Infinity, "maxPending", 1, true),
    roles: {
      schedules: checkBoolean(options.roles?.schedules ?? true, "roles.schedules"),
      jobs: checkBoolean(options.roles?.jobs ?? true, "roles.jobs"),
    },
    scheduleDefaults,
    taskDefaults: {
      retries: checkInt(d.retries ?? 0, "defaults.retries", 0),
      backoff: checkBackoff(d.backoff, "defaults.backoff"),
      timeout: durationOr(d.timeout, "defaults.timeout", 0),
      resultTtl: durationOr(d.resultTtl, "defaults.resultTtl", 86_400_000),
    },
    pollInterval: checkInt(options.pollInterval ?? 1000, "pollInterval", 1),
    leaseMs: checkInt(options.leaseTime ?? 30_000, "leaseTime", 1),
    random: options.random ?? Math.random,
    manual: checkEnum(options.runMode ?? "auto", "runMode", ["auto", "manual"]) === "manual",
  };
}
