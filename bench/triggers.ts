/**
 * Trigger benchmark (not a test): `node bench/triggers.ts` (Node 22.6+ with type stripping).
 * Prints µs per next() for everywhen's cron trigger against a reused croner instance and
 * cron-parser, then heap bytes per trigger and creation time for 100,000 and 1,000,000 triggers.
 * @module
 */

import { spawnSync } from "node:child_process";
import process from "node:process";
import { Cron } from "croner";
import { CronExpressionParser } from "cron-parser";
import { cron } from "../src/triggers/mod.ts";
import { patternCacheStats } from "../src/triggers/_pattern_cache.ts";
import { type CronFields, cronFields, daysAreAnded } from "../src/triggers/_cron_fields.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  // Heap figures need a forced collection: re-run this file with --expose-gc.
  const child = spawnSync(process.execPath, ["--expose-gc", ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  process.exit(child.status ?? 1);
}
const collect = gc as () => void;

const PATTERNS = ["*/5 * * * *", "0 9 * * MON-FRI", "0 0 L * *", "30 2 * * *", "*/10 * * * * *"];
const ZONES = [undefined, "America/New_York"];
const START = Date.UTC(2024, 0, 1);
const STEPS = 20_000;

function usPer(fn: () => void, steps: number): number {
  fn(); // warm-up
  const t0 = performance.now();
  fn();
  return ((performance.now() - t0) * 1000) / steps;
}

console.log(`next(): µs per call, ${STEPS} successive fires from ${new Date(START).toISOString()}`);
console.log(
  "pattern".padEnd(18) + "zone".padEnd(18) +
    ["nextMs", "next", "croner", "cron-parser", "nextMs/croner"].map((s) => s.padStart(14)).join(
      "",
    ),
);
for (const pattern of PATTERNS) {
  for (const timezone of ZONES) {
    const trigger = cron(pattern, timezone === undefined ? {} : { timezone });
    // The same croner configuration the shared pattern uses (UTC as a fixed zero offset).
    const raw = new Cron(pattern, {
      ...(timezone === undefined ? { utcOffset: 0 } : { timezone }),
      mode: "5-or-6-parts",
      fixedTimeRule: "no-wildcard",
      domAndDow: daysAreAnded(cronFields(pattern) as CronFields),
    });
    const ours = usPer(() => {
      let ms: number | null = START;
      for (let i = 0; i < STEPS && ms !== null; i++) ms = trigger.nextMs(ms);
    }, STEPS);
    const oursInstant = usPer(() => {
      let at = trigger.next(START);
      for (let i = 1; i < STEPS && at !== null; i++) at = trigger.next(at);
    }, STEPS);
    const croner = usPer(() => {
      let date: Date | null = new Date(START);
      for (let i = 0; i < STEPS && date !== null; i++) date = raw.nextRun(date);
    }, STEPS);
    const parser = pattern.split(" ").length === 6 || pattern.includes("L")
      ? Number.NaN // cron-parser reads a 6th field differently / no bare L: skip
      : usPer(() => {
        const expr = CronExpressionParser.parse(pattern, {
          currentDate: new Date(START),
          tz: timezone ?? "UTC",
        });
        for (let i = 0; i < STEPS; i++) expr.next();
      }, STEPS);
    console.log(
      pattern.padEnd(18) + (timezone ?? "UTC (unbound)").padEnd(18) +
        [ours, oursInstant, croner, parser].map((n) => n.toFixed(2).padStart(14)).join("") +
        (ours / croner).toFixed(2).padStart(13) + "x",
    );
  }
}

function heapPerTrigger(count: number, withBounds: boolean): [number, number] {
  const keep: unknown[] = new Array(count).fill(null);
  collect();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    keep[i] = withBounds
      ? cron("0 9 * * MON-FRI", {
        timezone: "Europe/Berlin",
        startAt: START + i * 1000,
        endAt: START + 1e12,
      })
      : cron("0 9 * * MON-FRI", { timezone: "Europe/Berlin" });
  }
  const seconds = (performance.now() - t0) / 1000;
  collect();
  const bytes = (process.memoryUsage().heapUsed - before) / count;
  if (keep.length !== count) throw new Error("unreachable");
  return [bytes, seconds];
}

console.log("\ncreation and heap (one shared pattern, zone Europe/Berlin)");
for (const count of [100_000, 1_000_000]) {
  for (const withBounds of [false, true]) {
    const [bytes, seconds] = heapPerTrigger(count, withBounds);
    console.log(
      `${count.toLocaleString("en-US").padStart(9)} triggers${
        withBounds ? " with startAt/endAt" : ""
      }: ${bytes.toFixed(0)} bytes each, created in ${seconds.toFixed(2)} s`,
    );
  }
}
const stats = patternCacheStats();
console.log(`croner instances created: ${stats.created}`);
