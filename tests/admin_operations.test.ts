// The admin operation table (src/admin/operations.ts) walked through every surface derived from
// it: the in-process Scheduler, the Hono HTTP API and the CLI here; the Workers client in
// tests/cloudflare.test.ts. Plus the one input check they share.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { adminRouter } from "../adapters/hono.ts";
import { JOB_STATUSES } from "../src/admin/api.ts";
import { checkInput, fromText } from "../src/admin/input.ts";
import {
  inputFromArgs,
  inputName,
  type Operation,
  OPERATION_BY_NAME,
  OPERATIONS,
} from "../src/admin/operations.ts";
import { instantText, plain, scheduleState } from "../src/admin/plain.ts";
import { runCli } from "../src/cli.ts";
import { Temporal } from "../src/temporal.ts";
import { every } from "../src/triggers/mod.ts";
import type { Scheduler } from "../src/scheduler/scheduler.ts";
import { ADMIN_SAMPLES, SAMPLE_SCHEDULE } from "./helpers/admin_samples.ts";
import { harness } from "./helpers/harness.ts";
import { VirtualClock } from "../src/clock.ts";
import { MemoryStore } from "../src/store/memory_store.ts";

/** A scheduler with the sample schedule; `now` for tests that share its store with a real clock. */
async function fresh(now?: number) {
  const h = harness(
    {},
    now === undefined ? undefined : { clock: new VirtualClock(now), store: new MemoryStore() },
  );
  h.scheduler.task("echo", (p) => p);
  await h.scheduler.schedule(SAMPLE_SCHEDULE);
  // The CLI closes the store it opened; the next command opens the same one again.
  h.store.close = () => Promise.resolve();
  return h;
}

/** Calls an operation as a method of the in-process Scheduler. */
function js(scheduler: Scheduler) {
  const s = scheduler as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  return async (op: Operation, args: unknown[]): Promise<unknown> => {
    if (op.name === "jobResult") return await scheduler.job(args[0] as string).result();
    return await s[op.name]!(...args);
  };
}

/**
 * Runs every sample in order through `call`; operations the surface does not offer (`only`
 * says no) run in process, so that each sample finds the state it needs.
 */
async function walk(
  scheduler: Scheduler,
  call: (op: Operation, args: unknown[]) => Promise<unknown>,
  only: (op: Operation) => boolean = () => true,
): Promise<void> {
  for (const op of OPERATIONS) {
    const sample = ADMIN_SAMPLES[op.name];
    try {
      await (only(op) ? call : js(scheduler))(op, sample.args);
      assert.equal(sample.rejects, undefined, `${op.name} should have failed`);
    } catch (error) {
      if (sample.rejects === undefined) throw new Error(`${op.name} failed`, { cause: error });
      assert.equal((error as Error).name, sample.rejects, op.name);
    }
  }
}

/** The text form of a value on a command line or in a query string. */
const text = (v: unknown): string =>
  typeof v === "string"
    ? v
    : Array.isArray(v) && v.every((x) => typeof x === "string")
    ? v.join(",")
    : JSON.stringify(v);
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe("admin operation table", () => {
  it("has one sample per operation, and unique names, routes and commands", () => {
    assert.deepEqual(Object.keys(ADMIN_SAMPLES).sort(), OPERATIONS.map((o) => o.name).sort());
    const routes = OPERATIONS.filter((o) => o.http).map((o) => `${o.http!.method} ${o.http!.path}`);
    assert.equal(new Set(routes).size, routes.length);
    const commands = OPERATIONS.filter((o) => o.cli).map((o) =>
      `${o.cli!.command}/${o.cli!.args.length}`
    );
    assert.equal(new Set(commands).size, commands.length);
    for (const op of OPERATIONS) {
      for (const a of op.args) assert.ok(a === "..." || a in op.fields, `${op.name}: ${a}`);
      for (const a of op.cli?.args ?? []) assert.ok(a in op.fields, `${op.name}: ${a}`);
      if (op.http?.path.includes(":id")) assert.ok(op.fields.id?.required, op.name);
    }
  });

  it("every operation is a method of the in-process Scheduler", async () => {
    const h = await fresh();
    await walk(h.scheduler, js(h.scheduler));
    await h.scheduler.stop();
  });

  it("every operation with a route answers through the Hono admin API", async () => {
    const h = await fresh();
    const app = new Hono().route("/admin", adminRouter(h.scheduler, { unsafe: true }));
    await walk(h.scheduler, async (op, args) => {
      const input = plain(inputFromArgs(op, args)) as Record<string, unknown>;
      const { id, ...rest } = input;
      let path = `/admin/api${op.http!.path.replace(":id", encodeURIComponent(String(id)))}`;
      const fields = op.http!.path.includes(":id") ? rest : input;
      const init: RequestInit = { method: op.http!.method };
      if (op.http!.method === "GET" || op.http!.method === "DELETE") {
        const query = new URLSearchParams(
          Object.entries(fields).map(([k, v]) => [k, text(v)]),
        ).toString();
        if (query) path += `?${query}`;
      } else {
        init.body = JSON.stringify(fields);
        init.headers = { "content-type": "application/json" };
      }
      const res = await app.request(path, init);
      const body = await res.json();
      assert.ok(res.status < 300, `${op.name}: ${res.status} ${JSON.stringify(body)}`);
    }, (op) => op.http !== null);
    // What the HTTP walk did is in the store, as the JS API reads it.
    assert.equal(await h.scheduler.getSchedule("temp"), null);
    assert.equal((await h.scheduler.getJob("sample-job"))!.status, "cancelled");
    await h.scheduler.stop();
  });

  it("every operation with a command runs through the CLI", async () => {
    // The CLI's scheduler runs on the system clock: the store's other user must agree on now.
    const h = await fresh(Date.now());
    await walk(h.scheduler, async (op, args) => {
      const input = inputFromArgs(op, args);
      const words = op.cli!.args.filter((a) => input[a] !== undefined).map((a) => text(input[a]));
      const flags = Object.entries(input).filter(([k]) => !op.cli!.args.includes(k))
        .flatMap(([k, v]) => [`--${kebab(k)}`, text(plain(v))]);
      const err: string[] = [];
      const code = await runCli(["store", op.cli!.command, ...words, ...flags], {
        openStore: () => Promise.resolve(h.store),
        out: () => {},
        err: (t) => err.push(t),
      });
      assert.equal(code, 0, `${op.name}: ${err.join("\n")}`);
    }, (op) => op.cli !== null);
    assert.equal((await h.scheduler.getJob("sample-job"))!.status, "cancelled");
    await h.scheduler.stop();
  });

  it("the listTasks operation reads the scheduler's tasks", async () => {
    const h = await fresh();
    const op = OPERATION_BY_NAME.get("listTasks")!;
    assert.deepEqual(await op.run(h.scheduler, {}), ["echo"]);
    await h.scheduler.stop();
  });
});

