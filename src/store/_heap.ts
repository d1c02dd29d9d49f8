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
    const entry: HeapEntry = [time, id];
    // Sift up by moving parents down into the hole; the new entry is written once at the end.
    let i = items.length;
    items.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (!less(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
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
    const n = items.length;
    if (n > 0 && last !== undefined) {
      // Sift the last entry down from the root, moving smaller children up into the hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        let child = items[l]!;
        if (l + 1 < n) {
          const right = items[l + 1]!;
          if (less(right, child)) {
            c = l + 1;
            child = right;
          }
        }
        if (!less(child, last)) break;
        items[i] = child;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
