/**
 * Scheduler benchmark (not a test): everywhen against croner, toad-scheduler and node-cron.
 *
 * `node_modules/node26/bin/node bench/scheduler.ts
 * [--only memory,idle,oneshot,everysec,jobs,retention] [--quick]` (Node 22.18+ strips the types too). Every case runs in a child process of its own
 * (with `--expose-gc`), so cases never share a heap, timers or JIT state; the parent only
 * collects one JSON line per case and prints the tables.
 *
 * Sections: (1) heap bytes and creation time per schedule, (2) idle CPU with many schedules,
 * (3) lateness of 1,000 one-shot jobs due at one instant, (4) lateness of 1,000 every-second
 * schedules, (5) delayed-job throughput in memory, (6) heap under steady every-second schedules
 * (fired jobs kept by `MemoryStore`).
 * @module
 */

import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { fmt, preciseNow, printTable, summarize, type Summary } from "./_stats.ts";

type Result = Record<string, number | string | null | Summary>;
type CaseFn = (n: number, seconds: number) => Promise<Result>;

// "every minute"-style patterns: a few distinct expressions shared by many schedules.
const PATTERNS = ["* * * * *", "*/5 * * * *", "0 * * * *", "*/15 * * * *", "30 2 * * *"];
/** Concurrency given to everywhen in the timing sections (3), (4) and (5). */
const CONCURRENCY = 10_000;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Daily patterns at least two hours away, so nothing falls due during an idle window. */
function idlePatterns(): string[] {
  const hour = new Date().getUTCHours();
  return [2, 4, 6, 8, 10].map((d, i) => `${i * 7} ${(hour + d) % 24} * * *`);
}

// ---- cases (each runs in its own child process) ---------------------------------------------

async function createEverywhen(n: number, patterns: readonly string[]) {
  const { cron, Scheduler } = await import("../mod.ts");
  const scheduler = new Scheduler({ concurrency: CONCURRENCY });
  scheduler.task("t", () => null);
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await scheduler.schedule({
      id: `s${i}`,
      task: "t",
      trigger: cron(patterns[i % patterns.length]!),
    });
  }
  const createMs = performance.now() - t0;
  return { scheduler, before, createMs };
}

async function createCroner(n: number, patterns: readonly string[], keep: unknown[]) {
  const { Cron } = await import("croner");
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) keep.push(new Cron(patterns[i % patterns.length]!, () => {}));
  return { before, createMs: performance.now() - t0 };
}

async function createToad(n: number) {
  const { SimpleIntervalJob, Task, ToadScheduler } = await import("toad-scheduler");
  const toad = new ToadScheduler();
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const minutes = [1, 5, 60, 15, 1440][i % 5]!;
    toad.addSimpleIntervalJob(
      new SimpleIntervalJob({ minutes }, new Task(`t${i}`, () => {}), { id: `s${i}` }),
    );
  }
  return { toad, before, createMs: performance.now() - t0 };
}

async function createNodeCron(n: number, patterns: readonly string[], keep: unknown[]) {
  const nodeCron = (await import("node-cron")).default;
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    keep.push(nodeCron.schedule(patterns[i % patterns.length]!, () => {}));
  }
  return { before, createMs: performance.now() - t0 };
}

function perItem(n: number, before: number, createMs: number): Result {
  const bytes = heapUsed() - before;
  return {
    n,
    bytesPer: bytes / n,
    heapMB: bytes / 2 ** 20,
    createMs,
    usPer: (createMs * 1000) / n,
  };
}

/** Idle CPU: `cpuUsage` over a window in which no schedule is due. */
async function idleCpu(seconds: number): Promise<Result> {
  gc();
  await sleep(1000);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - wall0) / 1000;
  return { wallS, msPerS: (cpu.user + cpu.system) / 1000 / wallS };
}

const keep: unknown[] = [];

