import type { CaseDefinition } from "../case.js";
import { capabilityCases } from "./capabilities.js";
import { concurrencyCases } from "./concurrency.js";
import { copyCases } from "./copies.js";
import { corruptCases } from "./corrupt.js";
import { crudCases } from "./crud.js";
import { eventCases } from "./events.js";
import { exportCases } from "./export.js";
import { fidelityCases } from "./fidelity.js";
import { idempotencyCases } from "./idempotency.js";
import { idempotencyReplayCases } from "./idempotency-replays.js";
import { idCases } from "./ids.js";
import { importManyCases } from "./import-many.js";
import { inboxCases } from "./inbox.js";
import { leaseCases } from "./leases.js";
import * as lifecycle from "./lifecycle.js";
import { occCases } from "./occ.js";
import { persistenceCases } from "./persistence.js";
import { pruneCases } from "./prune.js";
import { queryCases } from "./queries.js";
import { rangeCases } from "./ranges.js";
import { readManyCases } from "./read-many.js";
import { retentionLeaseCases } from "./retention-lease.js";
import { statsCases } from "./stats.js";
import { storeLifecycleCases } from "./store-lifecycle.js";
import { summaryCases } from "./summaries.js";
import { watchCases } from "./watch.js";

function lifecycleList(): CaseDefinition[] {
  const exported = (lifecycle as { lifecycleCases?: CaseDefinition[] | (() => CaseDefinition[]) })
    .lifecycleCases;
  const list = typeof exported === "function" ? exported() : (exported ?? []);
  return list.map((def) => ({ ...def, group: "SS-LC" }));
}

/** Every case of the suite, in report order; ids are unique and stable. */
export function allCases(): CaseDefinition[] {
  const all = [
    ...capabilityCases,
    ...storeLifecycleCases,
    ...crudCases,
    ...readManyCases,
    ...copyCases,
    ...idCases,
    ...rangeCases,
    ...occCases,
    ...eventCases,
    ...concurrencyCases,
    ...queryCases,
    ...summaryCases,
    ...statsCases,
    ...pruneCases,
    ...fidelityCases,
    ...exportCases,
    ...importManyCases,
    ...corruptCases,
    ...persistenceCases,
    ...watchCases,
    ...inboxCases,
    ...retentionLeaseCases,
    ...lifecycleList(),
    ...leaseCases,
    ...idempotencyCases,
    ...idempotencyReplayCases,
  ];
  const seen = new Set<string>();
  for (const def of all) {
    if (seen.has(def.id)) throw new Error(`@sessionkit/conformance: duplicate case id ${def.id}`);
    seen.add(def.id);
  }
  return all;
}
