import { nanoid } from "nanoid";
import type { CrashStatus } from "./ownership.js";

/** Ownership settings of a manager (see SessionManagerOptions.ownership). */
export interface OwnershipOptions {
  /** The id this manager claims as (default: `owner_` + a random id, new per manager). */
  ownerId?: string;
  /** Lease length in ms (default 15000); heartbeats extend it every leaseMs/3. */
  leaseMs?: number;
  /** start() claims the new session (default true when ownership is on). */
  claimOnStart?: boolean;
}

/** The lease every claim gets unless told otherwise: detection ≤ lease + sweep interval. */
export const DEFAULT_LEASE_MS = 15_000;

/** Ownership with every default filled in; `false`/absent means claims only on explicit claim(). */
export function resolveOwnership(option: boolean | OwnershipOptions | undefined): Required<OwnershipOptions> {
  const given = typeof option === "object" ? option : {};
  return {
    ownerId: given.ownerId ?? `owner_${nanoid(12)}`,
    leaseMs: given.leaseMs ?? DEFAULT_LEASE_MS,
    claimOnStart: option === undefined || option === false ? false : (given.claimOnStart ?? true),
  };
}

export type { CrashStatus };
