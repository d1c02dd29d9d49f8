import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  allOf,
  anyOf,
  at,
  bindTrigger,
  calendar,
  cron,
  every,
  isTrigger,
  type Trigger,
  triggerFromJSON,
} from "../src/triggers/mod.ts";

const T0 = Date.UTC(2025, 0, 1);
const iso = (t: Trigger, after: string | number, n: number) => t.nextRuns(n, after).map(String);

describe("every", () => {
  it("fires at startAt, then every interval, strictly after the reference", () => {
    const t = every("PT15M", { startAt: T0, endAt: T0 + 30 * 60_000 });
    assert.equal(t.nextMs(T0 - 1), T0);
    assert.equal(t.nextMs(T0), T0 + 900_000);
    assert.equal(t.nextMs(T0 + 899_999), T0 + 900_000);
    assert.deepEqual(iso(t, 0, 5), [
      "2025-01-01T00:00:00Z",
      "2025-01-01T00:15:00Z",
      "2025-01-01T00:30:00Z",
    ]);
  });

  it("answers far-future queries by arithmetic, with millisecond precision", () => {
    const t = every(7, { startAt: 1 });
    assert.equal(t.nextMs(7e15), 7e15 + 1); // 1 + 7 * 1e15
    assert.equal(t.nextMs(7e15 + 1), 7e15 + 8);
  });

  it("first fires one interval after creation when standalone", () => {
    const before = Date.now();
    const t = every({ seconds: 30 });
    const first = t.nextMs(before - 1) as number;
    assert.ok(first >= before + 30_000 && first <= Date.now() + 30_000);
  });

  it("rejects bad input", () => {
    assert.throws(() => every(0), { name: "RangeError", message: /greater than zero/ });
    assert.throws(() => every({ months: 1 }), { name: "RangeError", message: /calendar\(\)/ });
    assert.throws(() => every("often"), SyntaxError);
    assert.throws(() => every(true as never), TypeError);
    assert.throws(() => every(1000, { start: 0 } as never), {
      name: "TypeError",
      message: /^Unknown option in every\(\) options: "start" \(did you mean "startAt"\?\)/,
    });
    assert.throws(() => every(1000, { startAt: 10, endAt: 5 }), RangeError);
  });
});

describe("at", () => {
  it("fires once, strictly after the reference", () => {
    const t = at("2025-06-01T12:00:00+02:00");
    assert.equal(t.next(T0)?.toString(), "2025-06-01T10:00:00Z");
    assert.equal(t.next("2025-06-01T10:00:00Z"), null);
    assert.deepEqual(iso(t, T0, 3), ["2025-06-01T10:00:00Z"]);
  });

  it("rejects bad input", () => {
    assert.throws(() => at("2025-06-01 12:00"), {
      name: "SyntaxError",
      message: /Invalid instant/,
    });
    assert.throws(() => at(Number.NaN), RangeError);
    assert.throws(() => at(undefined as never), TypeError);
  });
});

describe("anyOf and allOf", () => {
  it("anyOf yields the earliest child fire once, and null when all are exhausted", () => {
    const t = anyOf(at(T0 + 5), every(10, { startAt: T0, endAt: T0 + 10 }), at(T0 + 10));
    assert.deepEqual(t.nextRuns(10, T0 - 1).map((i) => i.epochMilliseconds - T0), [0, 5, 10]);
    assert.equal(t.nextMs(T0 + 10), null);
  });

  it("allOf yields instants on which all children fire", () => {
    const t = allOf([cron("0 9 13 * *"), cron("0 9 * * FRI")]);
    assert.deepEqual(iso(t, "2025-01-01T00:00:00Z", 2), [
      "2025-06-13T09:00:00Z",
      "2026-02-13T09:00:00Z",
    ]);
  });

  it("allOf with tolerance returns the latest fire of each matched group", () => {
    const t = allOf([every(60_000, { startAt: T0 }), every(45_000, { startAt: T0 + 10_000 })], {
      tolerance: { seconds: 5 },
    });
    // A fires at 0, 60, 120, 180, 240 s; B at 10, 55, 100, 145, 190, 235 s
    assert.deepEqual(t.nextRuns(2, T0).map((i) => (i.epochMilliseconds - T0) / 1000), [60, 240]);
  });

  it("allOf stops with a RangeError instead of looping forever", () => {
    const t = allOf([every(2, { startAt: 0 }), every(2, { startAt: 1 })], { maxIterations: 50 });
    assert.throws(() => t.nextMs(0), {
      name: "RangeError",
      message: /no common fire within 50 iterations/,
    });
    assert.equal(allOf([at(T0), at(T0 + 1)]).nextMs(0), null);
  });

  it("reject bad input", () => {
    assert.throws(() => anyOf(), { name: "TypeError", message: /at least one trigger/ });
    assert.throws(() => anyOf([at(T0)], at(T0) as never), {
      name: "TypeError",
      message: /after an array of triggers only an options object may follow/,
    });
    assert.throws(() => allOf(at(T0), [at(T0)] as never), {
      name: "TypeError",
      message: /argument 1: not a trigger \(pass one array, allOf\(\[a, b\]\), or spread it\)/,
    });
    assert.throws(() => allOf([]), TypeError);
    assert.throws(() => allOf([at(T0), {} as never]), /argument 1: not a trigger/);
    assert.throws(() => allOf([at(T0)], { tolerance: -1 }), RangeError);
    assert.throws(() => allOf([at(T0)], { maxIterations: 0 }), {
      name: "RangeError",
      message: /maxIterations/,
    });
  });
});

