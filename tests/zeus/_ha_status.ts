// A zeus /status document of several zeus with no fleet, for the status rendering tests.
import type { ZeusStatus } from "../../lib/zeus/zeus_status.ts";

/** No emperor, vassal or counter; `ha` as given, over an etcd at 127.0.0.1:2379. */
export function haStatus(ha: Record<string, unknown>): ZeusStatus {
  return {
    settling: false,
    emperors: [],
    vassals: [],
    counters: {},
    ha: { etcd: "127.0.0.1:2379", vassal_digest: "", ...ha },
  } as unknown as ZeusStatus;
}
