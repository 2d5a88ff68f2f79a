/**
 * How long an emperor waits for its dial to zeus (TCP, then the TLS handshake) before it
 * gives up and dials again, and how long zeus waits for a handshake: the two ends' timing,
 * kept together. Pure.
 *
 * A fixed wait turns a storm into a collapse: after kill -9 of a zeus of 5 000 emperors on
 * TLS, zeus works on thousands of handshakes at once, none finishes within a fixed 5 s, every
 * emperor gives up and dials again, and zeus's work on them is lost (docs/scale.md). So a
 * dial that timed out is given twice the time the next time (5 s, 10 s, 20 s), and a dial
 * that came up starts again from 5 s: a busy zeus finishes the handshakes it began. An emperor
 * with only one zeus gives the handshake longer once connected ({@link ONLY_ZEUS_HANDSHAKE_MS}).
 * zeus waits {@link ZEUS_HANDSHAKE_S} for a handshake, longer than the longest of these.
 *
 * @module
 */

/** The first dial's wait, and the one after a dial that came up. */
export const DIAL_TIMEOUT_MS = 5000;
/** The longest wait, after dials that timed out in a row. */
export const DIAL_TIMEOUT_MAX_MS = 20_000;
/**
 * How long an emperor with one zeus waits for the TLS handshake once its host accepted the
 * connection: a handshake given up is work zeus did for nothing, and with no other zeus to try
 * nothing is gained by dialling again. After kill -9 of a zeus of 200 000 copies on 5 000 TLS
 * emperors, 1 516 to 4 933 dials were given up (at 1 000 000 copies 7 336, and the last emperor
 * was back after 41.68 s), each emperor then waiting its backoff and a new handshake. With several
 * zeus, a dial is given {@link dialTimeoutMs} in all: one that is paused (its kernel still
 * accepts) is left for the next.
 */
export const ONLY_ZEUS_HANDSHAKE_MS = 25_000;

/** How long zeus waits for a client's TLS handshake: longer than an emperor's longest dial and its handshake. */
export const ZEUS_HANDSHAKE_S = 30;

/**
 * How long an emperor dialling one of `zeusCount` zeus waits for the TLS handshake once
 * connected: {@link ONLY_ZEUS_HANDSHAKE_MS} when it is the only one, else undefined (what is
 * left of the dial's {@link dialTimeoutMs}).
 *
 * @param zeusCount the zeus the emperor knows (its --emperor addresses, and leaders it was sent to)
 * @example
 * ```ts
 * [1, 2].map(handshakeTimeoutMs); // [25000, undefined]
 * ```
 */
export function handshakeTimeoutMs(zeusCount: number): number | undefined {
  return zeusCount <= 1 ? ONLY_ZEUS_HANDSHAKE_MS : undefined;
}

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
