// A quorum message (ack = "quorum") on a node whose links never dial: where it is sent, and
// when its client gets ok. The rule's hops and the entry node are a majority, so while they
// are up no other node gets a copy; once one is down every other node does.
import { afterAll, describe, expect, test } from "bun:test";
import { type RingNode, ringConfigFromText } from "../../lib/config/mod.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { ZogNode } from "../../lib/ring/node.ts";
import { type LinkOwner, PeerLink } from "../../lib/ring/peer_link.ts";
import { QUORUM_WIDEN_MS } from "../../lib/ring/quorum.ts";
import { recover } from "../../lib/ring/recovery.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(() => removeTmpDirs());

const ringOf = (names: string[]) =>
  ringConfigFromText(names.map((n, i) => `[[node]]\nname = "${n}"\nhost = "127.9.9.${11 + i}"\n`).join(""), "ring.toml").nodes;

/** A node at position 0 of a ring of `size` on a fake clock; its links never dial. */
function makeNode(size: number) {
  const nodes = ringOf(["MV", "PA", "G", "LA", "S"].slice(0, size));
  const files = new LogFiles(tmpDir());
  const clock = new FakeClock();
  const link = (peer: RingNode, owner: LinkOwner) => new PeerLink(peer, owner, { keepaliveMs: 1000, clock });
  const node = new ZogNode({ self: nodes[0]!, nodes, files, fsync: "never", recovered: recover(files), link, clock });
  const answers: string[] = [];
  /** Submits a quorum message (or a local one) and commits it; its answer goes to `answers`. */
  const send = (id: string, ack: "quorum" | "local" = "quorum") => {
    const quorumMs = ack === "quorum" ? 10_000 : undefined;
    const reply = (error?: string) => answers.push(`${id} ${error ?? "ok"}`);
    node.submit({ id, content: `content of ${id}`, from: "client", wrapping: 0, origin: 0, reply, quorumMs });
    clock.advance(0);
  };
  /** `peer` answers OK for `id`, as its link would. */
  const ack = (peer: number, id: string) => {
    node.links[peer]!.queue.delete(id);
    node.acked(peer, id);
  };
  const down = (peer: number) => {
    node.links[peer]!.state = "down";
    node.linkDown(peer);
  };
  const queued = (peer: number) => [...node.links[peer]!.queue.values()].map((e) => [e.id, e.dests.get(peer)]);
  const close = () => {
    node.flush();
    files.close();
  };
  return { node, clock, send, ack, down, queued, answers, close };
}

describe("a quorum message", () => {
  test("with its hops up goes to them alone, and is ok once they and the entry node hold it", () => {
    const n = makeNode(5);
    n.send("q");
    expect([1, 2, 3, 4].map(n.queued)).toEqual([[["q", 2]], [["q", 2]], [], []]);
    n.ack(1, "q");
    expect(n.answers).toEqual([]);
    n.ack(2, "q");
    expect(n.answers).toEqual(["q ok"]);
    n.close();
  });

  test("a hop going down sends it to every other node with wrapping 0; ok once a majority answers", () => {
    const n = makeNode(5);
    n.send("q");
    n.down(1);
    expect([1, 2, 3, 4].map(n.queued)).toEqual([[["q", 2]], [["q", 2]], [["q", 0]], [["q", 0]]]);
    n.ack(4, "q");
    expect(n.answers).toEqual([]);
    n.ack(3, "q");
    expect(n.answers).toEqual(["q ok"]);
    n.close();
  });

  test("sent while a hop is down: to every other node at once; a local message only to the takeover hop", () => {
    const n = makeNode(5);
    n.down(2);
    n.send("q");
    n.send("l", "local");
    expect([1, 2, 3, 4].map(n.queued)).toEqual([
      [
        ["q", 2],
        ["l", 2],
      ],
      [
        ["q", 2],
        ["l", 2],
      ],
      [["q", 0]],
      [
        ["q", 0],
        ["l", 0],
      ],
    ]);
    expect(n.answers).toEqual(["l ok"]);
    n.close();
  });

  test("hops that have not all answered within QUORUM_WIDEN_MS (slow, or hung and not yet found so): sent to every other node", () => {
    const n = makeNode(5);
    n.send("q");
    n.send("fast");
    n.ack(1, "fast");
    n.ack(2, "fast");
    n.ack(1, "q");
    n.clock.advance(QUORUM_WIDEN_MS - 100);
    expect([3, 4].map(n.queued)).toEqual([[], []]);
    n.clock.advance(100);
    expect([3, 4].map(n.queued)).toEqual([[["q", 0]], [["q", 0]]]);
    n.ack(4, "q");
    expect(n.answers).toEqual(["fast ok", "q ok"]);
    n.close();
  });

  test("in a ring of four, a hop with wrapping 0 down (no duty to take over) still widens it", () => {
    const n = makeNode(4);
    n.send("q");
    expect([1, 2, 3].map(n.queued)).toEqual([[["q", 2]], [["q", 0]], []]);
    n.down(2);
    expect([1, 2, 3].map(n.queued)).toEqual([[["q", 2]], [["q", 0]], [["q", 0]]]);
    n.ack(1, "q");
    n.ack(3, "q");
    expect(n.answers).toEqual(["q ok"]);
    n.close();
  });
});
