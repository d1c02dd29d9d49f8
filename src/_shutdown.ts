/**
 * Signal-driven graceful shutdown, shared by the Node and Bun adapters. Runtime-agnostic: the
 * adapter passes its process object, so nothing here touches a runtime global.
 * @module
 */

/** The part of a Node-style `process` this needs. */
export interface SignalProcess {
  on(signal: string, listener: () => void): unknown;
  off(signal: string, listener: () => void): unknown;
  exit(code?: number): unknown;
}

/**
 * Runs `work` once on the first of `signals` (or when `stop()` is called), then exits 0 when
 * `exit` is set; a second SIGINT or SIGTERM during the work forces exit 1.
 * @param proc The process to listen on.
 * @param signals Signals that start the shutdown.
 * @param work The shutdown itself (stop the server, the scheduler, close the store…).
 * @param exit Whether to exit the process after a signal-started shutdown.
 * @returns `stop`, the same shutdown without a signal (it never exits the process).
 */
export function shutdownOnSignals(
  proc: SignalProcess,
  signals: readonly string[],
  work: () => Promise<void>,
  exit: boolean,
): { stop: () => Promise<void> } {
  let stopping: Promise<void> | null = null;
  const force = (): void => void proc.exit(1);
  const stop = (): Promise<void> =>
    stopping ??= (async () => {
      for (const s of signals) proc.off(s, onSignal);
      proc.on("SIGINT", force);
      proc.on("SIGTERM", force);
      try {
        await work();
      } finally {
        proc.off("SIGINT", force);
        proc.off("SIGTERM", force);
      }
    })();
  const onSignal = (): void => {
    stop().then(
      () => {
        if (exit) proc.exit(0);
      },
      (error) => {
        console.error("everywhen: shutdown failed:", error);
        if (exit) proc.exit(1);
      },
    );
  };
  for (const s of signals) proc.on(s, onSignal);
  return { stop };
}
