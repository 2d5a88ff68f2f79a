/**
 * Leader election on an etcd lease (the etcd "election" recipe, over the HTTP gateway):
 * every candidate holds a lease of TTL seconds and a member key on it; the one whose
 * transaction creates the leader key (attached to its lease) leads until its lease ends.
 * The leader acts only while {@link LeaseDeadline} proves its lease; everyone else keeps
 * trying to create the key, so a standby takes over as soon as etcd expires the lease. The
 * candidate's life (idle, standby, leader, stopped) is the table of election_lifecycle.ts.
 * Deadlines are measured on a monotonic clock: a step of the system time neither ends a
 * lease early nor lets a leader act past the lease etcd has already ended.
 *
 * @module
 */
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { EtcdError } from "../errors.ts";
import { getLogger } from "../log/mod.ts";
import type { EtcdClient } from "./client.ts";
import { type ElectionAction, type ElectionEvent, type ElectionState, electionStep } from "./election_lifecycle.ts";
import { LeaseDeadline } from "./lease_deadline.ts";
import {
  grantResult,
  type KeyValue,
  keepAliveRequest,
  keepAliveTtl,
  leaseGrantRequest,
  putRequest,
  rangeKvs,
  rangeRequest,
  revisionOf,
  revokeRequest,
  silentFor,
  timeToLive,
  timeToLiveRequest,
  txnRequest,
  txnResult,
} from "./requests.ts";

const log = getLogger("zeus", "election");

/** This process's role. */
export type Role = "leader" | "standby";

/** What a candidate publishes about itself (as JSON in its member key and the leader key). */
export interface Candidate {
  id: string;
  /** Where emperors and admin clients reach it ("HOST:PORT"). */
  zeus: string;
  /** Its stats address, when it has one. */
  stats?: string;
  /** ISO time it started, or became leader (in the leader key). */
  since: string;
  /** The machine (hostname) and process it runs as, so that a successor on it can tell it is gone. */
  machine?: string;
  pid?: number;
}

/**
 * A candidate with a live member key, and at least how many seconds its lease has gone
 * unrenewed (0: it renews; more: it is probably gone, and its keys go when the lease expires).
 */
export type Member = Candidate & { silentS: number };

/** Options of an {@link Election}. */
export interface ElectionOptions {
  etcd: EtcdClient;
  /** Keys go under `${prefix}/leader` and `${prefix}/members/ID`. */
  prefix: string;
  ttlS: number;
  me: Candidate;
  /** Period of campaigning and keepalives; default TTL/4, at most 250 ms. */
  stepMs?: number;
  /** Time and timers (default: the system's); the lease deadline is kept on its monotonic reading. */
  clock?: Clock;
  /** Called on every change of role (standby→leader, leader→standby) or of the leader seen. */
  onChange(role: Role, leader: Candidate | undefined): void;
  /**
   * Whether the leader key's holder is proven gone (e.g. this process' predecessor, killed):
   * its lease is then revoked at once instead of waiting up to the TTL for etcd to expire it.
   * Say true only on proof: a holder still alive would keep acting until its own deadline.
   */
  gone?(leader: Candidate): boolean;
}

function parseCandidate(kv: KeyValue | undefined): Candidate | undefined {
  if (!kv) return undefined;
  try {
    const c = JSON.parse(new TextDecoder().decode(kv.value));
    return typeof c?.id === "string" && typeof c.zeus === "string" ? c : undefined;
  } catch {
    // Not a candidate's JSON: read as no candidate, which callers show as "none elected".
    return undefined;
  }
}

/**
 * One candidate's campaign.
 *
 * @example
 * ```ts
 * declare const me: Candidate, place: () => void;
 * const e = new Election({ etcd, prefix: "/zeus", ttlS: 5, me, onChange: (role) => console.log(role) });
 * e.start();
 * if (e.canAct()) place();
 * ```
 */
export class Election {
  readonly deadline: LeaseDeadline;
  #lease: string | undefined;
  #state: ElectionState = "idle";
  #leader: Candidate | undefined;
  #members: Member[] = [];
  #timer: TimerHandle | undefined;
  #expiry: TimerHandle | undefined;
  #lastError: string | undefined;
  #steps = 0;
  #revoked: Promise<void> = Promise.resolve();
  readonly #clock: Clock;

