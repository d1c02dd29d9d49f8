/**
 * everywhen for Node.js (>= 22): a timer-chain waker (unref'd timers) and graceful stop on SIGTERM/SIGINT.
 *
 * Placeholder: this entry point is reserved and exports nothing yet.
 * @module
 */

export {};
