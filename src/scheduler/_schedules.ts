/**
 * Schedule operations behind the facade: add, read, list, change, pause, resume, remove and
 * preview. Input is checked before the store is touched; an event is told only after its write
 * succeeded; a schedule just built is returned from the values it was built from, not parsed
 * back from the record.
 * @module
 */

import type { Clock } from "../clock.ts";
import { type Codec, scheduleBinding } from "../codec.ts";
import { NotFoundError } from "../errors.ts";
import { checkKeys } from "../_keys.ts";
import { checkBoolean, checkEnum, checkId } from "../_options.ts";
import type { ScheduleRecord, Store } from "../store/store.ts";
import type { Temporal } from "../temporal.ts";
import { type InstantInput, toEpochMs } from "../time.ts";
import { storedTrigger } from "../triggers/_stored.ts";
import type {
  ListSchedulesOptions,
  ScheduleInfo,
  ScheduleOptions,
  SchedulePatch,
} from "../types.ts";
import type { EventSink } from "../engine/_sink.ts";
import { checkNextRunsCount, checkPage } from "./_checks.ts";
import { scheduleInfo, toScheduleInfo } from "./_info.ts";
import {
  type BuildContext,
  buildSchedule,
  type BuiltSchedule,
  checkPatch,
  SCHEDULE_KEYS,
} from "./_schedule_record.ts";

/** What schedule operations need. */
export interface ScheduleDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly codec: Codec;
  readonly build: Omit<BuildContext, "now">;
  readonly events: EventSink;
  /** Tells the engine that something changed. */
  kick(): void;
}

/** The schedule operations of one scheduler. */
export class Schedules {
  #d: ScheduleDeps;

  /** @param deps Store, clock, codec, defaults, event sink and the engine's kick. */
  constructor(deps: ScheduleDeps) {
    this.#d = deps;
  }

