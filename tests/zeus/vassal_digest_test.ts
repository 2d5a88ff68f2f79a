import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { EtcdClient } from "../../lib/etcd/mod.ts";
import { HaLeadership } from "../../lib/zeus/ha.ts";
import { waitFor } from "../helpers/procs.ts";

const digestOf = (lines: string[]) => createHash("sha256").update(lines.join("")).digest("hex");

test("the vassal set's digest follows the live set, hashed at most once a second however often it changes", async () => {
  const ha = new HaLeadership({ etcd: new EtcdClient({ endpoints: ["127.0.0.1:9"] }), prefix: "/z", ttlS: 5, host: "127.0.0.1" });
  const set = new Map([["b.toml", "22"]]);
  ha.vassalSetChanged(set);
  expect(ha.status().vassal_digest).toBe(digestOf(["b.toml\u000022\n"]));
  // A burst of changes (vassals arriving 100 at a time): each is noted, the set is hashed later, in name order.
  for (let i = 0; i < 1000; i++) {
    set.set(`v${i}.toml`, String(i));
    ha.vassalSetChanged(set);
  }
  set.set("a.toml", "11");
  ha.vassalSetChanged(set);
  const names = [...set.keys()].sort();
  const want = digestOf(names.map((n) => `${n}\0${set.get(n)}\n`));
  await waitFor(() => ha.status().vassal_digest === want, 5000, "the digest of the whole set");
});
