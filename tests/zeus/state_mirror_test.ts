import { expect, test } from "bun:test";
import type { EtcdClient } from "../../lib/etcd/mod.ts";
import { copiesOf, StateMirror } from "../../lib/zeus/state_mirror.ts";

const kv = (key: string, value: string) => ({ key, value: new TextEncoder().encode(value) });

test("a vassal key's copies are its assignments; a value that is not a vassal's says why instead of counting 0", () => {
  const base = "/z/state/";
  expect(copiesOf(kv("/z/state/vassal/a.toml", '{"name":"a.toml","assignments":[{},{}]}'), base)).toBe(2);
  expect(copiesOf(kv("/z/state/emperor/e1", "not json"), base)).toBe(0);
  expect(copiesOf(kv("/z/state/vassal/a.toml", "{oops"), base)).toEqual({ error: expect.stringMatching(/^not JSON: /) });
  expect(copiesOf(kv("/z/state/vassal/a.toml", "null"), base)).toEqual({ error: "it has no assignments" });
});

/** An etcd holding `n` vassal keys under /z/state/, answering pages; `onPage` runs before each answer. */
function etcdOf(n: number, onPage: (page: number) => void = () => {}) {
  const b64 = (t: string) => Buffer.from(t).toString("base64");
  const keys = Array.from({ length: n }, (_, i) => `/z/state/vassal/v${String(i).padStart(5, "0")}`);
  let pages = 0;
  let watching = 0;
  return {
    endpoint: "127.0.0.1:1",
    get pages() {
      return pages;
    },
    get watching() {
      return watching;
    },
    async call(req: { body: unknown }): Promise<Record<string, unknown>> {
      onPage(++pages);
      const body = req.body as { key: string; limit: string };
      const rest = keys.filter((k) => k >= Buffer.from(body.key, "base64").toString());
      const limit = Number(body.limit);
      const value = b64('{"assignments":[{},{}]}');
      return { header: { revision: "9" }, kvs: rest.slice(0, limit).map((k) => ({ key: b64(k), value })), more: rest.length > limit };
    },
    async watch(_req: unknown, _on: unknown, signal: AbortSignal): Promise<void> {
      watching++;
      await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
      watching--;
    },
  };
}

test("a standby's mirror reads the keys whole and follows them; paused (leading), it stops between pages and shows nothing", async () => {
  const etcd = etcdOf(2500);
  const mirror = new StateMirror(etcd as unknown as EtcdClient, "/z/state/");
  mirror.follow();
  mirror.follow(); // already following: no second reading
  while (etcd.watching === 0) await new Promise((r) => setImmediate(r)); // read whole, then watching
  expect(etcd.pages).toBe(3);
  expect(mirror.summary()).toEqual({ vassals: 2500, copies: 5000, emperors: 0, revision: 9 });

  mirror.pause();
  expect(mirror.summary()).toBeUndefined();
  while (etcd.watching > 0) await new Promise((r) => setImmediate(r));

  // A reading under way when this zeus starts to lead asks for no page after the pause.
  let pause = () => {};
  const slow = etcdOf(5000, (page) => page === 2 && pause());
  const m2 = new StateMirror(slow as unknown as EtcdClient, "/z/state/");
  pause = () => m2.pause();
  m2.follow();
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(slow.pages).toBe(2);
  expect(slow.watching).toBe(0);
  expect(m2.summary()).toBeUndefined();
});
