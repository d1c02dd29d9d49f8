/**
 * Event-loop responsiveness under overload (not a test): the longest gap between the ticks of a
 * 10 ms interval timer while a scheduler works through a backlog, on stores whose calls resolve
 * as microtasks. Cases: 100,000 due jobs in memory; 10,000 due jobs and 10,000 overdue
 * schedules in an SQLite file.
 *
 *   node_modules/node26/bin/node --no-warnings bench/event_loop.ts
 *
 * The same load against its peer, each system in a child process of its own, in one run:
 * everywhen on an SQLite file, everywhen's `MemoryStore` and croner (memory only, no persistence),
 * with a last column giving each p99 as a multiple of croner's at the same size.
 *
 *   node_modules/node26/bin/node --no-warnings bench/event_loop.ts sustained [n,…]
 *   node_modules/node26/bin/node --no-warnings bench/event_loop.ts boundary [n,…]
 *
 * `sustained`: n every-second schedules on one phase (default 1,000 and 10,000) for 10 s:
 * handler-start lateness and the longest gap of a 10 ms interval. `boundary`: n schedules due at
 * one instant (default 10,000, 20,000 and 100,000; croner only up to 20,000): the same figures,
 * the max being when the last one started.
 *
 * Benchmarks measure; nothing here asserts.
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Cron } from "croner";
import { openStore } from "../adapters/sqlite.ts";
import { VirtualClock } from "../src/clock.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import type { Store } from "../src/store/store.ts";
import { at, every } from "../src/triggers/mod.ts";
import { fmt, printTable, summarize, type Summary } from "./_stats.ts";

const TICK_MS = 10;
/** The measured window of the sustained load, after its warm-up. */
const SUSTAINED_S = 10;

async function drain(store: Store, kind: "jobs" | "schedules", n: number): Promise<string> {
  const scheduler = new Scheduler({ store, concurrency: 1000 });
  let ran = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  scheduler.task("t", () => {
    if (++ran === n) finish();
    return null;
  }, { resultTtl: 0 });
  if (kind === "jobs") {
    for (let i = 0; i < n; i += 1000) {
      await scheduler.enqueueMany(Array.from({ length: 1000 }, () => ({ task: "t" })));
    }
  } else {
    // Written on a clock a minute back, so every fire is overdue when the scheduler starts.
    const now = Date.now();
    const past = new Scheduler({ store, clock: new VirtualClock(now - 60_000) });
    const writer = past.task("t", () => null);
    for (let i = 0; i < n; i++) await writer.schedule({ id: `s${i}`, trigger: at(now - 30_000) });
  }
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const interval = setInterval(() => {
    const t = performance.now();
    maxGap = Math.max(maxGap, t - last);
    last = t;
    ticks++;
  }, TICK_MS);
  const t0 = performance.now();
  last = t0;
  scheduler.start();
  await done;
  const ms = performance.now() - t0;
  clearInterval(interval);
  maxGap = Math.max(maxGap, performance.now() - last);
  await scheduler.stop();
  await store.close();
  return `${n} ${kind}: done in ${ms.toFixed(0)} ms (${Math.round(n / ms * 1000)}/s); ` +
    `${ticks} ticks of a ${TICK_MS} ms interval, longest gap ${maxGap.toFixed(1)} ms`;
}

/** What runs the load: everywhen on an SQLite file or in memory, or croner (memory only). */
type System = "sqlite" | "memory" | "croner";
const SYSTEMS: readonly System[] = ["sqlite", "memory", "croner"];
const LABELS: Record<System, string> = {
  sqlite: "everywhen SQLite file",
  memory: "everywhen MemoryStore",
  croner: "croner (memory)",
};
/**
 * croner above this many schedules is not run: creating 100,000 one-shots took 41.7 s, and
 * 100,000 cron jobs ran out of a 4 GB heap (measured 2026-12-01).
 */
const CRONER_MAX = 20_000;

/** Handler-start lateness of the fires due in a window, and the longest gap of a 10 ms interval. */
interface LoadResult {
  ran: number;
  expected: number;
  lateness: Summary;
  maxGap: number;
  note?: string;
}

