/**
 * Several zeus (`--state etcd://HOST:PORT/PREFIX`): one leads, elected through an etcd
 * lease of TTL `--dead-after`; the others stand by, tell emperors where the leader is,
 * follow the state the leader writes, and compare the vassal set they read with the leader's.
 *
 * Keys under PREFIX: `leader` (on the leader's lease), `members/ID` and `digests/ID` (on
 * each zeus' lease), `state/...` (one key per emperor and vassal, written only in
 * transactions guarded by `leader`: etcd_state_store.ts); `state` alone is the single-key
 * state of earlier versions, migrated by the next leader.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { b64, type Candidate, Election, type EtcdClient, type Member, prefixEnd, putRequest, rangeKvs, rangeRequest } from "../etcd/mod.ts";
import { EtcdError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import { parseLegacyState } from "./etcd_state_store.ts";
import { stateFromKeys } from "./state_keys.ts";
import { StateMirror, type StateSummary } from "./state_mirror.ts";
import { hostPort } from "../net/mod.ts";

const log = getLogger("zeus", "ha");

/** What `/status` shows under `ha`. */
export interface HaStatus {
  role: "leader" | "standby";
  id: string;
  /** The leader and since when it leads (absent while none is known). */
  leader?: Candidate;
  /** At least how many seconds the leader has not renewed its lease (killed or cut off: a standby takes over when it expires). */
  leader_silent_s?: number;
  /** Every other zeus that renews its lease. */
  standbys: Candidate[];
  /** Zeus whose member key is still there but whose lease has gone unrenewed for `silent_s` seconds or more: gone when it expires. */
  stale?: (Candidate & { silent_s: number })[];
  etcd: string;
  last_error?: string;
  /** sha256 of the vassal set this zeus reads (names and contents). */
  vassal_digest: string;
  /** Zeus whose vassal set differs from the leader's. */
  digests_differ?: string[];
  /** The state in etcd as this zeus follows it (what a takeover restores). */
  state?: StateSummary;
}

/** Options of {@link HaLeadership}. */
export interface HaOptions {
  etcd: EtcdClient;
  prefix: string;
  ttlS: number;
  /** The listening host; a wildcard is advertised as this machine's hostname. */
  host: string;
  stats?: string;
}

const PARTS = new Set(["leader", "state"]);
/** How often the vassal set's digest is hashed again while it changes. */
const DIGEST_EVERY_MS = 1000;
const SUBTREES = ["members/", "digests/", "state/"];

/**
 * Refuses a prefix that holds keys zeus did not write (another application's, or a
 * typo'd prefix pointing into one), before anything is written there.
 *
 * @throws {Error} naming the first foreign key
 * @example
 * ```ts
 * await checkPrefix(etcd, "/zeus/prod", "/zeus/prod/vassals/");
 * ```
 */
export async function checkPrefix(etcd: EtcdClient, prefix: string, vassalsPrefix?: string): Promise<void> {
  // Around the state's keys (any number of them), and its meta key alone.
  const state = `${prefix}/state/`;
  const kvs = [
    ...rangeKvs(await etcd.call(rangeRequest(`${prefix}/`, { end: b64(state), limit: 1000 }))),
    ...rangeKvs(await etcd.call(rangeRequest(`${state}meta`))),
    ...rangeKvs(await etcd.call(rangeRequest(`${prefix}/state0`, { end: prefixEnd(`${prefix}/`), limit: 1000 }))),
  ];
  const own = (e: unknown) => new Error(`${(e as Error).message}: give zeus a prefix of its own`, { cause: e });
  for (const kv of kvs) {
    if (vassalsPrefix && kv.key.startsWith(vassalsPrefix)) continue;
    const rest = kv.key.slice(prefix.length + 1);
    try {
      if (rest === "state") parseLegacyState(kv.key, kv.value);
      if (rest === "state/meta") stateFromKeys([["meta", new TextDecoder().decode(kv.value)]], state);
    } catch (e) {
      throw own(e);
    }
    if (PARTS.has(rest) || SUBTREES.some((s) => rest.startsWith(s))) continue;
    throw new Error(`etcd prefix ${prefix} holds ${JSON.stringify(kv.key)}, which zeus did not write: give zeus a prefix of its own`);
  }
}

