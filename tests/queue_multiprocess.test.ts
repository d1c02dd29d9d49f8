/**
 * Queue controls across processes: per-key concurrency and rate limits hold when several
 * scheduler processes (Node, Deno, Bun) share one SQLite file or one PostgreSQL schema. The
 * handlers log their own runs; the assertions count from those logs (and, for rate limits, from
 * the claim instants the store recorded), never from timing bounds.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { openStore as openSqlite } from "../adapters/sqlite.ts";
import { openStore as openPostgres } from "../adapters/postgres.ts";
import type { Store } from "../src/store/store.ts";
import { processTestSkip, type RuntimeName, sleep, startWorker } from "./helpers/processes.ts";
import { startPostgres } from "./helpers/postgres.ts";

const skip = processTestSkip();
const pg = skip ? null : await startPostgres();
after(() => pg?.destroy());
const RUNTIMES: RuntimeName[] = ["node", "deno", "bun"];
/** Generous: a loaded machine may be many times slower than a developer's. */
const DEADLINE_MS = 90_000;

interface Line {
  task: string;
  jobId: string;
  key?: string;
  start?: number;
  end?: number;
  at?: number;
}

function readLines(log: string): Line[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Most intervals open at one instant; an end and a start at the same ms do not overlap. */
function maxOverlap(runs: ReadonlyArray<{ start: number; end: number }>): number {
  const events = runs.flatMap((r) => [[r.start, 1], [r.end, -1]] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, open += delta);
  return max;
}

interface Target {
  name: string;
  skip: string | false;
  /** A fresh database (file path or URL) and the worker options naming it. */
  fresh(): { db: string; options: Record<string, unknown>; open(): Promise<Store> };
}

let schemas = 0;
const targets: Target[] = [
  {
    name: "SQLite file",
    skip,
    fresh: () => {
      const db = join(dir(), "store.db");
      return { db, options: {}, open: () => openSqlite(db) };
    },
  },
  {
    name: "PostgreSQL",
    skip: skip || (pg?.skip ? `no PostgreSQL server: ${pg.skip}` : false),
    fresh: () => {
      const schema = `mpq${process.pid}_${++schemas}`;
      const url = pg!.url!;
      return { db: url, options: { schema }, open: () => openPostgres(url, { schema }) };
    },
  },
];

const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), "everywhen-mpq-"));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs one worker per runtime until `done(lines)` holds, then stops them all. */
async function runWorkers(
  db: string,
  log: string,
  options: Record<string, unknown>,
  items: Array<{ task: string; payload: unknown }>,
  done: (lines: Line[]) => boolean,
): Promise<Line[]> {
  const workers = RUNTIMES.map((runtime, i) =>
    startWorker(runtime, db, log, {
      ...options,
      pollInterval: 100,
      ...(i === 0 ? { enqueueMany: items } : {}),
    })
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
    const until = Date.now() + DEADLINE_MS;
    while (!done(readLines(log)) && Date.now() < until) await sleep(100);
  } finally {
    for (const w of workers) w.child.kill("SIGTERM");
    for (const w of workers) assert.equal(await w.exited, 0, `${w.runtime} worker exit code`);
  }
  return readLines(log);
}

for (const target of targets) {
  describe(`queue controls across processes (${target.name})`, { skip: target.skip }, () => {
    it("never runs more than the key's limit at once, counted by the handlers", async () => {
      const { db, options, open } = target.fresh();
      const log = join(dir(), "runs.jsonl");
      const keys = ["k1", "k2"];
      const items = Array.from({ length: 24 }, (_, i) => ({
        task: "keyed",
        payload: { key: keys[i % 2]! },
      }));
      const lines = await runWorkers(
        db,
        log,
        { ...options, keyLimit: 2, taskMs: 150 },
        items,
        (l) => l.length >= items.length,
      );
      assert.equal(lines.length, items.length, "every job ran");
      assert.equal(new Set(lines.map((l) => l.jobId)).size, items.length, "each once");
      for (const key of keys) {
        const runs = lines.filter((l) => l.key === key) as Array<{ start: number; end: number }>;
        assert.equal(runs.length, 12);
        const most = maxOverlap(runs);
        assert.ok(most <= 2, `key ${key}: ${most} handlers ran at once (limit 2)`);
      }
      const store = await open();
      try {
        assert.equal(await store.countJobs({ status: "succeeded" }), items.length);
      } finally {
        await store.close();
      }
    });

    it("never starts more than the limit in any period window, delaying the rest", async () => {
      const { db, options, open } = target.fresh();
      const log = join(dir(), "runs.jsonl");
      const rate = { limit: 3, period: 1000 };
      const items = Array.from({ length: 12 }, () => ({ task: "limited", payload: null }));
      const lines = await runWorkers(
        db,
        log,
        { ...options, rate },
        items,
        (l) => l.length >= items.length,
      );
      assert.equal(lines.length, items.length, "every job ran: delayed, never dropped");
      assert.equal(new Set(lines.map((l) => l.jobId)).size, items.length, "each once");
      const store = await open();
      try {
        const jobs = await store.listJobs({ task: "limited" });
        assert.ok(jobs.every((j) => j.status === "succeeded" && j.attempts === 1));
        // A start is a claim: its instant is the job's startedAt, at or before the handler ran.
        const starts = jobs.map((j) => j.startedAt!).sort((a, b) => a - b);
        for (let i = 0; i + rate.limit < starts.length; i++) {
          const gap = starts[i + rate.limit]! - starts[i]!;
          assert.ok(
            gap >= rate.period,
            `starts ${i} and ${i + rate.limit} only ${gap} ms apart: ${starts.join(", ")}`,
          );
        }
        const ran = new Map(lines.map((l) => [l.jobId, l.at!]));
        assert.ok(jobs.every((j) => ran.get(j.id)! >= j.startedAt!), "handlers ran after claims");
      } finally {
        await store.close();
      }
    });
  });
}
