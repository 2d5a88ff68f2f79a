// lib/ring/listen/subscribe_request.ts: the SUBSCRIBE vars a node accepts.
import { expect, test } from "bun:test";
import { subscribeRequest } from "../../../lib/ring/listen/subscribe_request.ts";

test("SUBSCRIBE vars: since, since_time, durable, group, ack_wait", () => {
  expect(subscribeRequest({})).toEqual({ prefix: "", ackWaitMs: 30_000 });
  expect(subscribeRequest({ since: "all", durable: "audit", prefix: "A" })).toEqual({
    prefix: "A",
    since: "all",
    durable: "audit",
    ackWaitMs: 30_000,
  });
  expect(subscribeRequest({ since: "42" }).since).toEqual({ seq: 42 });
  expect(subscribeRequest({ since_time: "2026-12-01T21:00:00.000Z" }).since).toEqual({ ms: Date.parse("2026-12-01T21:00:00Z") });
  expect(subscribeRequest({ group: "jobs", ack_wait: "2.5" })).toEqual({ prefix: "", group: "jobs", ackWaitMs: 2500 });
  expect(() => subscribeRequest({ since: "0" })).toThrow('since "0" is not "all" or a sequence number');
  expect(() => subscribeRequest({ since: "all", since_time: "2026-12-01T21:00:00Z" })).toThrow("not both");
  expect(() => subscribeRequest({ since_time: "yesterday" })).toThrow("is not an ISO 8601 time");
  expect(() => subscribeRequest({ durable: "a/b" })).toThrow('durable "a/b" is not 1-64 of');
  expect(() => subscribeRequest({ durable: "a", group: "b" })).toThrow("durable or group, not both");
  expect(() => subscribeRequest({ ack_wait: "5" })).toThrow("ack_wait is for group members");
  expect(() => subscribeRequest({ group: "g", ack_wait: "0" })).toThrow('ack_wait "0" is not 0.1 to 86400 seconds');
});
