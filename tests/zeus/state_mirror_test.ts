import { expect, test } from "bun:test";
import { copiesOf } from "../../lib/zeus/state_mirror.ts";

const kv = (key: string, value: string) => ({ key, value: new TextEncoder().encode(value) });

test("a vassal key's copies are its assignments; a value that is not a vassal's says why instead of counting 0", () => {
  const base = "/z/state/";
  expect(copiesOf(kv("/z/state/vassal/a.toml", '{"name":"a.toml","assignments":[{},{}]}'), base)).toBe(2);
  expect(copiesOf(kv("/z/state/emperor/e1", "not json"), base)).toBe(0);
  expect(copiesOf(kv("/z/state/vassal/a.toml", "{oops"), base)).toEqual({ error: expect.stringMatching(/^not JSON: /) });
  expect(copiesOf(kv("/z/state/vassal/a.toml", "null"), base)).toEqual({ error: "it has no assignments" });
});
