/**
 * Dead letters: when a job of a task with `deadLetter` fails for good, a job of the dead-letter
 * task receives the failed job's id, task, payload, error and attempts. Its id is derived from
 * the failed job, and it is inserted only if absent, so a re-delivered outcome adds nothing.
 * @module
 */

import { type Codec, payloadBinding } from "../codec.ts";
import type { JsonValue } from "../json.ts";
import type { JobError, JobRecord, Store } from "../store/store.ts";
import { deadLetterJobId, jobRecord } from "./_job_record.ts";
import type { TaskEntry } from "./_tasks.ts";

/** What sending a dead letter needs. */
export interface DeadLetterDeps {
  readonly store: Pick<Store, "insertJob">;
  readonly codec: Codec;
  readonly tasks: ReadonlyMap<string, TaskEntry>;
}

/** The payload a dead-letter task receives. */
export interface DeadLetterPayload {
  [key: string]: JsonValue;
  /** The failed job's id. */
  jobId: string;
  /** The failed job's task. */
  task: string;
  /** The failed job's payload, or `null` when it could not be read. */
  payload: JsonValue;
  /** The error that ended it. */
  error: { name: string; message: string };
  /** Attempts it made. */
  attempts: number;
}

/**
 * Enqueues the dead letter of a job that failed for good, if its task names a dead-letter task.
 * @param deps Store, codec and the tasks of this process.
 * @param job The failed job as claimed.
 * @param error Its final error.
 * @param now The failure instant (epoch ms).
 * @returns The dead-letter job inserted, or `null` when the task has none or it already existed.
 */
export async function sendDeadLetter(
  deps: DeadLetterDeps,
  job: JobRecord,
  error: JobError,
  now: number,
): Promise<JobRecord | null> {
  const target = deps.tasks.get(job.task)?.deadLetter ?? null;
  if (target === null) return null;
  let payload: JsonValue = null;
  try {
    payload = await deps.codec.decode(job.payload, payloadBinding(job)) as JsonValue;
  } catch {
    // A payload this process cannot read (e.g. tampered) still gets its failure reported.
  }
  const id = deadLetterJobId(job.id);
  const letter: DeadLetterPayload = {
    jobId: job.id,
    task: job.task,
    payload,
    error: { name: error.name, message: error.message },
    attempts: job.attempts,
  };
  const entry = deps.tasks.get(target);
  const record = jobRecord({
    id,
    task: target,
    scheduleId: null,
    scheduledAt: now,
    payload: await deps.codec.encode(
      letter,
      payloadBinding({ id, task: target, scheduleId: null }),
    ),
    resultTtl: null,
    createdAt: now,
    priority: entry?.priority ?? 0,
  });
  return await deps.store.insertJob(record, "keep") === "inserted" ? record : null;
}
