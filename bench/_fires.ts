/**
 * Fires per second, measured the same way by every store bench: schedules due at one instant
 * fire on a clock that reads 500 ms before that instant when the scheduler starts, so however
 * long writing them took, no fire waits real time. Only schedules fire (`roles: { jobs: false }`).
 * @module
 */
import { Scheduler } from "../src/scheduler/scheduler.ts";
import type { Store } from "../src/store/store.ts";
import { at } from "../src/triggers/mod.ts";

/**
 * Writes `n` one-shot schedules `s0`, `s1`, … due at `due`, awaiting each.
 * @param due An instant far enough ahead that nothing fires while they are written.
 */
export async function oneShotsAt(store: Store, n: number, due: number): Promise<void> {
  const s = new Scheduler({ store, roles: { schedules: false, jobs: false } });
  for (let i = 0; i < n; i++) await s.schedule({ id: `s${i}`, task: "noop", trigger: at(due) });
  await s.stop();
}

/**
 * Fires the `n` schedules due at `due` in `store`.
 * @returns Milliseconds from `due` to the last job created, on the shifted clock.
 */
export async function timeFires(store: Store, n: number, due: number): Promise<number> {
  const offset = due - Date.now() - 500;
  const clock = {
    now: () => Date.now() + offset,
    setTimer: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimer: (h: unknown) => clearTimeout(h as number),
  };
  const s = new Scheduler({ store, clock, roles: { schedules: true, jobs: false } });
  s.on("scheduler:error", ({ error, context }) => console.error(`  [fires] ${context}:`, error));
  let created = 0;
  let lastAt = 0;
  const all = new Promise<void>((resolve) =>
    s.on("job:created", () => {
      lastAt = clock.now();
      if (++created === n) resolve();
    })
  );
  s.start();
  await all;
  await s.stop();
  return lastAt - due;
}
