// A listing read in pages at one revision: a page that no member answered in time is asked
// again (a takeover reading 205 pages of state under load failed at one late page, and the
// zeus stepped down and read everything again, three times); a refusal is not retried, nor a
// page that keeps going unanswered.
import { expect, test } from "bun:test";
import { EtcdError } from "../../lib/errors.ts";
import { PAGE_TRIES, rangeAll } from "../../lib/etcd/range_all.ts";
import type { EtcdRequest } from "../../lib/etcd/requests.ts";

const b64 = (t: string) => Buffer.from(t).toString("base64");

/** An etcd of `n` keys under /p/ answering pages, failing the calls whose numbers `fail` names. */
function pages(n: number, fail: (call: number) => Error | undefined) {
  const keys = Array.from({ length: n }, (_, i) => `/p/k${String(i).padStart(4, "0")}`);
  const calls: Record<string, unknown>[] = [];
  return {
    calls,
    async call(req: EtcdRequest): Promise<Record<string, unknown>> {
      const body = req.body as { key: string; limit: string };
      calls.push(body);
      const e = fail(calls.length);
      if (e) throw e;
      const from = Buffer.from(body.key, "base64").toString();
      const rest = keys.filter((k) => k >= from);
      const limit = Number(body.limit);
      return {
        header: { revision: "42" },
        kvs: rest.slice(0, limit).map((k) => ({ key: b64(k), value: b64("v") })),
        more: rest.length > limit,
      };
    },
  };
}

test("a page unanswered once is asked again at the listing's revision; the listing is whole", async () => {
  const etcd = pages(25, (n) => (n === 2 ? new EtcdError("etcd unreachable (127.0.0.1:2379: no answer in time)", true) : undefined));
  const { kvs, revision } = await rangeAll(etcd, "/p/", 10);
  expect(kvs.map((kv) => kv.key)).toEqual(Array.from({ length: 25 }, (_, i) => `/p/k${String(i).padStart(4, "0")}`));
  expect(revision).toBe(42);
  expect(etcd.calls).toHaveLength(4); // three pages, the second asked twice
  expect(etcd.calls[2]).toEqual(etcd.calls[1]!);
  expect(etcd.calls[2]!.revision).toBe("42");
});

test("a refusal is not asked again, nor a page unanswered every time", async () => {
  const refused = pages(25, (n) =>
    n === 2 ? new EtcdError("etcd at 127.0.0.1:2379 refused /v3/kv/range: too many requests", false) : undefined,
  );
  await expect(rangeAll(refused, "/p/", 10)).rejects.toThrow("refused");
  const silent = pages(25, (n) => (n >= 2 ? new EtcdError("etcd unreachable", true) : undefined));
  await expect(rangeAll(silent, "/p/", 10)).rejects.toThrow("etcd unreachable");
  expect(refused.calls).toHaveLength(2);
  expect(silent.calls).toHaveLength(1 + PAGE_TRIES);
});

test("a listing aborted between pages asks for no further page", async () => {
  const abort = new AbortController();
  const etcd = pages(25, (n) => {
    if (n === 2) abort.abort(new Error("leading now"));
    return undefined;
  });
  await expect(rangeAll(etcd, "/p/", 10, abort.signal)).rejects.toThrow("leading now");
  expect(etcd.calls).toHaveLength(2);
});
