/**
 * One store of every config the coordinator holds, by digest: a vassal's record keeps a
 * number (a {@link ConfigId}), not the bytes. Vassals whose files hold the same config share
 * one copy of its bytes and one string of its digest; the bytes lie in large shared slabs,
 * their place in typed arrays, so that a config costs the engine no object of its own (a
 * `Buffer` of 150 bytes held about 280 bytes of the engine's heap a vassal at 100 000, and a
 * heap that does not move its objects keeps every block any long-lived one landed in).
 *
 * Configs no record holds any more are found by a walk of what the records hold (`roots`),
 * not by counting references: a record forgetting to release one cannot free another's.
 *
 * @module
 */

/** A config's number in a {@link ConfigStore}: 1 or more (0 is never one, so `!id` means none). */
export type ConfigId = number;

/** Bytes of a slab; a larger config gets a slab of its own. */
export const SLAB_BYTES = 1 << 18;

/** New configs (not ones already held) between two walks, at least; else as many as were held at the last walk. */
export const SWEEP_AFTER = 256;

/** A {@link ConfigStore}'s sizes (smaller in tests, to reach its walks and compactions). */
export interface ConfigStoreSizes {
  /** Bytes of a slab ({@link SLAB_BYTES}). */
  slabBytes?: number;
  /** New configs between two walks, at least ({@link SWEEP_AFTER}). */
  sweepAfter?: number;
}

/**
 * Configs by digest, their bytes in shared slabs. `roots` names every id a record holds
 * (calls `mark` for each): a config it does not name is dropped at the next walk (after as
 * many new configs as were held at the last one), and its id given to a later config.
 *
 * @example
 * ```ts
 * const held = new Set<ConfigId>();
 * const store = new ConfigStore((mark) => held.forEach(mark));
 * const id = store.put("ab12", new TextEncoder().encode("[vassal]\n"));
 * held.add(id);
 * store.digest(id); // "ab12"
 * store.bytes(id).byteLength; // 9
 * ```
 */
export class ConfigStore {
  readonly #ids = new Map<string, ConfigId>();
  /** Digest of each id (index 0 unused; undefined: free). */
  readonly #digests: (string | undefined)[] = [undefined];
  #slabOf = new Uint32Array(64);
  #offset = new Uint32Array(64);
  #length = new Uint32Array(64);
  readonly #free: ConfigId[] = [];
  #slabs: Uint8Array[] = [];
  /** Bytes used of the last slab. */
  #used = 0;
  #liveBytes = 0;
  #newSinceWalk = 0;
  #heldAtWalk = 0;

  readonly #slabBytes: number;
  readonly #sweepAfter: number;

  constructor(
    readonly roots: (mark: (id: ConfigId | undefined) => void) => void,
    sizes: ConfigStoreSizes = {},
  ) {
    this.#slabBytes = sizes.slabBytes ?? SLAB_BYTES;
    this.#sweepAfter = sizes.sweepAfter ?? SWEEP_AFTER;
  }

  /** Configs held. */
  get size(): number {
    return this.#ids.size;
  }

  /** Bytes of the slabs (held configs and the garbage not compacted yet). */
  get slabBytes(): number {
    return this.#slabs.reduce((n, s) => n + s.byteLength, 0);
  }

