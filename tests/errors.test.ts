import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ConflictError,
  JobCancelledError,
  JobFailedError,
  NonRetryableError,
  NotFoundError,
  QueueFullError,
  ResultExpiredError,
  SchedulerStoppedError,
  TamperedRecordError,
  UnknownTaskError,
} from "../mod.ts";

describe("error classes exported from mod.ts", () => {
  it("name each error after its class and keep instanceof Error", () => {
    const errors: Error[] = [
      new ConflictError("daily", 'Schedule already exists: "daily"'),
      new UnknownTaskError("send-report"),
      new NotFoundError("Job", "j1"),
      new NonRetryableError("Recipient address is invalid"),
      new JobFailedError("j1", "TypeError", "boom"),
      new JobCancelledError("j1"),
      new ResultExpiredError("j1"),
      new QueueFullError("Pending queue is full: 100 jobs"),
      new SchedulerStoppedError("Scheduler is stopped"),
      new TamperedRecordError("Record failed its integrity check: j1"),
    ];
    for (const error of errors) {
      assert.ok(error instanceof Error);
      assert.equal(error.name, error.constructor.name);
    }
  });

  it("say which task is unknown and how to fix it", () => {
    const error = new UnknownTaskError("send-report");
    assert.equal(error.task, "send-report");
    assert.equal(
      error.message,
      'Unknown task: "send-report" (register it with scheduler.task() first)',
    );
  });

  it("name the missing schedule or job", () => {
    const error = new NotFoundError("Schedule", "nightly");
    assert.equal(error.id, "nightly");
    assert.equal(error.message, 'Schedule not found: "nightly"');
    assert.equal(String(error), 'NotFoundError: Schedule not found: "nightly"');
  });

  it("carry the failed job's id, error name and message, and the cause", () => {
    const cause = new TypeError("boom");
    const error = new JobFailedError("s@2025-01-01T00:00:00Z", "TypeError", "boom", { cause });
    assert.equal(error.jobId, "s@2025-01-01T00:00:00Z");
    assert.equal(error.errorName, "TypeError");
    assert.equal(error.message, "boom");
    assert.equal(error.cause, cause);
  });

  it("explain cancelled jobs and expired results", () => {
    assert.equal(new JobCancelledError("j1").message, 'Job was cancelled: "j1"');
    const expired = new ResultExpiredError("j1");
    assert.equal(expired.jobId, "j1");
    assert.match(expired.message, /^Job result is no longer available: "j1" \(.*resultTtl.*\)$/);
  });

  it("keep the conflicting id", () => {
    const error = new ConflictError("daily", 'Schedule already exists: "daily"');
    assert.equal(error.id, "daily");
    assert.equal(error.message, 'Schedule already exists: "daily"');
  });
});
