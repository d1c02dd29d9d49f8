import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ConflictError,
  EverywhenError,
  JobCancelledError,
  JobFailedError,
  LeaseLostError,
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
      new ConflictError("schedule", "daily"),
      new UnknownTaskError("send-report"),
      new NotFoundError("job", "j1"),
      new NonRetryableError("Recipient address is invalid"),
      new JobFailedError("j1", "TypeError", "boom"),
      new JobCancelledError("j1"),
      new ResultExpiredError("j1"),
      new QueueFullError("Pending queue is full: 100 jobs"),
      new SchedulerStoppedError("Scheduler is stopped"),
      new TamperedRecordError("Record failed its integrity check: j1"),
      new LeaseLostError("j1"),
    ];
    const codes = new Set<string>();
    for (const error of errors) {
      assert.ok(error instanceof Error);
      assert.ok(error instanceof EverywhenError);
      assert.equal(error.name, error.constructor.name);
      assert.match(error.code, /^[A-Z_]+$/);
      codes.add(error.code);
    }
    assert.equal(codes.size, errors.length, "one stable code per class");
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
    const error = new NotFoundError("schedule", "nightly");
    assert.equal(error.scheduleId, "nightly");
    assert.equal(error.jobId, null);
    assert.equal(error.code, "NOT_FOUND");
    assert.equal(new NotFoundError("job", "j1").jobId, "j1");
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
    const error = new ConflictError("schedule", "daily");
    assert.equal(error.scheduleId, "daily");
    assert.equal(error.kind, "schedule");
    assert.equal(
      error.message,
      'Schedule already exists: "daily" (pass ifExists: "replace" or "keep")',
    );
  });
});
