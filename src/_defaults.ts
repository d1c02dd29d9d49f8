/**
 * Defaults that more than one module applies, kept in one place so the core and the adapters
 * cannot drift apart.
 * @module
 */

/** How long `stop()` (and every adapter's graceful shutdown) lets running work finish: 30 s. */
export const DEFAULT_GRACE_MS = 30_000;
