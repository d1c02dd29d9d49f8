// DST gaps whose end is on another date than the skipped wall-clock time (a gap ending at
// midnight, a skipped day). Every expectation is an instant, so the machine's TZ does not matter.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { calendar, cron } from "../src/triggers/mod.ts";

function runs(expression: string, timezone: string, after: string, count: number): string[] {
  return cron(expression, { timezone }).nextRuns(count, after).map(String);
}

describe("cron: fixed times in a DST gap that ends at midnight", () => {
  // America/Nuuk, 2025-03-29: Saturday 23:00 (-02) jumps to Sunday 00:00 (-01) at 01:00Z.
  it("America/Nuuk runs 23:xx once, at the first instant after the gap", () => {
    assert.deepEqual(runs("30 23 * * *", "America/Nuuk", "2025-03-29T12:00:00Z", 2), [
      "2025-03-30T01:00:00Z",
      "2025-03-31T00:30:00Z",
    ]);
    assert.deepEqual(runs("0 23 * * *", "America/Nuuk", "2025-03-29T12:00:00Z", 2), [
      "2025-03-30T01:00:00Z",
      "2025-03-31T00:00:00Z",
    ]);
    assert.deepEqual(runs("59 23 * * *", "America/Nuuk", "2025-03-29T12:00:00Z", 2), [
      "2025-03-30T01:00:00Z",
      "2025-03-31T00:59:00Z",
    ]);
    assert.deepEqual(runs("15 30 23 * * *", "America/Nuuk", "2025-03-29T12:00:00Z", 1), [
      "2025-03-30T01:00:00Z",
    ]);
  });

  it("America/Nuuk: ranges and lists are fixed times too; the gap fire comes once", () => {
    assert.deepEqual(runs("30 0-23 * * *", "America/Nuuk", "2025-03-29T23:00:00Z", 4), [
      "2025-03-29T23:30:00Z", // Saturday 21:30 -02
      "2025-03-30T00:30:00Z", // 22:30 -02
      "2025-03-30T01:00:00Z", // 23:30 skipped: Sunday 00:00 -01
      "2025-03-30T01:30:00Z", // Sunday 00:30 -01
    ]);
    // 23:00 is skipped and Sunday 00:00 matches as well: one fire at that instant.
    assert.deepEqual(runs("0 0,23 * * *", "America/Nuuk", "2025-03-29T12:00:00Z", 2), [
      "2025-03-30T01:00:00Z",
      "2025-03-31T00:00:00Z",
    ]);
  });

  it("keeps the skipped time's date rules (Saturday, 29 March) for the moved fire", () => {
    assert.deepEqual(runs("30 23 * * SAT", "America/Nuuk", "2025-03-22T12:00:00Z", 2), [
      "2025-03-23T01:30:00Z",
      "2025-03-30T01:00:00Z",
    ]);
    assert.deepEqual(runs("30 23 29 3 *", "America/Nuuk", "2025-01-01T00:00:00Z", 2), [
      "2025-03-30T01:00:00Z",
      "2026-03-30T00:30:00Z",
    ]);
  });

  it("stepped and wildcard patterns follow elapsed time: skipped times do not exist", () => {
    assert.deepEqual(runs("*/30 23 * * *", "America/Nuuk", "2025-03-29T12:00:00Z", 2), [
      "2025-03-31T00:00:00Z",
      "2025-03-31T00:30:00Z",
    ]);
    assert.deepEqual(runs("0 */2 * * *", "America/Nuuk", "2025-03-29T20:00:00Z", 4), [
      "2025-03-29T22:00:00Z",
      "2025-03-30T00:00:00Z",
      "2025-03-30T01:00:00Z", // Sunday 00:00 -01
      "2025-03-30T03:00:00Z",
    ]);
  });

  it("other zones: Scoresbysund 2025, Tehran 1977, a skipped day in Apia 2011", () => {
    assert.deepEqual(runs("0 23 * * *", "America/Scoresbysund", "2025-03-29T12:00:00Z", 2), [
      "2025-03-30T01:00:00Z",
      "2025-03-31T00:00:00Z",
    ]);
    assert.deepEqual(runs("30 23 * * *", "Asia/Tehran", "1977-03-21T00:00:00Z", 2), [
      "1977-03-21T19:30:00Z", // 22 March 00:00 +04:30
      "1977-03-22T19:00:00Z",
    ]);
    // Samoa skipped 30 December 2011: its noon runs at the first instant of 31 December.
    assert.deepEqual(runs("0 12 * * *", "Pacific/Apia", "2011-12-29T00:00:00Z", 3), [
      "2011-12-29T22:00:00Z",
      "2011-12-30T10:00:00Z",
      "2011-12-30T22:00:00Z",
    ]);
    // A gap that starts at midnight (Havana 2015: 00:00 -> 01:00) keeps working.
    assert.deepEqual(runs("30 0 * * *", "America/Havana", "2015-03-07T12:00:00Z", 2), [
      "2015-03-08T05:00:00Z",
      "2015-03-09T04:30:00Z",
    ]);
  });

  it("a daily fixed time fires exactly where the calendar trigger does, across gaps", () => {
    const windows: [string, string][] = [
      ["America/Nuuk", "2025-03-01T00:00:00Z"],
      ["America/Scoresbysund", "2025-03-01T00:00:00Z"],
      ["Asia/Tehran", "1977-03-01T00:00:00Z"],
      ["Pacific/Apia", "2011-12-01T00:00:00Z"],
      ["America/Santiago", "2023-08-20T00:00:00Z"],
      ["America/Havana", "2015-03-01T00:00:00Z"],
      ["Europe/Sofia", "1979-03-15T00:00:00Z"],
      ["Australia/Lord_Howe", "2024-09-20T00:00:00Z"],
    ];
    for (const [timezone, start] of windows) {
      for (const at of ["00:00", "00:30", "02:30", "23:00", "23:30", "23:59"]) {
        const [h, m] = at.split(":").map(Number);
        const fromCron = runs(`${m} ${h} * * *`, timezone, start, 60);
        const fromCalendar = calendar({ days: 1 }, { at, timezone, startAt: start })
          .nextRuns(60, start).map(String);
        assert.deepEqual(fromCron, fromCalendar, `${timezone} at ${at}`);
      }
    }
  });
});
