/**
 * SQLite driver for everywhen's SQL store, over `node:sqlite` (runs on Node, Deno and Bun alike).
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
