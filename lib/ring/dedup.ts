/**
 * The bounded memory of message ids a node has seen. Pure.
 *
 * @module
 */

/** How many ids each node remembers for de-duplication (documented in docs/ring.md). */
export const DEDUP_CAPACITY = 500_000;

/** Longest id kept as bytes (message ids are at most 64 ASCII characters). */
const MAX_ENTRY_BYTES = 255;

/** Entry length flag: deleted; its bytes wait for their turn to be forgotten. */
const GONE = 0x100;

const utf8 = new TextEncoder();
const utf8Text = new TextDecoder();

/** Set by {@link hashOf}: whether the id it hashed is ASCII (its bytes are its code units). */
let hashedAscii = true;

/** FNV-1a over UTF-16 code units, which for ASCII ids are its bytes. */
function hashOf(id: string): number {
  let h = 0x811c9dc5;
  let all = 0;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    all |= c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  hashedAscii = all <= 0x7f;
  return h | 0;
}

/** First byte of a packed id: never the first byte of ASCII or UTF-8 text. */
const PACKED = 0xff;

/** A packed id's bytes, filled by {@link pack} (one at a time: the caller copies what it keeps). */
const packed = new Uint8Array(32);

/** Value of each ASCII code unit as a lowercase hex digit, or -1. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) HEX["0123456789abcdef".charCodeAt(c)] = c;

/**
 * Packs an ASCII id of the form clients give (`<16 lowercase hex digits>-<seq>`, the seq in
 * decimal without a leading zero, under 10^15) into {@link packed}: 0xff, the 8 bytes of
 * the hex, the seq 7 bits a byte (12 bytes for seq 100 000 instead of 22). Distinct ids
 * pack to distinct bytes, and never to the bytes of an id kept as text. Returns the length,
 * or 0 when the id has another form.
 */
function pack(id: string): number {
  const n = id.length;
  if (n < 18 || n > 32 || id.charCodeAt(16) !== 45) return 0;
  const first = id.charCodeAt(17);
  if (first < 48 || first > 57 || (first === 48 && n > 18) || n - 17 > 15) return 0;
  packed[0] = PACKED;
  for (let i = 0; i < 8; i++) {
    const hi = HEX[id.charCodeAt(2 * i) & 0x7f]!;
    const lo = HEX[id.charCodeAt(2 * i + 1) & 0x7f]!;
    // An id of ASCII only is packed (the caller checked): & 0x7f changes no code unit.
    if ((hi | lo) < 0) return 0;
    packed[1 + i] = (hi << 4) | lo;
  }
  let seq = 0;
  for (let i = 17; i < n; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    seq = seq * 10 + d;
  }
  let at = 9;
  for (; seq >= 0x80000000; seq = Math.floor(seq / 0x80)) packed[at++] = (seq % 0x80) | 0x80;
  for (; seq >= 0x80; seq >>>= 7) packed[at++] = (seq & 0x7f) | 0x80;
  packed[at++] = seq;
  return at;
}

/** The id packed as {@link pack} does, from its bytes. */
function unpack(b: Uint8Array): string {
  let hex = "";
  for (let i = 1; i < 9; i++) hex += b[i]!.toString(16).padStart(2, "0");
  let seq = 0;
  for (let i = b.length - 1; i >= 9; i--) seq = seq * 0x80 + (b[i]! & 0x7f);
  return `${hex}-${seq}`;
}

/** Set by {@link keyOf}: how many bytes of the key it returned are the id's. */
let keyLength = 0;

/**
 * The bytes an id is kept as, after {@link hashOf} hashed it: packed ({@link packed}
 * itself, valid until the next call), its code units (ASCII), or UTF-8; their length in
 * {@link keyLength}.
 */
function keyOf(id: string): string | Uint8Array {
  if (!hashedAscii) {
    const bytes = utf8.encode(id);
    keyLength = bytes.length;
    return bytes;
  }
  keyLength = pack(id);
  if (keyLength > 0) return packed;
  keyLength = id.length;
  return id;
}

