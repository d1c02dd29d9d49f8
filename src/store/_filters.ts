/**
 * Filter and paging helpers shared by stores that filter in JavaScript.
 * @module
 */

import type { JobFilter, JobRecord } from "./store.ts";

/**
 * @param job A stored job.
 * @param filter The filter (limit and offset are ignored here).
 * @returns Whether the job matches.
 */
export function matchesJob(job: JobRecord, filter: JobFilter): boolean {
  if (filter.task !== undefined && job.task !== filter.task) return false;
  if (filter.scheduleId !== undefined && job.scheduleId !== filter.scheduleId) return false;
  const { status } = filter;
  if (status === undefined) return true;
  return Array.isArray(status) ? status.includes(job.status) : job.status === status;
}

/**
 * @param items Sorted items.
 * @param offset Items to skip.
 * @param limit Items to return at most.
 * @returns The page.
 */
export function pageOf<T>(items: T[], offset: number = 0, limit: number = Infinity): T[] {
  return offset === 0 && limit >= items.length ? items : items.slice(offset, offset + limit);
}
