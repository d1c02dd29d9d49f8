// The Hono admin router (JSON API, auth, dashboard page, event stream), the scheduler
// middleware and the lifecycle helper, through app.request() on a virtual clock.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import {
  adminRouter,
  type SchedulerEnv,
  schedulerLifecycle,
  schedulerMiddleware,
} from "../adapters/hono.ts";
import { cron, every } from "../src/triggers/mod.ts";
import { deferred, type Harness, harness, T0 } from "./helpers/harness.ts";

const TOKEN = "test-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_AUTH = { ...AUTH, "content-type": "application/json" };

interface Setup {
  h: Harness;
  app: Hono;
}

/** A scheduler with three schedules and tasks, and the router mounted at /admin. */
async function setup(
  options: Parameters<typeof adminRouter>[1] = { token: TOKEN },
): Promise<Setup> {
  const h = harness({ timezone: "Europe/Berlin" });
  h.scheduler.task("report", (p: { to: string }) => `sent to ${p.to}`);
  h.scheduler.task("flaky", () => {
    throw new RangeError("upstream said no");
  }, { retries: 1, backoff: { initial: 1000, jitter: "none" } });
  await h.scheduler.schedule({
    id: "tokyo",
    task: "report",
    trigger: cron("0 11 * * *", { timezone: "Asia/Tokyo" }),
    payload: { to: "tokyo" },
  });
  await h.scheduler.schedule({ id: "berlin", task: "report", trigger: cron("30 7 * * *") });
  await h.scheduler.schedule({ id: "tick", task: "report", trigger: every({ minutes: 10 }) });
  const app = new Hono();
  app.route("/admin", adminRouter(h.scheduler, options));
  return { h, app };
}

// Response bodies are checked field by field below; typing each shape would add nothing.
// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

async function json(res: Response): Promise<Body> {
  return await res.json() as Body;
}

/** Every route of the router, with `:id` filled in, and a body where one is read. */
function routesOf(app: Hono): { method: string; path: string }[] {
  return app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, path: r.path.replace(":id", "tokyo") }));
}

