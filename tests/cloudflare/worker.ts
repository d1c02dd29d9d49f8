/**
 * The Worker the Cloudflare tests run in workerd (bundled with esbuild, loaded by Miniflare): a
 * `durableScheduler` object with a few tasks, a `fetch` handler that drives it through
 * `schedulerClient` (RPC), and a `scheduled` handler built with `cronTriggers`.
 *
 * Objects named `clock:<ISO instant>` run on a shifted clock: the alarm is real, only the
 * scheduler's notion of "now" is offset. The object wakes ten minutes before the named instant;
 * `GET /anchor?name=…` then shifts it to read exactly that instant, and re-arms its alarm. That is
 * how the DST test puts an object a few seconds before a New York clock change once its schedules
 * exist, however long creating them took.
 */
import { DurableObject } from "cloudflare:workers";
import { type Clock, every, Scheduler, systemClock, triggerFromJSON } from "../../mod.ts";
import {
  cronTriggers,
  type DurableObjectNamespaceLike,
  durableScheduler,
  schedulerClient,
} from "../../adapters/cloudflare.ts";
import { OPERATIONS } from "../../src/admin/operations.ts";
import { ADMIN_SAMPLES, SAMPLE_SCHEDULE } from "../helpers/admin_samples.ts";

interface Env {
  SCHEDULER: DurableObjectNamespaceLike;
}

const attempts: { jobId: string; attempt: number; at: number }[] = [];

function registerTasks(scheduler: Scheduler): void {
  scheduler.task("record", (_p, ctx) => ({ ranAt: scheduler.clock.now(), jobId: ctx.jobId }));
  scheduler.task("echo", (p) => p);
  // Hangs on its first attempt (the runtime is disposed under it); later attempts finish.
  scheduler.task("hang", (_p, ctx) => {
    if (ctx.attempt > 1) return `recovered on attempt ${ctx.attempt}`;
    return new Promise(() => {});
  });
  scheduler.task("fail", (_p, ctx) => {
    attempts.push({ jobId: ctx.jobId, attempt: ctx.attempt, at: scheduler.clock.now() });
    throw new Error(`boom ${ctx.attempt}`);
  }, { retries: 2, backoff: { initial: 400, factor: 2, max: 5000, jitter: "none" } });
}

/** Clock offsets of the `clock:` objects, by name. */
const offsets = new Map<string, number>();
const named = (name: string | undefined) => /^clock:(.+)$/.exec(name ?? "")?.[1];

function offsetClock(name: string | undefined): Clock | undefined {
  const instant = named(name);
  if (instant === undefined) return undefined;
  offsets.set(name!, Date.parse(instant) - 10 * 60_000 - Date.now());
  const real = systemClock();
  return { ...real, now: () => Date.now() + offsets.get(name!)! };
}

export class TestScheduler extends durableScheduler(
  DurableObject,
  (scheduler: Scheduler, _env: Env) => registerTasks(scheduler),
  (_env, ctx) => {
    const clock = offsetClock(ctx.id.name);
    // A short lease, so that a job left running by a dead runtime is re-run within the test.
    return { timezone: "UTC", leaseTime: 2000, ...(clock ? { clock } : {}) };
  },
) {
  /**
   * Test-only RPC: registering a task with `workers` is refused (no threads in workerd), and
   * spawned work runs in the object (its completion handed to `ctx.waitUntil` when there is one).
   */
  async workerd(): Promise<{ refusal: string; spawned: unknown; waitUntil: boolean }> {
    await this.ready;
    let refusal = "";
    try {
      this.scheduler.task("resize", { module: "file:///resize.ts" }, { workers: 2 });
    } catch (error) {
      refusal = `${(error as Error).name}: ${(error as Error).message}`;
    }
    const work = this.scheduler.spawn(async (signal) => {
      await new Promise((r) => setTimeout(r, 20));
      return signal.aborted ? "aborted" : "spawned in workerd";
    }, { name: "in-object" });
    const ctx = (this as unknown as { ctx: { waitUntil?: unknown } }).ctx;
    return {
      refusal,
      spawned: await work.result(),
      waitUntil: typeof ctx.waitUntil === "function",
    };
  }

  /** Test-only RPC: the attempts of the failing task seen by this isolate. */
  attempts(): { jobId: string; attempt: number; at: number }[] {
    return attempts;
  }

  /** Test-only RPC: when the object's one alarm is set for (epoch ms), or `null`. */
  async alarmAt(): Promise<number | null> {
    await this.ready;
    const ctx = (this as unknown as { ctx: { storage: { getAlarm(): Promise<number | null> } } })
      .ctx;
    return await ctx.storage.getAlarm();
  }

  /** Test-only RPC: shifts a `clock:` object's clock to read its named instant now. */
  async anchor(): Promise<void> {
    await this.ready;
    const name = (this as unknown as { ctx: { id: { name?: string } } }).ctx.id.name!;
    offsets.set(name, Date.parse(named(name)!) - Date.now());
    // Any write re-arms the alarm, which converts scheduler time with the new offset.
    await this.scheduler.store.setMeta("test:anchored", String(this.scheduler.clock.now()));
  }
}

type Call = { name: string; method: string; args?: unknown[]; trigger?: number };

async function call(env: Env, { name, method, args = [], trigger }: Call): Promise<unknown> {
  const client = schedulerClient(env.SCHEDULER, name) as unknown as Record<
    string,
    (...a: unknown[]) => Promise<unknown>
  >;
  // Triggers travel to this Worker as JSON; the client gets real Trigger objects.
  if (trigger !== undefined) {
    const opts = args[trigger] as { trigger: unknown };
    args[trigger] = { ...opts, trigger: triggerFromJSON(opts.trigger) };
  }
  // A method that resolves to nothing (removeSchedule) answers null: JSON has no undefined.
  const value = (await client[method]!(...args)) ?? null;
  if (value && typeof (value as { result?: unknown }).result === "function") {
    return { id: (value as { id: string }).id }; // a JobHandle
  }
  return value;
}

