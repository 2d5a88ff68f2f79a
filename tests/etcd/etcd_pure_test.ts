import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LeaseDeadline } from "../../lib/etcd/lease_deadline.ts";
import {
  b64,
  keepAliveTtl,
  prefixEnd,
  rangeKvs,
  silentFor,
  timeToLive,
  txnRequest,
  txnResult,
  watchMessage,
} from "../../lib/etcd/requests.ts";
import { parseEtcdUrl } from "../../lib/etcd/url.ts";

describe("parseEtcdUrl", () => {
  test("members and prefix", () => {
    expect(parseEtcdUrl("etcd://10.0.0.1:2379,10.0.0.2:2379/zeus/prod/")).toEqual({
      endpoints: ["10.0.0.1:2379", "10.0.0.2:2379"],
      prefix: "/zeus/prod",
    });
    expect(parseEtcdUrl("etcd://[::1]:2379/z")).toEqual({ endpoints: ["[::1]:2379"], prefix: "/z" });
  });
  test.each([
    ["http://h:1/z", "does not start with etcd://"],
    ["etcd://h:1", "has no /PREFIX"],
    ["etcd://h:1/", "empty prefix"],
    ["etcd://h:1/a//b", "empty part"],
    ["etcd:///z", "names no HOST:PORT"],
    ["etcd://h/z", 'bad member "h"'],
  ])("%s is refused", (url, says) => {
    expect(() => parseEtcdUrl(url)).toThrow(SyntaxError);
    expect(() => parseEtcdUrl(url)).toThrow(says);
  });
});

describe("requests", () => {
  test("prefixEnd is the smallest key after every key with the prefix", () => {
    expect(Buffer.from(prefixEnd("/a/"), "base64").toString()).toBe("/a0");
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), (p, rest) => {
        const end = Buffer.from(prefixEnd(p), "base64");
        const key = Buffer.from(p + rest);
        return Buffer.compare(key, end) < 0 && Buffer.compare(Buffer.from(p), end) < 0;
      }),
    );
  });
  test("a guarded transaction in the gateway's JSON shape", () => {
    const r = txnRequest(
      [{ key: "/z/leader", createRevision: 7 }],
      [{ put: "/z/state", value: "{}", lease: "42" }],
      [{ range: "/z/leader" }],
    );
    expect(r.path).toBe("/v3/kv/txn");
    expect(r.body).toEqual({
      compare: [{ key: b64("/z/leader"), target: "CREATE", result: "EQUAL", create_revision: "7" }],
      success: [{ request_put: { key: b64("/z/state"), value: b64("{}"), lease: "42" } }],
      failure: [{ request_range: { key: b64("/z/leader") } }],
    });
  });
  test("responses: fields at their zero value are absent", () => {
    expect(txnResult({ header: {} })).toEqual({ succeeded: false, kvs: [] });
    const kv = { key: b64("/z/leader"), value: b64("me"), create_revision: "3", mod_revision: "4", lease: "9" };
    expect(txnResult({ succeeded: true, responses: [{ response_range: { kvs: [kv] } }] }).kvs[0]!.createRevision).toBe(3);
    expect(rangeKvs({})).toEqual([]);
    expect(keepAliveTtl({ result: { ID: "99" } })).toBe(0);
    expect(keepAliveTtl({ result: { ID: "99", TTL: "5" } })).toBe(5);
    const w = watchMessage({ result: { header: { revision: "8" }, events: [{ type: "DELETE", kv: { key: b64("k") } }] } });
    expect(w.events).toEqual([
      { type: "delete", kv: { key: "k", value: new Uint8Array(), createRevision: 0, modRevision: 0, lease: "0" } },
    ]);
    expect(watchMessage({ result: { canceled: true, compact_revision: "5" } }).compactRevision).toBe(5);
  });
});

describe("LeaseDeadline", () => {
  test("proven from before the request was sent, minus the margin; lost at once", () => {
    const d = new LeaseDeadline(200);
    expect(d.valid(0)).toBe(false);
    d.renewed(1000, 2);
    expect(d.valid(2799)).toBe(true);
    expect(d.valid(2800)).toBe(false);
    d.renewed(500, 2); // an older answer arriving late never shortens it
    expect(d.until).toBe(2800);
    d.renewed(2000, 0); // etcd says the lease is gone
    expect(d.valid(2001)).toBe(false);
  });
  test("property: never valid past sentAt + TTL of the last renewal", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(100_000), fc.integer({ min: 0, max: 10 })), { maxLength: 20 }),
        fc.nat(200_000),
        (steps, now) => {
          const d = new LeaseDeadline(100);
          for (const [at, ttl] of steps) d.renewed(at, ttl);
          let last = -1;
          steps.forEach(([, ttl], i) => (last = ttl === 0 ? i : last));
          const after = steps.slice(last + 1);
          const bound = Math.max(0, ...after.map(([at, ttl]) => at + ttl * 1000));
          return !d.valid(now) || now < bound;
        },
      ),
    );
  });
});

test("silentFor: a lease renewed within the last second is 0; etcd's rounded-down seconds left give a lower bound; gone is -1", () => {
  // etcd 3.4's answers: TTL left rounded down, zero fields left out.
  expect(silentFor(timeToLive({ ID: "1", TTL: "1", grantedTTL: "2" }))).toBe(0);
  expect(silentFor(timeToLive({ ID: "1", grantedTTL: "2" }))).toBe(1);
  expect(silentFor(timeToLive({ ID: "1", TTL: "-1" }))).toBe(-1);
  expect(silentFor({ ttlS: 4, grantedS: 5 })).toBe(0);
  expect(silentFor({ ttlS: 2, grantedS: 5 })).toBe(2);
});
