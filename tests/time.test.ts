import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Temporal } from "../src/temporal.ts";
import {
  addMs,
  instantFromMs,
  MAX_DURATION_MS,
  MAX_INSTANT_MS,
  MIN_INSTANT_MS,
  toDurationMs,
  toEpochMs,
  toInstant,
  validateTimeZone,
} from "../src/time.ts";

const MS = Date.UTC(2025, 0, 1, 9, 30);

describe("toEpochMs", () => {
  it("accepts every instant form", () => {
    assert.equal(toEpochMs(MS), MS);
    assert.equal(toEpochMs(new Date(MS)), MS);
    assert.equal(toEpochMs("2025-01-01T09:30:00Z"), MS);
    assert.equal(toEpochMs("2025-01-01T10:30:00+01:00"), MS);
    assert.equal(toEpochMs(Temporal.Instant.fromEpochMilliseconds(MS)), MS);
    const zoned = Temporal.Instant.fromEpochMilliseconds(MS).toZonedDateTimeISO("Asia/Kathmandu");
    assert.equal(toEpochMs(zoned), MS);
  });

  it("reads the plain UTC form as Temporal does, and refuses what Temporal refuses", () => {
    // The UTC form is read without Temporal (a polyfill on Node 22): the two must agree.
    let seed = 11;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const texts = ["2030-02-28T23:59:59.999Z", "2028-02-29T00:00:00Z", "1970-01-01T00:00:00Z"];
    for (let i = 0; i < 500; i++) {
      const ms = Math.floor(random() * 253_402_300_799_999);
      texts.push(new Date(ms).toISOString(), Temporal.Instant.fromEpochMilliseconds(ms).toString());
    }
    texts.push("2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00.05Z", "2030-12-31T23:59:60Z");
    texts.push("2000-02-29T12:00:00Z", "2400-02-29T00:00:00.1Z", "2030-11-30T00:00:00.120Z");
    // Near misses of the form, which Temporal reads another way or not at all.
    texts.push("2030-01-01T00:00:00z", "2030-01-01t00:00:00Z", "2030-01-01T00:00:00.1234Z");
    texts.push("2030-01-01T00:00:00+00:00", "2030-01-01 00:00:00Z", "2030-01-01T00:00Z");
    for (const text of texts) {
      assert.equal(toEpochMs(text), Temporal.Instant.from(text).epochMilliseconds, text);
    }
    const refused = ["2030-02-29T00:00:00Z", "2030-04-31T00:00:00Z", "2030-01-01T24:00:00Z"];
    refused.push("2100-02-29T00:00:00Z", "2030-13-01T00:00:00Z", "2030-00-10T00:00:00Z");
    refused.push("2030-01-00T00:00:00Z", "2030-01-01T00:60:00Z", "2030-01-01T00:00:00.Z");
    refused.push("2030-1a-01T00:00:00Z", "2030-01-01T0 :00:00Z", "2030-01-01T00:00:00.1aZ");
    for (const text of refused) {
      assert.throws(() => toEpochMs(text), SyntaxError, text);
      assert.throws(() => Temporal.Instant.from(text), RangeError, text);
    }
    assert.throws(() => toEpochMs("0099-01-01T00:00:00Z"), RangeError, "before 1970");
  });

  it("truncates sub-millisecond Temporal values to milliseconds", () => {
    assert.equal(toEpochMs(Temporal.Instant.from("2025-01-01T09:30:00.0019Z")), MS + 1);
  });

  it("rejects bad input with the documented error classes", () => {
    assert.throws(() => toEpochMs(Number.NaN, "startAt"), {
      name: "RangeError",
      message: /startAt/,
    });
    assert.throws(() => toEpochMs(Infinity), RangeError);
    assert.throws(() => toEpochMs(1.5), /whole epoch milliseconds/);
    assert.throws(() => toEpochMs(9e15), RangeError);
    assert.throws(() => toEpochMs(new Date(Number.NaN), "endAt"), {
      name: "RangeError",
      message: /Invalid endAt: the Date is invalid/,
    });
    assert.throws(() => toEpochMs("2025-01-01T09:30:00"), {
      name: "SyntaxError",
      message: /ISO 8601 instant with an offset/,
    });
    assert.throws(() => toEpochMs("tomorrow"), SyntaxError);
    assert.throws(() => toEpochMs(null as never), { name: "TypeError", message: /got null/ });
    assert.throws(() => toEpochMs({} as never), TypeError);
    assert.throws(() => toEpochMs(true as never), { name: "TypeError", message: /boolean/ });
  });
});

