/**
 * The `Temporal` namespace everywhen computes with: the runtime's own where it exists (Deno,
 * Bun, Node 26), otherwise `temporal-polyfill`, loaded only on runtimes that lack it so that
 * consumers never have to install or import a polyfill themselves.
 *
 * Types come from the polyfill's spec types (`temporal-spec`, a dependency of the package), not
 * from a global, so the published declarations stand on their own: a consumer needs no
 * `esnext.temporal` lib, no `skipLibCheck`, and never sees `Temporal` types turn into `any`.
 * Runtime and polyfill objects have the same shape, so either satisfies these types.
 * @module
 */

import type { Temporal as Spec } from "temporal-polyfill";

/** The shape of the `Temporal` namespace (the TC39 specification's types). */
export type TemporalNamespace = typeof Spec;

const native = (globalThis as { Temporal?: TemporalNamespace }).Temporal;

/** The `Temporal` namespace: native where available, `temporal-polyfill` otherwise. */
export const Temporal: TemporalNamespace = native ??
  (await import("temporal-polyfill")).Temporal;

/**
 * Types of the `Temporal` objects, so `Temporal.Instant` works as a type wherever `Temporal` is
 * imported from here. Types only (nothing is emitted): it merges with the value above.
 */
export declare namespace Temporal {
  /** An exact instant. */
  export type Instant = Spec.Instant;
  /** An instant in a time zone and calendar. */
  export type ZonedDateTime = Spec.ZonedDateTime;
  /** A wall-clock date and time without a zone. */
  export type PlainDateTime = Spec.PlainDateTime;
  /** A calendar date. */
  export type PlainDate = Spec.PlainDate;
  /** A wall-clock time. */
  export type PlainTime = Spec.PlainTime;
  /** A year and month. */
  export type PlainYearMonth = Spec.PlainYearMonth;
  /** A month and day. */
  export type PlainMonthDay = Spec.PlainMonthDay;
  /** A length of time. */
  export type Duration = Spec.Duration;
  /** What `Temporal.Duration.from` accepts. */
  export type DurationLike = Spec.DurationLike;
  /** The object form of a duration (`{ minutes: 5 }`). */
  export type DurationLikeObject = Spec.DurationLikeObject;
}
