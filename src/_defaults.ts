/**
 * Defaults that more than one module applies, kept in one place so the core and the adapters
 * cannot drift apart.
 * @module
 */

/** How long `stop()` (and every adapter's graceful shutdown) lets running work finish: 30 s. */
export const DEFAULT_GRACE_MS = 30_000;
/**
 * Most finished jobs a `MemoryStore` keeps (the oldest finished go first): about 6 MB at the
 * ~590 bytes a small finished job takes, where a day's retention of 1,000 every-second
 * schedules would be tens of gigabytes.
 */
export const DEFAULT_MAX_FINISHED_JOBS = 10_000;