/**
 * A set of ids that forgets the oldest once it holds `capacity`: a duplicate is caught
 * as long as fewer than `capacity` newer ids arrived since the original.
 *
 * The ids live as bytes in one ring buffer, found through an open-addressing table, all in
 * typed arrays that grow as ids come: not as half a million JavaScript strings in a `Set`,
 * which cost a five-node ring about 6 µs of CPU per message at 500 000 ids (cache misses,
 * and the garbage collector walking every string) and some 50 MB of heap. A client's id
 * (`<hex>-<seq>`) is kept packed in 10-17 bytes, another ASCII id as its bytes, one that is
 * not ASCII as UTF-8; one longer than 255 bytes (never a message id) in a plain set.
 *
 * @example
 * ```ts
 * const seen = new IdSet(2); seen.add("a"); seen.add("b"); seen.add("c");
 * seen.has("a"); // false: forgotten
 * seen.add("c"); // false: held already
 * ```
 */
export class IdSet {
  /** Table slot → entry + 1 (0: empty). Linear probing, at most half full. */
  #table = new Int32Array(1024);
  /** Per entry, a ring of `capacity` (grown up to it): hash, start in #bytes, length | GONE. */
  #hashes = new Int32Array(256);
  // Starts are kept modulo 2^32: the ring's size divides 2^32, so `start & mask` is the same.
  #starts = new Uint32Array(256);
  #lens = new Uint16Array(256);
  /** The ids' bytes, oldest first, as a ring; positions count up for ever (index & mask). */
  #bytes = new Uint8Array(8192);
  #head = 0;
  #tail = 0;
  /** The oldest entry, and how many the ring holds (deleted ones until their turn comes). */
  #oldest = 0;
  #entries = 0;
  /** Entries not deleted. */
  #live = 0;
  /** Ids too long for an entry, oldest first. */
  #long = new Set<string>();

