import { expect, test } from "bun:test";
import { copiesOf } from "../../lib/zeus/state_mirror.ts";
import { renderZeusStatus } from "../../lib/zeus/status_command.ts";
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";

const kv = (key: string, value: string) => ({ key, value: new TextEncoder().encode(value) });

test("a vassal key's copies are its assignments; a value that is not a vassal's says why instead of counting 0", () => {
  const base = "/z/state/";
  expect(copiesOf(kv("/z/state/vassal/a.toml", '{"name":"a.toml","assignments":[{},{}]}'), base)).toBe(2);
  expect(copiesOf(kv("/z/state/emperor/e1", "not json"), base)).toBe(0);
  expect(copiesOf(kv("/z/state/vassal/a.toml", "{oops"), base)).toEqual({ error: expect.stringMatching(/^not JSON: /) });
  expect(copiesOf(kv("/z/state/vassal/a.toml", "null"), base)).toEqual({ error: "it has no assignments" });
});

test("zeus status names the state keys that hold no vassal", () => {
  const s = {
    settling: false,
    emperors: [],
    vassals: [],
    counters: {},
    ha: {
      role: "leader",
      id: "a",
      standbys: [],
      etcd: "127.0.0.1:2379",
      vassal_digest: "",
      state: { vassals: 2, copies: 1, emperors: 1, revision: 9, unreadable: ["vassal/b.toml"] },
    },
  } as unknown as ZeusStatus;
  expect(renderZeusStatus(s, 0)).toContain(
    "state in etcd: 2 vassals, 1 copies, 1 emperors (revision 9); 1 key(s) that hold no vassal, which a takeover cannot restore: vassal/b.toml",
  );
});
