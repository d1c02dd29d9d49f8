// The engine's pure rules, tested without a store, a clock or a scheduler.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CATCH_UP_CAP, planFires, type PlanInput, SCAN_CAP } from "../src/engine/_fire_plan.ts";
import { jitterFor } from "../src/engine/_firing.ts";
import { fireJobId, jobRecord, newJobId, runNowJobId } from "../src/engine/_job_record.ts";
import { failureOutcome } from "../src/engine/_runner.ts";
import { Budgets } from "../src/engine/_budgets.ts";
import { CLAIM_BATCH, claimGroups, claimLimit } from "../src/engine/_claims.ts";
import { SHARE_MAX, SHARE_MIN, StartShare } from "../src/engine/_start_share.ts";
import { backoffDelay, checkBackoff } from "../src/_options.ts";
import { JobCancelledError, LeaseLostError, NonRetryableError } from "../src/errors.ts";
import { checkNextRunsCount, checkPage } from "../src/scheduler/_checks.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const MIN = 60_000;
const everyMinute = (after: number): number | null => Math.floor(after / MIN) * MIN + MIN;
const policy = (o: Partial<PlanInput> = {}): PlanInput => ({
  nextRunAt: T0,
  coalesce: "latest",
  misfireGraceTime: null,
  maxInstances: 1,
  overlap: "skip",
  ...o,
});

describe("planFires", () => {
  it("runs a fire that is due now and plans the next one", () => {
    assert.deepEqual(planFires(everyMinute, policy(), 0, T0), {
      run: [T0],
      missed: [],
      nextRunAt: T0 + MIN,
    });
  });

  it("plans nothing before the due time", () => {
    assert.deepEqual(planFires(everyMinute, policy(), 0, T0 - 1), {
      run: [],
      missed: [],
      nextRunAt: T0,
    });
  });

  it("coalesces overdue fires: latest, earliest, all", () => {
    const now = T0 + 3 * MIN;
    const latest = planFires(everyMinute, policy(), 0, now);
    assert.deepEqual(latest.run, [T0 + 3 * MIN]);
    assert.deepEqual(latest.missed.map((m) => [m.at - T0, m.reason]), [
      [0, "coalesced"],
      [MIN, "coalesced"],
      [2 * MIN, "coalesced"],
    ]);
    assert.equal(latest.nextRunAt, T0 + 4 * MIN);
    assert.deepEqual(planFires(everyMinute, policy({ coalesce: "earliest" }), 0, now).run, [T0]);
    const all = planFires(everyMinute, policy({ coalesce: "all", maxInstances: 10 }), 0, now);
    assert.deepEqual(all.run, [T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN]);
    assert.deepEqual(all.missed, []);
  });

  it("misses fires later than misfireGraceTime, then coalesces the rest", () => {
    const plan = planFires(everyMinute, policy({ misfireGraceTime: MIN }), 0, T0 + 3 * MIN);
    assert.deepEqual(plan.run, [T0 + 3 * MIN]);
    assert.deepEqual(plan.missed.map((m) => [m.at - T0, m.reason]), [
      [0, "misfire"],
      [MIN, "misfire"],
      [2 * MIN, "coalesced"],
    ]);
  });

  it("skips fires beyond maxInstances active jobs (overlap: skip) but not when queued", () => {
    const skip = planFires(everyMinute, policy({ maxInstances: 2 }), 2, T0);
    assert.deepEqual(skip.run, []);
    assert.deepEqual(skip.missed, [{ at: T0, reason: "overlap", count: 1 }]);
    const queue = planFires(everyMinute, policy({ maxInstances: 2, overlap: "queue" }), 2, T0);
    assert.deepEqual(queue.run, [T0]);
  });

  it("caps a catch-up at CATCH_UP_CAP fires and summarises scans past SCAN_CAP", () => {
    const all = policy({ coalesce: "all", maxInstances: 1000, overlap: "queue" });
    const plan = planFires(everyMinute, all, 0, T0 + (CATCH_UP_CAP + 4) * MIN);
    assert.equal(plan.run.length, CATCH_UP_CAP);
    assert.equal(plan.missed.filter((m) => m.reason === "capped").length, 5);
    const long = planFires(everyMinute, policy(), 0, T0 + (SCAN_CAP + 10) * MIN);
    const capped = long.missed.filter((m) => m.reason === "capped");
    assert.deepEqual(capped, [{ at: T0 + SCAN_CAP * MIN, reason: "capped", count: null }]);
    assert.equal(long.nextRunAt, T0 + (SCAN_CAP + 11) * MIN);
  });

  it("applies the same rules to a single due fire: misfire before overlap, then run", () => {
    const late = policy({ misfireGraceTime: 1000 });
    assert.deepEqual(planFires(everyMinute, late, 1, T0 + 1001), {
      run: [],
      missed: [{ at: T0, reason: "misfire", count: 1 }],
      nextRunAt: T0 + MIN,
    });
    assert.deepEqual(planFires(everyMinute, late, 0, T0 + 1000).run, [T0]);
    assert.deepEqual(planFires(everyMinute, policy({ maxInstances: 3 }), 3, T0 + 1), {
      run: [],
      missed: [{ at: T0, reason: "overlap", count: 1 }],
      nextRunAt: T0 + MIN,
    });
    assert.deepEqual(planFires(everyMinute, policy({ maxInstances: 3 }), 2, T0 + 1).run, [T0]);
    const queued = policy({ maxInstances: 1, overlap: "queue", misfireGraceTime: 0 });
    assert.deepEqual(planFires(everyMinute, queued, 5, T0).run, [T0]);
  });

  it("ends with nextRunAt null when the trigger is exhausted", () => {
    const once = (after: number) => (after < T0 ? T0 : null);
    assert.deepEqual(planFires(once, policy(), 0, T0 + MIN), {
      run: [T0],
      missed: [],
      nextRunAt: null,
    });
  });
});

