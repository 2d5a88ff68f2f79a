/**
 * The emperors placement may pick, kept in its order (most free slots first, ties by node
 * name) in a binary heap: a copy costs O(log E) instead of sorting every emperor again
 * (100 000 copies over 1 000 emperors sorted 1 000 slots per copy: 35 % of zeus's CPU).
 * Entries are lazy: a slot whose load changed gets a new entry and its old one is
 * skipped when it comes up.
 *
 * @module
 */
import type { Slot } from "./placement.ts";

interface Entry {
  slot: Slot;
  /** The slot's free room when this entry was pushed: stale once it differs. */
  free: number;
}

const free = (s: Slot): number => s.max - s.load;
/** Whether `a` comes before `b`: more room first, then the smaller node name. */
const before = (a: Entry, b: Entry): boolean => a.free > b.free || (a.free === b.free && a.slot.node < b.slot.node);

/**
 * Slots in placement order; {@link SlotHeap.take} picks and loads them.
 *
 * @example
 * ```ts
 * const heap = new SlotHeap([{ node: "a", max: 2, load: 0 }, { node: "b", max: 3, load: 0 }]);
 * heap.take(1, new Set()); // ["b"] (b's load is now 1)
 * ```
 */
export class SlotHeap {
  readonly #heap: Entry[] = [];

  /** Takes the slots (mutable: {@link take} raises their load; loads may only rise). */
  constructor(slots: Iterable<Slot>) {
    for (const slot of slots) this.#push({ slot, free: free(slot) });
  }

  /**
   * Up to `count` distinct slots with room, not in `exclude`, in placement order; each one
   * taken has its load raised by one. Fewer when there is no more room.
   */
  take(count: number, exclude: ReadonlySet<string>): string[] {
    const out: string[] = [];
    const putBack: Entry[] = [];
    while (out.length < count && this.#heap.length > 0) {
      const top = this.#pop();
      if (top.free !== free(top.slot)) continue; // stale: the slot has a newer entry
      if (top.free <= 0) {
        putBack.push(top);
        break;
      }
      if (exclude.has(top.slot.node)) {
        putBack.push(top);
        continue;
      }
      top.slot.load++;
      out.push(top.slot.node);
      putBack.push({ slot: top.slot, free: free(top.slot) });
    }
    for (const e of putBack) this.#push(e);
    return out;
  }

  /** `slot`'s load was raised elsewhere: it is ordered by its new room from now on. */
  changed(slot: Slot): void {
    this.#push({ slot, free: free(slot) });
  }

  #push(e: Entry): void {
    const h = this.#heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #pop(): Entry {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length === 0) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return top;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