describe("toInstant and instantFromMs", () => {
  it("return Temporal.Instant values of millisecond precision", () => {
    assert.equal(toInstant("2025-01-01T09:30:00.123456Z").toString(), "2025-01-01T09:30:00.123Z");
    assert.equal(instantFromMs(0).toString(), "1970-01-01T00:00:00Z");
    assert.throws(() => instantFromMs(Number.NaN), RangeError);
  });

  it("instantFromMs answers repeated and alternating instants alike, and still refuses bad ones", () => {
    const t = Date.parse("2030-01-01T00:00:00Z");
    assert.equal(instantFromMs(t).epochMilliseconds, t);
    assert.equal(instantFromMs(t).epochMilliseconds, t);
    assert.equal(instantFromMs(t + 1).epochMilliseconds, t + 1);
    assert.equal(instantFromMs(t).toString(), "2030-01-01T00:00:00Z");
    assert.throws(() => instantFromMs(t + 0.5), RangeError);
    assert.throws(() => instantFromMs(8.64e15 + 1), RangeError);
    assert.equal(instantFromMs(t).epochMilliseconds, t);
  });
});

describe("toDurationMs", () => {
  it("accepts ms, ISO strings, Temporal.Duration and objects", () => {
    assert.equal(toDurationMs(1500), 1500);
    assert.equal(toDurationMs("PT5M"), 300_000);
    assert.equal(toDurationMs("P1DT1H"), 90_000_000);
    assert.equal(toDurationMs("P2W"), 14 * 86_400_000);
    assert.equal(toDurationMs(Temporal.Duration.from({ hours: 1, milliseconds: 5 })), 3_600_005);
    assert.equal(toDurationMs({ hours: 1, minutes: 30 }), 5_400_000);
    assert.equal(toDurationMs({ hours: 0.1 }), 360_000);
    assert.equal(toDurationMs(0, "tolerance", { allowZero: true }), 0);
  });

  it("rejects calendar units, naming calendar() as the fix", () => {
    assert.throws(() => toDurationMs({ months: 1 }, "interval"), {
      name: "RangeError",
      message: /Invalid interval: .*calendar\(\)/,
    });
    assert.throws(() => toDurationMs("P1Y"), { name: "RangeError", message: /calendar\(\)/ });
  });

  it("rejects bad input with the documented error classes", () => {
    assert.throws(() => toDurationMs(0), { name: "RangeError", message: /greater than zero/ });
    assert.throws(() => toDurationMs({}), RangeError);
    assert.throws(() => toDurationMs(-1, "interval"), {
      name: "RangeError",
      message: /Invalid interval: -1/,
    });
    assert.throws(() => toDurationMs(Number.NaN), RangeError);
    assert.throws(() => toDurationMs(Infinity), RangeError);
    assert.throws(() => toDurationMs(0.5), { name: "RangeError", message: /whole milliseconds/ });
    assert.throws(() => toDurationMs({ minutes: -5 }), { name: "RangeError", message: /minutes/ });
    assert.throws(() => toDurationMs("-PT5M"), { name: "RangeError", message: /negative/ });
    assert.throws(() => toDurationMs("5 minutes"), {
      name: "SyntaxError",
      message: /ISO 8601 duration/,
    });
    assert.throws(() => toDurationMs({ minute: 5 } as never), {
      name: "TypeError",
      message: /unknown field "minute"/,
    });
    assert.throws(() => toDurationMs({ minutes: "5" } as never), {
      name: "TypeError",
      message: /minutes must be a number/,
    });
    assert.throws(() => toDurationMs(null as never), TypeError);
    assert.throws(() => toDurationMs([5] as never), { name: "TypeError", message: /array/ });
  });
});

