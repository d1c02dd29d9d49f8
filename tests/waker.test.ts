import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { systemClock, VirtualClock } from "../src/clock.ts";
import { TimerWaker } from "../src/waker.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");

describe("TimerWaker", () => {
  it("sleeps at most 2^31 - 1 ms at a time and wakes exactly at the armed instant", async () => {
    const clock = new VirtualClock(T0);
    const delays: number[] = [];
    const spy = {
      now: () => clock.now(),
      setTimer: (fn: () => void, ms: number) => {
        delays.push(ms);
        return clock.setTimer(fn, ms);
      },
      clearTimer: (h: unknown) => clock.clearTimer(h),
    };
    const wakes: number[] = [];
    const waker = new TimerWaker(spy, () => wakes.push(clock.now()));
    const target = T0 + 2 ** 31 + 12_345; // about 25 days
    waker.arm(target);
    await clock.advance(2 ** 31 + 12_344);
    assert.deepEqual(wakes, [], "never early");
    await clock.advance(1);
    assert.deepEqual(wakes, [target]);
    // A clock on a bare setTimeout would fire a longer delay at once; systemClock chains
    // shorter legs itself.
    assert.deepEqual(delays, [2 ** 31 - 1, 12_346]);
  });

  it("re-arms instead of firing early when the clock steps backwards", async () => {
    const clock = new VirtualClock(T0);
    const wakes: number[] = [];
    const waker = new TimerWaker(clock, () => wakes.push(clock.now()), { maxSleep: 10_000 });
    waker.arm(T0 + 20_000);
    await clock.advance(5_000);
    clock.jump(-60_000); // NTP step back a minute
    await clock.advance(15_000);
    assert.deepEqual(wakes, []);
    await clock.advance(60_000);
    assert.equal(wakes.length, 1);
    assert.ok(wakes[0]! >= T0 + 20_000);
  });

  it("wakes late, not never, after a suspend, and re-checks within maxSleep", async () => {
    const clock = new VirtualClock(T0);
    const wakes: number[] = [];
    const waker = new TimerWaker(clock, () => wakes.push(clock.now()));
    waker.arm(T0 + 3_600_000);
    await clock.advance(10_000);
    clock.jump(2 * 3_600_000); // the machine slept for two hours
    await clock.advance(30_000);
    assert.equal(wakes.length, 1, "woke at the next re-check after resume");
  });

  it("re-arming for the same instant is a no-op; disarm cancels", async () => {
    const clock = new VirtualClock(T0);
    let wakes = 0;
    const waker = new TimerWaker(clock, () => wakes++);
    waker.arm(T0 + 1000);
    waker.arm(T0 + 1000);
    assert.equal(clock.pendingTimers, 1);
    waker.disarm();
    await clock.advance(5000);
    assert.equal(wakes, 0);
    assert.equal(waker.armedAt, null);
  });

  it("holds the process with real timers unless the clock or the arming says not to", () => {
    type Chain = { leg?: { hasRef?: () => boolean } };
    const refOf = (clock: ReturnType<typeof systemClock>, keepAlive?: boolean) => {
      const handle = clock.setTimer(() => {}, 60_000, keepAlive === undefined ? {} : { keepAlive });
      const leg = (handle as Chain).leg;
      const held = typeof leg?.hasRef === "function" ? leg.hasRef() : undefined;
      clock.clearTimer(handle); // after reading: a cleared timer holds nothing (Bun says so)
      return held;
    };
    if (refOf(systemClock()) === undefined) return; // Deno: numeric ids, no hasRef to read
    assert.equal(refOf(systemClock()), true, "held by default");
    assert.equal(refOf(systemClock(), false), false, "a maintenance timer does not hold");
    assert.equal(refOf(systemClock({ keepAlive: false })), false, "keepAlive: false opts out");
  });

  it("arms a timer that holds the process only when asked to", async () => {
    const clock = new VirtualClock(T0);
    const seen: (boolean | undefined)[] = [];
    const spy = {
      now: () => clock.now(),
      setTimer: (fn: () => void, ms: number, o?: { keepAlive?: boolean }) => {
        seen.push(o?.keepAlive);
        return clock.setTimer(fn, ms);
      },
      clearTimer: (h: unknown) => clock.clearTimer(h),
    };
    const waker = new TimerWaker(spy, () => {});
    waker.arm(T0 + 1000);
    waker.arm(T0 + 1000, { keepAlive: false });
    await clock.advance(1000);
    assert.deepEqual(seen, [true, false], "re-armed when only keepAlive changed");
  });

  it("wakes on real timers, never before the armed instant", async () => {
    const clock = systemClock({ keepAlive: false });
    const start = Date.now();
    let woke = 0;
    const waker = new TimerWaker(clock, () => (woke = Date.now()));
    waker.arm(start + 30);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(woke >= start + 30, "real wake-up not before the armed instant");
  });
});

describe("systemClock", () => {
  it("does not fire a 30-day timer at once (setTimeout alone fires past 2^31 - 1 ms)", async () => {
    const clock = systemClock();
    let fired = false;
    const handle = clock.setTimer(() => (fired = true), 30 * 86_400_000);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(fired, false);
    } finally {
      clock.clearTimer(handle);
    }
  });

  it("chains legs no longer than maxSleep and re-reads the clock before firing", async () => {
    const realSetTimeout = globalThis.setTimeout;
    const legs: number[] = [];
    let fired = 0;
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      legs.push(ms);
      return realSetTimeout(fn, 0); // every leg "fires early": the chain must notice
    }) as typeof setTimeout;
    const clock = systemClock({ keepAlive: false, maxSleep: 2 ** 31 - 1 });
    let handle: unknown;
    try {
      handle = clock.setTimer(() => fired++, 100 * 86_400_000);
      await new Promise((r) => realSetTimeout(r, 50));
    } finally {
      globalThis.setTimeout = realSetTimeout;
      clock.clearTimer(handle);
    }
    assert.equal(fired, 0, "not fired while the clock says it is not time");
    assert.ok(legs.length > 1, "re-armed after early wake-ups");
    assert.ok(legs.every((ms) => ms <= 2 ** 31 - 1), `a leg past 2^31 - 1 ms: ${legs}`);
  });

  it("fires a 30-day timer on a virtual clock at exactly 30 days", async () => {
    const clock = new VirtualClock(T0);
    const fired: number[] = [];
    clock.setTimer(() => fired.push(clock.now()), 30 * 86_400_000);
    await clock.advance(30 * 86_400_000 - 1);
    assert.deepEqual(fired, []);
    await clock.advance(1);
    assert.deepEqual(fired, [T0 + 30 * 86_400_000]);
  });

  it("refuses unknown options and out-of-range legs", () => {
    assert.throws(() => systemClock({ keepalive: true } as never), TypeError);
    assert.throws(() => systemClock({ maxSleep: 2 ** 31 }), RangeError);
  });
});
