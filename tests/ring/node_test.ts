import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RingNode, ringConfigFromText } from "../../lib/config/mod.ts";
import { journalLine } from "../../lib/ring/journal_format.ts";
import { LogFiles } from "../../lib/ring/log_files.ts";
import { type Incoming, ZogNode } from "../../lib/ring/node.ts";
import { type LinkOwner, PeerLink } from "../../lib/ring/peer_link.ts";
import { compactJournal, recover } from "../../lib/ring/recovery.ts";
import { FakeClock } from "../helpers/fake_clock.ts";
import { removeTmpDirs, tmpDir } from "../helpers/procs.ts";

afterAll(() => removeTmpDirs());

const config = ringConfigFromText(
  ["MV", "PA", "G", "LA", "S"].map((n, i) => `[[node]]\nname = "${n}"\nhost = "127.9.9.${11 + i}"\n`).join(""),
  "ring.toml",
);

/** The journal's records as text: checksums and P lines (access.log offsets) left out. */
function records(path: string): string {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("P "))
    .map((l) => `${l.slice(0, -9)}\n`)
    .join("");
}

const link = (peer: RingNode, owner: LinkOwner) => new PeerLink(peer, owner, { keepaliveMs: 1000 });

/** A node at position 0 whose links never dial: what it owes peers stays in their queues. */
function makeNode(dir: string, compactBytes?: number) {
  const files = new LogFiles(dir);
  const rec = recover(files);
  const node = new ZogNode({ self: config.nodes[0]!, nodes: config.nodes, files, fsync: "never", recovered: rec, link, compactBytes });
  for (const e of rec.pending) node.dispatch(e);
  return { node, files, rec };
}

function submit(node: ZogNode, id: string, content: string, from: Incoming["from"] = "client", wrapping = 0): Promise<string | undefined> {
  return new Promise((reply) => node.submit({ id, content, from, wrapping, origin: 0, reply }));
}

/** What a link does on OK: forget the message, then tell the node. */
function ack(node: ZogNode, peer: number, id: string): void {
  node.links[peer]!.queue.delete(id);
  node.acked(peer, id);
}

const queued = (node: ZogNode, peer: number) => [...node.links[peer]!.queue.values()].map((e) => [e.id, e.dests.get(peer)]);

