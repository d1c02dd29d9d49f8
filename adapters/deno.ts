/**
 * everywhen for Deno: a Deno KV store, a `Deno.cron` wake-up tick and native-cron passthrough.
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
