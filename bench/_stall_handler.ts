/** The CPU-bound handler of bench/worker_stall.ts: spins for `ms` without yielding. */
export default function spin(payload: { ms: number }): number {
  const end = performance.now() + payload.ms;
  let turns = 0;
  while (performance.now() < end) turns++;
  return turns;
}