const CASES: Record<string, CaseFn> = {
  // (1) memory and creation
  "mem:everywhen-schedule": async (n) => {
    const { scheduler, before, createMs } = await createEverywhen(n, PATTERNS);
    const r = perItem(n, before, createMs);
    keep.push(scheduler);
    return r;
  },
  "mem:everywhen-trigger": async (n) => {
    const { cron } = await import("../mod.ts");
    const before = heapUsed();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) keep.push(cron(PATTERNS[i % PATTERNS.length]!));
    return perItem(n, before, performance.now() - t0);
  },
  "mem:croner": async (n) => {
    const { before, createMs } = await createCroner(n, PATTERNS, keep);
    return perItem(n, before, createMs);
  },
  "mem:toad": async (n) => {
    const { toad, before, createMs } = await createToad(n);
    keep.push(toad);
    return perItem(n, before, createMs);
  },
  "mem:node-cron": async (n) => {
    const { before, createMs } = await createNodeCron(n, PATTERNS, keep);
    return perItem(n, before, createMs);
  },

  // (2) idle CPU
  "idle:everywhen": async (n, seconds) => {
    const { scheduler } = await createEverywhen(n, idlePatterns());
    scheduler.start();
    const r = await idleCpu(seconds);
    await scheduler.stop({ grace: 0 });
    return { n, ...r };
  },
  "idle:croner": async (n, seconds) => {
    await createCroner(n, idlePatterns(), keep);
    return { n, ...(await idleCpu(seconds)) };
  },
  "idle:toad": async (n, seconds) => {
    const { toad } = await createToad(n);
    const r = await idleCpu(seconds);
    toad.stop();
    return { n, ...r };
  },
  "idle:node-cron": async (n, seconds) => {
    await createNodeCron(n, idlePatterns(), keep);
    return { n, ...(await idleCpu(seconds)) };
  },
  "idle:baseline": async (_n, seconds) => ({ n: 0, ...(await idleCpu(seconds)) }),

  // (3) one-shot lateness: n jobs due at the same instant, 2 s ahead (a whole second)
  "oneshot:everywhen": async (n) => {
    const { at, Scheduler } = await import("../mod.ts");
    const due = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const late = oneShotRecorder(due, n);
    const scheduler = new Scheduler({ concurrency: CONCURRENCY });
    scheduler.task("t", () => late.hit());
    for (let i = 0; i < n; i++) {
      await scheduler.schedule({ id: `o${i}`, task: "t", trigger: at(due) });
    }
    scheduler.start();
    const r = await late.done;
    await scheduler.stop({ grace: 0 });
    return r;
  },
  "oneshot:croner": async (n) => {
    const { Cron } = await import("croner");
    const due = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const late = oneShotRecorder(due, n);
    for (let i = 0; i < n; i++) keep.push(new Cron(new Date(due), () => void late.hit()));
    return await late.done;
  },
  "oneshot:setTimeout": async (n) => {
    const due = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const late = oneShotRecorder(due, n);
    for (let i = 0; i < n; i++) setTimeout(() => late.hit(), due - Date.now());
    return await late.done;
  },

  // (4) every-second lateness over a window
  "everysec:everywhen-every": (n, seconds) => everySecondEverywhen(n, seconds, "every"),
  "everysec:everywhen-cron": (n, seconds) => everySecondEverywhen(n, seconds, "cron"),
  "everysec:everywhen-every-aligned": (n, seconds) =>
    everySecondEverywhen(n, seconds, "every-aligned"),
  "everysec:croner": async (n, seconds) => {
    const { Cron } = await import("croner");
    const rec = everySecondRecorder(seconds);
    for (let i = 0; i < n; i++) keep.push(new Cron("* * * * * *", () => rec.hitNearest()));
    const r = await rec.done;
    for (const c of keep as { stop(): void }[]) c.stop();
    return { n, ...r };
  },
  "everysec:node-cron": async (n, seconds) => {
    const nodeCron = (await import("node-cron")).default;
    const rec = everySecondRecorder(seconds);
    for (let i = 0; i < n; i++) {
      keep.push(nodeCron.schedule("* * * * * *", () => rec.hitNearest()));
    }
    const r = await rec.done;
    for (const t of keep as { stop(): void }[]) t.stop();
    return { n, ...r };
  },

  // (6) heap under steady every-second schedules
  "retention:everywhen": (n, seconds) => retention(n, seconds),
  "retention:everywhen-unbounded": (n, seconds) => retention(n, seconds, Infinity),

  // (5) delayed-job throughput in memory
  "jobs:everywhen": async (n) => {
    const { Scheduler } = await import("../mod.ts");
    const scheduler = new Scheduler({ concurrency: CONCURRENCY });
    const task = scheduler.task("t", () => null, { resultTtl: 0 });
    let succeeded = 0;
    let t1 = 0;
    let finish: () => void = () => {};
    const all = new Promise<void>((r) => (finish = r));
    scheduler.on("job:succeeded", () => {
      if (++succeeded === n) {
        t1 = performance.now();
        finish();
      }
    });
    const before = heapUsed();
    const e0 = performance.now();
    for (let i = 0; i < n; i++) await task.enqueue(null, { delay: 1, resultTtl: 0 });
    const enqueueMs = performance.now() - e0;
    const pendingBytes = heapUsed() - before;
    await sleep(5);
    const t0 = performance.now();
    scheduler.start();
    await all;
    const runMs = t1 - t0;
    await scheduler.stop({ grace: 0 });
    return {
      n,
      enqueueMs,
      enqueuePerS: (n * 1000) / enqueueMs,
      bytesPerPending: pendingBytes / n,
      runMs,
      runPerS: (n * 1000) / runMs,
      endToEndPerS: (n * 1000) / (enqueueMs + runMs),
    };
  },
};

