/**
 * `schedulerClient()`: the typed client a Worker uses to reach a {@linkcode durableScheduler}
 * object over RPC, with the same results and the same typed errors as the in-process API.
 * @module
 */

import { assertJson, type JsonValue } from "../../src/json.ts";
import type { InstantInput } from "../../src/time.ts";
import { Temporal } from "../../src/temporal.ts";
import type { Trigger } from "../../src/triggers/mod.ts";
import type {
  EnqueueOptions,
  JobHandle,
  JobInfo,
  ListJobsOptions,
  ScheduleInfo,
  ScheduleOptions,
  SchedulePatch,
} from "../../src/types.ts";
import type { StorageMetrics } from "./_driver.ts";
import type { DurableObjectNamespaceLike, DurableObjectStubLike } from "./_types.ts";
import {
  errorFromWire,
  jobFromWire,
  scheduleFromWire,
  toWire,
  type WireRequest,
  type WireResponse,
} from "./_wire.ts";

/** Options of a schedule created through the client: the task is given by name. */
export type ClientScheduleOptions<P = JsonValue> = Omit<ScheduleOptions<P>, "task"> & {
  /** The task's name, as registered in the object's setup. */
  task: string;
};

/** Filter for {@linkcode SchedulerClient.listSchedules}. */
export interface ClientScheduleFilter {
  /** Only this task's schedules. */
  task?: string;
  /** Only paused (or only active) schedules. */
  paused?: boolean;
  /** At most this many. */
  limit?: number;
  /** Skip this many. */
  offset?: number;
}

/** The scheduler of one Durable Object, reached over RPC. Mirrors `Scheduler`'s API. */
export interface SchedulerClient {
  /** The object's name (`idFromName`). */
  readonly name: string;
  /** Adds, replaces or keeps a schedule (see `Scheduler.schedule`). */
  schedule<P = JsonValue>(options: ClientScheduleOptions<P>): Promise<ScheduleInfo<P>>;
  /** Reads a schedule. @returns The schedule, or `null`. */
  getSchedule(id: string): Promise<ScheduleInfo | null>;
  /** Lists schedules. @returns Schedules ordered by id. */
  listSchedules(filter?: ClientScheduleFilter): Promise<ScheduleInfo[]>;
  /** Changes a schedule (see `Scheduler.updateSchedule`). */
  updateSchedule<P = JsonValue>(id: string, patch: SchedulePatch<P>): Promise<ScheduleInfo>;
  /** Replaces a schedule's trigger. */
  reschedule(id: string, trigger: Trigger): Promise<ScheduleInfo>;
  /** Pauses a schedule; it stays paused across restarts. */
  pauseSchedule(id: string): Promise<ScheduleInfo>;
  /** Resumes a schedule, from now or from an instant in the past (misfire policy applies). */
  resumeSchedule(id: string, options?: { from?: InstantInput }): Promise<ScheduleInfo>;
  /** Removes a schedule; its jobs are kept. @returns whether it existed. */
  removeSchedule(id: string): Promise<boolean>;
  /** Creates a job of the schedule now. */
  runNow(id: string): Promise<JobHandle>;
  /** Previews a schedule. @returns Its next fire instants. */
  nextRuns(id: string, count?: number): Promise<Temporal.Instant[]>;
  /** Enqueues a job (see `Scheduler.enqueue`). */
  enqueue<R = JsonValue>(
    task: string,
    payload?: JsonValue,
    options?: EnqueueOptions,
  ): Promise<JobHandle<R>>;
  /** A handle on a job id (the job need not exist yet). @returns The handle. */
  job<R = JsonValue>(id: string): JobHandle<R>;
  /** Reads a job. @returns The job, or `null`. */
  getJob<R = JsonValue>(id: string): Promise<JobInfo<R> | null>;
  /** Lists jobs. @returns Jobs matching the filter, newest first. */
  listJobs(options?: ListJobsOptions): Promise<JobInfo[]>;
  /** Cancels a job. @returns whether it was pending or running. */
  cancelJob(id: string): Promise<boolean>;
  /** Sets or lifts the object's kill switch. */
  setLock(locked: boolean, reason?: string): Promise<void>;
  /** Reads the kill switch. @returns The lock's reason, or `null`. */
  getLock(): Promise<string | null>;
  /** Reads the object's counters. @returns Storage rows and alarm calls since it last woke. */
  metrics(): Promise<StorageMetrics>;
}