  /**
   * @param options The caller's options.
   * @param taskName Resolves (and checks) the task name or handle.
   * @returns The stored schedule.
   */
  async add(
    options: ScheduleOptions<unknown>,
    taskName: (task: ScheduleOptions<unknown>["task"]) => string,
  ): Promise<ScheduleInfo> {
    if (options === undefined) throw new TypeError("Invalid schedule options: expected an object");
    const { ifExists: mode, ...o } = checkKeys(options, SCHEDULE_KEYS, "schedule options");
    const task = taskName(o.task);
    const ifExists = checkEnum(mode ?? "replace", "ifExists", ["replace", "keep", "error"]);
    const id = checkId(o.id);
    const { store, events } = this.#d;
    const existing = ifExists === "error" ? null : await store.getSchedule(id);
    if (existing && ifExists === "keep") return this.#info(existing);
    const built = await buildSchedule({ ...o, task }, existing, this.#context());
    const outcome = await store.putSchedule(built.record, ifExists);
    if (outcome === "kept") return this.#info((await store.getSchedule(id))!);
    events.emit(outcome === "inserted" ? "schedule:added" : "schedule:updated", () => ({
      scheduleId: id,
    }));
    this.#d.kick();
    return builtInfo(built);
  }

  /** @returns The schedule, or `null` if there is none with this id. */
  async get(id: string): Promise<ScheduleInfo | null> {
    const record = await this.#d.store.getSchedule(checkId(id));
    return record ? this.#info(record) : null;
  }

  /** @returns A page of schedules ordered by id. */
  async list(options: ListSchedulesOptions | undefined): Promise<ScheduleInfo[]> {
    const o = checkKeys(options, ["task", "paused", "limit", "offset"], "listSchedules options");
    const filter = {
      ...(o.task === undefined ? {} : { task: checkId(o.task, "task") }),
      ...(o.paused === undefined ? {} : { paused: checkBoolean(o.paused, "paused") }),
      ...checkPage(o.limit, o.offset),
    };
    const records = await this.#d.store.listSchedules(filter);
    return Promise.all(records.map((r) => this.#info(r)));
  }

  /** @returns The schedule after applying `patch`. */
  async update(id: string, patch: SchedulePatch<unknown>): Promise<ScheduleInfo> {
    checkPatch(patch);
    const existing = await this.mustGet(id);
    const trigger = patch.trigger ?? storedTrigger(existing.trigger);
    const payload = "payload" in patch
      ? patch.payload
      : await this.#d.codec.decode(existing.payload, scheduleBinding(existing));
    const built = await buildSchedule(
      {
        id,
        task: existing.task,
        trigger,
        payload,
        paused: patch.paused ?? existing.paused,
        coalesce: patch.coalesce ?? existing.coalesce,
        misfireGraceTime: "misfireGraceTime" in patch
          ? patch.misfireGraceTime
          : existing.misfireGraceTime,
        maxInstances: patch.maxInstances ?? existing.maxInstances,
        overlap: patch.overlap ?? existing.overlap,
        jitter: patch.jitter ?? existing.jitter,
        priority: patch.priority ?? existing.priority,
        ...(patch.resultTtl !== undefined
          ? { resultTtl: patch.resultTtl }
          : existing.resultTtl !== null
          ? { resultTtl: existing.resultTtl }
          : {}),
      },
      existing,
      this.#context(),
      !patch.trigger,
    );
    return this.#write(built.record, "schedule:updated", built);
  }

  /** @returns The paused schedule. */
  async pause(id: string): Promise<ScheduleInfo> {
    const existing = await this.mustGet(id);
    return this.#write({ ...existing, paused: true }, "schedule:paused");
  }

  /** @returns The resumed schedule, due from `from` (default now). */
  async resume(id: string, options: { from?: InstantInput } | undefined): Promise<ScheduleInfo> {
    const o = checkKeys(options, ["from"], "resumeSchedule options");
    const from = o.from === undefined ? undefined : toEpochMs(o.from, "from");
    const existing = await this.mustGet(id);
    const trigger = storedTrigger(existing.trigger);
    const nextRunAt = trigger.nextMs((from ?? this.#d.clock.now()) - 1);
    return this.#write({ ...existing, paused: false, nextRunAt }, "schedule:resumed");
  }

  /** Removes a schedule; throws `NotFoundError` if there is none with this id. */
  async remove(id: string): Promise<void> {
    if (!await this.#d.store.removeSchedule(checkId(id))) throw new NotFoundError("schedule", id);
    this.#d.events.emit("schedule:removed", () => ({ scheduleId: id }));
  }

  /** @returns The next `count` fire instants (at most 1000). */
  async nextRuns(id: string, count: number): Promise<Temporal.Instant[]> {
    checkNextRunsCount(count);
    const s = await this.mustGet(id);
    const trigger = storedTrigger(s.trigger);
    const start = s.nextRunAt !== null && !s.paused ? s.nextRunAt - 1 : this.#d.clock.now();
    return trigger.nextRuns(count, start);
  }

  /** @returns The stored schedule; throws `NotFoundError` if there is none with this id. */
  async mustGet(id: string): Promise<ScheduleRecord> {
    const record = await this.#d.store.getSchedule(checkId(id));
    if (!record) throw new NotFoundError("schedule", id);
    return record;
  }

  #context(): BuildContext {
    return { now: this.#d.clock.now(), ...this.#d.build };
  }

  /**
   * Writes a changed schedule; `built` carries its live trigger and payload when the caller
   * has them, so they are not parsed back.
   */
  async #write(
    changed: ScheduleRecord,
    event: "schedule:updated" | "schedule:paused" | "schedule:resumed",
    built?: BuiltSchedule,
  ): Promise<ScheduleInfo> {
    const stored = await this.#d.store.updateSchedule({
      ...changed,
      updatedAt: this.#d.clock.now(),
    });
    if (!stored) throw new NotFoundError("schedule", changed.id);
    this.#d.events.emit(event, () => ({ scheduleId: changed.id }));
    this.#d.kick();
    return built ? builtInfo({ ...built, record: stored }) : this.#info(stored);
  }

  #info(record: ScheduleRecord): Promise<ScheduleInfo> {
    return toScheduleInfo(record, this.#d.codec);
  }
}

function builtInfo(built: BuiltSchedule): ScheduleInfo {
  return scheduleInfo(built.record, built.trigger, built.payload);
}