/**
 * (6) `n` every-second schedules fire for `seconds` on a virtual clock (no real waiting); the
 * heap is read before the first fire and after the last. Results are kept a day (the default
 * `resultTtl`), so without a bound every fired job stays.
 */
async function retention(n: number, seconds: number, maxFinishedJobs?: number): Promise<Result> {
  const { every, MemoryStore, Scheduler, VirtualClock } = await import("../mod.ts");
  const clock = new VirtualClock(Date.UTC(2030, 0, 1));
  const store = new MemoryStore(maxFinishedJobs === undefined ? {} : { maxFinishedJobs });
  const scheduler = new Scheduler({ clock, store, concurrency: CONCURRENCY });
  const task = scheduler.task("t", () => "ok");
  for (let i = 0; i < n; i++) await task.schedule({ id: `e${i}`, trigger: every("PT1S") });
  let fires = 0;
  scheduler.on("job:succeeded", () => void fires++);
  scheduler.start();
  await clock.advance(0);
  const before = heapUsed();
  const fires0 = fires;
  const t0 = performance.now();
  for (let s = 0; s < seconds; s++) await clock.advance(1000);
  const ms = performance.now() - t0;
  const bytes = heapUsed() - before;
  const kept = await store.countJobs({ status: "succeeded" });
  await scheduler.stop({ grace: 0 });
  return {
    n,
    fires: fires - fires0,
    kept,
    heapMB: bytes / 2 ** 20,
    bytesPerFire: bytes / fires,
    ms,
  };
}

function oneShotRecorder(due: number, n: number) {
  // Node loads `performance` on first use: pay that here, not in the first measured hit.
  preciseNow();
  const precise: number[] = [];
  let early = 0;
  let finish: (r: Result) => void = () => {};
  const done = new Promise<Result>((r) => (finish = r));
  const timer = setTimeout(() => finish(result()), due - Date.now() + 10_000);
  function result(): Result {
    clearTimeout(timer);
    return { n, fired: precise.length, early, lateness: summarize(precise) };
  }
  return {
    done,
    hit(): null {
      const t = preciseNow();
      // The early check uses Date.now(), the clock the schedulers themselves read.
      if (Date.now() < due) early++;
      precise.push(t - due);
      if (precise.length === n) finish(result());
      return null;
    },
  };
}

function everySecondRecorder(seconds: number) {
  preciseNow();
  const samples: number[] = [];
  const from = Math.ceil((Date.now() + 2000) / 1000) * 1000;
  const until = from + seconds * 1000;
  let early = 0;
  const done = sleep(until + 500 - Date.now()).then((): Result => ({
    windowS: seconds,
    fires: samples.length,
    early,
    lateness: summarize(samples),
  }));
  function record(now: number, scheduled: number): void {
    if (scheduled < from || scheduled >= until) return;
    if (Math.floor(now) < scheduled) early++;
    samples.push(now - scheduled);
  }
  return {
    done,
    record,
    /** For peers that do not tell the scheduled instant: the nearest whole second. */
    hitNearest(): void {
      const now = preciseNow();
      record(now, Math.round(now / 1000) * 1000);
    },
  };
}

