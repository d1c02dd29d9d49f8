/**
 * Postgres driver for everywhen's SQL store, for multi-instance deployments.
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
