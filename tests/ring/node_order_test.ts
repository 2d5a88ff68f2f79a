// The seed's rule "messages are logged AFTER forwarding", checked in the node's own order
// of work: the forwards reach the links' sockets before access.log is written.
import { afterAll, expect, test } from "bun:test";
import type { RingNode } from "../../lib/config/mod.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { ZogNode } from "../../lib/ring/node.ts";
import type { PeerLink } from "../../lib/ring/peer_link.ts";
import { recover } from "../../lib/ring/recovery.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";
import { config, fakeLink } from "./_fake_link.ts";

afterAll(() => removeTmpDirs());

test("a message goes to the sockets of +1 and +2 before its access.log line is written", async () => {
  const files = new LogFiles(tmpDir());
  const events: string[] = [];
  const link = (peer: RingNode) => fakeLink(peer.index, events) as unknown as PeerLink;
  const node = new ZogNode({ self: config.nodes[0]!, nodes: config.nodes, files, fsync: "never", recovered: recover(files), link });
  const append = files.access.append.bind(files.access);
  files.access.append = (text: string) => {
    events.push(`logged ${text.slice(17).trim()}`);
    return append(text);
  };
  const reply = await new Promise((res) => node.submit({ id: "a", content: "hello", from: "client", wrapping: 0, origin: 0, reply: res }));
  expect(reply).toBeUndefined();
  expect(events).toEqual(["sent a to PA", "sent a to G", "logged hello"]);
  files.close();
});