async function everySecondEverywhen(
  n: number,
  seconds: number,
  kind: "every" | "every-aligned" | "cron",
): Promise<Result> {
  const { cron, every, Scheduler } = await import("../mod.ts");
  const scheduler = new Scheduler({ concurrency: CONCURRENCY });
  const rec = everySecondRecorder(seconds);
  scheduler.task("t", (_p, ctx) => {
    const now = preciseNow();
    rec.record(now, ctx.scheduledAt.epochMilliseconds);
    return null;
  });
  // every("PT1S") counts from each schedule's creation, so its fires spread over the
  // milliseconds the loop below takes; "every-aligned" starts them all on one whole second, a
  // burst like cron's, for a like-for-like comparison.
  const startAt = Math.ceil((Date.now() + 1000) / 1000) * 1000;
  for (let i = 0; i < n; i++) {
    const trigger = kind === "cron"
      ? cron("* * * * * *")
      : kind === "every"
      ? every("PT1S")
      : every("PT1S", { startAt });
    await scheduler.schedule({ id: `e${i}`, task: "t", trigger });
  }
  scheduler.start();
  const r = await rec.done;
  await scheduler.stop({ grace: 0 });
  return { n, ...r };
}

// ---- the parent: run cases, print tables ----------------------------------------------------

interface Plan {
  section: string;
  name: string;
  n: number;
  seconds: number;
}

function plan(quick: boolean): Plan[] {
  const big = quick ? 100_000 : 1_000_000;
  // croner re-arms every job's timer at least every 30 s, so a window shorter than that can
  // miss its wake-ups entirely: 31 s covers one full cycle for every library.
  const idleS = quick ? 3 : 31;
  const secS = quick ? 5 : 30;
  const jobs = quick ? 20_000 : 100_000;
  const p: Plan[] = [];
  const add = (section: string, name: string, n: number, seconds = 0) =>
    p.push({ section, name, n, seconds });
  for (const n of [100_000, big]) add("memory", "mem:everywhen-schedule", n);
  for (const n of [100_000, big]) add("memory", "mem:everywhen-trigger", n);
  add("memory", "mem:croner", 10_000);
  for (const n of [100_000, big]) add("memory", "mem:toad", n);
  for (const n of [10_000, 100_000]) add("memory", "mem:node-cron", n);
  add("idle", "idle:baseline", 0, idleS);
  add("idle", "idle:everywhen", 100_000, idleS);
  add("idle", "idle:croner", 10_000, idleS);
  add("idle", "idle:toad", 100_000, idleS);
  add("idle", "idle:node-cron", 10_000, idleS);
  add("oneshot", "oneshot:everywhen", 1000);
  add("oneshot", "oneshot:croner", 1000);
  add("oneshot", "oneshot:setTimeout", 1000);
  add("everysec", "everysec:everywhen-cron", 1000, secS);
  add("everysec", "everysec:everywhen-every", 1000, secS);
  add("everysec", "everysec:everywhen-every-aligned", 1000, secS);
  add("everysec", "everysec:croner", 1000, secS);
  add("everysec", "everysec:node-cron", 1000, secS);
  add("jobs", "jobs:everywhen", jobs);
  for (const s of quick ? [20] : [120, 600]) add("retention", "retention:everywhen", 1000, s);
  add("retention", "retention:everywhen-unbounded", 1000, quick ? 20 : 120);
  return p;
}

function runChild(step: Plan): Result | string {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--max-old-space-size=12288",
      self,
      "--case",
      step.name,
      String(step.n),
      String(step.seconds),
    ],
    { encoding: "utf8", maxBuffer: 256 * 2 ** 20, timeout: 180_000, stdio: "pipe" },
  );
  const line = child.stdout?.split("\n").find((l) => l.startsWith("@@RESULT "));
  if (line) return JSON.parse(line.slice(9)) as Result;
  const why = child.error?.message ?? child.signal ?? `exit ${child.status}`;
  const err = (child.stderr ?? "").trim().split("\n").slice(-3).join(" | ");
  return `failed (${why})${err ? `: ${err}` : ""}`;
}

const num = (r: Result, k: string): number => r[k] as number;
const lib = (name: string): string => name.slice(name.indexOf(":") + 1);

