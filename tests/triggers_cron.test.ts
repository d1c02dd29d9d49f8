import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { cron } from "../src/triggers/mod.ts";
import { patternCacheStats } from "../src/triggers/_pattern_cache.ts";

function runs(expression: string, timezone: string, after: string, count: number): string[] {
  return cron(expression, { timezone }).nextRuns(count, after).map(String);
}

describe("cron: DST in America/New_York", () => {
  it("runs a fixed time in the spring-forward gap once, at the end of the gap", () => {
    assert.deepEqual(runs("30 2 * * *", "America/New_York", "2024-03-09T12:00:00Z", 2), [
      "2024-03-10T07:00:00Z", // 03:00 EDT
      "2024-03-11T06:30:00Z",
    ]);
    assert.deepEqual(runs("15 30 2 * * *", "America/New_York", "2024-03-09T12:00:00Z", 2), [
      "2024-03-10T07:00:00Z",
      "2024-03-11T06:30:15Z",
    ]);
  });

  it("runs a fixed time in the repeated hour once, at the first occurrence", () => {
    assert.deepEqual(runs("30 1 * * *", "America/New_York", "2024-11-02T12:00:00Z", 2), [
      "2024-11-03T05:30:00Z", // 01:30 EDT
      "2024-11-04T06:30:00Z",
    ]);
  });

  it("treats a list of fixed times as fixed times (Vixie cron)", () => {
    assert.deepEqual(runs("30 1,14 * * *", "America/New_York", "2024-11-03T00:00:00Z", 3), [
      "2024-11-03T05:30:00Z",
      "2024-11-03T19:30:00Z",
      "2024-11-04T06:30:00Z",
    ]);
  });

  it("runs stepped, hourly and seconds patterns in both copies of the repeated hour", () => {
    assert.deepEqual(runs("*/30 * * * *", "America/New_York", "2024-11-03T04:50:00Z", 5), [
      "2024-11-03T05:00:00Z",
      "2024-11-03T05:30:00Z",
      "2024-11-03T06:00:00Z", // 01:00 EST
      "2024-11-03T06:30:00Z",
      "2024-11-03T07:00:00Z",
    ]);
    assert.deepEqual(runs("0 * * * *", "America/New_York", "2024-11-03T04:50:00Z", 3), [
      "2024-11-03T05:00:00Z",
      "2024-11-03T06:00:00Z",
      "2024-11-03T07:00:00Z",
    ]);
    assert.deepEqual(runs("*/20 * * * * *", "America/New_York", "2024-11-03T05:59:00Z", 4), [
      "2024-11-03T05:59:20Z",
      "2024-11-03T05:59:40Z",
      "2024-11-03T06:00:00Z",
      "2024-11-03T06:00:20Z",
    ]);
  });

  it("follows elapsed time across the spring-forward gap for stepped and hourly patterns", () => {
    assert.deepEqual(runs("*/30 * * * *", "America/New_York", "2024-03-10T06:10:00Z", 3), [
      "2024-03-10T06:30:00Z", // 01:30 EST
      "2024-03-10T07:00:00Z", // 03:00 EDT
      "2024-03-10T07:30:00Z",
    ]);
    assert.deepEqual(runs("0 * * * *", "America/New_York", "2024-03-10T05:30:00Z", 3), [
      "2024-03-10T06:00:00Z",
      "2024-03-10T07:00:00Z",
      "2024-03-10T08:00:00Z",
    ]);
    assert.deepEqual(runs("*/20 * * * * *", "America/New_York", "2024-03-10T06:59:30Z", 3), [
      "2024-03-10T06:59:40Z",
      "2024-03-10T07:00:00Z",
      "2024-03-10T07:00:20Z",
    ]);
  });
});

