/**
 * The admin JSON API under `/api`: one route per admin operation that has an HTTP route in the
 * operation table (`src/admin/operations.ts`), with the table's input check, plus two views for
 * the dashboard (status and the fire timeline).
 * @module
 */

import type { Context, Hono } from "hono";
import { JOB_STATUSES } from "../../src/admin/api.ts";
import { fromText } from "../../src/admin/input.ts";
import {
  DEFAULT_LIMIT,
  type Operation,
  OPERATIONS,
  runOperation,
} from "../../src/admin/operations.ts";
import { instantText, plain } from "../../src/admin/plain.ts";
import type { Scheduler } from "../../src/scheduler/scheduler.ts";
import type { Temporal } from "../../src/temporal.ts";
import { instantFromMs } from "../../src/time.ts";
import type { JobHandle, JobInfo, ScheduleInfo } from "../../src/types.ts";
import { intParam, notFound, readBody } from "./_http.ts";
import { fireView, jobView, scheduleView, zoneOf } from "./_views.ts";

/** Turns an operation's result into the route's response. */
type Present = (
  result: unknown,
  input: Record<string, unknown>,
  c: Context,
  scheduler: Scheduler,
) => Response | Promise<Response>;

/** Adds the API routes under `/api` to `router`. */
export function apiRoutes(router: Hono, scheduler: Scheduler): void {
  for (const op of OPERATIONS) {
    if (op.http === null) continue;
    const present = PRESENT[op.name] ?? ((result, _input, c) => c.json({ result: plain(result) }));
    router.on(op.http.method, `/api${op.http.path}`, async (c) => {
      const input = await inputOf(op, c);
      return await present(await runOperation(scheduler, op, input), input, c, scheduler);
    });
  }
  router.get("/api/status", (c) => status(c, scheduler));
  router.get("/api/timeline", (c) => timeline(c, scheduler));
}

/**
 * An operation's input from the request: the path's `:id`, then the query string (GET, DELETE;
 * parameters that are not fields are left to the views) or the JSON body (every field).
 */
async function inputOf(op: Operation, c: Context): Promise<Record<string, unknown>> {
  const path = c.req.param() as Record<string, string>;
  if (op.http!.method === "GET" || op.http!.method === "DELETE") {
    const input: Record<string, unknown> = { ...path };
    for (const [name, field] of Object.entries(op.fields)) {
      const raw = c.req.query(name);
      if (raw !== undefined && raw !== "" && !(name in path)) {
        input[name] = fromText(name, field, raw);
      }
    }
    return input;
  }
  const body = await readBody(c);
  for (const name of Object.keys(path)) {
    if (name in body) {
      throw new TypeError(`Invalid body: ${JSON.stringify(name)} is given by the path`);
    }
  }
  return { ...body, ...path };
}

const now = (s: Scheduler) => new Date(s.clock.now()).toISOString();

const scheduleOut = (runs: number): Present => (result, _input, c, s) =>
  c.json({
    schedule: scheduleView(
      result as ScheduleInfo,
      s.timezone,
      intParam(c, "runs", runs, 0, 100),
      s.clock.now(),
    ),
  });

/** Answers with the job a handle names, as it is now. */
const jobOut = (status: 201 | 202): Present => async (result, _input, c, s) => {
  const id = (result as JobHandle).id;
  const job = await s.getJob(id);
  return c.json({ job: job ? jobView(job) : { id } }, status);
};