/**
 * `n` schedules of `system` under one of two loads, with a handler that records its lateness
 * (handler start − fire instant, on the clock the system reads):
 * - `sustained`: every second, all on one phase, for `seconds` after a warm-up of 3 s;
 * - `boundary`: one fire each, all due at one instant.
 * everywhen runs with `concurrency: 1000` and `resultTtl: 0`. For `boundary` it reads a clock set
 * to 500 ms before the instant when it starts (as `bench/_fires.ts` does), so however long
 * writing the schedules took, the fires wait no real time; croner reads the real clock, so its
 * instant is set far enough ahead of its (quadratic) creation time.
 */
async function load(
  system: System,
  mode: "sustained" | "boundary",
  file: string,
  n: number,
  seconds: number,
): Promise<LoadResult> {
  const late: number[] = [];
  let from: number;
  let until: number;
  let clock = { now: () => Date.now() };
  let stop: () => Promise<void>;
  let note: string | undefined;
  if (system === "croner") {
    from = mode === "sustained"
      ? Date.now() + 3000
      : Math.ceil((Date.now() + 3000 + (n * n) / 80_000) / 1000) * 1000;
    until = mode === "sustained" ? from + seconds * 1000 : from + 1;
    const jobs: Cron[] = [];
    for (let i = 0; i < n; i++) {
      jobs.push(
        mode === "sustained"
          // croner does not tell the instant it fires for: the nearest whole second.
          ? new Cron("* * * * * *", () => {
            const now = Date.now();
            const due = Math.round(now / 1000) * 1000;
            if (due >= from && due < until) late.push(now - due);
          })
          : new Cron(new Date(from), () => void late.push(Date.now() - from)),
      );
    }
    if (mode === "boundary" && Date.now() > from - 300) note = "creation overran the instant";
    stop = () => {
      for (const j of jobs) j.stop();
      return Promise.resolve();
    };
  } else {
    const store = system === "sqlite" ? await openStore(file) : new MemoryStore();
    // Boundary: an instant past any creation time (the clock is moved to it below).
    from = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
    until = from + 1;
    const writer = new Scheduler({ store, roles: { schedules: false, jobs: false } });
    // One phase for all: every schedule is due at the same instant (each second).
    const startAt = Math.ceil(Date.now() / 1000) * 1000;
    for (let i = 0; i < n; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
          writer.schedule({
            id: `s${i + j}`,
            task: "t",
            trigger: mode === "sustained" ? every(1000, { startAt }) : at(from),
          })),
      );
    }
    await writer.stop();
    if (mode === "sustained") {
      // The warm-up counts from the end of creation, however long that took.
      from = Date.now() + 3000;
      until = from + seconds * 1000;
    } else {
      const offset = from - Date.now() - 500;
      clock = { now: () => Date.now() + offset };
    }
    const scheduler = new Scheduler({
      store,
      concurrency: 1000,
      ...(mode === "boundary"
        ? {
          clock: {
            now: clock.now,
            setTimer: (fn: () => void, ms: number) => setTimeout(fn, ms),
            clearTimer: (h: unknown) => clearTimeout(h as number),
          },
        }
        : {}),
    });
    scheduler.task("t", (_p: null, ctx) => {
      const due = ctx.scheduledAt.epochMilliseconds;
      if (due >= from && due < until) late.push(clock.now() - due);
      return null;
    }, { resultTtl: 0 });
    scheduler.start();
    stop = async () => {
      await scheduler.stop();
      await store.close();
    };
  }
  const expected = mode === "sustained" ? n * seconds : n;
  let last = performance.now();
  let maxGap = 0;
  const interval = setInterval(() => {
    const t = performance.now();
    if (clock.now() >= from) maxGap = Math.max(maxGap, t - last);
    last = t;
  }, TICK_MS);
  // Sustained: the window and 2 s to finish it. Boundary: until every fire ran (or 60 s).
  const end = mode === "sustained" ? until - clock.now() + 2000 : from - clock.now() + 60_000;
  const deadline = performance.now() + end;
  while (performance.now() < deadline && !(mode === "boundary" && late.length === n)) {
    await new Promise((r) => setTimeout(r, mode === "boundary" ? 20 : 200));
  }
  clearInterval(interval);
  // The stretch since the last tick: a system that held the thread until every fire ran (croner
  // at 20,000) leaves no tick after the instant.
  if (clock.now() >= from) maxGap = Math.max(maxGap, performance.now() - last);
  await stop();
  return {
    ran: late.length,
    expected,
    lateness: summarize(late),
    maxGap,
    ...(note ? { note } : {}),
  };
}

