/**
 * The admin JSON API: schedules (list, show, update, pause, resume, run now, remove), jobs
 * (list with filters and pagination, detail, enqueue, cancel), status and the fire timeline.
 * @module
 */

import type { Hono } from "hono";
import type { Scheduler } from "../../src/scheduler.ts";
import { instantFromMs } from "../../src/time.ts";
import { triggerFromJSON } from "../../src/triggers/mod.ts";
import type { SchedulePatch } from "../../src/types.ts";
import type { JobStatus } from "../../src/store/store.ts";
import { boolParam, intParam, notFound, readBody, statusParam, stringParam } from "./_http.ts";
import { fireView, jobView, scheduleView, zoneOf } from "./_views.ts";

const PATCH_FIELDS = [
  "trigger",
  "payload",
  "paused",
  "coalesce",
  "misfireGraceTime",
  "maxInstances",
  "overlap",
  "jitter",
  "resultTtl",
] as const;
const ENQUEUE_FIELDS = [
  "task",
  "payload",
  "delay",
  "runAt",
  "id",
  "retries",
  "timeout",
  "resultTtl",
];
const STATUSES: readonly JobStatus[] = ["pending", "running", "succeeded", "failed", "cancelled"];

/** Adds the API routes under `/api` to `router`. */
export function apiRoutes(router: Hono, scheduler: Scheduler): void {
  const now = () => scheduler.clock.now();
  const view = async (id: string, runs: number) => {
    const s = await scheduler.getSchedule(id);
    if (!s) throw notFound("schedule", id);
    return scheduleView(s, scheduler.timezone, runs, now());
  };

  router.get("/api/status", async (c) => {
    const counts = Object.fromEntries(
      await Promise.all(
        STATUSES.map(async (s) => [s, await scheduler.store.countJobs({ status: s })] as const),
      ),
    );
    return c.json({
      now: new Date(now()).toISOString(),
      scheduler: {
        state: scheduler.state,
        paused: scheduler.paused,
        identity: scheduler.identity,
        timezone: scheduler.timezone,
        store: scheduler.store.name,
        tasks: scheduler.tasks,
        runningJobs: scheduler.runningJobs,
        lock: await scheduler.getLock(),
      },
      jobs: counts,
    });
  });

  router.get("/api/schedules", async (c) => {
    const runs = intParam(c, "runs", 5, 0, 100);
    const limit = intParam(c, "limit", 100, 1, 1000);
    const offset = intParam(c, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const task = stringParam(c, "task");
    const paused = boolParam(c, "paused");
    const list = await scheduler.listSchedules({
      limit,
      offset,
      ...(task === undefined ? {} : { task }),
      ...(paused === undefined ? {} : { paused }),
    });
    return c.json({
      schedules: list.map((s) => scheduleView(s, scheduler.timezone, runs, now())),
      limit,
      offset,
    });
  });

  router.get("/api/schedules/:id", async (c) => {
    return c.json({ schedule: await view(c.req.param("id"), intParam(c, "runs", 10, 0, 100)) });
  });

  router.patch("/api/schedules/:id", async (c) => {
    const id = c.req.param("id");
    const body = await readBody(c, PATCH_FIELDS);
    if (!await scheduler.getSchedule(id)) throw notFound("schedule", id);
    const patch: SchedulePatch = {};
    for (const key of PATCH_FIELDS) {
      if (!(key in body)) continue;
      (patch as Record<string, unknown>)[key] = key === "trigger"
        ? triggerFromJSON(body.trigger)
        : body[key];
    }
    await scheduler.updateSchedule(id, patch);
    return c.json({ schedule: await view(id, 5) });
  });

  router.delete("/api/schedules/:id", async (c) => {
    const id = c.req.param("id");
    if (!await scheduler.removeSchedule(id)) throw notFound("schedule", id);
    return c.json({ removed: id });
  });

  router.post("/api/schedules/:id/pause", async (c) => {
    await readBody(c, []);
    await scheduler.pauseSchedule(c.req.param("id"));
    return c.json({ schedule: await view(c.req.param("id"), 5) });
  });

  router.post("/api/schedules/:id/resume", async (c) => {
    const body = await readBody(c, ["from"]);
    const options = body.from === undefined ? {} : { from: body.from as string | number };
    await scheduler.resumeSchedule(c.req.param("id"), options);
    return c.json({ schedule: await view(c.req.param("id"), 5) });
  });

  router.post("/api/schedules/:id/run", async (c) => {
    await readBody(c, []);
    const handle = await scheduler.runNow(c.req.param("id"));
    const job = await scheduler.getJob(handle.id);
    return c.json({ job: job ? jobView(job) : { id: handle.id } }, 202);
  });

  router.get("/api/timeline", async (c) => {
    const hours = intParam(c, "hours", 24, 1, 24 * 31);
    const perSchedule = intParam(c, "limit", 200, 1, 1000);
    const from = now();
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
  });

  router.get("/api/jobs", async (c) => {
    const status = statusParam(c);
    const task = stringParam(c, "task");
    const scheduleId = stringParam(c, "schedule");
    const limit = intParam(c, "limit", 50, 1, 500);
    const offset = intParam(c, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const filter = {
      ...(status === undefined ? {} : { status }),
      ...(task === undefined ? {} : { task }),
      ...(scheduleId === undefined ? {} : { scheduleId }),
    };
    const [jobs, total] = await Promise.all([
      scheduler.listJobs({ ...filter, limit, offset }),
      scheduler.store.countJobs(filter),
    ]);
    return c.json({
      jobs: jobs.map(jobView),
      total,
      limit,
      offset,
      now: new Date(now()).toISOString(),
    });
  });

  router.get("/api/jobs/:id", async (c) => {
    const job = await scheduler.getJob(c.req.param("id"));
    if (!job) throw notFound("job", c.req.param("id"));
    return c.json({ job: jobView(job), now: new Date(now()).toISOString() });
  });

  router.post("/api/jobs", async (c) => {
    const body = await readBody(c, ENQUEUE_FIELDS);
    if (typeof body.task !== "string" || body.task === "") {
      throw new TypeError("Invalid task: expected the name of a registered task");
    }
    const { task, payload, ...options } = body;
    const handle = await scheduler.enqueue(task, payload, options as never);
    const job = await scheduler.getJob(handle.id);
    return c.json({ job: job ? jobView(job) : { id: handle.id } }, 201);
  });

  router.post("/api/jobs/:id/cancel", async (c) => {
    await readBody(c, []);
    const id = c.req.param("id");
    const cancelled = await scheduler.cancelJob(id);
    const job = await scheduler.getJob(id);
    if (!job) throw notFound("job", id);
    return c.json({ cancelled, job: jobView(job) });
  });
}