describe("admin router: authentication", () => {
  it("cannot be created without authentication unless unsafe is explicit", () => {
    const h = harness();
    assert.throws(() => adminRouter(h.scheduler, {}), /needs authentication.*unsafe: true/);
    assert.throws(() => adminRouter(h.scheduler, undefined as never), TypeError);
    assert.throws(
      () => adminRouter(h.scheduler, { token: TOKEN, unsafe: true }),
      /only one of token, auth and unsafe/,
    );
    assert.throws(() => adminRouter(h.scheduler, { token: "short" }), RangeError);
    assert.throws(() => adminRouter(h.scheduler, { auth: "yes" as never }), TypeError);
  });

  it("refuses every route without credentials, with a wrong token or a forged cookie", async () => {
    const { h, app } = await setup();
    const routes = routesOf(app);
    assert.ok(routes.length >= 15, `expected the full route table, got ${routes.length}`);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-0123456789abcdef" },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` },
      { cookie: `everywhen_admin=${Date.now() + 60_000}.AAAA` },
      { accept: "text/html" },
    ];
    for (const { method, path } of [...routes, { method: "GET", path: "/admin/unknown" }]) {
      for (const headers of attempts) {
        const res = await app.request(path, { method, headers });
        assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        await res.body?.cancel();
      }
    }
    // Nothing changed in the store.
    assert.equal((await h.scheduler.getSchedule("tokyo"))!.paused, false);
    assert.equal(await h.store.countJobs(), 0);
    // With the token, no route refuses (login checks the token in its body instead).
    for (const { method, path } of routes.filter((r) => !r.path.endsWith("/login"))) {
      const res = await app.request(path, { method, headers: AUTH });
      assert.notEqual(res.status, 401, `${method} ${path} with the token`);
      await res.body?.cancel();
    }
    await h.scheduler.stop();
  });

  it("uses a custom middleware when given one, on every route", async () => {
    const { h, app } = await setup({ auth: basicAuth({ username: "ops", password: "s3cret" }) });
    const ok = { authorization: `Basic ${btoa("ops:s3cret")}` };
    for (const { method, path } of routesOf(app)) {
      const res = await app.request(path, { method });
      assert.equal(res.status, 401, `${method} ${path}`);
      await res.body?.cancel();
    }
    assert.equal((await app.request("/admin/api/status", { headers: ok })).status, 200);
    assert.equal((await app.request("/admin/api/status", { headers: AUTH })).status, 401);
    await h.scheduler.stop();
  });

  it("serves everything with unsafe: true", async () => {
    const { h, app } = await setup({ unsafe: true });
    assert.equal((await app.request("/admin/api/schedules")).status, 200);
    assert.equal((await app.request("/admin")).status, 200);
    await h.scheduler.stop();
  });

  it("signs a browser in with a session cookie and refuses cross-site writes", async () => {
    const { h, app } = await setup();
    const page = await app.request("/admin", { headers: { accept: "text/html" } });
    assert.equal(page.status, 401);
    assert.match(await page.text(), /<form[^>]+action="\/admin\/login"/);

    const form = (token: string) => new URLSearchParams({ token });
    const bad = await app.request("/admin/login", { method: "POST", body: form("nope") });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get("set-cookie"), null);

    const good = await app.request("/admin/login", { method: "POST", body: form(TOKEN) });
    assert.equal(good.status, 303);
    assert.equal(good.headers.get("location"), "/admin");
    const setCookie = good.headers.get("set-cookie")!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\/admin/);
    assert.ok(!setCookie.includes(TOKEN), "the cookie does not carry the token");
    const cookie = setCookie.split(";")[0]!;

    const dash = await app.request("/admin", { headers: { cookie } });
    assert.equal(dash.status, 200);
    assert.equal(dash.headers.get("cache-control"), "no-store");
    assert.match(await dash.text(), /"base":"\/admin"/);
    assert.equal((await app.request("/admin/api/status", { headers: { cookie } })).status, 200);
    const forged = cookie.slice(0, -2) + (cookie.endsWith("AA") ? "BB" : "AA");
    assert.equal(
      (await app.request("/admin/api/status", { headers: { cookie: forged } })).status,
      401,
    );

    const crossSite = await app.request("/admin/api/schedules/tokyo/pause", {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
    });
    assert.equal(crossSite.status, 403);
    assert.equal((await h.scheduler.getSchedule("tokyo"))!.paused, false);
    const sameSite = await app.request("http://localhost/admin/api/schedules/tokyo/pause", {
      method: "POST",
      headers: { cookie, origin: "http://localhost" },
    });
    assert.equal(sameSite.status, 200);
    assert.equal((await h.scheduler.getSchedule("tokyo"))!.paused, true);

    const out = await app.request("/admin/logout", { method: "POST", headers: { cookie } });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie")!, /everywhen_admin=;/);
    await h.scheduler.stop();
  });
});

