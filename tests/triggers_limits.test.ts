// Bounded work per trigger call, the two call forms of anyOf/allOf, and strict options.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  allOf,
  anyOf,
  at,
  calendar,
  cron,
  every,
  MAX_ALL_OF_ITERATIONS,
  MAX_NEXT_RUNS,
  MAX_TRIGGER_DEPTH,
  MAX_TRIGGER_NODES,
  type Trigger,
  triggerFromJSON,
} from "../src/triggers/mod.ts";

const T0 = Date.UTC(2025, 0, 1);
const LEAF = '{"v":1,"type":"every","intervalMs":1000,"startAt":"2025-01-01T00:00:00Z"}';

/** anyOf JSON text nested `depth` levels around one leaf (built without recursion). */
function nestedText(depth: number): string {
  return '{"v":1,"type":"anyOf","triggers":['.repeat(depth) + LEAF + "]}".repeat(depth);
}

describe("trigger limits", () => {
  it("allOf refuses maxIterations past the documented limit", () => {
    const pair = [every(2, { startAt: 0 }), every(2, { startAt: 1 })];
    assert.equal(MAX_ALL_OF_ITERATIONS, 100_000);
    for (const maxIterations of [2e8, 1e9, MAX_ALL_OF_ITERATIONS + 1]) {
      assert.throws(() => allOf(pair, { maxIterations }), {
        name: "RangeError",
        message: /maxIterations: .* \(expected an integer from 1 to 100000\)/,
      });
    }
    assert.throws(
      () =>
        triggerFromJSON({ v: 1, type: "allOf", triggers: [JSON.parse(LEAF)], maxIterations: 2e8 }),
      RangeError,
    );
    const t = allOf(pair, { maxIterations: MAX_ALL_OF_ITERATIONS });
    assert.throws(() => t.nextMs(0), { name: "RangeError", message: /no common fire/ });
  });

  it("refuses over-deep trigger JSON with a clear error, not a stack overflow", () => {
    assert.equal(MAX_TRIGGER_DEPTH, 16);
    assert.equal(triggerFromJSON(nestedText(16)).nextMs(T0), T0 + 1000);
    for (const depth of [17, 20_000]) {
      assert.throws(() => triggerFromJSON(nestedText(depth)), {
        name: "RangeError",
        message: /^Invalid trigger at \$(\.triggers\[0\])*: anyOf\/allOf nested deeper than 16/,
      });
    }
    // The same as a JS value rather than text.
    let value: unknown = JSON.parse(LEAF);
    for (let i = 0; i < 20_000; i++) value = { v: 1, type: "allOf", triggers: [value] };
    assert.throws(() => triggerFromJSON(value), { name: "RangeError", message: /deeper than 16/ });
  });

  it("refuses nesting past the limit when built in code", () => {
    let t: Trigger = every(1000, { startAt: T0 });
    for (let i = 0; i < MAX_TRIGGER_DEPTH; i++) t = i % 2 === 0 ? anyOf(t) : allOf(t);
    assert.throws(() => anyOf(t), { name: "RangeError", message: /nested deeper than 16/ });
  });

  it("bounds the number of triggers in one tree", () => {
    assert.equal(MAX_TRIGGER_NODES, 256);
    const leaf = every(1000, { startAt: T0 });
    assert.equal(anyOf(...Array(255).fill(leaf)).nextMs(T0), T0 + 1000);
    assert.throws(() => anyOf(...Array(256).fill(leaf)), {
      name: "RangeError",
      message: /more than 256 triggers in one tree/,
    });
    assert.throws(() => allOf([anyOf(...Array(200).fill(leaf)), anyOf(...Array(60).fill(leaf))]), {
      name: "RangeError",
      message: /more than 256 triggers/,
    });
    // A JS value may share one object many times: 200 ** 3 leaves are refused before decoding.
    const wide = (child: unknown) => ({ v: 1, type: "anyOf", triggers: Array(200).fill(child) });
    assert.throws(() => triggerFromJSON(wide(wide(wide(JSON.parse(LEAF))))), {
      name: "RangeError",
      message: /more than 256 triggers/,
    });
  });

  it("bounds nextRuns(count)", () => {
    const t = every(1000, { startAt: T0 });
    assert.equal(MAX_NEXT_RUNS, 10_000);
    assert.equal(t.nextRuns(MAX_NEXT_RUNS, T0).length, MAX_NEXT_RUNS);
    for (const count of [MAX_NEXT_RUNS + 1, 1e8]) {
      assert.throws(() => t.nextRuns(count, T0), {
        name: "RangeError",
        message: /^Invalid count: .* \(expected an integer from 0 to 10000\)$/,
      });
    }
  });
});

describe("anyOf and allOf take triggers the same way", () => {
  const a = cron("0 9 13 * *");
  const b = cron("0 9 * * FRI");

  it("accept f(a, b) and f([a, b], options)", () => {
    assert.deepEqual(anyOf([a, b]).toJSON(), anyOf(a, b).toJSON());
    assert.deepEqual(anyOf([a, b], {}).toJSON(), anyOf(a, b).toJSON());
    assert.deepEqual(allOf(a, b).toJSON(), allOf([a, b]).toJSON());
    assert.equal(allOf(a, b).next(T0)?.toString(), "2025-06-13T09:00:00Z");
    assert.equal(allOf([a, b], { tolerance: 0 }).next(T0)?.toString(), "2025-06-13T09:00:00Z");
  });

  it("refuse a mix of the two forms with a hint", () => {
    assert.throws(() => allOf(a, b, { tolerance: 5 } as never), {
      name: "TypeError",
      message:
        /argument 2: not a trigger \(options go after an array: allOf\(\[a, b\], options\)\)/,
    });
    assert.throws(() => anyOf([a], [b] as never), {
      name: "TypeError",
      message: /after an array of triggers only an options object may follow/,
    });
    assert.throws(() => anyOf([a, b], { tolerance: 5 } as never), {
      name: "TypeError",
      message: /^Unknown option in anyOf\(\) options: "tolerance"/,
    });
  });
});

describe("trigger options are strict", () => {
  it("refuse unknown keys, naming the closest known one", () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => cron("0 9 * * *", { timezone: "UTC", tz: "UTC" } as never),
        /^Unknown option in cron\(\) options: "tz"; known options: timezone, startAt, endAt$/,
      ],
      [
        () => calendar({ days: 1 }, { timeZone: "UTC" } as never),
        /^Unknown option in calendar\(\) options: "timeZone" \(did you mean "timezone"\?\)/,
      ],
      [
        () => every(1000, { startAt: T0, endat: T0 } as never),
        /^Unknown option in every\(\) options: "endat" \(did you mean "endAt"\?\)/,
      ],
      [
        () => allOf([at(T0)], { tolerence: 5 } as never),
        /^Unknown option in allOf\(\) options: "tolerence" \(did you mean "tolerance"\?\)/,
      ],
      [
        () => (at as (...args: unknown[]) => unknown)(T0, { timezone: "UTC" }),
        /^Invalid at\(\) arguments: at\(\) takes only the instant/,
      ],
    ];
    for (const [fn, message] of cases) assert.throws(fn, { name: "TypeError", message });
  });
});
