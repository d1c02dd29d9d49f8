// Day-of-month with day-of-week as cronie combines them, patterns that can never fire, and the
// year-field message. Instants only, so the machine's TZ does not matter.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cron } from "croner";
import { cron } from "../src/triggers/mod.ts";

const DAY = 86_400_000;

/** Dates (YYYY-MM-DD) on which a daily-at-midnight pattern fires during 2025. */
function firingDates(expression: string): string[] {
  const out: string[] = [];
  const trigger = cron(expression);
  let ms: number | null = Date.UTC(2025, 0, 1) - 1;
  while ((ms = trigger.nextMs(ms)) !== null && ms < Date.UTC(2026, 0, 1)) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

// cronie's rule, written from its behaviour: each field expands to a set (`*` is first-last,
// `a-b/n` steps); a day field is "star" when its text starts with `*`; when either day field is
// star both must match, otherwise either may.
function expand(field: string, low: number, high: number): Set<number> {
  const set = new Set<number>();
  for (const part of field.split(",")) {
    const [range, step = "1"] = part.split("/") as [string, string?];
    const [a, b] = range === "*" ? [low, high] : range.split("-").map(Number) as [number, number?];
    for (let v = a; v <= (b ?? (part.includes("/") ? high : a)); v += Number(step)) set.add(v);
  }
  return set;
}

function cronieDates(expression: string): string[] {
  const [, , dom, month, dow] = expression.split(" ") as string[];
  const doms = expand(dom as string, 1, 31);
  const months = expand(month as string, 1, 12);
  const dows = expand(dow as string, 0, 7);
  if (dows.has(7)) dows.add(0);
  const anded = (dom as string).startsWith("*") || (dow as string).startsWith("*");
  const out: string[] = [];
  for (let ms = Date.UTC(2025, 0, 1); ms < Date.UTC(2026, 0, 1); ms += DAY) {
    const date = new Date(ms);
    if (!months.has(date.getUTCMonth() + 1)) continue;
    const d = doms.has(date.getUTCDate());
    const w = dows.has(date.getUTCDay());
    if (anded ? d && w : d || w) out.push(date.toISOString().slice(0, 10));
  }
  return out;
}

describe("cron: day-of-month and day-of-week combine as in cronie", () => {
  it("0 0 */2 * 1 runs on odd-dated Mondays (a field starting with * means AND)", () => {
    assert.deepEqual(firingDates("0 0 */2 * 1").slice(0, 4), [
      "2025-01-13",
      "2025-01-27",
      "2025-02-03",
      "2025-02-17",
    ]);
  });

  it("matches cronie's rule for *, */n, ranges, lists and steps in either field", () => {
    const patterns = [
      "0 0 * * 1",
      "0 0 */2 * 1",
      "0 0 */1 * 5",
      "0 0 1-31 * 1",
      "0 0 13 * 5",
      "0 0 1,15 * 1",
      "0 0 1-7 * 1",
      "0 0 13 * */2",
      "0 0 */3 * 1-5",
      "0 0 *,13 * 5",
      "0 0 13,* * 5",
      "0 0 10-20/5 2 0,6",
      "0 0 1 1-6 7",
      "0 0 */10 * *",
      "0 0 * * *",
    ];
    for (const p of patterns) assert.deepEqual(firingDates(p), cronieDates(p), p);
  });

  it("reads ? as * (croner's alias), so it ANDs", () => {
    assert.deepEqual(firingDates("0 0 ? * 1"), cronieDates("0 0 * * 1"));
    assert.deepEqual(firingDates("0 0 */2 * ?"), cronieDates("0 0 */2 * *"));
  });

  it("applies the same textual rule to croner's L, W and # forms", () => {
    // "L" does not start with "*": last day of the month OR any Friday.
    const lastOrFriday = firingDates("0 0 L * 5");
    assert.ok(lastOrFriday.includes("2025-01-31") && lastOrFriday.includes("2025-01-03"));
    assert.ok(lastOrFriday.includes("2025-04-30")); // a Wednesday
    // "*/2" starts with "*": the second Friday, only when its date is odd.
    assert.deepEqual(firingDates("0 0 */2 * 5#2").slice(0, 3), [
      "2025-04-11",
      "2025-05-09",
      "2025-06-13",
    ]);
    // "1" and "MON#1" are both restricted: the 1st OR the first Monday.
    assert.deepEqual(firingDates("0 0 1 1 MON#1"), ["2025-01-01", "2025-01-06"]);
    // A "+" prefix still asks for AND explicitly.
    assert.deepEqual(firingDates("0 0 13 * +FRI"), ["2025-06-13"]);
  });

  it("keeps nicknames and 0/7 Sunday", () => {
    assert.deepEqual(firingDates("@weekly"), cronieDates("0 0 * * 0"));
    assert.deepEqual(firingDates("0 0 */2 * 7"), cronieDates("0 0 */2 * 0"));
  });
});

describe("cron: patterns that can never fire", () => {
  it("are refused with a RangeError saying why", () => {
    for (
      const p of [
        "0 0 31 2 *",
        "0 0 30 2 *",
        "0 0 30,31 2 *",
        "0 0 31 4,6,9,11 *",
        "0 0 31 APR *",
        "0 0 0 31 2 *",
        "0 0 31W 2 *",
        "0 0 1 * +MON#2",
        "0 0 8-14 * +MON#1",
        "0 0 2-7 * +SUN#2",
        "0 0 30 2 +MON",
      ]
    ) {
      assert.throws(() => cron(p), { name: "RangeError", message: /can never fire: / }, p);
    }
    assert.throws(() => cron("0 0 31 2 *"), {
      message: 'Invalid cron expression: "0 0 31 2 *" (can never fire: day of month "31" ' +
        'never occurs in month "2")',
    });
    assert.throws(() => cron("0 0 31 4,6,9,11 *"), /day of month "31" never occurs in month/);
  });

  it("rare patterns are accepted and fire (decided by reasoning, not a bounded search)", () => {
    const cases: [string, string][] = [
      ["0 0 29 2 *", "2028-02-29T00:00:00Z"],
      ["0 0 29 2 +MON", "2044-02-29T00:00:00Z"],
      ["0 0 * 2 MON#5", "2044-02-29T00:00:00Z"],
      ["0 0 13 * +FRI", "2026-02-13T00:00:00Z"],
      ["0 0 29W 2 *", "2028-02-29T00:00:00Z"],
      ["0 0 L 2 +MON#4", "2033-02-28T00:00:00Z"],
      ["0 0 LW 2 *", "2026-02-27T00:00:00Z"],
      ["0 0 1W 2 *", "2026-02-02T00:00:00Z"],
      ["0 0 * * 5#L", "2025-12-26T00:00:00Z"],
    ];
    for (const [p, first] of cases) {
      assert.equal(cron(p).next("2025-12-01T00:00:00Z")?.toString(), first, p);
    }
  });

  it("agrees with croner's exhaustive search on tricky day fields", () => {
    const patterns = [
      "0 0 31 1-12/2 *",
      "0 0 31 2-4/2 *",
      "0 0 L 2 +SUN#5",
      "0 0 LW * +SAT",
      "0 0 15W * +SUN",
      "0 0 1W * +MON",
      "0 0 31W * +FRI",
      "0 0 29-31 2 +TUE#5",
      "0 0 22-28 2 +WED#L",
      "0 0 21 2 +WED#L",
      "0 0 */5 * +THU#3",
      "0 0 L * +MON#4",
    ];
    for (const p of patterns) {
      const oracle = new Cron(p, { utcOffset: 0, mode: "5-or-6-parts", domAndDow: true })
        .nextRun(new Date("2000-01-01T00:00:00Z"));
      let ours: number | null;
      try {
        ours = cron(p).nextMs(Date.UTC(2000, 0, 1));
      } catch (error) {
        assert.ok(error instanceof RangeError, p);
        ours = null;
      }
      assert.equal(ours, oracle?.getTime() ?? null, p);
    }
  });
});

describe("cron: a year field", () => {
  it("is reported as unsupported, not as a bad hour", () => {
    for (const p of ["0 0 29 2 * 2025", "0 0 0 29 2 * 2025", "0 0 1 1 * 2025-2030"]) {
      assert.throws(() => cron(p), {
        name: "SyntaxError",
        message: /years are not supported/,
      }, p);
    }
    // A 6th field that is a day of week is still read with seconds first.
    assert.equal(
      cron("0 0 9 * * 1").next("2025-01-01T00:00:00Z")?.toString(),
      "2025-01-06T09:00:00Z",
    );
  });
});
