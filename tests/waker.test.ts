import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { systemClock, VirtualClock } from "../src/clock.ts";
import { TimerWaker } from "../src/waker.ts";

const T0 = Date.parse("2030-01-01T00:00:00Z");

describe("TimerWaker", () => {
  it("chains capped sleeps past 2^31 - 1 ms and wakes exactly at the armed instant", async () => {
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
    assert.ok(delays.every((d) => d <= 30_000), "no single sleep longer than 30 s");
    assert.ok(delays.length > 70_000, "re-checked the clock along the way");
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

  it("uses real timers that do not keep the process alive unless asked", async () => {
    const clock = systemClock();
    const handle = clock.setTimer(() => {}, 60_000) as { hasRef?: () => boolean };
    if (typeof handle?.hasRef === "function") assert.equal(handle.hasRef(), false);
    clock.clearTimer(handle);
    const kept = systemClock({ keepAlive: true }).setTimer(() => {}, 60_000) as {
      hasRef?: () => boolean;
    };
    if (typeof kept?.hasRef === "function") assert.equal(kept.hasRef(), true);
    clock.clearTimer(kept);
    const start = Date.now();
    let woke = 0;
    const waker = new TimerWaker(clock, () => (woke = Date.now()));
    waker.arm(start + 30);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(woke >= start + 30, "real wake-up not before the armed instant");
  });
});
