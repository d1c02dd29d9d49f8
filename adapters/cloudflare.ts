/**
 * everywhen for Cloudflare Workers: a Durable Object base class with DO SQLite storage and an alarm waker, a Worker RPC client and a Cron Trigger bridge.
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
