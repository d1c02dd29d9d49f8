/**
 * everywhen on Cloudflare Workers, in real workerd (Miniflare): alarm-driven schedules and jobs
 * on a SQLite-backed Durable Object, the RPC client from a Worker, the Cron Trigger bridge, and
 * persistence across a runtime restart.
 *
 * Time: Miniflare cannot fast-forward real time, so the tests use instants a few seconds ahead of
 * the moment their setup finished (never of the moment the test began), except for the DST test,
 * whose objects run on a clock shifted to just before a New York clock change once their
 * schedules exist (their alarms are real; only "now" is shifted, see tests/cloudflare/worker.ts).
 * Nothing asserts how late a job ran: the tests count what ran, so that a machine several times
 * slower passes them too (lateness is for benchmarks). Waits are long; they only bound a hang.
 *
 * Runs once, in the Node 26 suite (Miniflare and workerd are Node packages); skipped elsewhere.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { at, cron, every } from "../mod.ts";
import type { Runtime } from "./cloudflare/harness.ts";
import { workerdSkip } from "./cloudflare/skip.ts";

const skip = workerdSkip;

type Job = {
  id: string;
  status: string;
  scheduleId: string | null;
  scheduledAt: string;
  startedAt: string | null;
  attempts: number;
  result: unknown;
  error: { name: string; message: string } | null;
};
type Metrics = {
  rowsWritten: number;
  rowsRead: number;
  setAlarm: number;
  deleteAlarm: number;
  alarms: number;
  jobsStarted: number;
  fires: number;
};

const ms = (iso: string | null): number => Date.parse(iso!);
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
const NY = { timezone: "America/New_York" };

async function waitFor<T>(what: string, fn: () => Promise<T | null | false>, limit = 120_000) {
  const end = Date.now() + limit;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

function delta(a: Metrics, b: Metrics): Metrics {
  const out = {} as Metrics;
  for (const k of Object.keys(b) as (keyof Metrics)[]) out[k] = b[k] - a[k];
  return out;
}

describe("Cloudflare Workers: Durable Object scheduler in workerd", { skip }, () => {
  let rt: Runtime;
  let script: string;
  let dir: string;
  const report: string[] = [];

  before(async () => {
    const { bundleWorker, startRuntime } = await import("./cloudflare/harness.ts");
    dir = mkdtempSync(join(tmpdir(), "everywhen-cf-"));
    script = await bundleWorker();
    rt = await startRuntime(script, dir);
  });

  after(async () => {
    await rt?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (report.length > 0) console.log(`\nCloudflare cost per fired job:\n${report.join("\n")}`);
  });

  const jobs = (name: string, filter: Record<string, unknown> = {}) =>
    rt.call<Job[]>(name, "listJobs", [{ limit: 1000, ...filter }]);
  const metrics = (name: string) => rt.call<Metrics>(name, "metrics");

  /** 1,000 schedules of `record` on object `name`, 100 at each of 10 instants from `base`. */
  const thousand = async (name: string, base: number) => {
    const instants = Array.from({ length: 10 }, (_, i) => base + i * 200);
    await rt.batch(Array.from({ length: 1000 }, (_, i) => ({
      name,
      method: "schedule",
      args: [{ id: `s${i}`, task: "record", trigger: at(new Date(instants[i % 10]!)).toJSON() }],
      trigger: 0,
    })));
    return instants;
  };
  /** How long creating 1,000 schedules took in the first test, in ms. */
  let creation = 0;

  it("1,000 schedules on one object share its one alarm, moved only for a new earliest instant", async () => {
    const name = "many-alarm";
    const started = Date.now();
    // An hour ahead: however slow the machine, nothing falls due while they are created.
    const instants = await thousand(name, Date.now() + 3_600_000);
    creation = Date.now() - started;
    const m = await metrics(name);
    assert.equal(m.alarms, 0);
    // One alarm for all 1,000, at the earliest instant, moved only when the earliest instant
    // changes: at most once per instant (the counter is the object's since it last woke).
    assert.ok(
      m.setAlarm <= instants.length,
      `setAlarm is not called again for an unchanged time (${m.setAlarm} calls)`,
    );
    // (Within a millisecond: the alarm is set in real time from the scheduler clock's reading.)
    const alarm = await rt.get<number>(`/alarm?name=${name}`);
    assert.ok(
      Math.abs(alarm - instants[0]!) <= 1,
      `alarm at ${alarm}, first instant ${instants[0]}`,
    );
    const first = await rt.call<{ nextRunAt: string }>(name, "getSchedule", ["s0"]);
    assert.equal(ms(first.nextRunAt), instants[0]);
  });

  it("1,000 schedules on one object fire at their instants through its one alarm", async () => {
    const name = "many";
    // Instants from when the schedules will exist: creating 1,000 took `creation` ms just
    // before, so three times that, plus two seconds, is past the last one created on any machine.
    const base = Date.now() + 3 * creation + 2000;
    const instants = await thousand(name, base);
    const created = await metrics(name);
    const done = await waitFor("1,000 jobs", async () => {
      const list = await jobs(name, { status: "succeeded" });
      return list.length === 1000 && list;
    });
    const late = done.map((j) => ms(j.startedAt) - ms(j.scheduledAt));
    assert.ok(late.every((d) => d >= 0), "no job starts before its instant");
    assert.deepEqual(
      new Set(done.map((j) => ms(j.scheduledAt))),
      new Set(instants),
      "each job carries its schedule's exact instant",
    );
    assert.equal(new Set(done.map((j) => j.scheduleId)).size, 1000, "each schedule fired once");
    const schedules = await rt.call<{ nextRunAt: string | null }[]>(name, "listSchedules", [{
      limit: 1000,
    }]);
    assert.equal(schedules.length, 1000);
    assert.ok(schedules.every((s) => s.nextRunAt === null), "every one-shot schedule is done");
    const m = delta(created, await metrics(name));
    assert.equal(m.fires, 1000);
    assert.equal(m.jobsStarted, 1000);
    assert.ok(m.alarms >= 20, `${m.alarms} alarms: at most 50 jobs start per alarm()`);
    assert.ok(m.rowsWritten <= 10 * 1000, `${m.rowsWritten} rows written for 1,000 fires`);
    late.sort((a, b) => a - b);
    report.push(
      `  1,000 one-shot schedules at 10 instants: ${(m.rowsWritten / 1000).toFixed(1)} rows ` +
        `written, ${(m.setAlarm / 1000).toFixed(3)} setAlarm, ${(m.alarms / 1000).toFixed(3)} ` +
        `alarm() calls per fired job (${m.alarms} alarms, ${m.setAlarm} setAlarm, ` +
        `${m.deleteAlarm} deleteAlarm; creating them wrote ${created.rowsWritten} rows; start ` +
        `latency p50 ${late[500]} ms, max ${late[999]} ms, for information only)`,
    );
  });

  it("a recurring schedule costs a fixed number of rows and alarm calls per fire", async () => {
    const name = "cost";
    await rt.call(name, "schedule", [{
      id: "tick",
      task: "echo",
      trigger: every(250).toJSON(),
      payload: { n: 1 },
    }], 0);
    // Steady state: counted from the first fire on, over at least eight more.
    await waitFor("the first fire", async () => (await metrics(name)).fires >= 1);
    const start = await metrics(name);
    const m = await waitFor("eight more fires", async () => {
      const d = delta(start, await metrics(name));
      return d.fires >= 8 && d;
    });
    // Counts, not timings: a change that writes more rows per fire fails here (README's table).
    assert.ok(m.rowsWritten <= 8 * m.fires, `${m.rowsWritten} rows written for ${m.fires} fires`);
    report.push(
      `  every(250 ms), steady state over ${m.fires} fires: ` +
        `${(m.rowsWritten / m.fires).toFixed(1)} rows written, ` +
        `${(m.setAlarm / m.fires).toFixed(2)} setAlarm, ${(m.alarms / m.fires).toFixed(2)} ` +
        `alarm() calls, ${(m.rowsRead / m.fires).toFixed(1)} rows read per fired job`,
    );
    await rt.call(name, "removeSchedule", ["tick"]);
  });

  it("time-zone crons fire at the right UTC instants across New York's DST changes", async () => {
    const spring = "clock:2027-03-14T06:59:57Z"; // 01:59:57 EST; at 02:00 clocks jump to 03:00
    const fall = "clock:2027-11-07T05:29:57Z"; // 01:29:57 EDT; at 02:00 clocks go back to 01:00
    const add = (name: string, id: string, expr: string) =>
      rt.call(name, "schedule", [{ id, task: "record", trigger: cron(expr, NY).toJSON() }], 0);
    await add(spring, "before-gap", "59 59 1 * * *");
    await add(spring, "in-gap", "0 30 2 * * *");
    await add(spring, "after-gap", "0 0 3 * * *");
    await add(fall, "daily-0130", "0 30 1 * * *");
    await add(fall, "hourly-30", "0 30 * * * *");
    // Now that they exist, each object's clock reads a few seconds before its clock change.
    await rt.get(`/anchor?name=${encodeURIComponent(spring)}`);
    await rt.get(`/anchor?name=${encodeURIComponent(fall)}`);
    const fired = async (name: string, n: number) =>
      await waitFor(`${n} jobs on ${name}`, async () => {
        const list = await jobs(name, { status: "succeeded" });
        return list.length >= n && list;
      });
    const ids = (list: Job[]) => list.map((j) => j.id).sort();
    assert.deepEqual(ids(await fired(spring, 3)), [
      "after-gap@2027-03-14T07:00:00.000Z",
      "before-gap@2027-03-14T06:59:59.000Z",
      "in-gap@2027-03-14T07:00:00.000Z", // 02:30 does not exist: runs at 03:00 EDT
    ]);
    assert.deepEqual(ids(await fired(fall, 2)), [
      "daily-0130@2027-11-07T05:30:00.000Z",
      "hourly-30@2027-11-07T05:30:00.000Z",
    ]);
    const next = async (name: string) =>
      Object.fromEntries(
        (await rt.call<{ id: string; nextRunAt: string }[]>(name, "listSchedules", [{}]))
          .map((s) => [s.id, s.nextRunAt]),
      );
    assert.deepEqual(await next(spring), {
      "after-gap": "2027-03-15T07:00:00Z",
      "before-gap": "2027-03-15T05:59:59Z",
      "in-gap": "2027-03-15T06:30:00Z",
    });
    assert.deepEqual(await next(fall), {
      "daily-0130": "2027-11-08T06:30:00Z", // 01:30 happens twice tonight; daily runs once
      "hourly-30": "2027-11-07T06:30:00Z", // hourly follows real time: 01:30 EST too
    });
  });

  it("refuses a worker task in words, and runs spawned work inside the object", async () => {
    const out = await rt.get<{ refusal: string; spawned: unknown; waitUntil: boolean }>(
      "/workerd?name=workerd",
    );
    assert.match(
      out.refusal,
      /^TypeError: Cannot run task "resize" in workers: this runtime has no threads \(Cloudflare Workers\)/,
    );
    assert.equal(out.spawned, "spawned in workerd");
    assert.equal(out.waitUntil, true); // so durableScheduler hands spawned work to it
  });

  it("a failing handler is retried with backoff, then failed; the alarm chain continues", async () => {
    const name = "retry";
    const { id } = await rt.call<{ id: string }>(name, "enqueue", ["fail", { n: 1 }]);
    const job = await waitFor("the job to fail", async () => {
      const j = await rt.call<Job>(name, "getJob", [id]);
      return j.status === "failed" && j;
    });
    assert.equal(job.attempts, 3);
    assert.deepEqual(job.error && [job.error.name, job.error.message], ["Error", "boom 3"]);
    const tries = (await rt.get<{ jobId: string; attempt: number; at: number }[]>(
      `/attempts?name=${name}`,
    )).filter((a) => a.jobId === id);
    assert.deepEqual(tries.map((a) => a.attempt), [1, 2, 3]);
    const gaps = [tries[1]!.at - tries[0]!.at, tries[2]!.at - tries[1]!.at];
    // The backoff is honoured (later is only the machine being slow, not a defect).
    assert.ok(gaps[0]! >= 400, `first backoff ${gaps[0]} ms (400 expected)`);
    assert.ok(gaps[1]! >= 800, `second backoff ${gaps[1]} ms (800 expected)`);
    // Its first fire is 200 ms after it is written, however long the write took.
    await rt.call(
      name,
      "schedule",
      [{ id: "after", task: "record", trigger: every(200).toJSON() }],
      0,
    );
    await waitFor("the next schedule to fire", async () => {
      const list = await jobs(name, { scheduleId: "after", status: "succeeded" });
      return list.length >= 1;
    });
    await rt.call(name, "removeSchedule", ["after"]);
  });

  it("every admin operation is reachable through the Workers client", async () => {
    const results = await rt.get<{ op: string; ok: boolean; error: string | null }[]>(
      "/operations",
    );
    const { OPERATIONS } = await import("../src/admin/operations.ts");
    assert.deepEqual(results.map((r) => r.op), OPERATIONS.map((o) => o.name));
    for (const r of results) assert.ok(r.ok, `${r.op}: ${r.error}`);
  });

  it("bad input through the RPC client raises the same typed errors as in process", async () => {
    const cases = await rt.get<{ label: string; remote: unknown; local: unknown }[]>("/errors");
    assert.ok(cases.length >= 10);
    for (const c of cases) {
      assert.notEqual(c.local, null, `${c.label}: the in-process call should fail`);
      assert.deepEqual(c.remote, c.local, c.label);
    }
  });

  it("the Cron Trigger bridge runs the handler of the expression that fired", async () => {
    const when = new Date("2027-01-01T00:05:00Z");
    assert.equal((await rt.scheduled("*/5 * * * *", when)).outcome, "ok");
    const job = await rt.call<Job>("cron", "getJob", [`cron@2027-01-01T00:05:00Z`]);
    assert.ok(job, "the handler enqueued a job through the client");
    const done = await waitFor("the cron job", async () => {
      const j = await rt.call<Job>("cron", "getJob", [job.id]);
      return j.status === "succeeded" && j;
    });
    assert.deepEqual(done.result, { cron: "*/5 * * * *", at: "2027-01-01T00:05:00Z" });
    assert.equal((await rt.scheduled("7 7 * * *", when)).outcome, "exception");
  });

  it("schedules, paused states and results survive a restart; misfires and crashes are handled", async () => {
    const name = "persist";
    const add = (id: string, extra: Record<string, unknown>) =>
      rt.call(name, "schedule", [{ id, task: "echo", trigger: every(1000).toJSON(), ...extra }], 0);
    await add("latest", { coalesce: "latest" });
    await add("all", { coalesce: "all", overlap: "queue" });
    await add("paused", { paused: true });
    const { id: echo } = await rt.call<{ id: string }>(name, "enqueue", ["echo", { kept: true }]);
    await sleep(1300);
    const { id: hung } = await rt.call<{ id: string }>(name, "enqueue", ["hang", null]);
    await waitFor(
      "the hanging job to start",
      async () => (await rt.call<Job>(name, "getJob", [hung])).status === "running",
    );
    // A fire's job started at once is written with no lease (the object is the store's only
    // writer; the rows test above counts the index entry this saves): only the restart below
    // can make it due again.
    const fireAt = Date.now() + 300;
    await rt.call(name, "schedule", [{
      id: "hung-fire",
      task: "hang",
      trigger: at(fireAt).toJSON(),
    }], 0);
    const hungFire = await waitFor("the fire's hanging job to start", async () => {
      const [j] = await jobs(name, { scheduleId: "hung-fire" });
      return j?.status === "running" && j;
    });
    assert.equal(hungFire.attempts, 1);
    const lastFire = async (id: string) =>
      Math.max(...(await jobs(name, { scheduleId: id })).map((j) => ms(j.scheduledAt)));
    const beforeLatest = await lastFire("latest");
    const beforeAll = await lastFire("all");

    await rt.dispose();
    await sleep(3500);
    const restartAt = Date.now();
    rt = await startAgain();

    const schedules = await rt.call<{ id: string; paused: boolean }[]>(name, "listSchedules");
    assert.deepEqual(schedules.map((s) => [s.id, s.paused]), [
      ["all", false],
      ["hung-fire", false],
      ["latest", false],
      ["paused", true],
    ]);
    const kept = await rt.call<Job>(name, "getJob", [echo]);
    assert.deepEqual([kept.status, kept.result], ["succeeded", { kept: true }]);

    // The job that was running when the runtime died is re-run once its lease (2 s) expires.
    const recovered = await waitFor("the crashed job to re-run", async () => {
      const j = await rt.call<Job>(name, "getJob", [hung]);
      return j.status === "succeeded" && j;
    });
    assert.deepEqual([recovered.attempts, recovered.result], [2, "recovered on attempt 2"]);
    // The fire's job, which had no lease, is due again as soon as the object opens its store.
    const refired = await waitFor("the fire's crashed job to re-run", async () => {
      const j = await rt.call<Job>(name, "getJob", [hungFire.id]);
      return j.status === "succeeded" && j;
    });
    assert.deepEqual([refired.attempts, refired.result], [2, "recovered on attempt 2"]);

    // Fires that fell due while down: "all" runs each, "latest" only the last one.
    const overdue = async (id: string, after: number) =>
      (await jobs(name, { scheduleId: id }))
        .map((j) => ms(j.scheduledAt))
        .filter((t) => t > after && t < restartAt)
        .sort((a, b) => a - b);
    const all = await overdue("all", beforeAll);
    assert.ok(all.length >= 3, `"all" ran ${all.length} overdue fires`);
    assert.deepEqual(all, all.map((_, i) => beforeAll + (i + 1) * 1000), "no fire skipped");
    const latest = await overdue("latest", beforeLatest);
    assert.ok(latest.length <= 1, `"latest" ran ${latest.length} overdue fires`);
    assert.ok(
      latest.every((t) => t > restartAt - 2000),
      'the one overdue run of "latest" is its latest fire',
    );
    assert.equal((await jobs(name, { scheduleId: "paused" })).length, 0);
  });

  it("examples/cloudflare builds with wrangler --dry-run and its bundle serves in workerd", async () => {
    const { buildExample, serveBundle } = await import("./cloudflare/harness.ts");
    const out = join(dir, "example-build");
    const built = await buildExample(out);
    assert.equal(built.code, 0, built.out);
    const { readFileSync } = await import("node:fs");
    const app = await serveBundle(readFileSync(join(out, "worker.js"), "utf8"), "Scheduler");
    try {
      const post = (path: string, body: unknown) =>
        app.fetch(path, { method: "POST", body: JSON.stringify(body) });
      const created = await post("/acme/reports", { to: "ops", cron: "0 9 * * MON-FRI" });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.match((created.body as { nextRunAt: string }).nextRunAt, /T1[34]:00:00Z$/);
      const bad = await post("/acme/jobs", { to: "me", delay: "soon" });
      assert.deepEqual([bad.status, (bad.body as { error: string }).error], [400, "SyntaxError"]);
      const missing = await post("/acme/reports/nope/pause", {});
      assert.deepEqual([missing.status, (missing.body as { error: string }).error], [
        404,
        "NotFoundError",
      ]);
    } finally {
      await app.dispose();
    }
  });

  async function startAgain(): Promise<Runtime> {
    const { startRuntime } = await import("./cloudflare/harness.ts");
    return await startRuntime(script, dir);
  }
});
