/**
 * everywhen for Bun: `Bun.serve` integration (routes and lifecycle) and a `bun:sqlite` driver.
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