/** Whether process `pid` of this machine is running (EPERM: running as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH";
  }
}

/**
 * Whether `leader` is this zeus' own predecessor, proven gone: it ran on this machine, at
 * the address this zeus has just bound (so it no longer listens there), and its process
 * is not running (or is this one: the pid was reused). Such a leader (zeus killed and
 * started again) need not be waited for until etcd expires its lease.
 *
 * @example
 * ```ts
 * declare const leader: Candidate, me: Candidate;
 * if (predecessorGone(leader, me)) console.log(`${leader.id} is gone`);
 * ```
 */
export function predecessorGone(leader: Candidate, me: Candidate, isRunning: (pid: number) => boolean = running): boolean {
  if (leader.id === me.id || leader.machine === undefined || leader.machine !== me.machine || leader.zeus !== me.zeus) return false;
  if (leader.pid === undefined || !Number.isInteger(leader.pid) || leader.pid <= 0) return false;
  return leader.pid === me.pid || !isRunning(leader.pid);
}

/**
 * The leadership of one zeus among several.
 *
 * @example
 * ```ts
 * const ha = new HaLeadership({ etcd, prefix: "/zeus", ttlS: 5, host: "10.0.0.1" });
 * ha.onChange((leading) => console.log(leading));
 * ha.start(4040);
 * ```
 */
export class HaLeadership {
  readonly id: string;
  #election: Election | undefined;
  #listeners: ((leading: boolean) => void)[] = [];
  #digest = "";
  #count = 0;
  /** The vassal set to hash, whether it changed since, and when it was last hashed (performance.now()). */
  #entries: Iterable<[string, string]> | undefined;
  #stale = false;
  #hashedAt = Number.NEGATIVE_INFINITY;
  #published = "";
  #differ: string[] = [];
  /** The last reason comparing digests failed, logged once until it changes or passes. */
  #digestError = "";
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Follows the state's keys while this zeus stands by. */
  readonly #mirror: StateMirror;
  /** The state this zeus read or wrote as leader: shown instead of the mirror's while it leads. */
  #leaderState: () => StateSummary | undefined = () => undefined;

  constructor(readonly opts: HaOptions) {
    this.#mirror = new StateMirror(opts.etcd, `${opts.prefix}/state/`);
    const host = opts.host === "0.0.0.0" || opts.host === "::" ? hostname() : opts.host;
    this.id = `${host}-${process.pid}-${randomBytes(3).toString("hex")}`;
  }

  /** "HOST:PORT" this zeus advertises to emperors, once started ("" before). */
  address = "";