  /** @param capacity most ids kept */
  constructor(readonly capacity: number = DEDUP_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity} is not an integer ≥ 1`);
  }

  has(id: string): boolean {
    if (id.length > MAX_ENTRY_BYTES) return this.#long.has(id);
    const h = hashOf(id);
    const key = keyOf(id);
    return keyLength > MAX_ENTRY_BYTES ? this.#long.has(id) : this.#find(h, key, keyLength) >= 0;
  }

  /**
   * Remembers `id`, forgetting the oldest past the capacity. An id already held keeps its
   * place. A deleted id's place in the ring is taken again only when its turn comes round.
   *
   * @returns false when `id` was held already (one lookup for `has` and `add` together)
   */
  add(id: string): boolean {
    if (id.length > MAX_ENTRY_BYTES) return this.#addLong(id);
    const h = hashOf(id);
    const key = keyOf(id);
    const len = keyLength;
    if (len > MAX_ENTRY_BYTES) return this.#addLong(id);
    if (this.#find(h, key, len) >= 0) return false;
    if (this.#entries === this.capacity) this.#forgetOldest();
    this.#room(len);
    const e = (this.#oldest + this.#entries) % this.capacity;
    if (e >= this.#lens.length) this.#growEntries();
    const b = this.#bytes;
    const mask = b.byteLength - 1;
    let at = this.#head;
    if (typeof key === "string") for (let i = 0; i < len; i++) b[at++ & mask] = key.charCodeAt(i);
    else for (let i = 0; i < len; i++) b[at++ & mask] = key[i]!;
    this.#hashes[e] = h;
    this.#starts[e] = this.#head;
    this.#lens[e] = len;
    this.#head = at;
    this.#entries++;
    this.#live++;
    if (2 * this.#live > this.#table.length) this.#rehash(this.#table.length * 2);
    this.#insert(e);
    return true;
  }

  /** Forgets `id` (its place in the ring is reused when it comes round). */
  delete(id: string): void {
    if (id.length > MAX_ENTRY_BYTES) return void this.#long.delete(id);
    const h = hashOf(id);
    const key = keyOf(id);
    if (keyLength > MAX_ENTRY_BYTES) return void this.#long.delete(id);
    const slot = this.#find(h, key, keyLength);
    if (slot < 0) return;
    this.#lens[this.#table[slot]! - 1]! |= GONE;
    this.#remove(slot);
    this.#live--;
  }

  get size(): number {
    return this.#live + this.#long.size;
  }

  /** The ids, oldest first (the rare over-long ones last). */
  *values(): IterableIterator<string> {
    for (let k = 0; k < this.#entries; k++) {
      const e = (this.#oldest + k) % this.capacity;
      const len = this.#lens[e]!;
      if (len & GONE) continue;
      yield this.#text(this.#starts[e]!, len);
    }
    yield* this.#long;
  }

  #text(start: number, len: number): string {
    const mask = this.#bytes.byteLength - 1;
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.#bytes[(start + i) & mask]!;
    return out[0] === PACKED ? unpack(out) : utf8Text.decode(out);
  }

  #addLong(id: string): boolean {
    if (this.#long.has(id)) return false;
    if (this.#long.size >= this.capacity) this.#long.delete(this.#long.values().next().value!);
    this.#long.add(id);
    return true;
  }

  /** The table slot holding the id with hash `h` and the first `len` bytes of `key` (its code units when ASCII), or -1. */
  #find(h: number, key: string | Uint8Array, len: number): number {
    const table = this.#table;
    const tmask = table.length - 1;
    const b = this.#bytes;
    const bmask = b.byteLength - 1;
    const text = typeof key === "string";
    for (let slot = h & tmask; ; slot = (slot + 1) & tmask) {
      const v = table[slot]!;
      if (v === 0) return -1;
      const e = v - 1;
      if (this.#hashes[e] !== h || this.#lens[e] !== len) continue;
      const start = this.#starts[e]!;
      let i = 0;
      if (text) while (i < len && b[(start + i) & bmask] === key.charCodeAt(i)) i++;
      else while (i < len && b[(start + i) & bmask] === key[i]) i++;
      if (i === len) return slot;
    }
  }

  #insert(e: number): void {
    const table = this.#table;
    const tmask = table.length - 1;
    let slot = this.#hashes[e]! & tmask;
    while (table[slot] !== 0) slot = (slot + 1) & tmask;
    table[slot] = e + 1;
  }

  /** Empties `slot`, moving later entries of its probe run back (no tombstones). */
  #remove(slot: number): void {
    const table = this.#table;
    const tmask = table.length - 1;
    let hole = slot;
    for (let j = (slot + 1) & tmask; table[j] !== 0; j = (j + 1) & tmask) {
      const home = this.#hashes[table[j]! - 1]! & tmask;
      // j may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        table[hole] = table[j]!;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  /** Drops the oldest entry of the ring (a live one leaves the table too). */
  #forgetOldest(): void {
    const e = this.#oldest;
    const len = this.#lens[e]!;
    this.#oldest = (e + 1) % this.capacity;
    this.#entries--;
    this.#tail += len & ~GONE;
    if (len & GONE) return;
    const table = this.#table;
    const tmask = table.length - 1;
    let slot = this.#hashes[e]! & tmask;
    while (table[slot] !== e + 1) slot = (slot + 1) & tmask;
    this.#remove(slot);
    this.#live--;
  }

  /** Makes room for `len` more bytes: the byte ring doubles rather than overwrite a held id. */
  #room(len: number): void {
    const used = this.#head - this.#tail;
    if (used + len <= this.#bytes.byteLength) return;
    let size = this.#bytes.byteLength * 2;
    while (used + len > size) size *= 2;
    const next = new Uint8Array(size);
    const oldMask = this.#bytes.byteLength - 1;
    const newMask = size - 1;
    for (let p = this.#tail; p < this.#head; p++) next[p & newMask] = this.#bytes[p & oldMask]!;
    this.#bytes = next;
  }

  /** Doubles the per-entry arrays (up to `capacity`; the ring wraps only once they are that long). */
  #growEntries(): void {
    const size = Math.min(this.capacity, this.#lens.length * 2);
    const grow = <T extends Int32Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(a);
      return next;
    };
    this.#hashes = grow(this.#hashes, (n) => new Int32Array(n));
    this.#starts = grow(this.#starts, (n) => new Uint32Array(n));
    this.#lens = grow(this.#lens, (n) => new Uint16Array(n));
  }

  #rehash(size: number): void {
    this.#table = new Int32Array(size);
    for (let k = 0; k < this.#entries; k++) {
      const e = (this.#oldest + k) % this.capacity;
      if (!(this.#lens[e]! & GONE)) this.#insert(e);
    }
  }
}