/**
 * A client for the scheduler object named `name` in `namespace` (one object per name, so
 * schedulers shard by name: a tenant, a region, a queue). Works from any Worker handler
 * (`fetch`, `scheduled`, `queue`) and from other Durable Objects.
 *
 * Arguments are checked where the in-process API would check them, and errors arrive as the
 * same classes with the same messages (`TypeError`, `RangeError`, `SyntaxError`,
 * `UnknownTaskError`, `ConflictError`, `NotFoundError`, ...).
 *
 * @param namespace The Durable Object binding, e.g. `env.SCHEDULER`.
 * @param name The object's name.
 * @returns The client.
 * @example
 * ```ts ignore
 * import { cron } from "@everywhen/everywhen";
 * import { schedulerClient } from "@everywhen/everywhen/cloudflare";
 *
 * export default {
 *   async fetch(_request: Request, env: { SCHEDULER: DurableObjectNamespace }) {
 *     const scheduler = schedulerClient(env.SCHEDULER, "tenant-42");
 *     await scheduler.schedule({ id: "daily", task: "report", trigger: cron("0 9 * * *") });
 *     const job = await scheduler.enqueue("report", { to: "me" }, { delay: "PT10S" });
 *     return Response.json({ job: job.id });
 *   },
 * };
 * ```
 */
export function schedulerClient(
  namespace: DurableObjectNamespaceLike,
  name: string,
): SchedulerClient {
  if (typeof name !== "string" || name === "") {
    throw new TypeError("Invalid object name: expected a non-empty string");
  }
  let stub: DurableObjectStubLike | undefined;
  const call = async (op: string, ...args: unknown[]): Promise<unknown> => {
    stub ??= namespace.get(namespace.idFromName(name) as never) as DurableObjectStubLike;
    const request: WireRequest = { op, args: args.map(toWire) };
    const response = await stub.everywhen(request) as WireResponse;
    if (!response.ok) throw errorFromWire(response.error);
    return response.value;
  };
  const schedule = async (op: string, ...args: unknown[]) =>
    scheduleFromWire(await call(op, ...args));
  const handle = <R>(id: string): JobHandle<R> => ({
    id,
    result: async (options) => {
      options?.signal?.throwIfAborted();
      const waiting = call("result", id) as Promise<R>;
      if (!options?.signal) return await waiting;
      const signal = options.signal;
      waiting.catch(() => {});
      return await new Promise<R>((resolve, reject) => {
        const abort = () => reject(signal.reason);
        signal.addEventListener("abort", abort, { once: true });
        waiting.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
      });
    },
    info: () => client.getJob<R>(id),
    cancel: () => client.cancelJob(id),
  });
  const client: SchedulerClient = {
    name,
    schedule: (options) => {
      assertJson(options?.payload, "payload");
      return schedule("schedule", options) as never;
    },
    async getSchedule(id) {
      const value = await call("getSchedule", id);
      return value === null ? null : scheduleFromWire(value);
    },
    listSchedules: async (filter = {}) =>
      ((await call("listSchedules", filter)) as unknown[]).map(scheduleFromWire),
    updateSchedule: (id, patch) => {
      if (patch && "payload" in patch) assertJson(patch.payload, "payload");
      return schedule("updateSchedule", id, patch);
    },
    reschedule: (id, trigger) => schedule("updateSchedule", id, { trigger }),
    pauseSchedule: (id) => schedule("pauseSchedule", id),
    resumeSchedule: (id, options = {}) => schedule("resumeSchedule", id, options),
    removeSchedule: async (id) => (await call("removeSchedule", id)) as boolean,
    runNow: async (id) => handle((await call("runNow", id)) as string),
    nextRuns: async (id, count) =>
      ((await call("nextRuns", id, count)) as string[]).map((s) => Temporal.Instant.from(s)),
    async enqueue<R>(task: string, payload?: JsonValue, options?: EnqueueOptions) {
      assertJson(payload, "payload");
      return handle<R>((await call("enqueue", task, payload, options)) as string);
    },
    job: (id) => handle(id),
    async getJob<R>(id: string) {
      const value = await call("getJob", id);
      return value === null ? null : jobFromWire(value) as JobInfo<R>;
    },
    listJobs: async (options = {}) =>
      ((await call("listJobs", options)) as unknown[]).map(jobFromWire),
    cancelJob: async (id) => (await call("cancelJob", id)) as boolean,
    setLock: async (locked, reason) => {
      await call("setLock", locked, reason);
    },
    getLock: async () => (await call("getLock")) as string | null,
    metrics: async () => (await call("metrics")) as StorageMetrics,
  };
  return client;
}
