/**
 * Counting turns of the event loop: how a test shows that work was sliced (timers and
 * sockets ran between its slices) rather than done at once.
 *
 * @module
 */

/**
 * Awaits `p`, counting the turns of the event loop (setImmediate callbacks) taken meanwhile.
 *
 * @example
 * ```ts
 * const { value, turns } = await turnsDuring(new Promise((r) => setTimeout(() => r(42), 5)));
 * ```
 */
export async function turnsDuring<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const count = () => {
    turns++;
    if (!done) setImmediate(count);
  };
  setImmediate(count);
  try {
    return { value: await p, turns };
  } finally {
    done = true;
  }
}
