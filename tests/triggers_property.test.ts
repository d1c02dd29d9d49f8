import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Cron } from "croner";
import { Temporal } from "../src/temporal.ts";
import { calendar, cron, every, type Trigger, triggerFromJSON } from "../src/triggers/mod.ts";
import { type CronFields, cronFields, daysAreAnded } from "../src/triggers/_cron_fields.ts";

const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "America/Santiago",
  "Europe/Moscow",
  "Pacific/Chatham",
];
const RUNS = { numRuns: 100 };
const afterMs = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) });
const zone = fc.constantFrom(...ZONES);

function field(min: number, max: number): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  return fc.oneof(
    fc.constant("*"),
    value.map(String),
    fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((s) => `*/${s}`),
    fc.uniqueArray(value, { minLength: 2, maxLength: 4 }).map((l) => l.join(",")),
  );
}

const expression = fc.tuple(
  fc.option(field(0, 59), { nil: undefined }),
  field(0, 59),
  field(0, 23),
  fc.oneof(field(1, 28), fc.constant("L")),
  field(1, 12),
  fc.oneof(field(0, 7), fc.constant("MON#2")),
).map(([s, ...rest]) => (s === undefined ? rest : [s, ...rest]).join(" "));

function checkSequence(t: Trigger, after: number, count: number): void {
  let ms: number | null = after;
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    const next: number | null = t.nextMs(ms);
    if (next === null) break;
    assert.ok(next > ms, `next ${next} not after ${ms}`);
    assert.ok(Number.isInteger(next));
    seen.push(next);
    ms = next;
  }
  assert.deepEqual(t.nextRuns(count, after).map((i) => i.epochMilliseconds), seen);
  const back = triggerFromJSON(JSON.parse(JSON.stringify(t)));
  assert.deepEqual(back.toJSON(), t.toJSON());
  assert.deepEqual(back.nextRuns(count, after).map((i) => i.epochMilliseconds), seen);
}

/** A naive calendar: period by period from the anchor, with Temporal's own arithmetic. */
function referenceFires(
  units: { years: number; months: number; weeks: number; days: number },
  at: string,
  timezone: string,
  startMs: number,
  count: number,
): number[] {
  const anchor = Temporal.Instant.fromEpochMilliseconds(startMs).toZonedDateTimeISO(timezone)
    .toPlainDate();
  const time = Temporal.PlainTime.from(at);
  const out: number[] = [];
  for (let k = 0; out.length < count; k++) {
    const month = anchor.with({ day: 1 }).add({ months: k * (units.years * 12 + units.months) });
    if (anchor.day > month.daysInMonth) continue;
    const date = month.with({ day: anchor.day }).add({ days: k * (units.weeks * 7 + units.days) });
    const local = date.toPlainDateTime(time);
    let zoned = local.toZonedDateTime(timezone, { disambiguation: "earlier" });
    if (!zoned.toPlainDateTime().equals(local)) {
      zoned = zoned.getTimeZoneTransition("next") as Temporal.ZonedDateTime; // skipped time
    }
    if (zoned.epochMilliseconds >= startMs) out.push(zoned.epochMilliseconds);
  }
  return out;
}

describe("trigger properties", () => {
  it("cron: next is strictly after, increasing, equal to nextRuns, and survives JSON", () => {
    fc.assert(
      fc.property(expression, zone, afterMs, (expr, timezone, after) => {
        let trigger: Trigger;
        try {
          trigger = cron(expr, { timezone });
        } catch (error) {
          // Refused as never firing: croner's own exhaustive search must find no fire either.
          assert.match(String(error), /^RangeError: .*can never fire/);
          const fields = cronFields(expr) as CronFields;
          const raw = new Cron(expr, { utcOffset: 0, domAndDow: daysAreAnded(fields) });
          assert.equal(raw.nextRun(new Date(after)), null, expr);
          return;
        }
        checkSequence(trigger, after, 8);
      }),
      RUNS,
    );
  });

  it("every: fires are startAt + k * interval", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 10 }),
        afterMs,
        fc.integer({ min: -(10 ** 11), max: 10 ** 11 }),
        (interval, start, delta) => {
          const t = every(interval, { startAt: start });
          checkSequence(t, start + delta, 5);
          const next = t.nextMs(start + delta) as number;
          assert.equal((next - start) % interval, 0);
          assert.ok(next - interval <= Math.max(start + delta, start - interval));
        },
      ),
      RUNS,
    );
  });

  it("calendar: direct answers equal walking the fires one by one from the anchor", () => {
    const interval = fc.record({
      years: fc.integer({ min: 0, max: 2 }),
      months: fc.integer({ min: 0, max: 13 }),
      weeks: fc.integer({ min: 0, max: 3 }),
      days: fc.integer({ min: 0, max: 40 }),
    }).filter((i) => i.years + i.months + i.weeks + i.days > 0);
    const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
    fc.assert(
      fc.property(
        interval,
        time,
        zone,
        afterMs,
        fc.integer({ min: 0, max: 40 }),
        (units, at, timezone, start, skip) => {
          const t = calendar(units, { at, timezone, startAt: start });
          const walk = referenceFires(units, at, timezone, start, skip + 3);
          assert.deepEqual(t.nextRuns(skip + 3, start - 1).map((i) => i.epochMilliseconds), walk);
          const after = (walk[skip] as number) - 1;
          assert.equal(t.nextMs(after), walk[skip]);
          assert.equal(t.nextMs(walk[skip] as number), walk[skip + 1]);
          checkSequence(t, after, 5);
        },
      ),
      { numRuns: 100 },
    );
  });
});