/** Runs `load` for each system in a child process of its own, and prints one table. */
function compare(mode: "sustained" | "boundary", sizes: readonly number[]): void {
  const self = fileURLToPath(import.meta.url);
  const rows: string[][] = [];
  for (const n of sizes) {
    let croner: number | null = null;
    for (const system of SYSTEMS) {
      if (system === "croner" && n > CRONER_MAX) {
        rows.push([LABELS[system], fmt(n), `not run above ${fmt(CRONER_MAX)}`, "", "", "", "", ""]);
        continue;
      }
      const child = spawnSync(
        process.execPath,
        ["--no-warnings", "--max-old-space-size=12288", self, "--case", system, mode, String(n)],
        { encoding: "utf8", maxBuffer: 64 * 2 ** 20, timeout: 600_000, stdio: "pipe" },
      );
      const line = child.stdout?.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (!line) {
        const why = child.error?.message ?? child.signal ?? `exit ${child.status}`;
        const err = (child.stderr ?? "").trim().split("\n").slice(-2).join(" | ");
        rows.push([LABELS[system], fmt(n), `failed (${why}) ${err}`, "", "", "", "", ""]);
        continue;
      }
      const r = JSON.parse(line.slice(9)) as LoadResult;
      if (system === "croner") croner = r.lateness.p99;
      rows.push([
        LABELS[system],
        fmt(n),
        `${fmt(r.ran)} of ${fmt(r.expected)}${r.note ? ` (${r.note})` : ""}`,
        fmt(r.lateness.p50, 1),
        fmt(r.lateness.p99, 1),
        fmt(r.lateness.max, 1),
        fmt(r.maxGap, 1),
        "",
      ]);
    }
    // p99 against croner's at the same size, in the same run.
    for (const row of rows.slice(-SYSTEMS.length)) {
      const p99 = Number(row[4]?.replaceAll(",", ""));
      if (croner !== null && row[0] !== LABELS.croner && Number.isFinite(p99)) {
        row[7] = `${fmt(p99 / croner, 2)}×`;
      }
    }
  }
  console.log(
    mode === "sustained"
      ? `\nevery-second schedules, one phase, ${SUSTAINED_S} s window (ms)`
      : "\nschedules all due at one instant, one fire each (ms)",
  );
  printTable(
    ["system", "n", "fires ran", "p50", "p99", "max", "longest gap", "p99 ÷ croner"],
    rows,
  );
}

const dir = mkdtempSync(join(tmpdir(), "everywhen-loop-"));
try {
  console.log(
    `event-loop gaps under overload, ${process.version}, load ${loadavg()[0]!.toFixed(2)}`,
  );
  if (process.argv[2] === "--case") {
    const [system, mode, n] = process.argv.slice(3) as [System, "sustained" | "boundary", string];
    const r = await load(system, mode, join(dir, "load.db"), Number(n), SUSTAINED_S);
    console.log("@@RESULT " + JSON.stringify(r));
  } else if (process.argv[2] === "sustained" || process.argv[2] === "boundary") {
    const sizes = process.argv[3] ??
      (process.argv[2] === "sustained" ? "1000,10000" : "10000,20000,100000");
    compare(process.argv[2], sizes.split(",").map(Number));
  } else {
    console.log("MemoryStore   " + await drain(new MemoryStore(), "jobs", 100_000));
    console.log(
      "SQLite file   " + await drain(await openStore(join(dir, "a.db")), "jobs", 10_000),
    );
    console.log(
      "SQLite file   " + await drain(await openStore(join(dir, "b.db")), "schedules", 10_000),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