describe("admin router: schedules", () => {
  it("lists schedules with their next runs in each schedule's zone", async () => {
    const { h, app } = await setup();
    const res = await app.request("/admin/api/schedules?runs=2", { headers: AUTH });
    assert.equal(res.status, 200);
    const { schedules } = await json(res);
    const byId = Object.fromEntries(schedules.map((s: { id: string }) => [s.id, s]));
    assert.deepEqual(Object.keys(byId).sort(), ["berlin", "tick", "tokyo"]);
    // T0 is 2030-01-01T00:00Z, 09:00 in Tokyo: 11:00 there is 02:00Z.
    assert.deepEqual(byId.tokyo.nextRuns, [
      { at: "2030-01-01T02:00:00.000Z", local: "2030-01-01T11:00:00+09:00" },
      { at: "2030-01-02T02:00:00.000Z", local: "2030-01-02T11:00:00+09:00" },
    ]);
    assert.equal(byId.tokyo.timezone, "Asia/Tokyo");
    assert.equal(byId.tokyo.summary, "cron 0 11 * * *");
    assert.equal(byId.tokyo.state, "active");
    assert.deepEqual(byId.tokyo.payload, { to: "tokyo" });
    // Without its own zone a cron takes the scheduler's.
    assert.equal(byId.berlin.timezone, "Europe/Berlin");
    assert.equal(byId.berlin.nextRuns[0].local, "2030-01-01T07:30:00+01:00");
    assert.equal(byId.tick.summary, "every 10min");
    assert.equal(byId.tick.nextRuns[0].at, "2030-01-01T00:10:00.000Z");

    const paged = await json(
      await app.request("/admin/api/schedules?limit=1&offset=1", {
        headers: AUTH,
      }),
    );
    assert.deepEqual(paged.schedules.map((s: { id: string }) => s.id), ["tick"]);
    const one = await json(
      await app.request("/admin/api/schedules/tokyo?runs=3", { headers: AUTH }),
    );
    assert.equal(one.schedule.nextRuns.length, 3);
    await h.scheduler.stop();
  });

  it("answers 404 with a JSON error for unknown ids", async () => {
    const { h, app } = await setup();
    for (
      const [method, path] of [
        ["GET", "/admin/api/schedules/nope"],
        ["PATCH", "/admin/api/schedules/nope"],
        ["DELETE", "/admin/api/schedules/nope"],
        ["POST", "/admin/api/schedules/nope/pause"],
        ["POST", "/admin/api/schedules/nope/resume"],
        ["POST", "/admin/api/schedules/nope/run"],
        ["GET", "/admin/api/jobs/nope"],
        ["POST", "/admin/api/jobs/nope/cancel"],
      ] as const
    ) {
      const res = await app.request(path, { method, headers: AUTH });
      assert.equal(res.status, 404, `${method} ${path}`);
      const body = await json(res);
      assert.match(body.error.message, /not found: "nope"/, `${method} ${path}`);
      assert.equal(body.error.name, "NotFoundError");
    }
    await h.scheduler.stop();
  });

  it("pauses, resumes, runs now, updates and removes", async () => {
    const { h, app } = await setup();
    const post = (path: string) => app.request(path, { method: "POST", headers: AUTH });

    const paused = await json(await post("/admin/api/schedules/tokyo/pause"));
    assert.equal(paused.schedule.state, "paused");
    assert.equal((await h.store.getSchedule("tokyo"))!.paused, true);
    assert.deepEqual(h.of("schedule:paused"), [{ scheduleId: "tokyo" }]);

    const resumed = await json(await post("/admin/api/schedules/tokyo/resume"));
    assert.equal(resumed.schedule.state, "active");
    assert.equal((await h.store.getSchedule("tokyo"))!.paused, false);

    const run = await post("/admin/api/schedules/tokyo/run");
    assert.equal(run.status, 202);
    const { job } = await json(run);
    assert.equal(job.scheduleId, "tokyo");
    assert.equal(job.status, "pending");
    h.scheduler.start();
    await h.clock.advance(0);
    const done = await json(await app.request(`/admin/api/jobs/${job.id}`, { headers: AUTH }));
    assert.equal(done.job.status, "succeeded");
    assert.equal(done.job.result, "sent to tokyo");

    const patched = await app.request("/admin/api/schedules/tokyo", {
      method: "PATCH",
      headers: JSON_AUTH,
      body: JSON.stringify({
        trigger: { v: 1, type: "cron", expression: "0 18 * * *", timezone: "America/New_York" },
        payload: { to: "new-york" },
        maxInstances: 2,
      }),
    });
    assert.equal(patched.status, 200);
    const updated = (await json(patched)).schedule;
    assert.equal(updated.timezone, "America/New_York");
    assert.equal(updated.nextRuns[0].local, "2030-01-01T18:00:00-05:00");
    assert.deepEqual(updated.payload, { to: "new-york" });
    assert.equal((await h.store.getSchedule("tokyo"))!.maxInstances, 2);

    const removed = await app.request("/admin/api/schedules/tokyo", {
      method: "DELETE",
      headers: AUTH,
    });
    assert.deepEqual(await json(removed), { removed: "tokyo" });
    assert.equal(await h.store.getSchedule("tokyo"), null);
    await h.scheduler.stop();
  });

  it("refuses bad updates with a 400 naming the problem, changing nothing", async () => {
    const { h, app } = await setup();
    const before = await h.store.getSchedule("tokyo");
    const patch = (body: string, type = "application/json") =>
      app.request("/admin/api/schedules/tokyo", {
        method: "PATCH",
        headers: { ...AUTH, "content-type": type },
        body,
      });
    const cases: [Response, number, RegExp][] = [
      [
        await patch(JSON.stringify({ trigger: { v: 1, type: "cron", expression: "61 * * * *" } })),
        400,
        /Invalid cron expression/,
      ],
      [
        await patch(
          JSON.stringify({
            trigger: { v: 1, type: "cron", expression: "* * * * *", timeZone: "UTC" },
          }),
        ),
        400,
        /timeZone/,
      ],
      [
        await patch(JSON.stringify({ pasued: true })),
        400,
        /Unknown option in updateSchedule options: "pasued" \(did you mean "paused"\?\)/,
      ],
      [await patch(JSON.stringify({ id: "other" })), 400, /"id" is given by the path/],
      [await patch(JSON.stringify({ maxInstances: 0 })), 400, /maxInstances/],
      [await patch(JSON.stringify({ coalesce: "sometimes" })), 400, /coalesce/],
      [await patch("{not json"), 400, /not parsable JSON/],
      [await patch("[1,2]"), 400, /expected a JSON object/],
      [await patch("{}", "text/plain"), 415, /Content-Type application\/json/],
    ];
    for (const [res, status, message] of cases) {
      assert.equal(res.status, status);
      const body = await json(res);
      assert.match(body.error.message, message);
      assert.equal(typeof body.error.name, "string");
    }
    assert.deepEqual(await h.store.getSchedule("tokyo"), before);
    await h.scheduler.stop();
  });

  it("returns the upcoming fires of active schedules as a timeline", async () => {
    const { h, app } = await setup();
    await h.scheduler.pauseSchedule("berlin");
    const res = await app.request("/admin/api/timeline?hours=1", { headers: AUTH });
    const body = await json(res);
    assert.equal(body.from, "2030-01-01T00:00:00.000Z");
    const ids = body.lanes.map((l: { scheduleId: string }) => l.scheduleId);
    assert.deepEqual(ids, ["tick", "tokyo"]);
    const tick = body.lanes[0];
    assert.equal(tick.fires.length, 6);
    assert.equal(body.lanes[1].fires.length, 0);
    assert.deepEqual(body.lanes[1].next, {
      at: "2030-01-01T02:00:00.000Z",
      local: "2030-01-01T11:00:00+09:00",
    });
    const capped = await json(
      await app.request("/admin/api/timeline?hours=2&limit=3", {
        headers: AUTH,
      }),
    );
    assert.equal(capped.lanes[0].fires.length, 3);
    assert.equal(capped.lanes[0].more, true);
    await h.scheduler.stop();
  });
});