describe("ZogNode", () => {
  test("on an injected clock: the commit waits for the clock's next turn, and access.log is stamped with its wall time", async () => {
    const dir = tmpDir();
    const files = new LogFiles(dir);
    const clock = new FakeClock(Date.UTC(2031, 4, 6, 7, 8, 9));
    const node = new ZogNode({
      self: config.nodes[0]!,
      nodes: config.nodes,
      files,
      fsync: "never",
      recovered: recover(files),
      link,
      clock,
    });
    const answer = submit(node, "a", "hello");
    // A real turn of the event loop (the system clock's commit would have run in it).
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(join(dir, "access.log"), "utf8")).toBe("");
    clock.advance(0);
    expect(await answer).toBeUndefined();
    expect(readFileSync(join(dir, "access.log"), "utf8")).toBe("20310506T070809Z hello\n");
    node.flush();
    files.close();
  });

  test("a client message is journalled, owed to +1 and +2 with wrapping 2, logged, then OK", async () => {
    const dir = tmpDir();
    const { node, files } = makeNode(dir);
    expect(await submit(node, "a", "hello")).toBeUndefined();
    expect(readFileSync(join(dir, "access.log"), "utf8")).toMatch(/^\d{8}T\d{6}Z hello\n$/);
    expect(records(join(dir, "journal"))).toContain("M 1 a 0 1:2,2:2 hello\n");
    expect(queued(node, 1)).toEqual([["a", 2]]);
    expect(queued(node, 2)).toEqual([["a", 2]]);
    expect(queued(node, 3)).toEqual([]);
    files.close();
  });

  test("a peer that is down has its duty taken over: +1's +2 gets the message with 0", async () => {
    const { node, files } = makeNode(tmpDir());
    await submit(node, "a", "one");
    node.links[1]!.state = "down";
    node.linkDown(1);
    expect(queued(node, 3)).toEqual([["a", 0]]);
    await submit(node, "b", "two");
    expect(queued(node, 3)).toEqual([
      ["a", 0],
      ["b", 0],
    ]);
    expect(queued(node, 1).map(([id]) => id)).toEqual(["a", "b"]);
    files.close();
  });

  test("duplicates: a client retry goes to every node with 0, a peer's with w != 0 is forwarded again; logged once", async () => {
    const dir = tmpDir();
    const { node, files } = makeNode(dir);
    await submit(node, "a", "once");
    expect(await submit(node, "a", "once")).toBeUndefined();
    expect(queued(node, 3)).toEqual([["a", 0]]);
    expect(queued(node, 4)).toEqual([["a", 0]]);
    await submit(node, "p", "from a peer", 3, 2);
    expect(queued(node, 2)).toEqual([
      ["a", 2],
      ["p", 0],
    ]);
    expect(node.counters.duplicates).toBe(1);
    expect(
      readFileSync(join(dir, "access.log"), "utf8")
        .split("\n")
        .filter((l) => l.endsWith(" once")),
    ).toHaveLength(1);
    files.close();
  });

  test("an id already held is marked held on its OK; a new one, and each of one commit's first, is not", async () => {
    const { node, files } = makeNode(tmpDir());
    const incoming = (id: string) => {
      let reply!: (inc: Incoming) => void;
      const done = new Promise<Incoming>((res) => (reply = res));
      const inc: Incoming = { id, content: id, from: "client", wrapping: 0, origin: 0, reply: () => reply(inc) };
      return { inc, done };
    };
    const [a1, a2, b] = [incoming("a"), incoming("a"), incoming("b")];
    node.submit(a1.inc);
    node.submit(a2.inc);
    node.submit(b.inc);
    expect((await a1.done).held).toBeUndefined();
    expect((await a2.done).held).toBe(true);
    expect((await b.done).held).toBeUndefined();
    const again = incoming("b");
    node.submit(again.inc);
    expect((await again.done).held).toBe(true);
    files.close();
  });

  test("a restart remembers ids and what peers have not acknowledged", async () => {
    const dir = tmpDir();
    const first = makeNode(dir);
    await submit(first.node, "a", "before restart");
    ack(first.node, 1, "a");
    await new Promise((r) => setImmediate(r));
    first.files.close();
    const { node, files } = makeNode(dir);
    expect(node.seen.has("a")).toBe(true);
    expect(queued(node, 1)).toEqual([]);
    expect(queued(node, 2)).toEqual([["a", 2]]);
    expect(await submit(node, "a", "before restart")).toBeUndefined();
    expect(
      readFileSync(join(dir, "access.log"), "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    ).toHaveLength(1);
    files.close();
  });

  test("a crash between journal and access.log is repaired at start, once", () => {
    const dir = tmpDir();
    makeNode(dir).files.close();
    appendFileSync(
      join(dir, "journal"),
      journalLine({ kind: "M", seq: 1, id: "x", origin: 2, dests: new Map(), content: "journalled only" }),
    );
    const { files, rec } = makeNode(dir);
    expect(rec.repaired).toBe(1);
    files.close();
    expect(makeNode(dir).rec.repaired).toBe(0);
    expect(readFileSync(join(dir, "access.log"), "utf8")).toMatch(/^\d{8}T\d{6}Z journalled only\n$/);
  });

  test("L marks lost to damage: what access.log holds is found at the journalled offsets, nothing is doubled", async () => {
    const dir = tmpDir();
    const first = makeNode(dir);
    for (let i = 0; i < 20; i++) await submit(first.node, `m${i}`, `message ${i}`);
    first.node.flush();
    first.files.close();
    // Every L mark damaged (one bit each): replay sees 20 messages after V and none confirmed.
    const path = join(dir, "journal");
    const damaged = readFileSync(path, "utf8").replace(/^L (\d+)/gm, (_, n) => `L ${Number(n) ^ 1}`);
    writeFileSync(path, damaged);
    const again = makeNode(dir);
    expect(again.rec.repaired).toBe(0);
    expect(again.rec.damage.length).toBeGreaterThan(0);
    expect(again.rec.damage[0]).toMatch(/^journal .*: bytes \d+-\d+ \(1 record\) fail their checksum: not replayed$/);
    const lines = readFileSync(join(dir, "access.log"), "utf8")
      .split("\n")
      .filter((l) => l !== "");
    expect(lines.map((l) => l.slice(17))).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i}`));
    again.files.close();
  });

  test("a crash that cut access.log's last write: the torn line is cut and written again whole", async () => {
    const dir = tmpDir();
    const first = makeNode(dir);
    for (let i = 0; i < 5; i++) await submit(first.node, `m${i}`, `message ${i}`);
    first.files.close();
    const access = join(dir, "access.log");
    const text = readFileSync(access, "utf8");
    writeFileSync(access, text.slice(0, text.length - 4));
    const again = makeNode(dir);
    const lines = readFileSync(access, "utf8")
      .split("\n")
      .filter((l) => l !== "");
    expect(lines.map((l) => l.slice(17))).toEqual(Array.from({ length: 5 }, (_, i) => `message ${i}`));
    expect(again.rec.notes.join("\n")).toMatch(/access\.log: cut a torn line at byte \d+/);
    again.files.close();
  });

  test("a journal of format 1 (no checksums) is read once, the old way, and rewritten in format 2", () => {
    const dir = tmpDir();
    // What the older code left: 3 messages, the L mark vouching for 2, the third in access.log too.
    writeFileSync(join(dir, "journal"), "M a 0 1:2,2:2 one\nM b 0 1:2,2:2 two\nA 1 a b\nL 2\nM c 0 1:2,2:2 three\n");
    writeFileSync(join(dir, "access.log"), ["one", "two", "three"].map((c) => `20261122T030442Z ${c}\n`).join(""));
    const { node, files, rec } = makeNode(dir);
    expect(rec.repaired).toBe(0);
    expect(rec.notes.join("\n")).toMatch(/read in format 1 \(no checksums\) and rewritten in format 2, after message 3/);
    expect(records(join(dir, "journal"))).toStartWith("V 2 3\n");
    expect(["a", "b", "c"].every((id) => node.seen.has(id))).toBe(true);
    expect(queued(node, 2).map(([id]) => id)).toEqual(["a", "b", "c"]);
    files.close();
    // The next start reads format 2 and repairs nothing.
    const again = makeNode(dir);
    expect(again.rec.repaired).toBe(0);
    expect(again.rec.damage).toEqual([]);
    expect(
      readFileSync(join(dir, "access.log"), "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    ).toHaveLength(3);
    again.files.close();
  });

  test("compaction keeps the ids and the duties owed", async () => {
    const dir = tmpDir();
    const { node, files } = makeNode(dir);
    for (let i = 0; i < 10; i++) await submit(node, `m${i}`, `message ${i}`);
    for (let i = 0; i < 10; i++) if (i !== 4) ack(node, 1, `m${i}`);
    await new Promise((r) => setImmediate(r));
    const pending = [...node.links[2]!.queue.values()].filter((e) => e.id === "m4" || e.id === "m7");
    compactJournal(files, node.seen, pending, 10);
    files.close();
    const again = makeNode(dir);
    expect([...again.node.seen.values()].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(again.rec.seq).toBe(10);
    expect(again.rec.repaired).toBe(0);
    expect(queued(again.node, 2).map(([id]) => id)).toEqual(["m4", "m7"]);
    again.files.close();
  });

  test("a journal past its limit is compacted while running; a restart still knows every id and duty", async () => {
    const dir = tmpDir();
    const { node, files } = makeNode(dir, 4000);
    for (let i = 0; i < 100; i++) await submit(node, `c${i}`, `compacted message ${i}`);
    for (let i = 0; i < 100; i++) if (i % 10 !== 0) ack(node, 1, `c${i}`);
    await submit(node, "last", "after the acks");
    const journal = records(join(dir, "journal"));
    expect(journal.length).toBeLessThan(8000);
    expect(journal).toContain("S c0\n");
    files.close();
    const again = makeNode(dir);
    for (let i = 0; i < 100; i++) expect(again.node.seen.has(`c${i}`)).toBe(true);
    expect(queued(again.node, 1).map(([id]) => id)).toEqual([...Array.from({ length: 10 }, (_, i) => `c${i * 10}`), "last"]);
    expect(
      readFileSync(join(dir, "access.log"), "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    ).toHaveLength(101);
    again.files.close();
  });

  test("repair finds where a batch of thousands of unconfirmed records stopped in access.log", () => {
    const dir = tmpDir();
    makeNode(dir).files.close();
    const contents = Array.from({ length: 3000 }, (_, i) => `batch line ${i} ${"z".repeat(40)}`);
    appendFileSync(
      join(dir, "journal"),
      contents.map((content, i) => journalLine({ kind: "M", seq: i + 1, id: `b${i}`, origin: 1, dests: new Map(), content })).join(""),
    );
    appendFileSync(
      join(dir, "access.log"),
      contents
        .slice(0, 2000)
        .map((c) => `20261122T030442Z ${c}\n`)
        .join(""),
    );
    const { files, rec } = makeNode(dir);
    expect(rec.repaired).toBe(1000);
    files.close();
    const lines = readFileSync(join(dir, "access.log"), "utf8")
      .split("\n")
      .filter((l) => l !== "");
    expect(lines.map((l) => l.slice(17))).toEqual(contents);
  });
  test("OK waits for the journal's fsync; the L mark moves only once access.log and the store are synced too", async () => {
    const dir = tmpDir();
    const files = new LogFiles(dir);
    const loggedSyncs: (() => void)[] = [];
    files.syncLogged = () => new Promise<void>((done) => loggedSyncs.push(done));
    const node = new ZogNode({ self: config.nodes[0]!, nodes: config.nodes, files, fsync: "batch", recovered: recover(files), link });
    const journal = () => records(join(dir, "journal"));
    expect(await submit(node, "a", "one")).toBeUndefined();
    const deadline = Date.now() + 10_000;
    // The sync starts from the node's own batch timer: poll for it.
    while (loggedSyncs.length < 1 && Date.now() < deadline) await Bun.sleep(5);
    expect(loggedSyncs.length).toBe(1);
    expect(await submit(node, "b", "two")).toBeUndefined();
    expect(journal()).not.toMatch(/^L 1$/m);
    loggedSyncs[0]!();
    // One turn of the event loop: the released sync's continuation runs before the next submit.
    await Bun.sleep(0);
    expect(await submit(node, "c", "three")).toBeUndefined();
    // The sync that ran covered "a" alone ("b" came while it ran).
    expect(journal()).toMatch(/^M 2 b [^\n]*\nL 1\nM 3 c /m);
    node.flush();
    expect(journal().endsWith("L 3\n")).toBe(true);
    files.close();
  });

  test("fsync batch on a slow disk: what arrives during a group fsync is committed after it, as one batch, and OK only after its own fsync", async () => {
    const dir = tmpDir();
    const files = new LogFiles(dir);
    const syncs: (() => void)[] = [];
    files.sync = () => new Promise<void>((done) => syncs.push(done));
    // A slow disk: a blocking fsync of 25 ms moves the next ones to the worker thread.
    files.syncJournalNow = () => {
      const started = performance.now();
      while (performance.now() - started < 25);
    };
    const node = new ZogNode({ self: config.nodes[0]!, nodes: config.nodes, files, fsync: "batch", recovered: recover(files), link });
    const journal = () => records(join(dir, "journal"));
    const answered: string[] = [];
    const send = (id: string) => submit(node, id, `content ${id}`).then((err) => answered.push(err ?? id));
    await send("slow");
    expect(syncs.length).toBe(0);
    answered.length = 0;
    const a = send("a");
    // The group fsync starts from the node's own batch timer: poll for it.
    while (syncs.length < 1) await Bun.sleep(1);
    const rest = [send("b"), send("c")];
    // A non-event (b and c not committed while the fsync runs): time for them to wrongly be.
    await Bun.sleep(20);
    expect(journal()).not.toContain("M 3 b ");
    expect(answered).toEqual([]);
    syncs[0]!();
    await a;
    // The next group fsync starts from the node's own batch timer: poll for it.
    while (syncs.length < 2) await Bun.sleep(1);
    expect(journal()).toContain("M 3 b 0 1:2,2:2 content b\nM 4 c 0 1:2,2:2 content c\n");
    expect(answered).toEqual(["a"]);
    syncs[1]!();
    await Promise.all(rest);
    expect(answered).toEqual(["a", "b", "c"]);
    expect(syncs.length).toBe(2);
    files.close();
  });
});
