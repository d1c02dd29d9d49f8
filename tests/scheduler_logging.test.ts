// Logging on by default (issue 13 part 3): what is logged at each level, with which fields, and
// that a null logger silences it. A capturing logger stands in for console, pino or LogTape.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { every } from "../src/triggers/every.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { Logger, LogLevel } from "../src/scheduler/logging.ts";
import { harness, T0 } from "./helpers/harness.ts";
import type { SchedulerOptions } from "../src/scheduler/options.ts";

interface Line {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown> | undefined;
}

function capture(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, message, fields });
  return {
    lines,
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

async function runJobs(options: SchedulerOptions): Promise<void> {
  const h = harness(options);
  h.scheduler.task("ok", () => "fine");
  h.scheduler.task("bad", () => {
    throw new Error("it broke");
  }, { retries: 1, backoff: { initial: 1000, max: 1000, jitter: "none" } });
  h.scheduler.start();
  const good = await h.scheduler.enqueue("ok", null);
  const bad = await h.scheduler.enqueue("bad", null, { id: "bad-1" });
  await h.clock.advance(0);
  await h.clock.advance(1000);
  await good.result();
  await assert.rejects(bad.result());
  await h.scheduler.stop();
}

describe("logging", () => {
  it("logs a job failed after its last attempt with its fields, and nothing per success, at the default level", async () => {
    const { logger, lines } = capture();
    await runJobs({ logger });
    assert.deepEqual(lines.map((l) => [l.level, l.message]), [
      ["error", "Job bad-1 of task bad failed: it broke"],
    ]);
    assert.deepEqual(
      { ...lines[0]!.fields, error: undefined },
      { jobId: "bad-1", task: "bad", scheduleId: null, attempt: 2, error: undefined },
    );
  });

  it("logs retries and lifecycle at info, every job at debug", async () => {
    const info = capture();
    await runJobs({ logger: info.logger, logLevel: "info" });
    assert.deepEqual(info.lines.map((l) => l.message), [
      "Scheduler started",
      "Job bad-1 of task bad will retry: it broke",
      "Job bad-1 of task bad failed: it broke",
      "Scheduler stopped",
    ]);
    assert.equal(info.lines[1]!.fields!.attempt, 1);
    const debug = capture();
    await runJobs({ logger: debug.logger, logLevel: "debug" });
    const succeeded = debug.lines.find((l) => l.message.endsWith("succeeded"))!;
    assert.equal(succeeded.level, "debug");
    assert.deepEqual(Object.keys(succeeded.fields!).sort(), [
      "attempt",
      "durationMs",
      "jobId",
      "scheduleId",
      "task",
    ]);
  });

  it("logs store errors, lock changes, and missed fires as one line per schedule", async () => {
    const { logger, lines } = capture();
    const first = harness({ logger: null });
    first.scheduler.task("t", () => null);
    await first.scheduler.schedule({
      id: "s",
      task: "t",
      trigger: every("PT1M", { startAt: T0 + 60_000 }),
    });
    await first.clock.advance(11 * 60_000);
    const h = harness({ logger }, { clock: first.clock, store: first.store });
    h.scheduler.task("t", () => null);
    h.scheduler.start();
    await h.clock.advance(0);
    await new Promise((r) => setTimeout(r, 10));
    const missed = lines.filter((l) => l.message.includes("missed"));
    assert.deepEqual(missed.map((l) => [l.level, l.message]), [
      ["warn", "Schedule s missed 10 fires (coalesced)"],
    ]);
    assert.equal(missed[0]!.fields!.scheduleId, "s");

    await h.scheduler.setLock(true, "maintenance");
    await h.scheduler.setLock(false);
    assert.deepEqual(lines.slice(-2).map((l) => [l.level, l.message]), [
      ["warn", "Store-wide lock set: every scheduler on the store halts"],
      ["warn", "Store-wide lock lifted: schedulers resume"],
    ]);
    // Set and lifted by another process on the same store: noticed by this one's next pass.
    const other = harness({ logger: null }, { clock: h.clock, store: h.store });
    await other.scheduler.setLock(true, "migration");
    await h.clock.advance(1000);
    await other.scheduler.setLock(false);
    await h.clock.advance(60_000);
    assert.deepEqual(lines.slice(-2).map((l) => [l.message, l.fields]), [
      ["Store-wide lock set: every scheduler on the store halts", { reason: "migration" }],
      ["Store-wide lock lifted: schedulers resume", undefined],
    ]);
    h.store.getMeta = () => Promise.reject(new Error("disk gone"));
    await h.clock.advance(60_000);
    const error = lines.find((l) => l.message.includes("disk gone"))!;
    assert.equal(error.level, "error");
    assert.match(error.message, /^Scheduler error \(scheduler loop\): disk gone$/);
    await h.scheduler.stop({ grace: 0 });
  });

  it("is silenced by logger: null, and refuses a logger that is not console-like", () => {
    const original = console.error;
    const seen: unknown[] = [];
    console.error = (...args: unknown[]) => void seen.push(args);
    try {
      const scheduler = new Scheduler({ logger: null });
      scheduler.reportError(new Error("nobody hears"), "testing");
      const loud = new Scheduler();
      loud.reportError(new Error("the console hears"), "testing");
    } finally {
      console.error = original;
    }
    assert.equal(seen.length, 1);
    assert.match(String((seen[0] as unknown[])[0]), /the console hears/);
    assert.throws(() => new Scheduler({ logger: { warn() {} } as never }), {
      name: "TypeError",
      message: /Invalid logger: .*missing debug, info, error/,
    });
    assert.throws(() => new Scheduler({ logLevel: "loud" as never }), RangeError);
  });
});
