/**
 * How long an emperor waits for its dial to zeus (TCP, then the TLS handshake) before it
 * gives up and dials again, and how long zeus waits for a handshake: the two ends' timing,
 * kept together. Pure.
 *
 * A fixed wait turns a storm into a collapse: after kill -9 of a zeus of 5 000 emperors on
 * TLS, zeus works on thousands of handshakes at once, none finishes within a fixed 5 s, every
 * emperor gives up and dials again, and zeus's work on them is lost (docs/scale.md). So a
 * dial that timed out is given twice the time the next time (5 s, 10 s, 20 s), and a dial
 * that came up starts again from 5 s: a busy zeus finishes the handshakes it began. zeus waits
 * {@link ZEUS_HANDSHAKE_S} for a handshake, longer than the longest of these.
 *
 * @module
 */

/** The first dial's wait, and the one after a dial that came up. */
export const DIAL_TIMEOUT_MS = 5000;
/** The longest wait, after dials that timed out in a row. */
export const DIAL_TIMEOUT_MAX_MS = 20_000;
/** How long zeus waits for a client's TLS handshake: longer than an emperor's longest dial. */
export const ZEUS_HANDSHAKE_S = 30;

/**
 * The wait for the next dial after `timedOut` dials in a row that timed out.
 *
 * @param timedOut dials in a row that were given up for want of time (0 after one that came up)
 * @example
 * ```ts
 * [0, 1, 2, 3].map(dialTimeoutMs); // [5000, 10000, 20000, 20000]
 * ```
 */
export function dialTimeoutMs(timedOut: number): number {
  return Math.min(DIAL_TIMEOUT_MAX_MS, DIAL_TIMEOUT_MS * 2 ** Math.max(0, Math.min(timedOut, 10)));
}
