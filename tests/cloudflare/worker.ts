/**
 * The Worker the Cloudflare tests run in workerd (bundled with esbuild, loaded by Miniflare): a
 * `durableScheduler` object with a few tasks, a `fetch` handler that drives it through
 * `schedulerClient` (RPC), and a `scheduled` handler built with `cronTriggers`.
 *
 * Objects named `clock:<ISO instant>` run on a clock shifted so that it read that instant when
 * the object woke: the alarm is real, only the scheduler's notion of "now" is offset. That is how
 * the DST test puts an object a few seconds before a New York clock change.
 */
import { DurableObject } from "cloudflare:workers";
import { type Clock, every, Scheduler, systemClock, triggerFromJSON } from "../../mod.ts";
import {
  cronTriggers,
  type DurableObjectNamespaceLike,
  durableScheduler,
  schedulerClient,
} from "../../adapters/cloudflare.ts";

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

function offsetClock(name: string | undefined): Clock | undefined {
  const match = /^clock:(.+)$/.exec(name ?? "");
  if (!match) return undefined;
  const offset = Date.parse(match[1]!) - Date.now();
  const real = systemClock();
  return { ...real, now: () => Date.now() + offset };
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
  /** Test-only RPC: the attempts of the failing task seen by this isolate. */
  attempts(): { jobId: string; attempt: number; at: number }[] {
    return attempts;
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
  const value = await client[method]!(...args);
  if (value && typeof (value as { result?: unknown }).result === "function") {
    return { id: (value as { id: string }).id }; // a JobHandle
  }
  return value;
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
