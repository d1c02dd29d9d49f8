/**
 * The one table of admin operations. The Durable Object RPC dispatch and the Workers client
 * (`adapters/cloudflare/`), the HTTP admin routes (`adapters/hono/_api.ts`) and the CLI
 * (`src/cli.ts`) are all derived from it, and all check input with `checkInput` (`./input.ts`).
 * Adding an operation is one entry here plus its method on the scheduler and in
 * {@linkcode SchedulerApi}; a test walks the table through every surface.
 * @module
 */

import type { Scheduler } from "../scheduler/scheduler.ts";
import { FINAL_STATUSES, MAX_AFTER, MAX_PRIORITY, MIN_PRIORITY } from "../store/semantics.ts";
import type { EnqueueOptions, ListJobsOptions, SchedulePatch } from "../types.ts";
import type { ListSchedulesOptions, ResumeOptions, SchedulerApi } from "./api.ts";
import { checkInput, type Field, type Fields } from "./input.ts";

import {
  LIST_LIMIT_DEFAULT as DEFAULT_LIMIT,
  LIST_LIMIT_MAX,
  LIST_OFFSET_MAX,
  NEXT_RUNS_MAX,
} from "../scheduler/_checks.ts";

export { DEFAULT_LIMIT };

/** How a result travels: what the Workers client turns the plain data back into. */
export type OutputKind =
  | "schedule"
  | "schedule?"
  | "schedules"
  | "job?"
  | "jobs"
  | "handle"
  | "instants"
  | "value";

