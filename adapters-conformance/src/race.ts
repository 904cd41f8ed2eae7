import { createPrng } from "./assertions.js";

/**
 * How long one side of a race waits after the shared start gate. Starting every side at the same
 * instant interleaves them the same way each round, so a gap of one round trip (re-read, then write)
 * is never hit; a seeded offset per side and round makes the rounds differ, reproducibly.
 * `turns` counts event-loop turns (setImmediate), `ms` real milliseconds (a timer).
 */
export type RaceOffset = { turns: number } | { ms: number };

/** One round of `startTogether`, as reported to `options.onRace` and in failure messages. */
export interface RaceRound {
  /** The case's id. */
  caseId: string;
  /** 0-based, per case; round 0 starts every side at once. */
  round: number;
  /** The run's seed (pass it as `options.seed` to replay the same offsets). */
  seed: number;
  /** One offset per side, in side order. */
  offsets: RaceOffset[];
  /** Side indexes in the order they settled. */
  settled: number[];
  /** Per side: "ok" or the rejection's code (or "error"). */
  outcomes: string[];
}

/** "0", "3t" (turns) or "2ms". */
export function formatOffset(offset: RaceOffset): string {
  if ("ms" in offset) return `${offset.ms}ms`;
  return offset.turns === 0 ? "0" : `${offset.turns}t`;
}

/** The run's seed: `options.seed`, else SESSIONKIT_CONFORMANCE_SEED, else a fresh random one. */
export function resolveSeed(seed: number | undefined): number {
  if (seed !== undefined) return seed >>> 0;
  const fromEnv = Number(process.env.SESSIONKIT_CONFORMANCE_SEED);
  if (process.env.SESSIONKIT_CONFORMANCE_SEED && Number.isInteger(fromEnv)) return fromEnv >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** FNV-1a of the case id, so each case draws its own offsets from the run's seed. */
function hashId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The offsets of each round of one case: round 0 all zero, later rounds seeded from (seed, case id). */
export function createRaceSchedule(seed: number, caseId: string) {
  const prng = createPrng((seed ^ hashId(caseId)) >>> 0);
  const draw = (): RaceOffset => {
    const roll = prng.next();
    // About a third start at once, half wait one to five loop turns (in-process windows: small
    // differences matter most), the rest a real millisecond or two (a network or IPC round trip).
    if (roll < 0.35) return { turns: 0 };
    if (roll < 0.85) return { turns: 1 + prng.int(5) };
    return { ms: 1 + prng.int(2) };
  };
  let rounds = 0;
  return {
    /** Offsets for the next round of `count` sides. */
    next(count: number): { round: number; offsets: RaceOffset[] } {
      const round = rounds++;
      const offsets = Array.from({ length: count }, () => (round === 0 ? { turns: 0 } : draw()));
      return { round, offsets };
    },
  };
}

/** Resolves after the offset. */
export async function waitOffset(offset: RaceOffset): Promise<void> {
  if ("ms" in offset) {
    await new Promise<void>((resolve) => setTimeout(resolve, offset.ms));
    return;
  }
  for (let turn = 0; turn < offset.turns; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The line a failing case gets appended: seed, round and its offsets. */
export function describeRound(round: RaceRound | undefined, seed: number): string {
  if (!round) return `(race seed ${seed})`;
  const offsets = round.offsets.map(formatOffset);
  const shown = offsets.length > 12 ? `${offsets.slice(0, 12).join(", ")}, …` : offsets.join(", ");
  return `(race seed ${seed}; last race round ${round.round}, side offsets [${shown}]; pass { seed: ${seed} } to replay)`;
}