describe("value limits", () => {
  it("accepts instants from 1970 to 9999 and refuses the rest from every input form", () => {
    assert.equal(MIN_INSTANT_MS, 0);
    assert.equal(new Date(MAX_INSTANT_MS).toISOString(), "9999-12-31T23:59:59.999Z");
    assert.equal(toEpochMs("9999-12-31T23:59:59.999Z"), MAX_INSTANT_MS);
    assert.equal(toEpochMs(new Date(0)), 0);
    for (
      const input of [
        MAX_INSTANT_MS + 1,
        -1,
        Number.MAX_SAFE_INTEGER,
        "+010000-01-01T00:00:00Z",
        "1969-12-31T23:59:59.999Z",
        new Date(8.64e15),
        Temporal.Instant.fromEpochMilliseconds(-8.64e15),
      ]
    ) {
      assert.throws(() => toEpochMs(input, "runAt"), {
        name: "RangeError",
        message: /Invalid runAt: .*out of range \(expected from 1970-01-01T00:00:00Z to 9999/,
      }, String(input));
    }
  });

  it("reads stored instants over the whole Temporal range", () => {
    assert.equal(instantFromMs(-1).toString(), "1969-12-31T23:59:59.999Z");
    assert.equal(instantFromMs(8.64e15).epochMilliseconds, 8.64e15);
    assert.throws(() => instantFromMs(8.64e15 + 1), RangeError);
  });

  it("refuses durations over 100 years, whatever their form", () => {
    assert.equal(MAX_DURATION_MS, 100 * 365.25 * 86_400_000);
    assert.equal(toDurationMs(MAX_DURATION_MS), MAX_DURATION_MS);
    for (
      const input of [
        MAX_DURATION_MS + 1,
        Number.MAX_SAFE_INTEGER,
        1e300,
        "P36525DT1S",
        { weeks: 1e12 },
        Temporal.Duration.from({ hours: 1e9 }),
      ]
    ) {
      assert.throws(() => toDurationMs(input, "delay"), {
        name: "RangeError",
        message: /Invalid delay: .*too long \(the limit is 100 years/,
      }, JSON.stringify(input));
    }
  });

  it("addMs keeps sums of instants and durations in range", () => {
    assert.equal(addMs(1000, 500, "delay"), 1500);
    assert.equal(addMs(MAX_INSTANT_MS - 1, 1, "delay"), MAX_INSTANT_MS);
    assert.throws(() => addMs(MAX_INSTANT_MS, 1, "resultTtl"), {
      name: "RangeError",
      message: /Invalid resultTtl: 1 ms from 9999-12-31T23:59:59.999Z is out of range/,
    });
    assert.throws(() => addMs(0, -1, "delay"), RangeError);
    assert.throws(() => addMs(Date.now(), Number.MAX_SAFE_INTEGER, "delay"), RangeError);
  });
});

describe("validateTimeZone", () => {
  it("returns the canonical spelling", () => {
    assert.equal(validateTimeZone("europe/london"), "Europe/London");
    assert.equal(validateTimeZone("UTC"), "UTC");
    assert.equal(validateTimeZone("Asia/Kathmandu"), "Asia/Kathmandu");
  });

  it("rejects unknown zones and non-strings", () => {
    assert.throws(() => validateTimeZone("Mars/Olympus_Mons"), {
      name: "RangeError",
      message: /Unknown timezone: "Mars\/Olympus_Mons"/,
    });
    assert.throws(() => validateTimeZone(""), RangeError);
    assert.throws(() => validateTimeZone(5 as never, "zone"), {
      name: "TypeError",
      message: /Invalid zone: got number/,
    });
  });
});
