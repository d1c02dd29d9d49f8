/**
 * A binary min-heap of `[time, id]` entries. Stores use it with lazy deletion: an entry may be
 * stale, and the caller checks it against the record before acting on it. That keeps updates
 * O(log n) without an index into the heap.
 * @module
 */

/** One heap entry: a due time and the id of what is due. */
export type HeapEntry = [time: number, id: string];

/** Min-heap ordered by time, then id. */
export class MinHeap {
  #items: HeapEntry[] = [];

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.#items.length;
  }

  /** @param time Due time. @param id What is due. */
  push(time: number, id: string): void {
    const items = this.#items;
    items.push([time, id]);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** @returns The smallest entry without removing it. */
  peek(): HeapEntry | undefined {
    return this.#items[0];
  }

  /** @returns The smallest entry, removed. */
  pop(): HeapEntry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l]!, items[m]!)) m = l;
        if (r < items.length && less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
