// When a node's journal is synced at "batch": a client's commit syncs at once; commits of
// peers' forwards share a later fsync (within PEER_SYNC_MS), unless the sender asked for a
// prompt answer (a quorum message, `sync` = `1`).
import { afterAll, expect, test } from "bun:test";
import type { RingNode } from "../../lib/config/mod.ts";
import { PEER_SYNC_MS } from "../../lib/ring/durability.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { ZogNode } from "../../lib/ring/node.ts";
import type { PeerLink } from "../../lib/ring/peer_link.ts";
import { recover } from "../../lib/ring/recovery.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";
import { config, fakeLink } from "./_fake_link.ts";

afterAll(() => removeTmpDirs());

/** Node MV at "batch" on a fake clock: its journal's fsyncs, forwards, access.log lines and answers, in order. */
function makeNode() {
  const files = new LogFiles(tmpDir());
  const events: string[] = [];
  const clock = new FakeClock();
  const link = (peer: RingNode) => fakeLink(peer.index, events) as unknown as PeerLink;
  const node = new ZogNode({ self: config.nodes[0]!, nodes: config.nodes, files, fsync: "batch", recovered: recover(files), link, clock });
  const sync = files.syncJournalNow.bind(files);
  files.syncJournalNow = () => {
    events.push("fsync");
    sync();
  };
  const append = files.access.append.bind(files.access);
  files.access.append = (text: string) => {
    events.push(`logged ${text.slice(17).trim()}`);
    append(text);
  };
  /** A message from a client, or from peer `from` (wrapping 0: logged, not forwarded). */
  const submit = (id: string, from: "client" | number, prompt = false) =>
    node.submit({
      id,
      content: id,
      from,
      wrapping: 0,
      origin: from === "client" ? 0 : from,
      prompt,
      reply: (e) => events.push(`${e ?? "ok"} ${id}`),
    });
  return { node, files, events, clock, submit };
}

test("a client's commit forwards, writes access.log, syncs the journal and answers, in that order", () => {
  const { files, events, clock, submit } = makeNode();
  submit("a", "client");
  clock.advance(0);
  expect(events).toEqual(["sent a to PA", "sent a to G", "logged a", "fsync", "ok a"]);
  files.close();
});

test("commits of peers' forwards share one fsync, at the latest PEER_SYNC_MS after the first", () => {
  const { files, events, clock, submit } = makeNode();
  submit("p1", 1);
  clock.advance(0);
  submit("p2", 2);
  clock.advance(0);
  expect(events).toEqual(["logged p1", "logged p2"]);
  clock.advance(PEER_SYNC_MS);
  expect(events).toEqual(["logged p1", "logged p2", "fsync", "ok p1", "ok p2"]);
  files.close();
});

test("a client's commit answers the peers' forwards waiting before it with its own fsync", () => {
  const { files, events, clock, submit } = makeNode();
  submit("p1", 3);
  clock.advance(0);
  submit("c1", "client");
  clock.advance(0);
  expect(events).toEqual(["logged p1", "sent c1 to PA", "sent c1 to G", "logged c1", "fsync", "ok p1", "ok c1"]);
  clock.advance(PEER_SYNC_MS);
  expect(events.filter((e) => e === "fsync").length).toBe(1);
  files.close();
});

test("a peer's message marked sync = 1 (its sender counts a majority) is synced and answered at once", () => {
  const { files, events, clock, submit } = makeNode();
  submit("q1", 4, true);
  clock.advance(0);
  expect(events).toEqual(["logged q1", "fsync", "ok q1"]);
  files.close();
});

test("a node stopping syncs and answers the peers' forwards still waiting", () => {
  const { node, files, events, clock, submit } = makeNode();
  submit("p1", 1);
  clock.advance(0);
  node.flush();
  expect(events.slice(0, 3)).toEqual(["logged p1", "fsync", "ok p1"]);
  files.close();
});

test("a client's quorum message goes to its hops marked prompt (sent with sync = 1), a local one does not", () => {
  const { node, files, clock } = makeNode();
  const reply = () => {};
  node.submit({ id: "q", content: "q", from: "client", wrapping: 0, origin: 0, quorumMs: 10_000, reply });
  node.submit({ id: "l", content: "l", from: "client", wrapping: 0, origin: 0, reply });
  clock.advance(0);
  const marks = (id: string) => [1, 2].map((p) => node.links[p]!.queue.get(id)?.prompt === true);
  expect([marks("q"), marks("l")]).toEqual([
    [true, true],
    [false, false],
  ]);
  files.close();
});
