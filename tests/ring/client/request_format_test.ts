import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_CONTENT_BYTES } from "../../../lib/ring/client/content.ts";
import {
  clientReplyPrefix,
  newRequestClient,
  requestId,
  parseReply,
  parseRequest,
  replyContent,
  replyId,
  replyPrefix,
  requestContent,
  requestPrefix,
  requestTime,
  unescapeText,
} from "../../../lib/ring/client/request_format.ts";
import { ID_RE } from "../../../lib/ring/protocol.ts";

describe("requests and replies as messages", () => {
  test("a request's content reads back; its prefix is its service's", () => {
    const c = requestContent("uptime", 1765000000000, "how long? ");
    expect(c).toBe("@request uptime 1765000000000 how long? ");
    expect(c.startsWith(requestPrefix("uptime"))).toBe(true);
    expect(c.startsWith(requestPrefix("up"))).toBe(false);
    expect(parseRequest(c)).toEqual({ service: "uptime", deadline: 1765000000000, text: "how long? " });
    expect(parseRequest(requestContent("a.b_c-d", undefined, ""))).toEqual({ service: "a.b_c-d", deadline: undefined, text: "" });
    expect(parseRequest("plain message")).toBeUndefined();
  });

  test("a request that cannot be one message is refused with the reason", () => {
    expect(() => requestContent("bad name", undefined, "x")).toThrow(/service "bad name" may hold only/);
    expect(() => requestContent("s", undefined, "a\nb")).toThrow(/holds a line break/);
    expect(() => requestContent("s", undefined, "x".repeat(500))).toThrow(/more than the 508 a message holds/);
  });

  test("request ids are message ids that say when they were made; reply ids follow", () => {
    const now = Date.parse("2026-12-06T02:50:00Z");
    const client = newRequestClient();
    const id = requestId(client, now, 7);
    expect(id).toMatch(ID_RE);
    expect(id).toMatch(/^q-[0-9a-f]{10}-[0-9a-z]+-7$/);
    expect(requestTime(id)).toBe(now);
    expect(replyContent(id, 0, "x").startsWith(clientReplyPrefix(client))).toBe(true);
    expect(requestTime("c5f0-1")).toBeUndefined();
    expect(replyId(id)).toBe(`r-${id}`);
    expect(replyId("x".repeat(64))).toMatch(ID_RE);
  });

  test("any output survives a reply, or is cut to fit one message and marked", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 700 }), fc.integer({ min: 0, max: 255 }), (output, code) => {
        const content = replyContent("q-1-ab", code, output);
        expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
        expect(content).not.toMatch(/[\r\n\u2028\u2029]/);
        expect(content.startsWith(replyPrefix("q-1-ab"))).toBe(true);
        const r = parseReply(content)!;
        expect(r.requestId).toBe("q-1-ab");
        expect(r.code).toBe(code);
        if (r.cut) expect(output.startsWith(r.text)).toBe(true);
        else expect(r.text).toBe(output);
      }),
    );
  });

  test("escapes: backslash, line breaks, tabs, control characters", () => {
    const content = replyContent("q-1-ab", 0, "a\\b\nc\r\td\x01\u2028");
    expect(content).toBe("@reply q-1-ab 0 a\\\\b\\nc\\r\\td\\x01\\u2028");
    expect(unescapeText("a\\\\nb")).toBe("a\\nb");
  });
});
