// The outcome writer against a fake store: the one place outcomes are written, batched per turn.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { OutcomeWriter } from "../src/engine/_outcomes.ts";
import { jobRecord } from "../src/engine/_job_record.ts";
import type { JobError, JobOutcome } from "../src/store.ts";
import type { Settlement } from "../src/engine/_results.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const job = (id: string) =>
  jobRecord({
    id,
    task: "t",
    scheduleId: null,
    scheduledAt: T0,
    payload: "null",
    resultTtl: null,
    createdAt: T0,
  });

function setup(held: Set<string>) {
  const batches: string[][] = [];
  const retries: Array<[string, number]> = [];
  const events: string[] = [];
  const settled = new Map<string, Settlement>();
  const writer = new OutcomeWriter({
    store: {
      finishJob: () => Promise.reject(new Error("finishJobs is preferred")),
      finishJobs: (_owner: string, items: ReadonlyArray<{ id: string; outcome: JobOutcome }>) => {
        batches.push(items.map((i) => `${i.id}:${i.outcome.status}`));
        return Promise.resolve(items.map((i) => i.id).filter((id) => held.has(id)));
      },
      retryJob: (id: string, _owner: string, runAt: number, _error: JobError) => {
        retries.push([id, runAt]);
        return Promise.resolve(held.has(id));
      },
    },
    owner: "me",
    events: {
      emit: (type, detail) => events.push(`${type}:${(detail() as { jobId: string }).jobId}`),
      reportError() {},
    },
    results: { settle: (id, s) => void settled.set(id, s) },
  });
  return { writer, batches, retries, events, settled };
}

const at = { finishedAt: T0, expiresAt: T0 + 1000 };
const error = { name: "Error", message: "x" };

describe("outcome writer", () => {
  it("writes the outcomes of one turn in one step, then tells listeners and waiters", async () => {
    const { writer, batches, events, settled } = setup(new Set(["a", "b"]));
    await Promise.all([
      writer.record(job("a"), { kind: "succeeded", value: 1, text: "1", durationMs: 3, ...at }),
      writer.record(job("b"), { kind: "failed", error, cause: new Error("x"), ...at }),
      writer.record(job("c"), { kind: "cancelled", error, cause: new Error("x"), ...at }),
    ]);
    assert.deepEqual(batches, [["a:succeeded", "b:failed", "c:cancelled"]]);
    // "c" was no longer held (lease lost): nothing is told about it.
    assert.deepEqual(events, ["job:succeeded:a", "job:failed:b"]);
    assert.deepEqual(settled.get("a"), { ok: true, value: 1 });
    assert.equal(settled.get("b")?.ok, false);
    assert.equal(settled.has("c"), false);
  });

  it("writes a retry through the store and a lost lease not at all", async () => {
    const { writer, batches, retries, events, settled } = setup(new Set(["r"]));
    await writer.record(job("r"), { kind: "retry", error, retryAt: T0 + 500 });
    await writer.record(job("gone"), { kind: "lost" });
    assert.deepEqual(retries, [["r", T0 + 500]]);
    assert.deepEqual(batches, []);
    assert.deepEqual(events, ["job:retrying:r"]);
    assert.equal(settled.size, 0);
  });
});