/** Runs one sample call of every admin operation through the client, in table order. */
async function operations(env: Env): Promise<unknown[]> {
  const client = schedulerClient(env.SCHEDULER, "operations");
  await client.schedule(SAMPLE_SCHEDULE);
  const methods = client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const out = [];
  for (const op of OPERATIONS) {
    const sample = ADMIN_SAMPLES[op.name];
    const method = op.name === "jobResult"
      ? (id: unknown) => client.job(id as string).result()
      : methods[op.name];
    if (typeof method !== "function") {
      out.push({ op: op.name, ok: false, error: "not a method of the client" });
      continue;
    }
    try {
      const value = await method(...sample.args);
      const expected = !("returns" in sample) || value === sample.returns;
      out.push({
        op: op.name,
        ok: sample.rejects === undefined && expected,
        error: expected ? null : `returned ${JSON.stringify(value)}`,
      });
    } catch (e) {
      const err = e as Error;
      out.push({
        op: op.name,
        ok: err.name === sample.rejects,
        error: `${err.name}: ${err.message}`,
      });
    }
  }
  return out;
}

/** Runs the same bad calls through the client and in process; returns both sides. */
async function errors(env: Env): Promise<unknown[]> {
  const local = new Scheduler();
  registerTasks(local);
  const remote = schedulerClient(env.SCHEDULER, "errors");
  await remote.schedule({ id: "exists", task: "echo", trigger: every(60_000) });
  await local.schedule({ id: "exists", task: "echo", trigger: every(60_000) });
  const cases: [string, (s: typeof remote | Scheduler) => Promise<unknown>][] = [
    ["unknown task", (s) => s.enqueue("nope", null)],
    ["negative delay", (s) => s.enqueue("echo", null, { delay: -5 })],
    ["unparsable delay", (s) => s.enqueue("echo", null, { delay: "soon" })],
    ["bad runAt", (s) => s.enqueue("echo", null, { runAt: "yesterday" })],
    ["non-JSON payload", (s) => s.enqueue("echo", { when: new Date(0) } as never)],
    [
      "conflict",
      (s) => s.schedule({ id: "exists", task: "echo", trigger: every(60_000), ifExists: "error" }),
    ],
    ["missing schedule", (s) => s.pauseSchedule("missing")],
    [
      "maxInstances 0",
      (s) => s.schedule({ id: "x", task: "echo", trigger: every(60_000), maxInstances: 0 }),
    ],
    ["bad id", (s) => s.getJob("")],
    ["bad limit", (s) => s.listJobs({ limit: -1 })],
    ["bad count", (s) => s.nextRuns("exists", -1)],
    ["retry of a missing job", (s) => s.retryJob("missing")],
    ["purge of a pending status", (s) => s.purgeJobs({ status: ["failed", "pending"] })],
    ["purge with a bad age", (s) => s.purgeJobs({ olderThan: "a week" })],
    ["priority out of range", (s) => s.enqueue("echo", null, { priority: 1001 })],
  ];
  const out = [];
  for (const [label, run] of cases) {
    const side = async (s: typeof remote | Scheduler) => {
      try {
        await run(s);
        return null;
      } catch (e) {
        const err = e as Error & { id?: string; task?: string };
        return {
          name: err.name,
          message: err.message,
          ctor: err.constructor.name,
          id: err.id ?? null,
          task: err.task ?? null,
        };
      }
    };
    out.push({ label, remote: await side(remote), local: await side(local) });
  }
  await local.stop();
  return out;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === "/call") return Response.json(await call(env, await request.json()));
      if (url.pathname === "/batch") {
        const calls = await request.json() as Call[];
        for (const c of calls) await call(env, c);
        return Response.json(calls.length);
      }
      if (url.pathname === "/errors") return Response.json(await errors(env));
      if (url.pathname === "/operations") return Response.json(await operations(env));
      if (url.pathname === "/alarm") {
        const name = url.searchParams.get("name")!;
        const stub = env.SCHEDULER.get(env.SCHEDULER.idFromName(name) as never) as {
          alarmAt(): Promise<number | null>;
        };
        return Response.json(await stub.alarmAt());
      }
      if (url.pathname === "/anchor") {
        const name = url.searchParams.get("name")!;
        const stub = env.SCHEDULER.get(env.SCHEDULER.idFromName(name) as never) as {
          anchor(): Promise<void>;
        };
        await stub.anchor();
        return Response.json(true);
      }
      if (url.pathname === "/workerd") {
        const name = url.searchParams.get("name")!;
        const stub = env.SCHEDULER.get(env.SCHEDULER.idFromName(name) as never) as {
          workerd(): Promise<unknown>;
        };
        return Response.json(await stub.workerd());
      }
      if (url.pathname === "/attempts") {
        const name = url.searchParams.get("name")!;
        const stub = env.SCHEDULER.get(env.SCHEDULER.idFromName(name) as never) as {
          attempts(): Promise<unknown>;
        };
        return Response.json(await stub.attempts());
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      const err = e as Error;
      return Response.json({ thrown: { name: err.name, message: err.message } }, { status: 500 });
    }
  },
  scheduled: cronTriggers<Env>({
    "*/5 * * * *": async (event, env) => {
      await schedulerClient(env.SCHEDULER, "cron").enqueue("echo", {
        cron: event.cron,
        at: event.scheduledTime.toString(),
      }, { id: `cron@${event.scheduledTime}` });
    },
  }),
};
