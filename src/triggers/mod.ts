/**
 * Triggers: pure, serialisable rules that answer "when is the next fire after this instant?".
 *
 * ```ts
 * import { calendar, cron, every } from "./mod.ts";
 * cron("*\/15 9-17 * * MON-FRI", { timezone: "Europe/London" });
 * every("PT30S");
 * calendar({ months: 1 }, { at: "09:00", timezone: "America/New_York" });
 * ```
 * @module
 */

export type {
  AllOfTriggerJSON,
  AnyOfTriggerJSON,
  AtTriggerJSON,
  BoundsOptions,
  CalendarInterval,
  CalendarTriggerJSON,
  CronTriggerJSON,
  EveryTriggerJSON,
  Trigger,
  TriggerJSON,
  TriggerType,
} from "./types.ts";
export { cron, type CronOptions } from "./cron.ts";
export { every, type EveryOptions } from "./every.ts";
export { at } from "./at.ts";
export { calendar, type CalendarOptions } from "./calendar.ts";
export { anyOf, type AnyOfOptions } from "./any_of.ts";
export { allOf, type AllOfOptions } from "./all_of.ts";
export { triggerFromJSON } from "./json.ts";
export { isTrigger } from "./is_trigger.ts";
export {
  MAX_ALL_OF_ITERATIONS,
  MAX_NEXT_RUNS,
  MAX_TRIGGER_DEPTH,
  MAX_TRIGGER_NODES,
} from "./limits.ts";
export { bindTrigger, type TriggerContext } from "./bind.ts";
