/**
 * Server-side admin sessions, kept in the store's shared settings so that a sign-out holds in every
 * process sharing the store. The cookie carries a random session id; the store holds only an
 * HMAC of it under the admin token (so reading the store gives no usable cookie, and changing the
 * token ends every session) and the session's expiry. One more record lists the sessions, so
 * expired ones are deleted at the next sign-in; losing an entry of that list to a race between
 * two sign-ins only delays that clean-up, never a sign-out.
 * @module
 */

import type { Scheduler } from "../../src/scheduler/scheduler.ts";
import { base64url } from "./_tokens.ts";

/** Store-wide key-value records (the scheduler's settings). */
export interface MetaRecords {
  /** The value under `key`, or `null`. */
  get(key: string): Promise<string | null>;
  /** Sets `key`; `null` deletes it. */
  set(key: string, value: string | null): Promise<void>;
}

/** The scheduler's store-wide settings as session records. */
export function schedulerMeta(scheduler: Scheduler): MetaRecords {
  return {
    get: (key) => scheduler.getSetting(key),
    set: (key, value) => scheduler.setSetting(key, value),
  };
}

const PREFIX = "admin-session:";
const INDEX = "admin-sessions";
/** Sessions listed for clean-up at most; older entries are dropped from the list. */
const INDEX_MAX = 1000;
const ID = /^[A-Za-z0-9_-]{43}$/;

/** Creates, checks and revokes sessions. */
export class Sessions {
  #meta: MetaRecords;
  #mac: (text: string) => Promise<string>;
  #ttl: number;

  /**
   * @param meta Where sessions are kept.
   * @param mac HMAC under the admin token, base64url.
   * @param ttl How long a session lasts, in ms.
   */
  constructor(meta: MetaRecords, mac: (text: string) => Promise<string>, ttl: number) {
    this.#meta = meta;
    this.#mac = mac;
    this.#ttl = ttl;
  }

  /** @returns The cookie value of a new session, stored with its expiry. */
  async create(now: number): Promise<string> {
    const id = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const key = await this.#key(id);
    const expires = now + this.#ttl;
    await this.#meta.set(PREFIX + key, String(expires));
    await this.#prune(key, expires, now);
    return id;
  }

  /** @returns Whether `cookie` names a stored, unexpired session. */
  async valid(cookie: string, now: number): Promise<boolean> {
    if (!ID.test(cookie)) return false;
    const stored = await this.#meta.get(PREFIX + await this.#key(cookie));
    return stored !== null && Number(stored) > now;
  }

  /** Ends the session named by `cookie`, in every process. */
  async revoke(cookie: string): Promise<void> {
    if (ID.test(cookie)) await this.#meta.set(PREFIX + await this.#key(cookie), null);
  }

  #key(id: string): Promise<string> {
    return this.#mac(`session:${id}`);
  }

  /** Deletes the records of expired sessions and lists the new one. */
  async #prune(key: string, expires: number, now: number): Promise<void> {
    let list: [string, number][] = [];
    try {
      const parsed: unknown = JSON.parse(await this.#meta.get(INDEX) ?? "[]");
      if (Array.isArray(parsed)) list = parsed as [string, number][];
    } catch {
      // A damaged list only means some expired records stay; start a new one.
    }
    const live: [string, number][] = [];
    for (const [k, until] of list) {
      if (typeof k === "string" && until > now) live.push([k, until]);
      else if (typeof k === "string") await this.#meta.set(PREFIX + k, null);
    }
    live.push([key, expires]);
    await this.#meta.set(INDEX, JSON.stringify(live.slice(-INDEX_MAX)));
  }
}
