import { expect } from "bun:test";

/**
 * Checks a lifecycle table cell by cell: for every state × event kind, the next state and the
 * actions' names (joined by spaces), or "-" where the state has no row for the event.
 *
 * @example
 * ```ts
 * expectCells(SERVER_STATES, SERVER_EVENT_KINDS, (s, k) => serverStep(s, sample[k]), expected);
 * ```
 */
export function expectCells<S extends string, K extends string, N extends string>(
  states: readonly S[],
  kinds: readonly K[],
  step: (state: S, kind: K) => { next: N; actions: { do: string }[] } | undefined,
  expected: Record<S, Record<K, [N, string] | "-">>,
): void {
  expect(Object.keys(expected).sort()).toEqual([...states].sort());
  for (const state of states) {
    for (const kind of kinds) {
      const s = step(state, kind);
      const got = s ? [s.next, s.actions.map((a) => a.do).join(" ")] : "-";
      expect({ state, kind, got }).toEqual({ state, kind, got: expected[state][kind] });
    }
  }
}