  /** Starts campaigning; `port` is where this zeus listens. */
  start(port: number): void {
    const host = this.opts.host === "0.0.0.0" || this.opts.host === "::" ? hostname() : this.opts.host;
    this.address = hostPort(host, port);
    const me: Candidate = {
      id: this.id,
      zeus: this.address,
      ...(this.opts.stats ? { stats: this.opts.stats } : {}),
      since: new Date().toISOString(),
      machine: hostname(),
      pid: process.pid,
    };
    this.#election = new Election({
      etcd: this.opts.etcd,
      prefix: this.opts.prefix,
      ttlS: this.opts.ttlS,
      me,
      // Called once this zeus listens on its port (start() comes after the bind).
      gone: (leader) => predecessorGone(leader, me),
      onChange: (role, leader) => {
        if (role === "leader") this.#mirror.pause();
        else this.#mirror.follow();
        if (role === "standby" && leader) log.info("standing by; the leader is {id} at {zeus}", { id: leader.id, zeus: leader.zeus });
        for (const l of this.#listeners) l(role === "leader");
      },
    });
    this.#election.start();
    this.#timer = setInterval(() => void this.#compareDigests(), 1000);
  }

  /** Where `/status` reads the state in etcd while this zeus leads (the store that reads and writes it). */
  stateWhileLeading(f: () => StateSummary | undefined): void {
    this.#leaderState = f;
  }

  /** Calls `f(leading)` at each change of role. */
  onChange(f: (leading: boolean) => void): void {
    this.#listeners.push(f);
  }

  /** The revision that created the leader key while this zeus leads: state writes are guarded by it. */
  get leaderRevision(): number {
    return this.#election?.leaderRevision ?? -1;
  }

  /** Whether this zeus leads and can prove it now. */
  canAct(): boolean {
    return this.#election?.canAct() ?? false;
  }

  /** Stops leading at once (etcd refused a write guarded by the leader key). */
  stepDown(why: string): void {
    this.#election?.stepDown(why);
  }

  /** "HOST:PORT" of the leader for NOT_LEADER, "" while none is known. */
  leaderAddress(): string {
    const l = this.#election?.leader;
    return l && this.#election?.role !== "leader" ? l.zeus : "";
  }

  /**
   * The vassal set this zeus reads changed: `entries` are [name, body digest] pairs, a live
   * collection (the server's map) read when the digest is next needed, at most once a second:
   * hashing every name on every change cost O(n log n) per burst (100 000 vassals arriving
   * from etcd 100 at a time: quadratic, and zeus's loop blocked until its lease expired).
   */
  vassalSetChanged(entries: Iterable<[string, string]>): void {
    this.#entries = entries;
    this.#stale = true;
  }

  /** The digest of the vassal set as last hashed; hashed again when it changed and a second has passed (or never hashed). */
  #vassalDigest(): { digest: string; count: number } {
    const now = performance.now();
    if (this.#entries && this.#stale && (this.#digest === "" || now - this.#hashedAt >= DIGEST_EVERY_MS)) {
      const h = createHash("sha256");
      let n = 0;
      for (const [name, sha] of [...this.#entries].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        h.update(`${name}\0${sha}\n`);
        n++;
      }
      this.#digest = h.digest("hex");
      this.#count = n;
      this.#stale = false;
      this.#hashedAt = now;
    }
    return { digest: this.#digest, count: this.#count };
  }

  /** For `/status`. */
  status(): HaStatus {
    const e = this.#election;
    const leader = e?.leader;
    const others = (e?.members ?? []).filter((m) => m.id !== leader?.id);
    const candidate = ({ silentS: _, ...c }: Member): Candidate => c;
    const stale = others.filter((m) => m.silentS > 0).map((m) => ({ ...candidate(m), silent_s: m.silentS }));
    return {
      role: e?.role ?? "standby",
      id: this.id,
      ...(leader ? { leader } : {}),
      ...(e?.leaderSilentS ? { leader_silent_s: e.leaderSilentS } : {}),
      standbys: others.filter((m) => m.silentS === 0).map(candidate),
      ...(stale.length ? { stale } : {}),
      etcd: this.opts.etcd.endpoint,
      ...(e?.lastError ? { last_error: e.lastError } : {}),
      vassal_digest: this.#vassalDigest().digest,
      ...(this.#differ.length ? { digests_differ: this.#differ } : {}),
      ...this.#stateShown(),
    };
  }

  /** `{ state }` for `/status`: the leader's own, or the mirror's on a standby; nothing before either read it. */
  #stateShown(): { state?: StateSummary } {
    const state = this.#election?.role === "leader" ? this.#leaderState() : this.#mirror.summary();
    return state ? { state } : {};
  }

  /** Stops campaigning; a leader hands over at once by revoking its lease. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#mirror.pause();
    await this.#election?.stop();
  }

  /** Publishes this zeus' vassal digest, and warns when a zeus reads another set than the leader. */
  async #compareDigests(): Promise<void> {
    const e = this.#election;
    const { digest, count } = this.#vassalDigest();
    if (!e?.lease || !digest) return;
    const mine = JSON.stringify({ digest, count });
    try {
      if (mine !== this.#published) {
        await this.opts.etcd.call(putRequest(`${this.opts.prefix}/digests/${this.id}`, mine, e.lease));
        this.#published = mine;
      }
      const leaderId = e.leader?.id;
      if (!leaderId) return;
      const all = new Map<string, { digest: string; count: number }>();
      for (const kv of rangeKvs(await this.opts.etcd.call(rangeRequest(`${this.opts.prefix}/digests/`, { prefix: true })))) {
        all.set(kv.key.slice(this.opts.prefix.length + "/digests/".length), JSON.parse(new TextDecoder().decode(kv.value)));
      }
      const ref = all.get(leaderId);
      if (!ref) return;
      const differ = [...all].filter(([id, d]) => id !== leaderId && d.digest !== ref.digest).map(([id]) => id);
      for (const id of differ) {
        if (this.#differ.includes(id)) continue;
        log.warn("zeus {id} reads another vassal set ({n} vassals) than the leader {leader} ({m}): every zeus must read the same vassals", {
          id,
          n: all.get(id)!.count,
          leader: leaderId,
          m: ref.count,
        });
      }
      this.#differ = differ;
      this.#digestError = "";
    } catch (e) {
      const why = (e as Error).message;
      // etcd's own failures are the election's to report (its lease renewal fails too).
      if (e instanceof EtcdError || why === this.#digestError) return;
      this.#digestError = why;
      log.warn("cannot compare the vassal digests of the zeus: {why}", { why });
    }
  }
}