  constructor(readonly opts: ElectionOptions) {
    this.#clock = opts.clock ?? systemClock;
    // Drift margin: a tenth of the TTL, at least 100 ms.
    this.deadline = new LeaseDeadline(Math.max(100, opts.ttlS * 100));
  }

  /** The lease this candidate holds, if any: keys of this process can ride on it. */
  get lease(): string | undefined {
    return this.#lease;
  }

  get role(): Role {
    return this.#state === "leader" ? "leader" : "standby";
  }

  /** The leader as last seen (this process when it leads). */
  get leader(): Candidate | undefined {
    return this.#leader;
  }

  /**
   * Every candidate with a member key, as last listed (every second, and at once when the
   * leader changes), with how long each has been silent.
   */
  get members(): readonly Member[] {
    return this.#members;
  }

  /** The last etcd failure, until a step succeeds again. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Whether this process leads and can prove it right now: check before every action. */
  canAct(): boolean {
    if (this.#state !== "leader") return false;
    if (this.deadline.valid(this.#now())) return true;
    this.#on({ kind: "lost", why: "the lease could not be renewed in time" });
    return false;
  }

  /** Starts campaigning. */
  start(): void {
    this.#on({ kind: "start" });
  }

  /** Stops; a leader revokes its lease so that a standby takes over at once. */
  async stop(): Promise<void> {
    this.#on({ kind: "stop" });
    await this.#revoked;
  }

  #running(): boolean {
    return this.#state !== "stopped";
  }

  #now(): number {
    return this.#clock.monotonic();
  }

  #on(e: ElectionEvent): void {
    const step = electionStep(this.#state, e);
    if (!step) return log.error("election {state}: unexpected {event}", { state: this.#state, event: e.kind });
    this.#state = step.next;
    for (const a of step.actions) this.#act(a);
  }

  #act(a: ElectionAction): void {
    switch (a.do) {
      case "campaign":
        return void this.#loop();
      case "lead":
        log.info("leading (lease {lease}, proven for {s} s)", {
          lease: this.#lease,
          s: ((this.deadline.until - this.#now()) / 1000).toFixed(1),
        });
        this.#armExpiry();
        return this.opts.onChange("leader", this.#leader);
      case "step_down":
        this.#leader = undefined;
        this.#clock.clearTimeout(this.#expiry);
        log.warn("no longer leading: {why}; acting as a standby", { why: a.why });
        return this.opts.onChange("standby", undefined);
      case "halt":
        return this.#halt();
    }
  }

  #halt(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#clock.clearTimeout(this.#expiry);
    const lease = this.#lease;
    this.#lease = undefined;
    this.deadline.lost();
    // Best effort: a lease not revoked still ends after its TTL, and then a standby takes over.
    if (lease)
      this.#revoked = this.opts.etcd.call(revokeRequest(lease), 1000).then(
        () => undefined,
        () => undefined,
      );
  }

  get #leaderKey(): string {
    return `${this.opts.prefix}/leader`;
  }

  async #loop(): Promise<void> {
    while (this.#running()) {
      const started = this.#now();
      try {
        await this.#step();
        if (this.#lastError) log.info("etcd answers again at {endpoint}", { endpoint: this.opts.etcd.endpoint });
        this.#lastError = undefined;
      } catch (e) {
        const why = (e as Error).message;
        if (why !== this.#lastError) log.warn("election: {why}", { why });
        this.#lastError = why;
      }
      if (this.#state === "leader") this.canAct();
      if (!this.#running()) return;
      const step = this.opts.stepMs ?? Math.min(250, (this.opts.ttlS * 1000) / 4);
      await new Promise((r) => (this.#timer = this.#clock.setTimeout(() => r(undefined), Math.max(0, step - (this.#now() - started)))));
    }
  }

  async #step(): Promise<void> {
    const etcd = this.opts.etcd;
    if (!this.#lease) {
      const sentAt = this.#now();
      const g = grantResult(await etcd.call(leaseGrantRequest(this.opts.ttlS)));
      if (g.ttlS <= 0) throw new EtcdError("etcd granted a lease without a TTL", false);
      this.#lease = g.id;
      this.deadline.renewed(sentAt, g.ttlS);
      await etcd.call(putRequest(`${this.opts.prefix}/members/${this.opts.me.id}`, JSON.stringify(this.opts.me), g.id));
    } else {
      const sentAt = this.#now();
      const ttl = keepAliveTtl(await etcd.call(keepAliveRequest(this.#lease)));
      if (ttl <= 0) {
        this.#lease = undefined;
        this.deadline.lost();
        return this.#on({ kind: "lost", why: "etcd says the lease expired" });
      }
      this.deadline.renewed(sentAt, ttl);
    }
    const leader = this.#leader?.id;
    if (this.#state === "leader") this.#armExpiry();
    else await this.#campaign();
    if (this.#steps++ % 4 === 0 || this.#leader?.id !== leader) await this.#listMembers();
  }

  async #campaign(): Promise<void> {
    const lease = this.#lease!;
    const since = new Date(this.#clock.now()).toISOString();
    const value = JSON.stringify({ ...this.opts.me, since });
    const res = await this.opts.etcd.call(
      txnRequest([{ key: this.#leaderKey, createRevision: 0 }], [{ put: this.#leaderKey, value, lease }], [{ range: this.#leaderKey }]),
    );
    const { succeeded, kvs } = txnResult(res);
    if (!this.#running() || this.#lease !== lease) return;
    if (succeeded) return this.#lead({ ...this.opts.me, since }, revisionOf(res));
    const kv = kvs[0];
    // Our own key on our live lease (e.g. etcd restarted and kept it): we still lead.
    if (kv && kv.lease === lease) return this.#lead(parseCandidate(kv) ?? { ...this.opts.me, since }, kv.createRevision);
    const leader = parseCandidate(kv);
    if (kv && leader && leader.id !== this.opts.me.id && this.opts.gone?.(leader)) return this.#endLease(leader, kv.lease);
    if (leader?.id !== this.#leader?.id || leader?.since !== this.#leader?.since) {
      this.#forget(this.#leader);
      this.#leader = leader;
      this.opts.onChange("standby", leader);
    }
  }

  /** Revokes the lease of a leader proven gone (its keys go with it); the next step campaigns. */
  async #endLease(leader: Candidate, lease: string): Promise<void> {
    log.warn(
      "the leader {id} at {zeus} is gone (its process on {machine} is not running): ending its lease now instead of waiting for it to expire",
      {
        id: leader.id,
        zeus: leader.zeus,
        machine: leader.machine,
      },
    );
    try {
      await this.opts.etcd.call(revokeRequest(lease));
    } catch (e) {
      // Refused: the lease already ended (etcd expired it meanwhile); the next step campaigns.
      if (!(e instanceof EtcdError) || e.unreachable) throw e;
    }
  }

  /** The revision that created the leader key: writes are guarded by it. */
  leaderRevision = 0;

  #lead(me: Candidate, revision: number): void {
    if (!this.deadline.valid(this.#now())) return;
    this.leaderRevision = revision;
    this.#forget(this.#leader);
    this.#leader = me;
    this.#on({ kind: "won" });
  }

  /** Steps down at the deadline even if no step runs then (a step may hang on etcd). */
  #armExpiry(): void {
    this.#clock.clearTimeout(this.#expiry);
    this.#expiry = this.#clock.setTimeout(() => this.canAct(), Math.max(0, this.deadline.until - this.#now()));
  }

  /** Stops leading now (e.g. etcd refused a guarded write); campaigning goes on. */
  stepDown(why: string): void {
    this.#on({ kind: "lost", why });
  }

  /**
   * Drops a former leader from the members shown: the leader key changed hands, so its
   * lease (which its member key rides on) is gone, even if the last listing still had it.
   */
  #forget(former: Candidate | undefined): void {
    if (former && former.id !== this.opts.me.id) this.#members = this.#members.filter((m) => m.id !== former.id);
  }

  /** At least how long the leader has not renewed its lease (0 when it does, or this zeus leads). */
  get leaderSilentS(): number {
    return this.#members.find((m) => m.id === this.#leader?.id)?.silentS ?? 0;
  }

  async #listMembers(): Promise<void> {
    const etcd = this.opts.etcd;
    const kvs = rangeKvs(await etcd.call(rangeRequest(`${this.opts.prefix}/members/`, { prefix: true })));
    const members = await Promise.all(
      kvs.map(async (kv): Promise<Member | undefined> => {
        const c = parseCandidate(kv);
        if (!c) return undefined;
        if (c.id === this.opts.me.id || kv.lease === "0") return { ...c, silentS: 0 };
        const silentS = silentFor(timeToLive(await etcd.call(timeToLiveRequest(kv.lease))));
        return silentS < 0 ? undefined : { ...c, silentS };
      }),
    );
    this.#members = members.filter((m): m is Member => m !== undefined);
  }
}
