import { describe, expect, test } from "bun:test";
import { journalFailure } from "../../lib/ring/node.ts";

describe("journalFailure", () => {
  test("says how many messages were refused", () => {
    expect(journalFailure("ENOSPC", 1)).toBe("cannot record: journal write failed: ENOSPC (1 message answered ERROR)");
    expect(journalFailure("EIO", 3)).toBe("cannot record: journal write failed: EIO (3 messages answered ERROR)");
  });

  test("a commit of acknowledgements alone refuses nothing and says so (issue 27: not '0 messages not acknowledged')", () => {
    const line = journalFailure("ENOSPC", 0);
    expect(line).not.toContain("0 messages");
    expect(line).not.toContain("cannot record");
    expect(line).toBe(
      "journal write failed: ENOSPC (no message waiting; the peers' acknowledgements are kept and written with the next commit)",
    );
  });
});
