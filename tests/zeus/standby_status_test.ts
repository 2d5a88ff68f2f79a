import { expect, test } from "bun:test";
import { followLeader } from "../../lib/zeus/standby_status.ts";
import { haStatus } from "./_ha_status.ts";

const since = "2026-01-01T00:00:00.000Z";
const standby = (leader?: { stats?: string }) =>
  haStatus({
    role: "standby",
    id: "b",
    ...(leader ? { leader: { id: "a", zeus: "10.0.0.1:4040", since, ...leader } } : {}),
    standbys: [{ id: "b", zeus: "10.0.0.2:4040", since }],
  });
const leaderDoc = { settling: false, emperors: [{ node: "e1" }], vassals: [], counters: {}, ha: { role: "leader", id: "a", standbys: [] } };

test("a standby is followed to the leader's stats; its id stays this zeus's", async () => {
  const asked: string[] = [];
  const view = await followLeader(standby({ stats: "10.0.0.1:4041" }), async (addr) => (asked.push(addr), leaderDoc));
  expect(asked).toEqual(["10.0.0.1:4041"]);
  expect(view.note).toBe("this zeus (b) is a standby: the leader a's status, from its stats at 10.0.0.1:4041");
  expect(view.leader).toMatchObject({ emperors: [{ node: "e1" }], ha: { role: "leader", id: "b" } });
});

test("without a leader, its stats, or an answer from them, the note says why and nothing is shown", async () => {
  const never = async () => {
    throw new Error("not to be asked");
  };
  expect(await followLeader(standby(), never)).toEqual({
    note: "this zeus (b) is a standby and no leader is elected yet: there are no emperors or vassals to show",
  });
  expect(await followLeader(standby({}), never)).toEqual({
    note: "this zeus (b) is a standby; the leader a at 10.0.0.1:4040 serves no --stats, so its emperors and vassals cannot be shown here",
  });
  const down = async () => {
    throw new Error("cannot reach stats at 10.0.0.1:4041: connection refused");
  };
  expect((await followLeader(standby({ stats: "10.0.0.1:4041" }), down)).note).toBe(
    "this zeus (b) is a standby; the leader a's status: cannot reach stats at 10.0.0.1:4041: connection refused (zeus status --stats 10.0.0.1:4041 asks it)",
  );
  const deposed = async () => ({ ...leaderDoc, ha: { role: "standby", id: "a", standbys: [] } });
  expect((await followLeader(standby({ stats: "10.0.0.1:4041" }), deposed)).leader).toBeUndefined();
});