function report(section: string, runs: [Plan, Result | string][]): void {
  const ok = runs.filter((x): x is [Plan, Result] => typeof x[1] !== "string");
  for (const [p, r] of runs) if (typeof r === "string") console.log(`${p.name} n=${p.n}: ${r}`);
  if (section === "memory") {
    console.log("\n(1) Heap per schedule and creation time (gc() before/after, heapUsed)");
    printTable(
      ["case", "n", "bytes/item", "heap MB", "create ms", "µs/item"],
      ok.map(([p, r]) => [
        lib(p.name),
        fmt(p.n),
        fmt(num(r, "bytesPer")),
        fmt(num(r, "heapMB"), 1),
        fmt(num(r, "createMs")),
        fmt(num(r, "usPer"), 2),
      ]),
    );
  } else if (section === "idle") {
    console.log("\n(2) Idle CPU, nothing due in the window (process.cpuUsage)");
    printTable(
      ["case", "schedules", "window s", "CPU ms/s", "load"],
      ok.map(([p, r]) => [
        lib(p.name),
        fmt(p.n),
        fmt(num(r, "wallS"), 1),
        fmt(num(r, "msPerS"), 3),
        fmt(num(r, "load"), 2),
      ]),
    );
  } else if (section === "oneshot" || section === "everysec") {
    console.log(
      section === "oneshot"
        ? "\n(3) One-shot lateness: 1,000 jobs due at one instant (handler start − instant, ms)"
        : "\n(4) Every-second lateness: 1,000 schedules (handler start − scheduled second, ms)",
    );
    printTable(
      ["case", "fires", "early", "min", "p50", "p99", "max", "load"],
      ok.map(([p, r]) => {
        const s = r.lateness as Summary;
        return [
          lib(p.name) + (p.seconds ? ` (${p.seconds} s)` : ""),
          fmt(s.count),
          fmt(num(r, "early")),
          fmt(s.min, 2),
          fmt(s.p50, 2),
          fmt(s.p99, 2),
          fmt(s.max, 2),
          fmt(num(r, "load"), 2),
        ];
      }),
    );
  } else if (section === "retention") {
    console.log(
      "\n(6) Heap under 1,000 every-second schedules on a virtual clock (results kept a day)",
    );
    printTable(
      ["case", "schedules", "seconds", "fires", "jobs kept", "heap growth MB", "bytes/fire"],
      ok.map(([p, r]) => [
        lib(p.name),
        fmt(p.n),
        fmt(p.seconds),
        fmt(num(r, "fires")),
        fmt(num(r, "kept")),
        fmt(num(r, "heapMB"), 1),
        fmt(num(r, "bytesPerFire")),
      ]),
    );
  } else if (section === "jobs") {
    console.log(
      `\n(5) Delayed-job throughput in memory: jobs enqueued one at a time (each awaited, ` +
        `delay 1 ms), then run by one scheduler, concurrency ${fmt(CONCURRENCY)}, MemoryStore` +
        `\n    end-to-end/s = jobs / (enqueue + run); load = 1-minute load average ` +
        `(${availableParallelism()} cores)`,
    );
    printTable(
      [
        "case",
        "jobs",
        "enqueue/s",
        "bytes/pending",
        "run ms",
        "run jobs/s",
        "end-to-end/s",
        "load",
      ],
      ok.map(([p, r]) => [
        lib(p.name),
        fmt(p.n),
        fmt(num(r, "enqueuePerS")),
        fmt(num(r, "bytesPerPending")),
        fmt(num(r, "runMs")),
        fmt(num(r, "runPerS")),
        fmt(num(r, "endToEndPerS")),
        fmt(num(r, "load"), 2),
      ]),
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--case");
  if (at >= 0) {
    const name = args[at + 1]!;
    const fn = CASES[name];
    if (!fn) throw new TypeError(`Unknown case: ${name}`);
    if ((globalThis as { gc?: unknown }).gc === undefined) {
      throw new Error("Cannot measure heap: gc is undefined (run with --expose-gc)");
    }
    const result = await fn(Number(args[at + 2]), Number(args[at + 3]));
    // Timing cases are only as good as the machine was quiet: report the 1-minute load.
    result.load = loadavg()[0]!;
    process.stdout.write(`\n@@RESULT ${JSON.stringify(result)}\n`, () => process.exit(0));
    return;
  }
  const quick = args.includes("--quick");
  const onlyAt = args.indexOf("--only");
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]!.split(",")) : null;
  const steps = plan(quick).filter((s) => only === null || only.has(s.section));
  console.log(
    `everywhen scheduler benchmark: ${process.release.name} ${process.version}, ` +
      `${availableParallelism()} cores, ${quick ? "quick" : "full"} run`,
  );
  const started = performance.now();
  let section = "";
  let runs: [Plan, Result | string][] = [];
  for (const step of steps) {
    if (step.section !== section) {
      if (runs.length > 0) report(section, runs);
      section = step.section;
      runs = [];
    }
    process.stderr.write(`  running ${step.name} n=${step.n}...\n`);
    runs.push([step, runChild(step)]);
  }
  if (runs.length > 0) report(section, runs);
  console.log(`\ntotal ${fmt((performance.now() - started) / 1000, 0)} s`);
}

await main();
