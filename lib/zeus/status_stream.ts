/**
 * A `/status` document of many vassal rows, written as a stream of JSON text a slice of rows
 * per turn of the event loop: the whole `/status` of 100 000 vassals took 0.5-1.4 s to make
 * and serialise at once, during which zeus read no heartbeat. The counts and the emperors
 * are those of the moment the document began; each row is made when its slice is written
 * (a vassal that changed meanwhile shows its newer state; one removed meanwhile its last).
 *
 * @module
 */
import { vassalState } from "./vassal_state.ts";
import { type StatusPlan, vassalRow } from "./zeus_status.ts";
import { nextTurn } from "../clock.ts";

/** Documents listing more vassal rows than this are streamed; fewer are made at once. */
export const STREAM_ROWS = 5000;
/** Rows made and serialised per turn of the event loop. */
export const SLICE_ROWS = 2000;

/**
 * The JSON text of `plan`'s document, opening with the keys of `first` and ending with those
 * of `last` (e.g. zeus's `ha`), its rows `sliceRows` at a time.
 *
 * @example
 * ```ts
 * import { statusPlan } from "./zeus_status.ts";
 * const body = statusStream(statusPlan(core), { version: "1.0.0" });
 * const doc = await new Response(body).json();
 * ```
 */
export function statusStream(
  plan: StatusPlan,
  first: Record<string, unknown> = {},
  last: Record<string, unknown> = {},
  sliceRows = SLICE_ROWS,
): ReadableStream<Uint8Array> {
  const { settling, emperors, ...rest } = plan.head;
  const open = `${JSON.stringify({ ...first, settling, emperors }).slice(0, -1)},"vassals":[`;
  const close = `],${JSON.stringify({ ...rest, ...last }).slice(1)}`;
  const enc = new TextEncoder();
  let at = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(enc.encode(open));
    },
    async pull(controller) {
      if (at > 0) await nextTurn(); // heartbeats and timers run between slices
      const slice = plan.rows.slice(at, at + sliceRows).map(({ v }) => vassalRow(v, vassalState(v), plan.alive, plan.configs));
      const text = JSON.stringify(slice).slice(1, -1);
      controller.enqueue(enc.encode(`${at > 0 && text ? "," : ""}${text}`));
      at += sliceRows;
      if (at < plan.rows.length) return;
      controller.enqueue(enc.encode(close));
      controller.close();
    },
  });
}