describe("job records and ids", () => {
  it("builds a pending job from a spec, and nothing else differs", () => {
    const job = jobRecord({
      id: "j",
      task: "t",
      scheduleId: null,
      scheduledAt: T0,
      payload: "1",
      resultTtl: null,
      createdAt: T0 - 5,
    });
    assert.deepEqual(job, {
      id: "j",
      task: "t",
      scheduleId: null,
      scheduledAt: T0,
      runAt: T0,
      status: "pending",
      payload: "1",
      result: null,
      error: null,
      attempts: 0,
      maxAttempts: null,
      timeout: null,
      resultTtl: null,
      concurrencyKey: null,
      concurrencyLimit: null,
      progress: null,
      cancelRequested: false,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: T0 - 5,
      startedAt: null,
      finishedAt: null,
      expiresAt: null,
      seq: 0,
      priority: 0,
      rateKey: null,
      rateLimit: null,
      ratePeriod: null,
      after: [],
      history: [],
    });
    const fired = jobRecord({
      id: fireJobId("s", T0),
      task: "t",
      scheduleId: "s",
      scheduledAt: T0,
      runAt: T0 + 7,
      payload: "1",
      resultTtl: 5,
      createdAt: T0,
      concurrencyKey: "schedule:s",
      concurrencyLimit: 2,
    });
    assert.equal(fired.runAt, T0 + 7);
    assert.equal(fired.concurrencyKey, "schedule:s");
    assert.equal(fired.concurrencyLimit, 2);
  });

  it("makes deterministic fire ids and distinct runNow and enqueue ids", () => {
    assert.equal(fireJobId("daily", T0), "daily@2030-01-01T00:00:00.000Z");
    // Fires of many schedules at one instant share its text; other instants get their own.
    assert.equal(fireJobId("a", T0 + 1500), "a@2030-01-01T00:00:01.500Z");
    assert.equal(fireJobId("b", T0 + 1500), "b@2030-01-01T00:00:01.500Z");
    assert.equal(fireJobId("c", T0), "c@2030-01-01T00:00:00.000Z");
    assert.throws(() => fireJobId("d", NaN), RangeError);
    assert.throws(() => fireJobId("e", 8.64e15 + 1), RangeError);
    assert.equal(fireJobId("f", T0), "f@2030-01-01T00:00:00.000Z");
    assert.match(runNowJobId("daily", T0), /^daily@run:2030-01-01T00:00:00\.000Z:[0-9a-f]{6}$/);
    assert.notEqual(runNowJobId("daily", T0), runNowJobId("daily", T0));
    assert.notEqual(newJobId(), newJobId());
  });
});