/** How each operation's result is answered; others answer `{ result }`. */
const PRESENT: Partial<Record<string, Present>> = {
  listSchedules: (result, input, c, s) =>
    c.json({
      schedules: (result as ScheduleInfo[]).map((x) =>
        scheduleView(x, s.timezone, intParam(c, "runs", 5, 0, 100), s.clock.now())
      ),
      limit: input.limit ?? DEFAULT_LIMIT,
      offset: input.offset ?? 0,
    }),
  getSchedule: (result, input, c, s) => {
    if (result === null) throw notFound("schedule", input.id as string);
    return scheduleOut(10)(result, input, c, s);
  },
  schedule: scheduleOut(5),
  updateSchedule: scheduleOut(5),
  pauseSchedule: scheduleOut(5),
  resumeSchedule: scheduleOut(5),
  removeSchedule: (_result, input, c) => c.json({ removed: input.id }),
  runNow: jobOut(202),
  nextRuns: async (result, input, c, s) => {
    const info = await s.getSchedule(input.id as string);
    const zone = info ? zoneOf(info.trigger.toJSON(), s.timezone) : s.timezone;
    const runs = (result as Temporal.Instant[]).map((i) => ({
      ...fireView(i, zone),
      at: instantText(i),
    }));
    return c.json({ runs, timezone: zone });
  },
  enqueue: jobOut(201),
  listJobs: async (result, input, c, s) => {
    const { limit: _, offset = 0, ...filter } = input;
    return c.json({
      jobs: (result as JobInfo[]).map(jobView),
      total: await s.countJobs(filter),
      limit: input.limit ?? DEFAULT_LIMIT,
      offset,
      now: now(s),
    });
  },
  countJobs: (result, _input, c) => c.json({ count: result }),
  getJob: (result, input, c, s) => {
    if (result === null) throw notFound("job", input.id as string);
    return c.json({ job: jobView(result as JobInfo), now: now(s) });
  },
  cancelJob: async (result, input, c, s) => {
    const job = await s.getJob(input.id as string);
    if (!job) throw notFound("job", input.id as string);
    return c.json({ cancelled: result, job: jobView(job) });
  },
  retryJob: async (result, input, c, s) => {
    const job = await s.getJob(input.id as string);
    return c.json({ result, ...(job ? { job: jobView(job) } : {}) });
  },
  getLock: (result, _input, c) => c.json({ locked: result !== null, reason: result }),
  setLock: async (_result, _input, c, s) => {
    const reason = await s.getLock();
    return c.json({ locked: reason !== null, reason });
  },
  listTasks: (result, _input, c) => c.json({ tasks: result }),
};

async function status(c: Context, scheduler: Scheduler): Promise<Response> {
  const counts = Object.fromEntries(
    await Promise.all(
      JOB_STATUSES.map(async (status) => [status, await scheduler.countJobs({ status })] as const),
    ),
  );
  return c.json({
    now: now(scheduler),
    scheduler: {
      state: scheduler.state,
      paused: scheduler.paused,
      identity: scheduler.identity,
      timezone: scheduler.timezone,
      store: scheduler.store.name,
      tasks: await scheduler.listTasks(),
      runningJobs: scheduler.runningJobs,
      lock: await scheduler.getLock(),
    },
    jobs: counts,
  });
}

async function timeline(c: Context, scheduler: Scheduler): Promise<Response> {
  const hours = intParam(c, "hours", 24, 1, 24 * 31);
  const perSchedule = intParam(c, "limit", 200, 1, 1000);
  const from = scheduler.clock.now();
  const to = from + hours * 3_600_000;
  const schedules = await scheduler.listSchedules({ paused: false, limit: 1000 });
  const lanes = [];
  for (const s of schedules) {
    if (s.nextRunAt === null) continue;
    const zone = zoneOf(s.trigger.toJSON(), scheduler.timezone);
    const fires = [];
    let at: number | null = s.nextRunAt.epochMilliseconds;
    try {
      while (at !== null && at <= to && fires.length < perSchedule) {
        if (at >= from - 60_000) fires.push(fireView(instantFromMs(at), zone));
        at = s.trigger.nextMs(at);
      }
    } catch {
      at = null;
    }
    lanes.push({
      scheduleId: s.id,
      task: s.task,
      timezone: zone,
      fires,
      more: at !== null && at <= to,
      // The first fire past the window, so that an empty lane can say when it fires next.
      next: at !== null && at > to ? fireView(instantFromMs(at), zone) : null,
    });
  }
  return c.json({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), lanes });
}