  /**
   * The id of the config `bytes` whose digest is `digest` (computed by the caller): the one
   * held already, or a new one with a copy of the bytes (the caller may reuse `bytes`). Hold
   * it in a record the roots name before the next `put`.
   *
   * @example
   * ```ts
   * declare const store: ConfigStore, body: Uint8Array;
   * v.config = store.put(sha256Hex(body), body);
   * ```
   */
  put(digest: string, bytes: Uint8Array): ConfigId {
    const known = this.#ids.get(digest);
    if (known !== undefined) return known;
    if (++this.#newSinceWalk > Math.max(this.#sweepAfter, this.#heldAtWalk)) this.sweep();
    const id = this.#free.pop() ?? this.#digests.length;
    if (id === this.#digests.length) this.#digests.push(undefined);
    this.#room(id);
    this.#digests[id] = digest;
    this.#ids.set(digest, id);
    this.#place(id, bytes);
    this.#liveBytes += bytes.byteLength;
    return id;
  }

  /**
   * The digest of config `id`: one string shared by every record of it.
   *
   * @throws Error when no config has that id (a record kept an id its roots did not name)
   * @example
   * ```ts
   * declare const store: ConfigStore;
   * if (store.digest(v.config!) !== v.sha256) throw new Error("out of step");
   * ```
   */
  digest(id: ConfigId): string {
    const d = this.#digests[id];
    if (d === undefined) throw new Error(`no config ${id} in the store: a record held an id the store's roots do not name (a bug)`);
    return d;
  }

  /**
   * The bytes of config `id`: a view into a slab, to be used at once (sent, decoded), not
   * kept (a slab compacted later is let go, not written over: a view kept is stale, not wrong).
   *
   * @throws Error when no config has that id
   * @example
   * ```ts
   * declare const store: ConfigStore;
   * new TextDecoder().decode(store.bytes(v.config!));
   * ```
   */
  bytes(id: ConfigId): Uint8Array {
    this.digest(id);
    const o = this.#offset[id]!;
    return this.#slabs[this.#slabOf[id]!]!.subarray(o, o + this.#length[id]!);
  }

  /**
   * Drops every config the roots do not name, and compacts the slabs when there are several
   * and less than half of their bytes are held. Runs by itself from {@link put}; callable to free at once.
   *
   * @example
   * ```ts
   * declare const store: ConfigStore;
   * vassals.clear();
   * store.sweep(); // store.size === 0
   * ```
   */
  sweep(): void {
    const marked = new Uint8Array(this.#digests.length);
    this.roots((id) => {
      if (id !== undefined && id > 0 && id < marked.length) marked[id] = 1;
    });
    for (let id = 1; id < this.#digests.length; id++) {
      const d = this.#digests[id];
      if (d === undefined || marked[id]) continue;
      this.#ids.delete(d);
      this.#digests[id] = undefined;
      this.#liveBytes -= this.#length[id]!;
      this.#free.push(id);
    }
    this.#newSinceWalk = 0;
    this.#heldAtWalk = this.#ids.size;
    if (this.#slabs.length > 1 && this.#liveBytes * 2 < this.slabBytes) this.#compact();
  }

  /** Copies every held config into fresh slabs; the old ones are let go. */
  #compact(): void {
    const old = this.#slabs;
    this.#slabs = [];
    this.#used = 0;
    for (let id = 1; id < this.#digests.length; id++) {
      if (this.#digests[id] === undefined) continue;
      const o = this.#offset[id]!;
      this.#place(id, old[this.#slabOf[id]!]!.subarray(o, o + this.#length[id]!));
    }
  }

  /** Copies `bytes` to the end of the last slab (a new one when it has no room) as config `id`'s. */
  #place(id: ConfigId, bytes: Uint8Array): void {
    const n = bytes.byteLength;
    let slab = this.#slabs[this.#slabs.length - 1];
    if (!slab || this.#used + n > slab.byteLength) {
      slab = new Uint8Array(Math.max(this.#slabBytes, n));
      this.#slabs.push(slab);
      this.#used = 0;
    }
    slab.set(bytes, this.#used);
    this.#slabOf[id] = this.#slabs.length - 1;
    this.#offset[id] = this.#used;
    this.#length[id] = n;
    this.#used += n;
  }

  /** Grows the typed arrays (doubling) until they have a place for `id`. */
  #room(id: ConfigId): void {
    if (id < this.#offset.length) return;
    const grow = (a: Uint32Array) => {
      const b = new Uint32Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.#slabOf = grow(this.#slabOf);
    this.#offset = grow(this.#offset);
    this.#length = grow(this.#length);
  }
}
