/**
 * Heartbeats judged by when they arrived, not by when zeus's loop got to them (pure: fed
 * monotonic readings, no timers inside). zeus reads sockets on one loop; while a task holds
 * it (a burst of reports, a state write, a `/status` slice; or the machine gives zeus no CPU)
 * a heartbeat waits in its socket, and read after the block it would seem late by the block.
 * zeus's 100 ms tick late by more than 250 ms means the loop was blocked: that time is
 * nobody's silence ("deaf" time, left out of every emperor's silence and of the settle time).
 *
 * The tick alone came too late to say so: after a block the loop reads the sockets before it
 * runs the overdue timer, so a heartbeat read at the end of a 2 s block was judged 2 s late
 * and the block counted only afterwards. The clock is now also read when a packet is read
 * ({@link DeafClock.heard}): the block is counted before the packet is judged, so that a
 * heartbeat's gap as judged is at most its period plus a tick and the threshold
 * (tests/zeus/deaf_clock_test.ts holds that under any blocks).
 *
 * @module
 */

/** How often zeus's tick runs, in ms. */
export const TICK_MS = 100;
/** A tick (or a read) later than this past the tick's time means the loop was blocked that long. */
export const DEAF_AFTER_MS = 250;

/**
 * Counts the time zeus's loop was blocked, from the readings at each tick and each read.
 *
 * @example
 * ```ts
 * const clock = new DeafClock(0);
 * clock.tick(100); // 0: on time
 * clock.heard(2100); // 1900: a packet read after a 2 s block
 * clock.tick(2101); // 0: the block is counted already
 * ```
 */
export class DeafClock {
  /** When the next tick is due if the loop is not blocked (or, after a late read, that read's time). */
  #due: number;

  /**
   * @param now the monotonic time zeus starts from (its start before it listens counts as deaf at the first tick)
   * @param tickMs the tick's period
   * @param thresholdMs lateness beyond which the loop counts as blocked
   */
  constructor(
    now: number,
    readonly tickMs = TICK_MS,
    readonly thresholdMs = DEAF_AFTER_MS,
  ) {
    this.#due = now + tickMs;
  }

  /**
   * zeus's tick runs at `now`.
   *
   * @returns the time just counted as deaf (0 when the tick was on time, or the block was counted at a read)
   * @example
   * ```ts
   * new DeafClock(0).tick(1000); // 900
   * ```
   */
  tick(now: number): number {
    const late = this.#late(now);
    this.#due = now + this.tickMs;
    return late;
  }

  /**
   * zeus reads a packet at `now`: a block just ended is counted before the packet is judged.
   *
   * @returns the time just counted as deaf
   * @example
   * ```ts
   * new DeafClock(0).heard(50); // 0
   * ```
   */
  heard(now: number): number {
    const late = this.#late(now);
    if (late > 0) this.#due = now;
    return late;
  }

  #late(now: number): number {
    const late = now - this.#due;
    return late > this.thresholdMs ? late : 0;
  }
}

/**
 * How long an emperor was silent while zeus listened: the time since it was last heard, less
 * the deaf time counted meanwhile. Never below 0 (a block counted from a tick's time may
 * start a little before the last read).
 *
 * @param now the monotonic time now
 * @param lastSeen when the emperor was last heard
 * @param deafNow the deaf time counted so far
 * @param deafAtSeen the deaf time counted when it was last heard
 * @example
 * ```ts
 * silenceMs(5000, 1000, 3000, 0); // 1000: 4 s since, 3 s of them deaf
 * ```
 */
export function silenceMs(now: number, lastSeen: number, deafNow: number, deafAtSeen: number): number {
  return Math.max(0, now - lastSeen - (deafNow - deafAtSeen));
}
