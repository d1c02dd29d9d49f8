/**
 * How payloads, results and progress become stored text. The default is plain JSON; encryption
 * at rest plugs in here so that stores only ever see opaque strings. Every value is encoded
 * with a {@linkcode RecordBinding} naming the record it belongs to and the fields that decide
 * what runs with it, built by one helper per record kind so that writers and readers cannot
 * drift apart.
 * @module
 */

import { TamperedRecordError } from "./errors.ts";
import type { JsonValue } from "./json.ts";

/**
 * What a stored text belongs to. Encrypting codecs authenticate all of it, so a text moved to
 * another record, or a record whose task or schedule was changed, is refused.
 */
export interface RecordBinding {
  /**
   * `"schedule"`: a schedule's payload (the jobs it creates carry that text unchanged);
   * `"payload"`: a job's payload; `"result"` and `"progress"`: a job's result and progress.
   */
  readonly kind: "schedule" | "payload" | "result" | "progress";
  /** The schedule id for `"schedule"`, the job id otherwise. */
  readonly id: string;
  /** The task that runs with (or produced) the value. */
  readonly task: string;
  /** The schedule the record belongs to (the schedule itself for `"schedule"`), or `null`. */
  readonly scheduleId: string | null;
}

/** Turns JSON values into stored text and back. `decode` throws for text it cannot trust. */
export interface Codec {
  /** A short name for diagnostics, e.g. `"json"` or `"aes-gcm"`. */
  readonly name: string;
  /**
   * Turns a JSON value into the text a store keeps.
   * @param value A value already checked to be JSON.
   * @param context The record the value belongs to (authenticated by encrypting codecs).
   * @returns The stored text.
   */
  encode(value: JsonValue, context: RecordBinding): string | Promise<string>;
  /**
   * Turns stored text back into its value; throws (e.g. `TamperedRecordError`) for text it
   * cannot trust.
   * @param text Stored text produced by `encode`.
   * @param context The binding of the record the text was read from.
   * @returns The value.
   */
  decode(text: string, context: RecordBinding): JsonValue | Promise<JsonValue>;
}

/** The default codec: JSON text, no encryption. */
export const jsonCodec: Codec = {
  name: "json",
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as JsonValue,
};

/** The fields of a schedule that a binding needs. */
export interface ScheduleFields {
  /** The schedule id. */
  readonly id: string;
  /** The schedule's task. */
  readonly task: string;
}

/** The fields of a job that a binding needs. */
export interface JobFields {
  /** The job id. */
  readonly id: string;
  /** The job's task. */
  readonly task: string;
  /** The schedule that created the job, or `null`. */
  readonly scheduleId: string | null;
}

/**
 * @param schedule The schedule.
 * @returns The binding of the schedule's payload.
 */
export function scheduleBinding(schedule: ScheduleFields): RecordBinding {
  return { kind: "schedule", id: schedule.id, task: schedule.task, scheduleId: schedule.id };
}

/**
 * @param job The job.
 * @returns The binding of the job's payload (for a job created by a schedule, the schedule's
 * payload text it carries: see {@linkcode authenticatedData}).
 */
export function payloadBinding(job: JobFields): RecordBinding {
  return { kind: "payload", id: job.id, task: job.task, scheduleId: job.scheduleId };
}

/**
 * @param job The job.
 * @returns The binding of the job's result.
 */
export function resultBinding(job: JobFields): RecordBinding {
  return { kind: "result", id: job.id, task: job.task, scheduleId: job.scheduleId };
}

/**
 * @param job The job.
 * @returns The binding of the job's progress.
 */
export function progressBinding(job: JobFields): RecordBinding {
  return { kind: "progress", id: job.id, task: job.task, scheduleId: job.scheduleId };
}

/** Version label of the authenticated data; changes whenever its layout does. */
const AAD_VERSION = "everywhen/aad/2";

/**
 * The canonical text an encrypting codec authenticates for a binding: the version label, kind,
 * id, task and schedule id as a JSON array (ids are well-formed Unicode, so the text is unique).
 *
 * A job created by a schedule stores the schedule's payload text unchanged (firing does not
 * re-encrypt), so its payload is authenticated as the schedule's: same schedule id, same task.
 * Its job id cannot be part of that text, so the job id must instead be one the schedule makes
 * (`<scheduleId>@<instant>` or `<scheduleId>@run:…`): a job of one schedule re-pointed at
 * another is refused even when both run the same task.
 *
 * @param binding The record the text belongs to.
 * @returns The authenticated data.
 * @throws {TamperedRecordError} For a job whose id does not belong to its schedule.
 */
export function authenticatedData(binding: RecordBinding): string {
  const { kind, id, task, scheduleId } = binding;
  if (kind === "payload" && scheduleId !== null) {
    if (!isMadeBy(id, scheduleId)) {
      throw new TamperedRecordError(
        `Refusing the payload of job ${JSON.stringify(id)}: its id was not made by schedule ${
          JSON.stringify(scheduleId)
        }, which the record names`,
      );
    }
    return JSON.stringify([AAD_VERSION, "schedule", scheduleId, task, scheduleId]);
  }
  return JSON.stringify([AAD_VERSION, kind, id, task, scheduleId]);
}

/**
 * The context string records written before bindings existed (`ew1:` ciphertexts) were
 * authenticated with: only the job id, or `schedule:<id>` for schedule payloads.
 * @param binding The record the text belongs to.
 * @returns The legacy context.
 */
export function legacyContext(binding: RecordBinding): string {
  if (binding.kind === "schedule") return `schedule:${binding.id}`;
  if (binding.kind === "payload" && binding.scheduleId !== null) {
    return `schedule:${binding.scheduleId}`;
  }
  return binding.id;
}

/** @returns A short description of the record for error messages, e.g. `result of job "a"`. */
export function describeBinding(binding: RecordBinding): string {
  const id = JSON.stringify(binding.id);
  return binding.kind === "schedule" ? `payload of schedule ${id}` : `${binding.kind} of job ${id}`;
}

// Job ids made by a schedule are `<scheduleId>@<suffix>` with no "@" in the suffix (an ISO
// instant, or `run:<instant>:<random>`), so a schedule id that itself contains "@" cannot claim
// another schedule's jobs by being a prefix of them.
function isMadeBy(jobId: string, scheduleId: string): boolean {
  return jobId.startsWith(`${scheduleId}@`) && !jobId.slice(scheduleId.length + 1).includes("@");
}