describe("attempt outcomes", () => {
  const task = {
    retries: 2,
    backoff: checkBackoff({ jitter: "none" }),
    resultTtl: 1000,
    failedTtl: 7000,
  };
  const job = (attempts: number) => ({ attempts, maxAttempts: null, resultTtl: null });

  it("retries with exponential backoff until retries are used up, then fails", () => {
    const first = failureOutcome(job(1), task, new Error("x"), T0, () => 0.5);
    assert.equal(first.kind, "retry");
    assert.equal(first.kind === "retry" && first.retryAt, T0 + 1000);
    const second = failureOutcome(job(2), task, new Error("x"), T0, () => 0.5);
    assert.equal(second.kind === "retry" && second.retryAt, T0 + 2000);
    const last = failureOutcome(job(3), task, new Error("x"), T0, () => 0.5);
    assert.equal(last.kind, "failed");
    assert.equal(last.kind === "failed" && last.finishedAt, T0);
    assert.equal(last.kind === "failed" && last.expiresAt, T0 + 7000, "failedTtl, not resultTtl");
  });

  it("never retries a NonRetryableError; a cancel is cancelled; a lost lease records nothing", () => {
    assert.equal(
      failureOutcome(job(1), task, new NonRetryableError("no"), T0, Math.random).kind,
      "failed",
    );
    assert.equal(
      failureOutcome(job(1), task, new JobCancelledError("j"), T0, Math.random).kind,
      "cancelled",
    );
    assert.deepEqual(failureOutcome(job(1), task, new LeaseLostError("j"), T0, Math.random), {
      kind: "lost",
    });
  });

  it("uses the job's own maxAttempts; failures keep the task's failedTtl, not resultTtl", () => {
    const own = { attempts: 1, maxAttempts: 1, resultTtl: 5 };
    const outcome = failureOutcome(own, task, "plain string", T0, Math.random);
    assert.equal(outcome.kind, "failed");
    assert.equal(outcome.kind === "failed" && outcome.expiresAt, T0 + 7000);
    assert.equal(outcome.kind === "failed" && outcome.error.message, "plain string");
  });

  it("caps backoff at max and draws full jitter in [0, cap]", () => {
    const b = checkBackoff({ initial: 100, max: 250, factor: 3, jitter: "none" });
    assert.deepEqual([1, 2, 3].map((a) => backoffDelay(b, a, () => 0)), [100, 250, 250]);
    const full = checkBackoff({ initial: 100 });
    assert.equal(backoffDelay(full, 2, () => 0.5), 100);
    assert.equal(backoffDelay(full, 2, () => 0), 0);
  });
});

describe("jitter", () => {
  it("stays below both jitter and the gap to the following fire", () => {
    assert.equal(jitterFor(0, T0, everyMinute, () => 0.99), 0);
    assert.equal(jitterFor(10_000, T0, everyMinute, () => 0.5), 5000);
    assert.equal(jitterFor(10 * MIN, T0, everyMinute, () => 0.5), Math.floor(0.5 * (MIN - 1)));
    assert.equal(jitterFor(1000, T0, () => null, () => 0.5), 500);
  });
});

