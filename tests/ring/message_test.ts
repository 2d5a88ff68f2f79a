import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { accessLine, checkMessage, compactStamp, errorLine, MESSAGE_LIMIT, rewrap } from "../../lib/ring/message.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("message validity", () => {
  test("a digit, UTF-8 content and CRLF is valid", () => {
    expect(checkMessage(enc("2héllo wörld\r\n"), 2)).toEqual({ ok: true, wrapping: 2, content: "héllo wörld" });
  });

  test("each kind of invalid message names its reason", () => {
    const reason = (m: Uint8Array) => {
      const r = checkMessage(m, 2);
      return r.ok ? "valid" : r.reason;
    };
    expect(reason(enc("0no crlf"))).toBe("not CRLF-terminated");
    expect(reason(enc("0only lf\n"))).toBe("not CRLF-terminated");
    expect(reason(enc(`0${"x".repeat(MESSAGE_LIMIT - 3)}\r\n`))).toMatch(/^too long: 512 bytes/);
    expect(reason(enc(`0${"x".repeat(MESSAGE_LIMIT - 4)}\r\n`))).toBe("valid");
    expect(reason(enc("7hi\r\n"))).toBe("unknown wrapping 7: this ring uses 0..2");
    expect(reason(enc("xhi\r\n"))).toBe("wrapping byte 0x78 is not a digit");
    expect(reason(enc("0two\r\nlines\r\n"))).toBe("CR or LF at byte 4 before the final CRLF");
    expect(reason(new Uint8Array([48, 0xff, 0xfe, 13, 10]))).toBe("content is not valid UTF-8");
  });

  test("property: valid exactly when the rules say so", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = checkMessage(bytes, 2);
        if (r.ok) {
          expect(bytes.byteLength).toBeLessThan(MESSAGE_LIMIT);
          expect(bytes[0]! - 48).toBe(r.wrapping);
          expect(accessLine("S", r.content).split("\n").length).toBe(2);
        }
      }),
    );
  });

  test("rewrap changes only the wrapping digit and leaves the input alone", () => {
    const m = enc("2abc\r\n");
    expect(new TextDecoder().decode(rewrap(m, 0))).toBe("0abc\r\n");
    expect(m[0]).toBe(50);
  });

  test("access lines of 63 characters of content stay within 80 characters", () => {
    const line = accessLine(compactStamp(new Date("2026-11-22T03:04:42.123Z")), "y".repeat(63));
    expect(line.startsWith("20261122T030442Z y")).toBe(true);
    expect(line.length - 1).toBe(80);
  });

  test("error lines are one line with sender and reason", () => {
    const l = errorLine(new Date(0), "127.0.0.1:5", "not CRLF-terminated", enc("0a\nb"));
    expect(l).toBe('1970-01-01T00:00:00.000Z 127.0.0.1:5 not CRLF-terminated: "0a\\x0ab"\n');
  });

  test("error lines escape what came off the wire in sender, reason and bytes: one event, one line", () => {
    const forged = 'x"\n1970-01-01T00:00:00.000Z client 10.0.0.1:1 forged';
    const l = errorLine(new Date(0), `client ${forged}`, `bad message id "${forged}"`, enc(`0${forged}\r\n`));
    expect(l.split("\n")).toEqual([
      '1970-01-01T00:00:00.000Z client x"\\x0a1970-01-01T00:00:00.000Z client 10.0.0.1:1 forged bad message id "x"\\x0a1970-01-01T00:00:00.000Z client 10.0.0.1:1 forged": "0x\\x22\\x0a1970-01-01T00:00:00.000Z client 10.0.0.1:1 forged\\x0d\\x0a"',
      "",
    ]);
  });
});