describe("cron: DST in other zones", () => {
  it("Europe/London", () => {
    assert.deepEqual(runs("30 1 * * *", "Europe/London", "2024-03-30T12:00:00Z", 2), [
      "2024-03-31T01:00:00Z", // 02:00 BST
      "2024-04-01T00:30:00Z",
    ]);
    assert.deepEqual(runs("30 1 * * *", "Europe/London", "2024-10-26T12:00:00Z", 2), [
      "2024-10-27T00:30:00Z", // 01:30 BST only
      "2024-10-28T01:30:00Z",
    ]);
    assert.deepEqual(runs("*/30 * * * *", "Europe/London", "2024-10-27T00:10:00Z", 4), [
      "2024-10-27T00:30:00Z",
      "2024-10-27T01:00:00Z",
      "2024-10-27T01:30:00Z",
      "2024-10-27T02:00:00Z",
    ]);
  });

  it("Australia/Lord_Howe (30-minute shift)", () => {
    assert.deepEqual(runs("15 2 * * *", "Australia/Lord_Howe", "2024-10-05T00:00:00Z", 2), [
      "2024-10-05T15:30:00Z", // 02:30 +11, end of the 02:00-02:30 gap
      "2024-10-06T15:15:00Z",
    ]);
    assert.deepEqual(runs("45 1 * * *", "Australia/Lord_Howe", "2024-04-06T00:00:00Z", 2), [
      "2024-04-06T14:45:00Z", // 01:45 +11, first of two
      "2024-04-07T15:15:00Z",
    ]);
    assert.deepEqual(runs("*/15 * * * *", "Australia/Lord_Howe", "2024-04-06T14:20:00Z", 4), [
      "2024-04-06T14:30:00Z",
      "2024-04-06T14:45:00Z",
      "2024-04-06T15:00:00Z", // 01:30 +10:30 again
      "2024-04-06T15:15:00Z",
    ]);
    assert.deepEqual(runs("*/30 * * * *", "Australia/Lord_Howe", "2024-10-05T15:10:00Z", 2), [
      "2024-10-05T15:30:00Z",
      "2024-10-05T16:00:00Z",
    ]);
  });

  it("America/Santiago (midnight transitions)", () => {
    assert.deepEqual(runs("0 0 * * *", "America/Santiago", "2024-09-06T12:00:00Z", 3), [
      "2024-09-07T04:00:00Z",
      "2024-09-08T04:00:00Z", // 00:00 does not exist: 01:00 -03
      "2024-09-09T03:00:00Z",
    ]);
    assert.deepEqual(runs("30 23 * * *", "America/Santiago", "2024-04-05T12:00:00Z", 3), [
      "2024-04-06T02:30:00Z",
      "2024-04-07T02:30:00Z", // 23:30 -03, the first of two
      "2024-04-08T03:30:00Z",
    ]);
  });

  it("Asia/Kathmandu (+05:45, and its 1986 change from +05:30)", () => {
    assert.deepEqual(runs("0 9 * * *", "Asia/Kathmandu", "2024-06-01T00:00:00Z", 1), [
      "2024-06-01T03:15:00Z",
    ]);
    assert.deepEqual(runs("10 0 * * *", "Asia/Kathmandu", "1985-12-30T12:00:00Z", 3), [
      "1985-12-30T18:40:00Z",
      "1985-12-31T18:30:00Z", // 00:10 skipped: 00:15 +05:45
      "1986-01-01T18:25:00Z",
    ]);
  });

  it("Europe/Moscow (historical permanent offset changes)", () => {
    assert.deepEqual(runs("30 2 * * *", "Europe/Moscow", "2011-03-26T00:00:00Z", 2), [
      "2011-03-26T23:00:00Z",
      "2011-03-27T22:30:00Z",
    ]);
    assert.deepEqual(runs("30 1 * * *", "Europe/Moscow", "2014-10-25T00:00:00Z", 2), [
      "2014-10-25T21:30:00Z",
      "2014-10-26T22:30:00Z",
    ]);
  });
});