describe("claims", () => {
  it("claims unlimited tasks together and each maxRunning task within its room", () => {
    const task = (name: string, maxRunning: number, running: number) => ({
      name,
      maxRunning,
      running,
    });
    assert.deepEqual(
      claimGroups([
        task("a", Infinity, 5),
        task("b", 3, 1),
        task("c", 2, 2),
        task("d", Infinity, 0),
      ]),
      [{ tasks: ["a", "d"], cap: Infinity }, { tasks: ["b"], cap: 2 }],
    );
    assert.deepEqual(claimGroups([task("c", 2, 2)]), []);
  });

  it("asks for no more than free slots, the group's cap, a batch and the budget", () => {
    assert.equal(claimLimit(100, Infinity, Infinity), 100);
    assert.equal(claimLimit(5000, Infinity, Infinity), CLAIM_BATCH);
    assert.equal(claimLimit(100, 2, Infinity), 2);
    assert.equal(claimLimit(100, Infinity, 7), 7);
    assert.equal(claimLimit(0, 5, 5), 0);
    assert.equal(claimLimit(-3, 5, 5), 0);
  });
});

describe("manual-mode budgets", () => {
  it("halts outside runDue, within a spent budget, and after an abort", () => {
    const budgets = new Budgets();
    assert.equal(budgets.halted(false), false);
    assert.equal(budgets.halted(true), true);
    const close = budgets.open(3, undefined);
    assert.equal(budgets.halted(true), false);
    assert.equal(budgets.left(), 3);
    budgets.spend(3);
    assert.equal(budgets.halted(true), true);
    close();
    assert.equal(budgets.runs, 0);
    const controller = new AbortController();
    const closeOther = budgets.open(Infinity, controller.signal);
    assert.equal(budgets.left(), Infinity);
    controller.abort();
    assert.equal(budgets.halted(true), true);
    closeOther();
  });
});

describe("the list contract and the nextRuns bound", () => {
  it("defaults limit to 100 and bounds limit and offset", () => {
    assert.deepEqual(checkPage(undefined, undefined), { limit: 100, offset: 0 });
    assert.deepEqual(checkPage(1000, 2 ** 31 - 1), { limit: 1000, offset: 2 ** 31 - 1 });
    assert.throws(() => checkPage(-1, 0), { name: "RangeError", message: /limit/ });
    assert.throws(() => checkPage(1001, 0), { name: "RangeError", message: /at most 1000/ });
    assert.throws(() => checkPage(10, 2 ** 31), { name: "RangeError", message: /offset/ });
    assert.throws(() => checkPage(1.5, 0), RangeError);
    assert.throws(() => checkPage("10", 0), TypeError);
  });

  it("bounds nextRuns at 1000", () => {
    assert.equal(checkNextRunsCount(1000), 1000);
    assert.throws(() => checkNextRunsCount(1001), { name: "RangeError", message: /count/ });
  });
});

describe("StartShare: the fired jobs a process starts at once", () => {
  const kept = (share: StartShare, n: number): number => {
    let k = 0;
    for (let i = 0; i < n; i++) if (share.take()) k++;
    return k;
  };

  it("keeps every one when the store is not shared", () => {
    const share = new StartShare(false);
    share.learn(10, 0);
    assert.equal(kept(share, 1000), 1000);
  });

  it("on a shared store keeps the first and then its share, leaving the rest to claims", () => {
    const share = new StartShare(true);
    assert.equal(share.share, SHARE_MAX);
    assert.equal(share.take(), true, "the first eligible job is kept");
    assert.equal(kept(share, 1599), 1500);
  });

  it("grows while its claims take what it left, and shrinks while others take some", () => {
    const share = new StartShare(true);
    for (let i = 0; i < 10; i++) share.learn(10, 3); // others took 7 of the 10 left, each time
    assert.equal(share.share, SHARE_MIN);
    assert.equal(kept(share, 1600), 101, "the first, then one in 16");
    share.learn(10, 10); // alone again: its own claim took all it left
    assert.equal(share.share, 2 * SHARE_MIN);
    for (let i = 0; i < 10; i++) share.learn(4, 5);
    assert.equal(share.share, SHARE_MAX);
    share.learn(0, 0); // nothing left: nothing learnt
    assert.equal(share.share, SHARE_MAX);
  });
});
