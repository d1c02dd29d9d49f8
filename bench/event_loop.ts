/**
 * Event-loop responsiveness under overload (not a test): the longest gap between the ticks of a
 * 10 ms interval timer while a scheduler works through a backlog, on stores whose calls resolve
 * as microtasks. Cases: 100,000 due jobs in memory; 10,000 due jobs and 10,000 overdue
 * schedules in an SQLite file.
 *
 *   node_modules/node26/bin/node --no-warnings bench/event_loop.ts
 *
 * `sustained [n,…]`: n every-second schedules on an SQLite file (default 1,000, 2,000, 5,000 and
 * 10,000), each for 10 s: fire lateness and the longest event-loop gap.
 *
 * Benchmarks measure; nothing here asserts.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadavg } from "node:os";
import process from "node:process";
import { openStore } from "../adapters/sqlite.ts";
import { VirtualClock } from "../src/clock.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import type { Store } from "../src/store/store.ts";
import { at, every } from "../src/triggers/mod.ts";

const TICK_MS = 10;

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

/**
 * `n` every-second schedules on an SQLite file for `seconds`, after a warm-up of 3 s: handler
 * start lateness (start − fire instant) p50, p99 and max over the fires due in the measured
 * window, how many of them ran within it, and the longest gap of the interval timer.
 */
async function sustained(file: string, n: number, seconds: number): Promise<string> {
  const store = await openStore(file);
  const scheduler = new Scheduler({ store, concurrency: 1000 });
  const from = Date.now() + 3000;
  const until = from + seconds * 1000;
  const late: number[] = [];
  const task = scheduler.task("t", (_p: null, ctx) => {
    const due = ctx.scheduledAt.epochMilliseconds;
    if (due >= from && due < until) late.push(Date.now() - due);
    return null;
  }, { resultTtl: 0 });
  // One phase for all: every schedule is due at the same instant each second.
  const startAt = Math.ceil(Date.now() / 1000) * 1000;
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(
      Array.from(
        { length: Math.min(1000, n - i) },
        (_, j) => task.schedule({ id: `s${i + j}`, trigger: every(1000, { startAt }) }),
      ),
    );
  }
  let last = performance.now();
  let maxGap = 0;
  const interval = setInterval(() => {
    const t = performance.now();
    if (Date.now() >= from) maxGap = Math.max(maxGap, t - last);
    last = t;
  }, TICK_MS);
  scheduler.start();
  await new Promise((r) => setTimeout(r, until - Date.now() + 2000));
  clearInterval(interval);
  await scheduler.stop();
  await store.close();
  const sorted = late.sort((a, b) => a - b);
  const q = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return `${n} every-second schedules for ${seconds} s: ${sorted.length} of ${n * seconds} fires ` +
    `ran; lateness p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${sorted.at(-1)} ms; longest gap of ` +
    `a ${TICK_MS} ms interval ${maxGap.toFixed(1)} ms`;
}

const dir = mkdtempSync(join(tmpdir(), "everywhen-loop-"));
try {
  console.log(
    `event-loop gaps under overload, ${process.version}, load ${loadavg()[0]!.toFixed(2)}`,
  );
  if (process.argv[2] === "sustained") {
    for (const n of (process.argv[3] ?? "1000,2000,5000,10000").split(",").map(Number)) {
      console.log("SQLite file   " + await sustained(join(dir, `s${n}.db`), n, 10));
    }
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