/** One admin operation. */
export interface Operation {
  /** The {@linkcode SchedulerApi} method, and the RPC operation name. */
  readonly name: OperationName;
  /** One line for help texts. */
  readonly summary: string;
  /** Whether it changes anything. */
  readonly access: "read" | "write";
  /** Its input fields, by name: what every surface checks with `checkInput`. */
  readonly fields: Fields;
  /**
   * The method's arguments: field names in order; `"..."` is an options object holding the
   * remaining fields.
   */
  readonly args: readonly string[];
  /** What it returns. */
  readonly output: OutputKind;
  /** Its HTTP route under the admin router's `/api` (`:id` is the `id` field), or `null`. */
  readonly http:
    | { readonly method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE"; path: string }
    | null;
  /**
   * Its CLI command, the fields read from positional words (the others are `--flags`), and
   * values the command line gives fields it leaves out.
   */
  readonly cli: {
    readonly command: string;
    readonly args: readonly string[];
    readonly defaults?: Readonly<Record<string, unknown>>;
  } | null;
  /** Runs it on an in-process scheduler with checked input. */
  run(scheduler: Scheduler, input: Record<string, unknown>): Promise<unknown>;
}

const id: Field = { type: "id", required: true };
const text: Field = { type: "text" };
const value: Field = { type: "value" };
const page = {
  limit: { type: "integer", max: LIST_LIMIT_MAX },
  offset: { type: "integer", max: LIST_OFFSET_MAX },
} as const satisfies Fields;
const priority: Field = { type: "integer", min: MIN_PRIORITY, max: MAX_PRIORITY };
const policies = {
  priority,
  paused: value,
  coalesce: value,
  misfireGraceTime: value,
  maxInstances: value,
  overlap: value,
  jitter: value,
  resultTtl: value,
} as const satisfies Fields;
const jobFilter = {
  status: { type: "statuses" },
  task: text,
  scheduleId: { type: "id" },
} as const satisfies Fields;

/** The id field of an input; `checkInput` has made sure it is one. */
const idOf = (input: Record<string, unknown>): string => input.id as string;

/** Input minus `id`, as the options object the method takes after it. */
function rest<T>(input: Record<string, unknown>): T {
  const { id: _, ...others } = input;
  return others as T;
}

function withDefaultLimit<T extends { limit?: number }>(input: Record<string, unknown>): T {
  return { ...input, limit: input.limit ?? DEFAULT_LIMIT } as T;
}

/** Every admin operation, schedules first, then jobs, then the store lock and tasks. */
export const OPERATIONS: readonly Operation[] = [
  {
    name: "listSchedules",
    summary: "schedules with state and next run, ordered by id",
    access: "read",
    fields: { task: text, paused: { type: "boolean" }, ...page },
    args: ["..."],
    output: "schedules",
    http: { method: "GET", path: "/schedules" },
    cli: { command: "list", args: [] },
    run: (s, input) => s.listSchedules(withDefaultLimit<ListSchedulesOptions>(input)),
  },
  {
    name: "getSchedule",
    summary: "one schedule in full",
    access: "read",
    fields: { id },
    args: ["id"],
    output: "schedule?",
    http: { method: "GET", path: "/schedules/:id" },
    cli: { command: "show", args: ["id"] },
    run: (s, input) => s.getSchedule(idOf(input)),
  },
  {
    name: "schedule",
    summary: "add, replace or keep a schedule",
    access: "write",
    fields: {
      id,
      task: { type: "task", required: true },
      trigger: { type: "trigger", required: true },
      payload: { type: "json" },
      ifExists: value,
      ...policies,
    },
    args: ["..."],
    output: "schedule",
    http: { method: "PUT", path: "/schedules/:id" },
    cli: null,
    run: (s, input) => s.schedule(input as never),
  },
  {
    name: "updateSchedule",
    summary: "change a schedule's trigger, payload or policies",
    access: "write",
    fields: { id, trigger: { type: "trigger" }, payload: { type: "json" }, ...policies },
    args: ["id", "..."],
    output: "schedule",
    http: { method: "PATCH", path: "/schedules/:id" },
    cli: null,
    run: (s, input) => s.updateSchedule(idOf(input), rest<SchedulePatch>(input)),
  },
  {
    name: "pauseSchedule",
    summary: "pause a schedule (it stays paused across restarts)",
    access: "write",
    fields: { id },
    args: ["id"],
    output: "schedule",
    http: { method: "POST", path: "/schedules/:id/pause" },
    cli: { command: "pause", args: ["id"] },
    run: (s, input) => s.pauseSchedule(idOf(input)),
  },
  {
    name: "resumeSchedule",
    summary: "resume a schedule from now, or --from a past instant",
    access: "write",
    fields: { id, from: value },
    args: ["id", "..."],
    output: "schedule",
    http: { method: "POST", path: "/schedules/:id/resume" },
    cli: { command: "resume", args: ["id"] },
    run: (s, input) => s.resumeSchedule(idOf(input), rest<ResumeOptions>(input)),
  },
  {
    name: "removeSchedule",
    summary: "remove a schedule (its jobs are kept)",
    access: "write",
    fields: { id },
    args: ["id"],
    output: "value",
    http: { method: "DELETE", path: "/schedules/:id" },
    cli: { command: "remove", args: ["id"] },
    run: (s, input) => s.removeSchedule(idOf(input)),
  },
  {
    name: "runNow",
    summary: "create a job of the schedule now (a worker runs it)",
    access: "write",
    fields: { id },
    args: ["id"],
    output: "handle",
    http: { method: "POST", path: "/schedules/:id/run" },
    cli: { command: "run", args: ["id"] },
    run: (s, input) => s.runNow(idOf(input)),
  },
  {
    name: "nextRuns",
    summary: "the next fire instants of a schedule (5 unless a count is given)",
    access: "read",
    fields: { id, count: { type: "integer", max: NEXT_RUNS_MAX } },
    args: ["id", "count"],
    output: "instants",
    http: { method: "GET", path: "/schedules/:id/next" },
    cli: { command: "next", args: ["id", "count"] },
    run: (s, input) => s.nextRuns(idOf(input), input.count as number | undefined),
  },
  {
    name: "enqueue",
    summary: "enqueue a job of a task, with a JSON payload",
    access: "write",
    fields: {
      task: { type: "task", required: true },
      payload: { type: "json" },
      delay: value,
      runAt: value,
      id: { type: "id" },
      retries: value,
      timeout: value,
      resultTtl: value,
      priority,
      concurrencyKey: { type: "id" },
      ifExists: value,
      debounce: { type: "duration" },
      after: { type: "ids", max: MAX_AFTER },
    },
    args: ["task", "payload", "..."],
    output: "handle",
    http: { method: "POST", path: "/jobs" },
    cli: { command: "enqueue", args: ["task", "payload"] },
    run: (s, { task, payload, ...options }) =>
      s.enqueue(task as string, payload, options as EnqueueOptions),
  },
  {
    name: "listJobs",
    summary: "jobs, newest first",
    access: "read",
    fields: { ...jobFilter, ...page },
    args: ["..."],
    output: "jobs",
    http: { method: "GET", path: "/jobs" },
    cli: { command: "jobs", args: [] },
    run: (s, input) => s.listJobs(withDefaultLimit<ListJobsOptions>(input)),
  },
  {
    name: "countJobs",
    summary: "how many jobs match a filter",
    access: "read",
    fields: jobFilter,
    args: ["..."],
    output: "value",
    http: { method: "GET", path: "/job-count" },
    cli: { command: "count", args: [] },
    run: (s, input) => s.countJobs(input),
  },
  {
    name: "getJob",
    summary: "one job with payload, result, error and attempts",
    access: "read",
    fields: { id },
    args: ["id"],
    output: "job?",
    http: { method: "GET", path: "/jobs/:id" },
    cli: { command: "job", args: ["id"] },
    run: (s, input) => s.getJob(idOf(input)),
  },
  {
    name: "cancelJob",
    summary: "cancel a pending or running job",
    access: "write",
    fields: { id },
    args: ["id"],
    output: "value",
    http: { method: "POST", path: "/jobs/:id/cancel" },
    cli: { command: "cancel", args: ["id"] },
    run: (s, input) => s.cancelJob(idOf(input)),
  },
  {
    name: "jobResult",
    summary: "wait for a job's result (JobHandle.result)",
    access: "read",
    fields: { id },
    args: ["id"],
    output: "value",
    http: null,
    cli: null,
    run: (s, input) => s.job(idOf(input)).result(),
  },
  {
    name: "retryJob",
    summary: "run a failed or cancelled job again (attempts restart, its error kept in history)",
    access: "write",
    fields: { id },
    args: ["id"],
    output: "value",
    http: { method: "POST", path: "/jobs/:id/retry" },
    cli: { command: "retry", args: ["id"] },
    run: (s, input) => s.retryJob(idOf(input)),
  },
  {
    name: "purgeJobs",
    summary: "delete finished jobs (all final statuses unless --status), optionally --older-than",
    access: "write",
    fields: {
      status: { type: "statuses", statuses: FINAL_STATUSES },
      task: text,
      olderThan: { type: "duration" },
    },
    args: ["..."],
    output: "value",
    http: { method: "POST", path: "/jobs/purge" },
    cli: { command: "purge", args: [] },
    run: (s, input) => s.purgeJobs(input as Parameters<Scheduler["purgeJobs"]>[0]),
  },
  {
    name: "getLock",
    summary: "show the store-wide lock",
    access: "read",
    fields: {},
    args: [],
    output: "value",
    http: { method: "GET", path: "/lock" },
    cli: { command: "lock", args: [] },
    run: (s) => s.getLock(),
  },
  {
    name: "setLock",
    summary: "store-wide kill switch: every scheduler on the store halts while on",
    access: "write",
    fields: { locked: { type: "boolean", required: true }, reason: text },
    args: ["locked", "reason"],
    output: "value",
    http: { method: "PUT", path: "/lock" },
    cli: { command: "lock", args: ["locked"], defaults: { reason: "locked by the everywhen CLI" } },
    run: (s, input) => s.setLock(input.locked as boolean, input.reason as string | undefined),
  },
  {
    name: "listTasks",
    summary: "the tasks the scheduler registers",
    access: "read",
    fields: {},
    args: [],
    output: "value",
    http: { method: "GET", path: "/tasks" },
    cli: null,
    run: (s) => s.listTasks(),
  },
];

/** The operations by name. */
export const OPERATION_BY_NAME: ReadonlyMap<string, Operation> = new Map(
  OPERATIONS.map((op) => [op.name, op]),
);

/**
 * Builds an operation's input from a method's arguments (see {@linkcode Operation.args}).
 * @param op The operation.
 * @param args The arguments as the caller passed them.
 * @returns The input object, to be checked with `checkInput`.
 */
export function inputFromArgs(op: Operation, args: readonly unknown[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  op.args.forEach((name, i) => {
    const arg = args[i];
    if (name !== "...") {
      if (arg !== undefined) input[name] = arg;
      return;
    }
    if (arg === undefined) return;
    if (typeof arg !== "object" || arg === null || Array.isArray(arg)) {
      throw new TypeError(`Invalid ${op.name} options: expected an object`);
    }
    for (const [key, v] of Object.entries(arg)) {
      if (op.args.includes(key)) {
        throw new TypeError(
          `Invalid ${inputName(op)}: ${
            JSON.stringify(key)
          } is an argument of ${op.name}, not an option`,
        );
      }
      input[key] = v;
    }
  });
  return input;
}

/**
 * @returns What `checkInput` calls the operation's input in messages, e.g. `enqueue options`
 * (the name the Scheduler's own option check uses, so messages read the same on every surface).
 */
export function inputName(op: Operation): string {
  return `${op.name} options`;
}

/**
 * The name of an operation: a method of {@linkcode SchedulerApi}, or `jobResult` (what
 * `job(id).result()` waits for).
 */
export type OperationName = Exclude<keyof SchedulerApi, "job"> | "jobResult";

/**
 * Checks raw input and runs the operation: what every server-side surface does with a request.
 * @param scheduler The in-process scheduler.
 * @param op The operation.
 * @param raw Its input as the surface built it.
 * @returns The method's result.
 */
export async function runOperation(
  scheduler: Scheduler,
  op: Operation,
  raw: unknown,
): Promise<unknown> {
  return await op.run(scheduler, checkInput(op.fields, raw, inputName(op)));
}
