import type { SessionStore } from "@sessionkit/core";
import type { StoreLocation } from "../stores.js";

/** Every kind of damage or inconsistency verify reports. */
export const FINDING_KINDS = [
  "corrupt-record",
  "unknown-record-version",
  "torn-tail",
  "seq-gap",
  "seq-duplicate",
  "index-drift",
  "row-drift",
  "stale-lock",
  "debris",
  "schema-drift",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** One thing verify found, by session id when it belongs to one. */
export interface Finding {
  kind: FindingKind;
  id: string | null;
  /** File, row or object it is about. */
  where: string;
  detail: string;
}

/** What repair does about a finding; applied in plan order. */
export type RepairAction =
  | "quarantine"
  | "rebuild-index"
  | "truncate-tail"
  | "remove-lock"
  | "remove-debris"
  | "rewrite-row"
  | "manual";

/** One step of a repair plan. `manual` steps are reported, never applied (nothing automatic is safe there). */
export interface RepairStep {
  action: RepairAction;
  id: string | null;
  where: string;
  detail: string;
}

/** Store-specific inspection: reads the raw storage behind the store, plans and applies repairs. */
export interface Inspector {
  verify(deep: boolean): Promise<Finding[]>;
  plan(findings: Finding[]): RepairStep[];
  /** Applies one planned step; re-checks under the store's own locks that it is still due. */
  apply(step: RepairStep): Promise<void>;
  close(): Promise<void>;
}

/** What an inspector is built from. */
export interface InspectTarget {
  store: SessionStore;
  location: StoreLocation;
  /** Where quarantined records go (default: per store, beside its data). */
  quarantineDir: string | undefined;
}

/** A sortable key so reports come out in a stable order. */
export function byIdThenKind(a: Finding, b: Finding): number {
  return (
    (a.id ?? "").localeCompare(b.id ?? "") || a.kind.localeCompare(b.kind) || a.where.localeCompare(b.where)
  );
}
