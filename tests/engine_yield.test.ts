// The engine never starves the event loop: with a store whose calls resolve as microtasks
// (MemoryStore, SQLite through node:sqlite) a backlog is worked through in bounded turns, and
// other callbacks (timers, I/O, signals) run between them. Asserted by counting timer callbacks
// that run while the backlog drains, never by timing.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../adapters/sqlite.ts";
import { type Clock, VirtualClock } from "../src/clock.ts";
import { Scheduler } from "../src/scheduler/scheduler.ts";
import { MemoryStore } from "../src/store/memory_store.ts";
import type { Store } from "../src/store/store.ts";
import { at } from "../src/triggers/mod.ts";
import { T0 } from "./helpers/harness.ts";

const dir = mkdtempSync(join(tmpdir(), "everywhen-yield-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const sqliteFile = (): Promise<Store> => openStore(join(dir, `store-${++files}.db`));

/** A zero-delay timer that re-arms itself: counts how often timers get a turn. */
function ticker(): { readonly ticks: number; stop(): void } {
  let ticks = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = (): void => {
    ticks++;
    timer = setTimeout(tick, 0);
  };
  timer = setTimeout(tick, 0);
  return {
    get ticks() {
      return ticks;
    },
    stop: () => clearTimeout(timer),
  };
}

/**
 * Runs `n` jobs that are due before the scheduler starts (enqueued, or fired by schedules) and
 * reports how many timer ticks ran between the first handler and the last.
 */
async function drain(
  store: Store,
  kind: "jobs" | "schedules",
  n: number,
): Promise<{ ran: number; ticksDuring: number }> {
  const scheduler = new Scheduler({ store, concurrency: 100 });
  const seen: number[] = [];
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const probe = ticker();
  scheduler.task("t", () => {
    seen.push(probe.ticks);
    if (seen.length === n) finish();
    return null;
  }, { resultTtl: 0 });
  if (kind === "jobs") {
    for (let i = 0; i < n; i += 1000) {
      const count = Math.min(1000, n - i);
      await scheduler.enqueueMany(Array.from({ length: count }, () => ({ task: "t" })));
    }
  } else {
    // Written by a scheduler whose clock stands a minute back, so every fire is overdue (and
    // runs, as a late fire does) however long writing them takes.
    const now = Date.now();
    const past = new Scheduler({ store, clock: new VirtualClock(now - 60_000) });
    const writer = past.task("t", () => null);
    for (let i = 0; i < n; i++) await writer.schedule({ id: `s${i}`, trigger: at(now - 30_000) });
  }
  scheduler.start();
  await done;
  probe.stop();
  await scheduler.stop();
  await store.close();
  return { ran: seen.length, ticksDuring: seen.at(-1)! - seen[0]! };
}

describe("the engine yields to the event loop between bounded turns", () => {
  // Sizes give at least 5 turns of work whatever the machine's speed (a turn ends after 1,000
  // claimed jobs or fired schedules at most); a timer then runs between turns.
  for (
    const [name, open, jobs, schedules] of [
      ["MemoryStore", () => Promise.resolve(new MemoryStore()), 10_000, 10_000],
      ["SQLite file", sqliteFile, 6_000, 3_000],
    ] as const
  ) {
    it(`${name}: timers run while a backlog of due jobs drains`, async () => {
      const { ran, ticksDuring } = await drain(await open(), "jobs", jobs);
      assert.equal(ran, jobs);
      assert.ok(ticksDuring >= 3, `a zero-delay timer ran ${ticksDuring} times during the backlog`);
    });

    it(`${name}: timers run while thousands of due schedules fire`, async () => {
      const { ran, ticksDuring } = await drain(await open(), "schedules", schedules);
      assert.equal(ran, schedules);
      assert.ok(ticksDuring >= 3, `a zero-delay timer ran ${ticksDuring} times during the fires`);
    });
  }

  it("on a virtual clock, advance() drains the whole backlog through the engine's yields", async () => {
    const clock = new VirtualClock(T0);
    let yields = 0;
    const counting: Clock = {
      now: () => clock.now(),
      setTimer(fn, ms, options) {
        if (ms === 0) yields++;
        return clock.setTimer(fn, ms, options);
      },
      clearTimer: (handle) => clock.clearTimer(handle),
    };
    const scheduler = new Scheduler({ clock: counting, store: new MemoryStore() });
    let ran = 0;
    scheduler.task("t", () => ++ran);
    for (let i = 0; i < 5; i++) {
      await scheduler.enqueueMany(Array.from({ length: 1000 }, () => ({ task: "t" })));
    }
    scheduler.start();
    await clock.advance(0);
    assert.equal(ran, 5000);
    assert.ok(yields >= 4, `the engine yielded ${yields} times for 5,000 jobs`);
    assert.equal(clock.pendingTimers, 1, "only the waker's timer is left");
    await scheduler.stop();
  });

  it("over a backlog, nothing waits for a virtual clock that no one advances", async () => {
    const clock = new VirtualClock(T0);
    const backlog = async (scheduler: Scheduler) => {
      for (let i = 0; i < 5; i++) {
        await scheduler.enqueueMany(Array.from({ length: 1000 }, () => ({ task: "t" })));
      }
    };
    // runDue() resolves once the work is done: the engine's yields do not wait for advance().
    const manual = new Scheduler({ clock, store: new MemoryStore(), runMode: "manual" });
    let ran = 0;
    manual.task("t", () => ++ran);
    await backlog(manual);
    manual.start();
    assert.deepEqual(await manual.runDue(), { more: false });
    assert.equal(ran, 5000);
    await manual.stop();
    // A result awaited, and stop(), likewise.
    const auto = new Scheduler({ clock, store: new MemoryStore() });
    auto.task("t", () => ++ran);
    await backlog(auto);
    const last = await auto.enqueue("t", null);
    auto.start();
    assert.equal(await last.result(), 10_001);
    await auto.stop();
    assert.equal(auto.state, "stopped");
  });
});
