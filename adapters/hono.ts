/**
 * everywhen for Hono: middleware, an admin JSON API and a dashboard page.
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
