import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { calendar } from "../src/triggers/mod.ts";

function daily(at: string, timezone: string, after: string, count: number): string[] {
  return calendar({ days: 1 }, { at, timezone, startAt: "1970-01-01T00:00:00Z" })
    .nextRuns(count, after).map(String);
}

describe("calendar: DST", () => {
  it("moves a time in a spring-forward gap to the transition instant", () => {
    assert.deepEqual(daily("02:30", "America/New_York", "2024-03-09T12:00:00Z", 2), [
      "2024-03-10T07:00:00Z",
      "2024-03-11T06:30:00Z",
    ]);
    assert.deepEqual(daily("01:30", "Europe/London", "2024-03-30T12:00:00Z", 2), [
      "2024-03-31T01:00:00Z",
      "2024-04-01T00:30:00Z",
    ]);
    assert.deepEqual(daily("02:15", "Australia/Lord_Howe", "2024-10-05T00:00:00Z", 2), [
      "2024-10-05T15:30:00Z",
      "2024-10-06T15:15:00Z",
    ]);
    assert.deepEqual(daily("00:00", "America/Santiago", "2024-09-07T12:00:00Z", 2), [
      "2024-09-08T04:00:00Z",
      "2024-09-09T03:00:00Z",
    ]);
    assert.deepEqual(daily("00:10", "Asia/Kathmandu", "1985-12-31T00:00:00Z", 2), [
      "1985-12-31T18:30:00Z",
      "1986-01-01T18:25:00Z",
    ]);
  });

  it("uses the earlier instant of a repeated time", () => {
    assert.deepEqual(daily("01:30", "America/New_York", "2024-11-02T12:00:00Z", 2), [
      "2024-11-03T05:30:00Z",
      "2024-11-04T06:30:00Z",
    ]);
    assert.deepEqual(daily("01:30", "Europe/London", "2024-10-26T12:00:00Z", 2), [
      "2024-10-27T00:30:00Z",
      "2024-10-28T01:30:00Z",
    ]);
    assert.deepEqual(daily("01:45", "Australia/Lord_Howe", "2024-04-06T00:00:00Z", 2), [
      "2024-04-06T14:45:00Z",
      "2024-04-07T15:15:00Z",
    ]);
    assert.deepEqual(daily("23:30", "America/Santiago", "2024-04-06T12:00:00Z", 2), [
      "2024-04-07T02:30:00Z",
      "2024-04-08T03:30:00Z",
    ]);
    assert.deepEqual(daily("01:30", "Europe/Moscow", "2014-10-25T00:00:00Z", 2), [
      "2014-10-25T21:30:00Z",
      "2014-10-26T22:30:00Z",
    ]);
  });
});

describe("calendar: dates", () => {
  it("keeps the anchor's day of month and skips months without it", () => {
    const t = calendar({ months: 1 }, { at: "09:00", startAt: "2025-01-31T00:00:00Z" });
    assert.deepEqual(t.nextRuns(6, "2025-01-01T00:00:00Z").map(String), [
      "2025-01-31T09:00:00Z",
      "2025-03-31T09:00:00Z",
      "2025-05-31T09:00:00Z",
      "2025-07-31T09:00:00Z",
      "2025-08-31T09:00:00Z",
      "2025-10-31T09:00:00Z",
    ]);
  });

  it("fires on 29 February only in leap years (2100 is not one)", () => {
    const t = calendar({ years: 1 }, { startAt: "2096-02-29T00:00:00Z" });
    assert.deepEqual(t.nextRuns(3, "2096-01-01T00:00:00Z").map(String), [
      "2096-02-29T00:00:00Z",
      "2104-02-29T00:00:00Z",
      "2108-02-29T00:00:00Z",
    ]);
  });

  it("first fires on the anchor date when `at` is not before startAt, else a period later", () => {
    const early = calendar({ weeks: 2 }, { at: "09:00:30", startAt: "2025-01-01T08:00:00Z" });
    assert.deepEqual(early.nextRuns(2, "2024-01-01T00:00:00Z").map(String), [
      "2025-01-01T09:00:30Z",
      "2025-01-15T09:00:30Z",
    ]);
    const late = calendar({ days: 3 }, { at: "09:00", startAt: "2025-01-01T10:00:00Z" });
    assert.equal(late.next("2024-01-01T00:00:00Z")?.toString(), "2025-01-04T09:00:00Z");
  });

  it("crosses year boundaries in the zone's calendar", () => {
    const t = calendar({ months: 1 }, {
      at: "00:30",
      timezone: "Asia/Kathmandu",
      startAt: "2024-11-30T18:15:00Z", // 1 December 00:00 local
    });
    assert.deepEqual(t.nextRuns(2, "2024-11-01T00:00:00Z").map(String), [
      "2024-11-30T18:45:00Z",
      "2024-12-31T18:45:00Z", // 1 January 2025 00:30 +05:45
    ]);
  });

  it("answers far-future queries directly and respects inclusive endAt", () => {
    const t = calendar({ days: 1 }, { at: "12:00", startAt: "1970-01-01T00:00:00Z" });
    assert.equal(t.next("2999-06-15T13:00:00Z")?.toString(), "2999-06-16T12:00:00Z");
    const bounded = calendar({ days: 1 }, {
      startAt: "2025-01-01T00:00:00Z",
      endAt: "2025-01-03T00:00:00Z",
    });
    assert.equal(bounded.nextRuns(10, "2024-01-01T00:00:00Z").length, 3);
  });

  it("anchors at creation when standalone without startAt", () => {
    const before = Date.now();
    const t = calendar({ days: 1 }, { at: "00:00" });
    const next = t.nextMs(before) as number;
    assert.ok(next > before && next <= before + 2 * 86_400_000);
    assert.equal("startAt" in t.toJSON(), false);
  });
});

describe("calendar: bad input", () => {
  it("rejects bad intervals, times and options", () => {
    assert.throws(() => calendar({}), { name: "RangeError", message: /at least one unit/ });
    assert.throws(() => calendar({ days: 0, months: 0 }), RangeError);
    assert.throws(() => calendar({ months: -1 }), {
      name: "RangeError",
      message: /months must be a non-negative integer, got -1/,
    });
    assert.throws(() => calendar({ days: 1.5 }), { name: "RangeError", message: /days/ });
    assert.throws(() => calendar({ hours: 1 } as never), {
      name: "TypeError",
      message: /unknown unit "hours".*every\(\)/,
    });
    assert.throws(() => calendar({ days: "1" } as never), TypeError);
    assert.throws(() => calendar(null as never), TypeError);
    for (const at of ["9:00", "24:00", "09:60", "09:00:60", "0900", "09:00 "]) {
      assert.throws(() => calendar({ days: 1 }, { at }), {
        name: "SyntaxError",
        message: /^Invalid at: .*"HH:MM"/,
      }, at);
    }
    assert.throws(() => calendar({ days: 1 }, { at: 900 as never }), TypeError);
    assert.throws(() => calendar({ days: 1 }, { timezone: "Europe/Atlantis" }), RangeError);
    assert.throws(
      () => calendar({ days: 1 }, { startAt: "2025-02-01T00:00:00Z", endAt: 0 }),
      { name: "RangeError", message: /is after endAt/ },
    );
  });
});