describe("admin input check", () => {
  const enqueue = OPERATION_BY_NAME.get("enqueue")!;
  const check = (op: Operation, raw: unknown) => checkInput(op.fields, raw, inputName(op));

  it("refuses unknown fields, naming the closest known one", () => {
    assert.throws(
      () => check(enqueue, { task: "echo", dealy: 5000 }),
      {
        name: "TypeError",
        message: /Unknown option in enqueue options: "dealy" \(did you mean "delay"\?\)/,
      },
    );
    const update = OPERATION_BY_NAME.get("updateSchedule")!;
    assert.throws(() => check(update, { id: "a", pasued: true }), /did you mean "paused"/);
    // A positional field inside the options object is not an option.
    assert.throws(
      () => inputFromArgs(update, ["a", { id: "b" }]),
      /Invalid updateSchedule options: "id" is an argument of updateSchedule, not an option/,
    );
    assert.throws(() => check(enqueue, 5), /expected an object/);
  });

  it("checks ids, integers, booleans, statuses, triggers and JSON payloads", () => {
    const list = OPERATION_BY_NAME.get("listJobs")!;
    assert.throws(() => check(list, { limit: -1 }), { name: "RangeError", message: /limit/ });
    assert.throws(() => check(list, { limit: 1001 }), /Invalid limit: expected at most 1000/);
    assert.throws(
      () => check(list, { status: "done" }),
      /Invalid status: "done" \(expected one or more of waiting, pending, running, succeeded, failed, cancelled\)/,
    );
    assert.deepEqual(check(list, { status: ["failed", "cancelled"] }), {
      status: ["failed", "cancelled"],
    });
    assert.throws(() => check(OPERATION_BY_NAME.get("getJob")!, { id: "" }), /Invalid id/);
    assert.throws(() => check(OPERATION_BY_NAME.get("getJob")!, {}), /Invalid id: required/);
    assert.throws(() => check(OPERATION_BY_NAME.get("setLock")!, { locked: "yes" }), TypeError);
    assert.throws(() => check(enqueue, { task: "echo", payload: { at: new Date(0) } }), /payload/);
    assert.throws(() => check(enqueue, { task: 5 }), /Invalid task: expected a task name/);
    assert.equal(check(enqueue, { task: { name: "echo" } }).task, "echo");
    const schedule = OPERATION_BY_NAME.get("schedule")!;
    const checked = check(schedule, { id: "x", task: "echo", trigger: every(5000).toJSON() });
    assert.equal((checked.trigger as { type: string }).type, "every");
    assert.equal(typeof (checked.trigger as { nextMs: unknown }).nextMs, "function");
    assert.throws(() => check(schedule, { id: "x", task: "echo", trigger: { type: "nope" } }));
  });

  it("reads fields from text for query strings and command lines", () => {
    const f = (type: "integer" | "boolean" | "statuses" | "value") => ({ type });
    assert.equal(fromText("n", f("integer"), "12"), 12);
    assert.throws(() => fromText("n", f("integer"), "1.5"), /Invalid n: expected an integer/);
    assert.equal(fromText("b", f("boolean"), "on"), true);
    assert.equal(fromText("b", f("boolean"), "false"), false);
    assert.throws(() => fromText("b", f("boolean"), "maybe"), TypeError);
    assert.deepEqual(fromText("s", f("statuses"), "failed, pending"), ["failed", "pending"]);
    assert.deepEqual(fromText("v", f("value"), '{"a":1}'), { a: 1 });
    assert.equal(fromText("v", f("value"), "PT5S"), "PT5S");
  });

  it("has one list of job statuses", () => {
    assert.deepEqual(JOB_STATUSES, [
      "waiting",
      "pending",
      "running",
      "succeeded",
      "failed",
      "cancelled",
    ]);
  });
});

describe("admin output", () => {
  it("shows instants as full ISO text with milliseconds and a finished schedule as finished", () => {
    const i = Temporal.Instant.from("2030-01-01T09:00:00Z");
    assert.equal(instantText(i), "2030-01-01T09:00:00.000Z");
    assert.deepEqual(plain({ at: i, t: every(1000), list: [i] }), {
      at: "2030-01-01T09:00:00.000Z",
      t: every(1000).toJSON(),
      list: ["2030-01-01T09:00:00.000Z"],
    });
    assert.equal(scheduleState({ paused: false, nextRunAt: null }), "finished");
    assert.equal(scheduleState({ paused: true, nextRunAt: null }), "paused");
    assert.equal(scheduleState({ paused: false, nextRunAt: i }), "active");
  });
});
