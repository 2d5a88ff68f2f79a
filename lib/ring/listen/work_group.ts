/**
 * A work queue (seed 004's push/pull): the members of a group on one node share its
 * stream. Each message goes to exactly one connected member, which acknowledges it; one
 * not acknowledged within the member's ack_wait, or whose member went away, goes to
 * another. The group's position (every seq up to it acknowledged) is saved by the caller.
 *
 * @module
 */
import type { SeqRange } from "./ranges.ts";
import type { RingStore, StoredMessage } from "./store.ts";

/** Messages a member may hold unacknowledged; the rest wait in the store. */
export const MEMBER_INFLIGHT = 512;
/** Consecutive messages handed to one member before the next member's turn. */
const RUN = 16;

/** One connected member of a group. */
export interface GroupMember {
  /** Sends one message to the member. */
  deliver(m: StoredMessage): void;
  readonly ackWaitMs: number;
  /** Delivered, unacknowledged seqs and their deadline (ms), oldest delivery first. */
  readonly inflight: Map<number, number>;
}

/**
 * A group's shared position and the messages its members hold.
 *
 * @example
 * ```ts
 * declare const store: RingStore, member: GroupMember;
 * const g = new WorkGroup("jobs", "", store.lastSeq + 1, store, (floor) => console.log("floor", floor));
 * g.join(member); g.pump(); // after messages are stored: g.pump() again
 * g.ack(member, [[5, 9]]);
 * ```
 */
export class WorkGroup {
  readonly members: GroupMember[] = [];
  /** The next seq taken from the store. */
  next: number;
  /** Every seq up to this one is acknowledged (what is saved). */
  floor: number;
  /** Redelivered messages: in no member's hands, oldest first. */
  #redeliver: number[] = [];
  #turn = 0;

  constructor(
    readonly name: string,
    readonly prefix: string,
    start: number,
    readonly store: RingStore,
    /** Called when the floor moves. */
    readonly onFloor: (floor: number) => void,
    readonly now: () => number = Date.now,
  ) {
    this.next = start;
    this.floor = start - 1;
  }

  /** Adds a member and gives it work. */
  join(member: GroupMember): void {
    this.members.push(member);
    this.pump();
  }

  /** A member went away: what it held goes to the others. */
  leave(member: GroupMember): void {
    const i = this.members.indexOf(member);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.#requeue([...member.inflight.keys()]);
    member.inflight.clear();
    this.pump();
  }

  /** A member acknowledged `ranges` (seqs it does not hold are ignored). */
  ack(member: GroupMember, ranges: readonly SeqRange[]): void {
    let any = false;
    for (const seq of member.inflight.keys()) {
      if (ranges.some(([a, b]) => seq >= a && seq <= b)) any = member.inflight.delete(seq) || any;
    }
    if (!any) return;
    this.#updateFloor();
    this.pump();
  }

  /** Messages past their member's ack_wait go to another member. */
  expire(): void {
    const t = this.now();
    const late: number[] = [];
    for (const m of this.members) {
      for (const [seq, deadline] of m.inflight) {
        if (deadline > t) continue;
        m.inflight.delete(seq);
        late.push(seq);
      }
    }
    if (late.length === 0) return;
    this.#requeue(late);
    this.pump();
  }

  /** Hands out redeliveries, then stored messages, while members have room. */
  pump(): void {
    for (;;) {
      const room = this.members.filter((m) => m.inflight.size < MEMBER_INFLIGHT);
      if (room.length === 0) return;
      const want = room.reduce((n, m) => n + MEMBER_INFLIGHT - m.inflight.size, 0);
      const batch = this.#take(want);
      if (batch.length === 0) return;
      let i = 0;
      while (i < batch.length) {
        const member = this.#nextWithRoom();
        if (!member) break;
        const end = Math.min(batch.length, i + RUN, i + MEMBER_INFLIGHT - member.inflight.size);
        for (; i < end; i++) {
          member.inflight.set(batch[i]!.seq, this.now() + member.ackWaitMs);
          member.deliver(batch[i]!);
        }
      }
      // Only a member vanishing mid-loop leaves some undelivered: they wait for the next one.
      if (i < batch.length) this.#requeue(batch.slice(i).map((m) => m.seq));
    }
  }

  /** Up to `n` messages to deliver: redeliveries first, then the store from `next`. */
  #take(n: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    const oldest = this.store.oldestSeq();
    while (out.length < n && this.#redeliver.length > 0) {
      const seq = this.#redeliver.shift()!;
      const m = seq >= oldest ? this.store.read(seq, 1)[0] : undefined;
      if (m?.seq === seq) out.push(m);
    }
    if (this.next < oldest) this.next = oldest;
    while (out.length < n && this.next <= this.store.lastSeq) {
      const page = this.store.read(this.next, n - out.length);
      if (page.length === 0) break;
      this.next = page[page.length - 1]!.seq + 1;
      for (const m of page) if (m.content.startsWith(this.prefix)) out.push(m);
    }
    if (out.length === 0) this.#updateFloor();
    return out;
  }

  #nextWithRoom(): GroupMember | undefined {
    for (let k = 0; k < this.members.length; k++) {
      const m = this.members[(this.#turn + k) % this.members.length]!;
      if (m.inflight.size < MEMBER_INFLIGHT) {
        this.#turn = (this.#turn + k + 1) % this.members.length;
        return m;
      }
    }
    return undefined;
  }

  #requeue(seqs: number[]): void {
    if (seqs.length === 0) return;
    this.#redeliver = [...this.#redeliver, ...seqs].sort((a, b) => a - b);
    this.#updateFloor();
  }

  #updateFloor(): void {
    let low = this.next;
    if (this.#redeliver.length > 0) low = Math.min(low, this.#redeliver[0]!);
    for (const m of this.members) for (const seq of m.inflight.keys()) if (seq < low) low = seq;
    if (low - 1 !== this.floor) {
      this.floor = low - 1;
      this.onFloor(this.floor);
    }
  }
}
