/**
 * The handler module of examples/workers/resize.ts, loaded in each worker of the pool. It stands
 * in for CPU-bound work (decoding and scaling an image) with a box blur over a synthetic
 * grey-scale image: seconds of pure computation that would stall an event loop.
 * @module
 */

import type { TaskContext } from "../../mod.ts";

/** What a resize job asks for. */
export interface ResizeJob {
  /** Side of the square source image, in pixels. */
  size: number;
  /** Blur passes (more passes, more CPU). */
  passes: number;
}

/** Blurs a synthetic image `passes` times, reporting progress, and returns its mean brightness. */
export default async function resize(job: ResizeJob, ctx: TaskContext): Promise<{ mean: number }> {
  const { size, passes } = job;
  let image = new Float64Array(size * size).map((_, i) => (i * 7919) % 256);
  for (let pass = 1; pass <= passes; pass++) {
    ctx.signal.throwIfAborted();
    const next = new Float64Array(size * size);
    for (let y = 1; y < size - 1; y++) {
      for (let x = 1; x < size - 1; x++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) sum += image[(y + dy) * size + x + dx]!;
        }
        next[y * size + x] = sum / 9;
      }
    }
    image = next;
    await ctx.progress({ pass, of: passes });
  }
  const mean = image.reduce((a, b) => a + b, 0) / image.length;
  return { mean: Math.round(mean * 100) / 100 };
}
