import type { SessionStore } from "@sessionkit/core";
import type { Finding, Inspector } from "./types.js";

/** For stores the CLI cannot read behind (third-party adapters): what the contract itself reports. */
export function createGenericInspector(store: SessionStore): Inspector {
  async function verify(deep: boolean): Promise<Finding[]> {
    const findings: Finding[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<SessionStore["list"]>> = await store.list({ limit: 500, cursor });
      for (const report of page.corrupt) {
        findings.push({
          kind:
            report.code === "ERR_UNSUPPORTED_RECORD_VERSION" ? "unknown-record-version" : "corrupt-record",
          id: report.id,
          where: report.id,
          detail: report.message,
        });
      }
      if (deep) {
        for (const item of page.items) {
          const events = await store.readEvents(item.id);
          events.forEach((event, index) => {
            if (event.seq !== index + 1)
              findings.push({
                kind: "seq-gap",
                id: item.id,
                where: `${item.id}#${event.seq}`,
                detail: `event ${index + 1} has seq ${event.seq}`,
              });
          });
          if (events.length !== item.eventCount)
            findings.push({
              kind: "seq-gap",
              id: item.id,
              where: item.id,
              detail: `${events.length} events, eventCount ${item.eventCount}`,
            });
        }
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return findings;
  }
  return {
    verify,
    plan: (findings) =>
      findings.map((finding) => ({
        action: "manual",
        id: finding.id,
        where: finding.where,
        detail: `${finding.kind}: ${finding.detail}; this store has no repair in the CLI`,
      })),
    apply: async () => undefined,
    close: async () => undefined,
  };
}
