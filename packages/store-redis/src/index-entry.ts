import {
  factsOf,
  indexableMetadata,
  type ListPosition,
  type MetadataFilterValue,
  type ParsedFilter,
  type Session,
} from "@sessionkit/core/driver";
import type { StoreKeys } from "./keys.js";

/**
 * What the write scripts need to index one session, stored beside the record as the hash field
 * `ix` (JSON). The scripts read the previous entry from there, so removing a session's old index
 * memberships, totals and change facts never depends on decoding the record itself (a damaged
 * record is still unindexed exactly).
 */
export interface IndexEntry {
  /** The member in every created-order set: `createdAt|id`. */
  m: string;
  /** Every created-order set the session belongs to (all, user, channel, mode, status, metadata, inbox). */
  k: string[];
  /** Its prune set (per status) and member there: `updatedAt|id`. */
  p: string;
  pm: string;
  /** Status, mode (as a key part, see keyPart), iterations, eventCount, updatedAt: for stats and filters. */
  st: string;
  md: string;
  it: number;
  ec: number;
  ua: string;
  /** The change facts (factsOf) as JSON text, for the change log. */
  f: string;
}

/**
 * A value as part of a key: well-formed text as `=text`, anything the UTF-8 wire would alter (a
 * lone surrogate becomes U+FFFD) as `~` + its JSON, so two values never share a key.
 */
export function keyPart(value: string): string {
  return Buffer.from(value, "utf8").toString("utf8") === value ? `=${value}` : `~${JSON.stringify(value)}`;
}

/** The inverse of keyPart. */
export function fromKeyPart(part: string): string {
  return part.startsWith("~") ? (JSON.parse(part.slice(1)) as string) : part.slice(1);
}

/** A metadata filter value as a key part: the type is part of it, so "1", 1 and true differ. */
export function metadataPart(value: MetadataFilterValue): string {
  if (value === null) return "z";
  if (typeof value === "boolean") return `b${value}`;
  if (typeof value === "number") return `n${Object.is(value, -0) ? 0 : value}`;
  return `s${keyPart(value)}`;
}

/** The member of a position in the created-order sets; ids hold no `|`, createdAt is ISO text. */
export function memberOf(position: ListPosition): string {
  return `${position.createdAt}|${position.id}`;
}

export function positionOf(member: string): ListPosition {
  const bar = member.indexOf("|");
  return { createdAt: member.slice(0, bar), id: member.slice(bar + 1) };
}

/** The index entry of a session as it is about to be written. */
export function indexEntry(keys: StoreKeys, session: Session): IndexEntry {
  const k = [keys.all, keys.byMode(keyPart(session.mode)), keys.byStatus(session.status)];
  if (session.userId !== undefined) k.push(keys.byUser(keyPart(session.userId)));
  if (session.channelId !== undefined) k.push(keys.byChannel(keyPart(session.channelId)));
  for (const [key, value] of indexableMetadata(session.metadata))
    k.push(keys.byMetadata(key, metadataPart(value)));
  const open = session.inputRequests?.length ?? 0;
  if (open > 0 && (session.status === "active" || session.status === "paused")) k.push(keys.inbox);
  return {
    m: memberOf(session),
    k,
    p: keys.pruneOrder(session.status),
    pm: `${session.updatedAt}|${session.id}`,
    st: session.status,
    md: keyPart(session.mode),
    it: session.iterations,
    ec: session.eventCount,
    ua: session.updatedAt,
    f: JSON.stringify(factsOf(session)),
  };
}

/**
 * The equality parts of a filter as groups of created-order sets: a session matches when it is in
 * at least one set of every group (statuses are one group of several sets). No group: every session.
 */
export function filterGroups(keys: StoreKeys, filter: ParsedFilter): string[][] {
  const groups: string[][] = [];
  if (filter.userId !== undefined) groups.push([keys.byUser(keyPart(filter.userId))]);
  if (filter.channelId !== undefined) groups.push([keys.byChannel(keyPart(filter.channelId))]);
  if (filter.mode !== undefined) groups.push([keys.byMode(keyPart(filter.mode))]);
  if (filter.statuses !== undefined) groups.push(filter.statuses.map((status) => keys.byStatus(status)));
  for (const [key, value] of filter.metadata ?? []) groups.push([keys.byMetadata(key, metadataPart(value))]);
  return groups;
}