describe("admin router: jobs", () => {
  it("enqueues, filters, paginates and shows results, errors and attempts", async () => {
    const { h, app } = await setup();
    const enqueue = (body: unknown) =>
      app.request("/admin/api/jobs", {
        method: "POST",
        headers: JSON_AUTH,
        body: JSON.stringify(body),
      });
    const created = await enqueue({
      task: "report",
      payload: { to: "ops" },
      delay: "PT1M",
      id: "r1",
    });
    assert.equal(created.status, 201);
    const { job } = await json(created);
    assert.equal(job.id, "r1");
    assert.equal(job.status, "pending");
    assert.equal(job.runAt, "2030-01-01T00:01:00.000Z");
    for (let i = 2; i <= 4; i++) {
      await enqueue({ task: "report", payload: { to: `n${i}` }, id: `r${i}` });
    }
    await enqueue({ task: "flaky", id: "f1" });

    h.scheduler.start();
    await h.clock.advance(0);
    await h.clock.advance(1000);
    await h.clock.advance(60_000);

    const get = async (q: string) =>
      await json(await app.request(`/admin/api/jobs${q}`, { headers: AUTH }));
    const all = await get("");
    assert.equal(all.total, 5);
    assert.deepEqual(all.jobs.map((j: { id: string }) => j.id).sort(), [
      "f1",
      "r1",
      "r2",
      "r3",
      "r4",
    ]);

    const failed = await get("?status=failed");
    assert.deepEqual(failed.jobs.map((j: { id: string }) => j.id), ["f1"]);
    const f1 = failed.jobs[0];
    assert.equal(f1.attempts, 2);
    assert.deepEqual([f1.error.name, f1.error.message], ["RangeError", "upstream said no"]);

    const both = await get("?status=failed,succeeded&task=report");
    assert.equal(both.total, 4);
    const page = await get("?task=report&limit=2&offset=1");
    assert.equal(page.jobs.length, 2);
    assert.equal(page.total, 4);
    assert.equal(page.limit, 2);
    assert.equal(page.offset, 1);

    const detail = (await get("/r1")).job;
    assert.equal(detail.status, "succeeded");
    assert.equal(detail.result, "sent to ops");
    assert.equal(detail.attempts, 1);
    assert.equal(detail.startedAt, "2030-01-01T00:01:00.000Z");
    assert.equal(detail.durationMs, 0);
    assert.deepEqual(detail.payload, { to: "ops" });

    await h.scheduler.pauseSchedule("tick");
    await h.scheduler.runNow("tick");
    const bySchedule = await get("?scheduleId=tick");
    assert.equal(bySchedule.total, 1);
    assert.equal(bySchedule.jobs[0].scheduleId, "tick");
    await h.scheduler.stop();
  });

  it("cancels a pending job", async () => {
    const { h, app } = await setup();
    await h.scheduler.enqueue("report", { to: "x" }, { id: "later", delay: 60_000 });
    const res = await app.request("/admin/api/jobs/later/cancel", {
      method: "POST",
      headers: AUTH,
    });
    const body = await json(res);
    assert.equal(body.cancelled, true);
    assert.equal(body.job.status, "cancelled");
    await h.scheduler.stop();
  });

  it("retries a failed job and purges finished ones", async () => {
    const { h, app } = await setup();
    const post = (path: string, body?: unknown) =>
      app.request(`/admin/api/jobs${path}`, {
        method: "POST",
        headers: body === undefined ? AUTH : JSON_AUTH,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    await h.scheduler.enqueue("flaky", null, { id: "f1" });
    await h.scheduler.enqueue("report", { to: "ops" }, { id: "r1" });
    h.scheduler.start();
    await h.clock.advance(0);
    await h.clock.advance(1000);
    assert.equal((await h.scheduler.getJob("f1"))!.status, "failed");

    const retried = await post("/f1/retry");
    assert.equal(retried.status, 200);
    const body = await json(retried);
    assert.equal(body.result, true);
    assert.deepEqual([body.job.status, body.job.attempts], ["pending", 0]);
    // Only a failed or cancelled job runs again; anything else answers false, unchanged.
    const succeeded = await json(await post("/r1/retry"));
    assert.deepEqual([succeeded.result, succeeded.job.status], [false, "succeeded"]);
    const unknown = await post("/nope/retry");
    assert.equal(unknown.status, 404);
    assert.deepEqual((await json(unknown)).error, {
      name: "NotFoundError",
      message: 'Job not found: "nope"',
    });
    await h.clock.advance(0);
    await h.clock.advance(1000);
    assert.equal((await h.scheduler.getJob("f1"))!.status, "failed", "ran again and failed");
    assert.equal((await h.scheduler.getJob("f1"))!.attempts, 2);

    const refusals: [Response, RegExp][] = [
      [await post("/purge", { status: "pending" }), /Invalid status: "pending" \(expected one/],
      [await post("/purge", { status: ["failed", "done"] }), /Invalid status: "done"/],
      [await post("/purge", { olderThan: "a week" }), /Invalid olderThan/],
      [await post("/purge", { olderThan: -1 }), /Invalid olderThan/],
      [await post("/purge", { status: "failed", tsak: "x" }), /did you mean "task"/],
    ];
    for (const [res, message] of refusals) {
      assert.equal(res.status, 400, String(message));
      assert.match((await json(res)).error.message, message);
    }
    assert.equal(await h.store.countJobs(), 2, "a refused purge deletes nothing");

    assert.deepEqual(await json(await post("/purge", { olderThan: "PT1H" })), { result: 0 });
    assert.deepEqual(await json(await post("/purge", { status: "failed" })), { result: 1 });
    assert.equal(await h.scheduler.getJob("f1"), null);
    // An empty body purges every final status.
    const all = await post("/purge");
    assert.equal(all.status, 200);
    assert.deepEqual(await json(all), { result: 1 });
    assert.equal(await h.store.countJobs(), 0);
    // The dashboard finds both routes in the route list.
    const { routes } = await json(await app.request("/admin/api/routes", { headers: AUTH }));
    const listed = routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`);
    assert.ok(listed.includes("POST /api/jobs/:id/retry"), listed.join(", "));
    assert.ok(listed.includes("POST /api/jobs/purge"), listed.join(", "));
    await h.scheduler.stop();
  });

  it("refuses bad job input and filters with a 400 naming the problem", async () => {
    const { h, app } = await setup();
    const enqueue = (body: unknown) =>
      app.request("/admin/api/jobs", {
        method: "POST",
        headers: JSON_AUTH,
        body: JSON.stringify(body),
      });
    const cases: [Response | Promise<Response>, RegExp][] = [
      [enqueue({ payload: 1 }), /Invalid task/],
      [enqueue({ task: "nope" }), /Unknown task: "nope"/],
      [enqueue({ task: "report", delay: -5 }), /delay/],
      [enqueue({ task: "report", delay: "soon" }), /delay/],
      [enqueue({ task: "report", runAt: "tomorrow" }), /runAt/],
      [enqueue({ task: "report", delay: 1, runAt: T0 }), /either delay or runAt/],
      [enqueue({ task: "report", retries: 1.5 }), /retries/],
      [enqueue({ task: "report", priority: 1001 }), /Invalid priority: expected at most 1000/],
      [enqueue({ task: "report", after: "r1" }), /Invalid after: expected an array of ids/],
      [enqueue({ task: "report", debounce: "soon" }), /Invalid debounce/],
      [enqueue({ task: "report", priorty: 1 }), /"priorty" \(did you mean "priority"\?\)/],
      [enqueue({ task: "report", dealy: 5000 }), /"dealy" \(did you mean "delay"\?\)/],
      [app.request("/admin/api/jobs?status=done", { headers: AUTH }), /Invalid status: "done"/],
      [app.request("/admin/api/jobs?limit=1001", { headers: AUTH }), /Invalid limit/],
      [app.request("/admin/api/jobs?limit=-1", { headers: AUTH }), /Invalid limit/],
      [app.request("/admin/api/schedules?limit=1001", { headers: AUTH }), /Invalid limit/],
      [app.request("/admin/api/jobs?limit=abc", { headers: AUTH }), /Invalid limit/],
      [app.request("/admin/api/jobs?offset=-1", { headers: AUTH }), /Invalid offset/],
      [app.request("/admin/api/schedules?paused=maybe", { headers: AUTH }), /Invalid paused/],
    ];
    for (const [pending, message] of cases) {
      const res = await pending;
      assert.equal(res.status, 400, String(message));
      assert.match((await json(res)).error.message, message);
    }
    assert.equal(await h.store.countJobs(), 0);
    await h.scheduler.stop();
  });
});

describe("admin router: every operation of the admin contract", () => {
  it("creates a schedule, previews it, counts jobs, lists tasks and flips the lock", async () => {
    const { h, app } = await setup();
    const put = await app.request("/admin/api/schedules/nightly", {
      method: "PUT",
      headers: JSON_AUTH,
      body: JSON.stringify({
        task: "report",
        trigger: { v: 1, type: "cron", expression: "0 2 * * *", timezone: "Asia/Tokyo" },
        payload: { to: "night" },
      }),
    });
    assert.equal(put.status, 200);
    assert.equal((await json(put)).schedule.nextRuns[0].at, "2030-01-01T17:00:00.000Z");
    assert.equal((await h.scheduler.getSchedule("nightly"))!.task, "report");
    const next = await json(
      await app.request("/admin/api/schedules/nightly/next?count=2", { headers: AUTH }),
    );
    assert.deepEqual(next, {
      runs: [
        { at: "2030-01-01T17:00:00.000Z", local: "2030-01-02T02:00:00+09:00" },
        { at: "2030-01-02T17:00:00.000Z", local: "2030-01-03T02:00:00+09:00" },
      ],
      timezone: "Asia/Tokyo",
    });
    await h.scheduler.enqueue("report", { to: "a" });
    const count = await app.request("/admin/api/job-count?status=pending", { headers: AUTH });
    assert.deepEqual(await json(count), { count: 1 });
    const tasks = await app.request("/admin/api/tasks", { headers: AUTH });
    assert.deepEqual(await json(tasks), { tasks: ["report", "flaky"] });
    const lock = (body: unknown) =>
      app.request("/admin/api/lock", {
        method: "PUT",
        headers: JSON_AUTH,
        body: JSON.stringify(body),
      });
    assert.deepEqual(await json(await lock({ locked: true, reason: "deploy" })), {
      locked: true,
      reason: "deploy",
    });
    assert.equal(await h.scheduler.getLock(), "deploy");
    assert.deepEqual(
      await json(await app.request("/admin/api/lock", { headers: AUTH })),
      { locked: true, reason: "deploy" },
    );
    const bad = await lock({ locked: "yes" });
    assert.equal(bad.status, 400);
    assert.match((await json(bad)).error.message, /Invalid locked: expected a boolean/);
    assert.deepEqual(await json(await lock({ locked: false })), { locked: false, reason: null });
    const dup = await app.request("/admin/api/schedules/nightly", {
      method: "PUT",
      headers: JSON_AUTH,
      body: JSON.stringify({
        task: "report",
        trigger: { v: 1, type: "every", intervalMs: 1000 },
        ifExists: "error",
      }),
    });
    assert.equal(dup.status, 409);
    await h.scheduler.stop();
  });
});

describe("admin router: status, page and events", () => {
  it("reports the scheduler's state and job counts", async () => {
    const { h, app } = await setup();
    await h.scheduler.enqueue("report", { to: "a" }, { id: "first" });
    // A job enqueued over HTTP with the queue options waits for the first one.
    const made = await app.request("/admin/api/jobs", {
      method: "POST",
      headers: JSON_AUTH,
      body: JSON.stringify({
        task: "report",
        payload: { to: "b" },
        id: "second",
        priority: 3,
        concurrencyKey: "k",
        after: ["first"],
      }),
    });
    assert.equal(made.status, 201, JSON.stringify(await made.clone().json()));
    const waiting = await json(
      await app.request("/admin/api/jobs?status=waiting", { headers: AUTH }),
    );
    assert.deepEqual(waiting.jobs.map((j: { id: string }) => j.id), ["second"]);
    assert.equal((await h.store.getJob("second"))!.priority, 3);
    const body = await json(await app.request("/admin/api/status", { headers: AUTH }));
    assert.equal(body.jobs.waiting, 1);
    assert.equal(body.scheduler.state, "idle");
    assert.equal(body.scheduler.timezone, "Europe/Berlin");
    assert.deepEqual(body.scheduler.tasks, ["report", "flaky"]);
    assert.equal(body.jobs.pending, 1);
    assert.equal(body.now, "2030-01-01T00:00:00.000Z");
    await h.scheduler.stop();
  });

  it("serves the dashboard page and redirects a trailing slash", async () => {
    const { h, app } = await setup();
    const res = await app.request("/admin", { headers: AUTH });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /text\/html/);
    const html = await res.text();
    assert.match(html, /<title>everywhen<\/title>/);
    assert.match(html, /new EventSource/);
    const slash = await app.request("/admin/?x=1", { headers: AUTH });
    assert.equal(slash.status, 308);
    assert.equal(slash.headers.get("location"), "/admin?x=1");
    await h.scheduler.stop();
  });

  it("streams scheduler events to the dashboard and ends the stream on stop", async () => {
    const { h, app } = await setup();
    const res = await app.request("/admin/api/events", { headers: AUTH });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      assert.match(text, pattern);
    };
    await until(/event: hello/);
    await app.request("/admin/api/schedules/tokyo/pause", { method: "POST", headers: AUTH });
    await until(/event: schedule:paused\ndata: \{"scheduleId":"tokyo"\}/);
    await h.scheduler.stop();
    await until(/event: scheduler:stopped/);
    assert.equal((await reader.read()).done, true);
  });
});

describe("scheduler middleware and lifecycle", () => {
  it("puts the scheduler on c.var and can start it on the first request", async () => {
    const h = harness();
    h.scheduler.task("echo", (p: string) => p);
    const app = new Hono<SchedulerEnv>();
    app.use(schedulerMiddleware(h.scheduler, { start: true }));
    app.post("/echo", async (c) => {
      const job = await c.var.scheduler.enqueue("echo", await c.req.text());
      return c.json({ id: job.id, state: c.var.scheduler.state });
    });
    assert.equal(h.scheduler.state, "idle");
    const body = await json(await app.request("/echo", { method: "POST", body: "hi" }));
    assert.equal(body.state, "started");
    await h.clock.advance(0);
    assert.equal(await h.scheduler.job(body.id).result(), "hi");
    await h.scheduler.stop();
  });

  it("stops the server, then the scheduler within the grace period, once", async () => {
    const h = harness();
    const gate = deferred();
    let aborted = false;
    h.scheduler.task("slow", async (_: null, ctx) => {
      ctx.signal.addEventListener("abort", () => (aborted = true));
      await gate.promise;
      return "done";
    });
    const order: string[] = [];
    const life = schedulerLifecycle(h.scheduler, {
      close: () => order.push("close"),
      grace: 5000,
      onStop: () => order.push("onStop"),
    });
    life.start();
    life.start();
    const job = await h.scheduler.enqueue("slow", null);
    await h.clock.advance(0);
    const stopping = life.stop();
    assert.equal(life.stop(), stopping);
    assert.deepEqual(order, ["close"]);
    await h.clock.advance(4999);
    assert.equal(h.scheduler.state, "stopping");
    gate.resolve();
    await stopping;
    assert.equal(aborted, false);
    assert.equal(await job.result(), "done");
    assert.deepEqual(order, ["close", "onStop"]);
    assert.equal(h.scheduler.state, "stopped");
  });
});
