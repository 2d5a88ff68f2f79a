// A five-node ring's config and a fake link for driving a ZogNode in-process (node_order_test,
// node_sync_test): what reaches a link's socket is recorded, in order, when it is flushed.
import { ringConfigFromText } from "../../lib/config/mod.ts";
import type { Entry } from "../../lib/ring/entry.ts";

/** Nodes MV, PA, G, LA and S on 127.9.9.11-15. */
export const config = ringConfigFromText(
  ["MV", "PA", "G", "LA", "S"].map((n, i) => `[[node]]\nname = "${n}"\nhost = "127.9.9.${11 + i}"\n`).join(""),
  "ring.toml",
);

/** A link that is up and whose socket takes what it was given only when flushed ("sent ID to NAME" in `events`). */
export function fakeLink(peer: number, events: string[]) {
  const queue = new Map<string, Entry>();
  let unsent: string[] = [];
  return {
    peer: config.nodes[peer]!,
    state: "up" as const,
    queue,
    enqueue(e: Entry) {
      queue.set(e.id, e);
      unsent.push(e.id);
    },
    sendQueued() {},
    flush() {
      for (const id of unsent) events.push(`sent ${id} to ${config.nodes[peer]!.name}`);
      unsent = [];
    },
  };
}