describe("next and nextRuns", () => {
  it("validate their arguments", () => {
    const t = every(1000, { startAt: T0 });
    assert.throws(() => t.nextRuns(-1, T0), { name: "RangeError", message: /count/ });
    assert.throws(() => t.nextRuns(1.5, T0), RangeError);
    assert.throws(() => t.nextRuns("3" as never, T0), TypeError);
    assert.throws(() => t.next("noon"), { name: "SyntaxError", message: /Invalid after/ });
    assert.equal(t.nextRuns(0, T0).length, 0);
  });
});

describe("bindTrigger", () => {
  it("gives implicit zones and anchors from the context, recursively", () => {
    const nowMs = Date.UTC(2030, 5, 1, 12);
    const t = bindTrigger(
      anyOf(
        cron("0 9 * * *"),
        every("PT1H"),
        calendar({ months: 1 }, { at: "08:00" }),
        cron("0 9 * * *", { timezone: "UTC" }),
      ),
      { timezone: "Asia/Tokyo", nowMs },
    );
    assert.deepEqual(t.toJSON(), {
      v: 1,
      type: "anyOf",
      triggers: [
        { v: 1, type: "cron", expression: "0 9 * * *", timezone: "Asia/Tokyo" },
        { v: 1, type: "every", intervalMs: 3_600_000, startAt: "2030-06-01T13:00:00Z" },
        {
          v: 1,
          type: "calendar",
          interval: { months: 1 },
          at: "08:00",
          timezone: "Asia/Tokyo",
          startAt: "2030-06-01T12:00:00Z",
        },
        { v: 1, type: "cron", expression: "0 9 * * *", timezone: "UTC" },
      ],
    });
    assert.equal(t.next(nowMs)?.toString(), "2030-06-01T13:00:00Z");
    const json = JSON.parse(JSON.stringify(t));
    assert.deepEqual(triggerFromJSON(json).nextRuns(20, nowMs), t.nextRuns(20, nowMs));
  });

  it("returns triggers with nothing implicit unchanged and checks the context", () => {
    const fixed = at(T0);
    assert.equal(bindTrigger(fixed, { timezone: "UTC", nowMs: 0 }), fixed);
    assert.throws(() => bindTrigger(fixed, { timezone: "No/Where", nowMs: 0 }), RangeError);
    assert.throws(() => bindTrigger(fixed, { timezone: "UTC", nowMs: Number.NaN }), RangeError);
  });
});

describe("JSON", () => {
  const samples: Trigger[] = [
    cron("*/5 9-17 * * MON-FRI", { timezone: "Europe/London", startAt: T0, endAt: T0 + 1e10 }),
    cron("@daily"),
    every(90_000, { startAt: T0 + 1 }),
    at(T0 + 123),
    calendar({ years: 1, days: 2 }, { at: "23:59:59", timezone: "America/Santiago", startAt: T0 }),
    allOf([cron("0 0 * * *"), every("P1D", { startAt: T0 })], { tolerance: 1000 }),
  ];

  it("round-trips exactly", () => {
    for (const t of samples) {
      const text = JSON.stringify(t);
      const back = triggerFromJSON(JSON.parse(text));
      assert.deepEqual(back.toJSON(), t.toJSON());
      assert.equal(JSON.stringify(triggerFromJSON(text)), text);
      assert.deepEqual(back.nextRuns(5, T0), t.nextRuns(5, T0));
    }
  });

  it("rejects malformed JSON with clear messages", () => {
    const ok = { v: 1, type: "cron", expression: "* * * * *" };
    assert.throws(() => triggerFromJSON(null), {
      name: "TypeError",
      message: /expected an object/,
    });
    assert.throws(() => triggerFromJSON("{"), { name: "SyntaxError", message: /JSON text/ });
    assert.throws(() => triggerFromJSON({ ...ok, v: 2 }), {
      name: "RangeError",
      message: /unsupported version 2/,
    });
    assert.throws(() => triggerFromJSON({ ...ok, type: "weekly" }), {
      name: "TypeError",
      message: /unknown type "weekly"/,
    });
    assert.throws(() => triggerFromJSON({ ...ok, timeZone: "UTC" }), {
      name: "TypeError",
      message: /unknown field "timeZone"/,
    });
    assert.throws(() => triggerFromJSON({ v: 1, type: "cron" }), {
      name: "TypeError",
      message: /missing field "expression"/,
    });
    assert.throws(() => triggerFromJSON({ ...ok, expression: 5 }), {
      name: "TypeError",
      message: /\$\.expression: expected a string/,
    });
    assert.throws(() => triggerFromJSON({ ...ok, expression: "* *" }), SyntaxError);
    assert.throws(() => triggerFromJSON({ ...ok, timezone: "Atlantis" }), RangeError);
    assert.throws(() => triggerFromJSON({ ...ok, startAt: "soon" }), SyntaxError);
    assert.throws(() => triggerFromJSON({ v: 1, type: "every", intervalMs: -5 }), RangeError);
    assert.throws(() => triggerFromJSON({ v: 1, type: "anyOf", triggers: {} }), {
      name: "TypeError",
      message: /triggers: expected an array/,
    });
    assert.throws(() => triggerFromJSON({ v: 1, type: "anyOf", triggers: [{ v: 1 }] }), {
      name: "TypeError",
      message: /\$\.triggers\[0\]\.type: unknown type/,
    });
  });
});

describe("isTrigger", () => {
  it("recognises triggers only", () => {
    assert.equal(isTrigger(every(1000)), true);
    assert.equal(isTrigger(anyOf(at(T0))), true);
    assert.equal(isTrigger({ type: "cron" }), false);
    assert.equal(isTrigger(null), false);
    assert.equal(isTrigger("cron"), false);
  });
});
