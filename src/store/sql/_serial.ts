/**
 * A first-come, first-served lock for single-connection drivers: one transaction at a time, and
 * no statement from outside it while it runs.
 * @module
 */

/** Acquire (awaiting only when taken) and release. */
export interface SerialLock {
  acquire(): Promise<void> | void;
  release(): void;
  /** Runs `op` at once when free, else after the holder releases. Sync throws become rejections. */
  outside<T>(op: () => T): Promise<T>;
}

/** @returns A new, free lock. */
export function serialLock(): SerialLock {
  let busy = false;
  const waiting: (() => void)[] = [];
  const lock: SerialLock = {
    acquire(): Promise<void> | void {
      if (!busy) {
        busy = true;
        return;
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      if (next) next();
      else busy = false;
    },
    async outside<T>(op: () => T): Promise<T> {
      if (!busy) return op();
      await lock.acquire();
      try {
        return op();
      } finally {
        lock.release();
      }
    },
  };
  return lock;
}