describe("cron: dialect", () => {
  const utc = (expression: string, after: string, count: number) =>
    cron(expression).nextRuns(count, after).map(String);

  it("handles 29 February and year boundaries", () => {
    assert.deepEqual(utc("0 12 29 2 *", "2023-01-01T00:00:00Z", 2), [
      "2024-02-29T12:00:00Z",
      "2028-02-29T12:00:00Z",
    ]);
    assert.deepEqual(utc("@yearly", "2024-12-31T23:59:59.999Z", 2), [
      "2025-01-01T00:00:00Z",
      "2026-01-01T00:00:00Z",
    ]);
    assert.deepEqual(utc("59 23 31 12 *", "2024-06-01T00:00:00Z", 1), ["2024-12-31T23:59:00Z"]);
  });

  it("handles L, W and #", () => {
    assert.deepEqual(utc("0 0 L * *", "2024-01-15T00:00:00Z", 3), [
      "2024-01-31T00:00:00Z",
      "2024-02-29T00:00:00Z",
      "2024-03-31T00:00:00Z",
    ]);
    assert.deepEqual(utc("0 9 * * MON#2", "2025-01-01T00:00:00Z", 2), [
      "2025-01-13T09:00:00Z",
      "2025-02-10T09:00:00Z",
    ]);
    assert.deepEqual(utc("0 9 * * 5#L", "2025-01-01T00:00:00Z", 1), ["2025-01-31T09:00:00Z"]);
    assert.deepEqual(utc("0 9 15W * *", "2025-03-01T00:00:00Z", 1), ["2025-03-14T09:00:00Z"]);
  });

  it("treats 0 and 7 as Sunday and ORs restricted day-of-month and day-of-week", () => {
    assert.deepEqual(utc("0 0 * * 7", "2025-01-01T00:00:00Z", 1), ["2025-01-05T00:00:00Z"]);
    assert.deepEqual(utc("0 0 * * 0", "2025-01-01T00:00:00Z", 1), ["2025-01-05T00:00:00Z"]);
    assert.deepEqual(utc("0 0 13 * FRI", "2025-01-01T00:00:00Z", 3), [
      "2025-01-03T00:00:00Z",
      "2025-01-10T00:00:00Z",
      "2025-01-13T00:00:00Z",
    ]);
    assert.deepEqual(utc("0 0 13 * +FRI", "2025-01-01T00:00:00Z", 1), ["2025-06-13T00:00:00Z"]);
  });

  it("is strictly after the reference, with whole-second fires", () => {
    const t = cron("* * * * * *");
    assert.equal(t.next("2025-01-01T00:00:00Z")?.toString(), "2025-01-01T00:00:01Z");
    assert.equal(t.next("2025-01-01T00:00:00.999Z")?.toString(), "2025-01-01T00:00:01Z");
    assert.equal(t.nextMs(Date.UTC(2025, 0, 1)), Date.UTC(2025, 0, 1, 0, 0, 1));
  });

  it("applies inclusive startAt and endAt", () => {
    const t = cron("0 * * * *", { startAt: "2025-01-01T05:00:00Z", endAt: "2025-01-01T07:00:00Z" });
    assert.deepEqual(t.nextRuns(5, "2025-01-01T00:00:00Z").map(String), [
      "2025-01-01T05:00:00Z",
      "2025-01-01T06:00:00Z",
      "2025-01-01T07:00:00Z",
    ]);
    assert.equal(t.next("2025-01-01T07:00:00Z"), null);
  });
});

describe("cron: bad input", () => {
  it("rejects unparsable expressions with SyntaxError naming the problem", () => {
    assert.throws(() => cron("61 * * * *"), {
      name: "SyntaxError",
      message: /^Invalid cron expression: "61 \* \* \* \*" \(minute must be 0-59\)$/,
    });
    assert.throws(() => cron("0 24 * * *"), { name: "SyntaxError", message: /hour must be 0-23/ });
    assert.throws(() => cron("* * * *"), { name: "SyntaxError", message: /5 fields, or 6/ });
    assert.throws(() => cron("0 0 0 1 1 * 2030"), { name: "SyntaxError", message: /5 fields/ });
    assert.throws(() => cron("0 0 * * FOO"), SyntaxError);
    assert.throws(() => cron("@reboot"), { name: "SyntaxError", message: /reboot/ });
    assert.throws(() => cron("2030-01-01T00:00:00"), { name: "SyntaxError", message: /at\(\)/ });
    assert.throws(() => cron(""), SyntaxError);
  });

  it("rejects wrong types, unknown zones and options, and reversed bounds", () => {
    assert.throws(() => cron(5 as never), { name: "TypeError", message: /got number/ });
    assert.throws(() => cron("* * * * *", { timezone: "Nowhere/Land" }), {
      name: "RangeError",
      message: /Unknown timezone: "Nowhere\/Land"/,
    });
    assert.throws(() => cron("* * * * *", { timeZone: "UTC" } as never), {
      name: "TypeError",
      message: /^Unknown option in cron\(\) options: "timeZone" \(did you mean "timezone"\?\)/,
    });
    assert.throws(
      () => cron("* * * * *", { startAt: "2025-02-01T00:00:00Z", endAt: "2025-01-01T00:00:00Z" }),
      { name: "RangeError", message: /startAt .* is after endAt/ },
    );
    assert.throws(() => cron("* * * * *", { startAt: "yesterday" }), {
      name: "SyntaxError",
      message: /Invalid startAt/,
    });
  });
});

describe("cron: shared patterns", () => {
  it("100,000 triggers with one pattern create one croner instance and no timers", () => {
    const before = patternCacheStats().created;
    const realSetTimeout = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    const triggers = [];
    try {
      for (let i = 0; i < 100_000; i++) {
        triggers.push(cron("17 3 * * 2", { timezone: "Pacific/Chatham" }));
      }
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    assert.equal(patternCacheStats().created - before, 1);
    assert.equal(timers, 0);
    const a = triggers[0]?.nextMs(0);
    assert.equal(triggers[99_999]?.nextMs(0), a);
  });
});
