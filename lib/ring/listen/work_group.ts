/**
 * A work queue (seed 004's push/pull): the members of a group on one node share its
 * stream. Each message goes to exactly one connected member, which acknowledges it; one
 * not acknowledged within the member's ack_wait, or whose member went away, goes to
 * another. The group's position (every seq up to it acknowledged) is saved by the caller.
 *
 * The ack_wait is a bound, whatever the member's state (stopped, hung, slow): a member
 * that let a message's ack_wait pass is told which moved ({@link GroupMember.moved}), is
 * *stalled* (gets nothing new while another member is not, until it acknowledges
 * something or its ack_wait passes again), and its late acknowledgement of a moved
 * message is refused (counted in {@link WorkGroup.lateAcks}), so nothing comes back to it.
 * Time is the clock's monotonic reading ({@link Clock}).
 *
 * @module
 */
import { type Clock, systemClock } from "../../clock.ts";
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
  /** Delivered, unacknowledged seqs and their deadline (monotonic ms), oldest delivery first. */
  readonly inflight: Map<number, number>;
  /** Told that `seqs` (past their ack_wait) were taken from it: it must not process them. */
  moved?(seqs: readonly number[]): void;
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
  /** Members that let an ack_wait pass, and until when (monotonic ms) they get nothing new. */
  readonly #stalled = new Map<GroupMember, number>();
  /** Seqs taken from each member for lateness: an ack of one of them is refused. */
  readonly #movedFrom = new Map<GroupMember, Set<number>>();
  /** Messages moved to another member (ack_wait passed, or their member left). */
  redeliveries = 0;
  /** Acknowledgements refused because the message had moved on. */
  lateAcks = 0;

  constructor(
    readonly name: string,
    readonly prefix: string,
    start: number,
    readonly store: RingStore,
    /** Called when the floor moves. */
    readonly onFloor: (floor: number) => void,
    readonly clock: Clock = systemClock,
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
    this.#stalled.delete(member);
    this.#movedFrom.delete(member);
    this.redeliveries += member.inflight.size;
    this.#requeue([...member.inflight.keys()]);
    member.inflight.clear();
    this.pump();
  }

  /**
   * A member acknowledged `ranges`: seqs it holds are done; seqs taken from it for
   * lateness are refused (returned, and counted); others are ignored.
   *
   * @returns the refused seqs (late acknowledgements of moved messages)
   */
  ack(member: GroupMember, ranges: readonly SeqRange[]): number[] {
    let any = false;
    for (const seq of member.inflight.keys()) {
      if (ranges.some(([a, b]) => seq >= a && seq <= b)) any = member.inflight.delete(seq) || any;
    }
    const refused: number[] = [];
    const moved = this.#movedFrom.get(member);
    for (const seq of moved ?? []) {
      if (ranges.some(([a, b]) => seq >= a && seq <= b)) refused.push(seq);
    }
    for (const seq of refused) moved!.delete(seq);
    this.lateAcks += refused.length;
    if (!any) return refused;
    this.#stalled.delete(member);
    this.#updateFloor();
    this.pump();
    return refused;
  }

  /**
   * Messages past their member's ack_wait go to another member (one not stalled, when
   * there is one); their member is told and stalled. Call it often (every 250 ms): a
   * message moves at most that long after its ack_wait.
   */
  expire(): void {
    const t = this.clock.monotonic();
    const late: number[] = [];
    for (const m of this.members) {
      const mine: number[] = [];
      for (const [seq, deadline] of m.inflight) {
        if (deadline > t) continue;
        m.inflight.delete(seq);
        mine.push(seq);
      }
      if (mine.length === 0) continue;
      this.#stalled.set(m, t + m.ackWaitMs);
      const moved = this.#movedFrom.get(m) ?? new Set<number>();
      for (const seq of mine) moved.add(seq);
      this.#movedFrom.set(m, moved);
      m.moved?.(mine);
      late.push(...mine);
    }
    if (late.length === 0) return;
    this.redeliveries += late.length;
    this.#requeue(late);
    this.pump();
  }

  /** Whether `member` is stalled now (it let an ack_wait pass and has not recovered). */
  stalled(member: GroupMember): boolean {
    const until = this.#stalled.get(member);
    if (until === undefined) return false;
    if (until > this.clock.monotonic()) return true;
    this.#stalled.delete(member);
    return false;
  }

  /** Hands out redeliveries, then stored messages, while members have room. */
  pump(): void {
    for (;;) {
      const room = this.#eligible();
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
          member.inflight.set(batch[i]!.seq, this.clock.monotonic() + member.ackWaitMs);
          this.#movedFrom.get(member)?.delete(batch[i]!.seq);
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

  /** Members with room, leaving out stalled ones while any member is not stalled. */
  #eligible(): GroupMember[] {
    const room = this.members.filter((m) => m.inflight.size < MEMBER_INFLIGHT);
    const allStalled = this.members.every((m) => this.stalled(m));
    return allStalled ? room : room.filter((m) => !this.stalled(m));
  }

  #nextWithRoom(): GroupMember | undefined {
    const eligible = new Set(this.#eligible());
    for (let k = 0; k < this.members.length; k++) {
      const m = this.members[(this.#turn + k) % this.members.length]!;
      if (eligible.has(m)) {
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
