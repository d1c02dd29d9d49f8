/**
 * The `Temporal` namespace everywhen computes with: the runtime's own where it exists (Deno,
 * Bun, Node 26), otherwise `temporal-polyfill`, loaded only on runtimes that lack it so that
 * consumers never have to install or import a polyfill themselves.
 *
 * Types refer to the global `Temporal` namespace (TypeScript's `esnext.temporal` lib); the
 * polyfill implements the same shape.
 * @module
 */

/** The shape of the `Temporal` namespace (TypeScript's `esnext.temporal` lib). */
export type TemporalNamespace = typeof globalThis.Temporal;

const native = (globalThis as { Temporal?: TemporalNamespace }).Temporal;

/** The `Temporal` namespace: native where available, `temporal-polyfill` otherwise. */
export const Temporal: TemporalNamespace = native ??
  ((await import("temporal-polyfill")).Temporal as unknown as TemporalNamespace);
