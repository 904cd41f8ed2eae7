// Commands of the child runner that drive core's manager over the child's store (SS-LS, SS-IDEM).
// The manager comes from the suite's peer copy of @sessionkit/core, the store from the adapter's.
import type { HeldLease, SessionManager, SessionStore } from "@sessionkit/core";

type Send = (message: unknown) => void;
type Command = (...args: unknown[]) => Promise<unknown>;

/** One submission of a duplicate batch: the manager call, its arguments and its operation id. */
export interface Submission {
  method: string;
  args: unknown[];
  operationId: string;
}

/** What one submission answered: the version it returned, or the error code. */
export type SubmissionOutcome = { version: number } | { code: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : `raw:${(error as Error)?.message ?? String(error)}`;
}

/** The manager commands, over the store the runner built; `send` posts progress messages. */
export function managerCommands(store: () => SessionStore, send: Send): Record<string, Command> {
  let manager: SessionManager | undefined;
  let retentionLease: HeldLease | undefined;
  const live = () => {
    if (!manager) throw new Error("no manager: send the manager command first");
    return manager;
  };
  const invoke = (method: string, args: unknown[]) =>
    (live() as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!(...args);

  return {
    /** Takes the store's retention lease (real clock) and holds it, renewed, until released or killed. */
    async holdRetentionLease() {
      const { acquireRetentionLease, systemClock } = await import("@sessionkit/core");
      retentionLease = await acquireRetentionLease(store(), systemClock);
      return process.pid;
    },
    /** Releases the lease holdRetentionLease took. */
    async releaseRetentionLease() {
      await retentionLease?.release();
      retentionLease = undefined;
      return true;
    },
    /** Opens this child's manager (real clock) with JSON options: ownership, webhooks. */
    async manager(options) {
      // Imported on first use: core's full entry (manager, webhooks, undici) adds about 0.4 s of CPU
      // to a child's start, which the crash case (100 children) would pay for nothing.
      const { createSessionManager } = await import("@sessionkit/core");
      manager = createSessionManager({ ...(options as object), store: store() });
      return live().ownerId;
    },
    /** Calls one manager method and answers its value. */
    async call(method, args) {
      return invoke(String(method), (args as unknown[]) ?? []);
    },
    /**
     * Appends `owner_write` events to `id` every `pauseMs` until a write fails; reports each
     * acknowledged write as progress, then answers the count and the failure's code.
     */
    async ownerWrites(id, pauseMs) {
      let acked = 0;
      for (;;) {
        try {
          await live().addEvent(String(id), "owner_write", { k: acked });
        } catch (error) {
          return { acked, code: codeOf(error) };
        }
        acked += 1;
        send({ type: "progress", value: acked });
        await sleep(Number(pauseMs));
      }
    },
    /**
     * `rounds` times: blocks the event loop for `stallMs` (a synchronous spin, as a long JSON parse
     * or a CPU-bound step would), then writes an `alive` event and idles `freeMs`.
     */
    async stallLoop(id, stallMs, freeMs, rounds) {
      for (let round = 0; round < Number(rounds); round++) {
        const until = Date.now() + Number(stallMs);
        while (Date.now() < until) {
          // spin: timers (the heartbeat among them) cannot fire meanwhile
        }
        await live().addEvent(String(id), "alive", { round });
        await sleep(Number(freeMs));
      }
      return Number(rounds);
    },
    /**
     * Submits each submission `copies` times, `parallel` at a time, all with its operation id;
     * answers every outcome in submission order.
     */
    async submitDuplicates(submissions, copies, parallel) {
      const out: SubmissionOutcome[][] = [];
      for (const { method, args, operationId } of submissions as Submission[]) {
        const outcomes: SubmissionOutcome[] = [];
        for (let done = 0; done < Number(copies); done += Number(parallel)) {
          const batch = Math.min(Number(parallel), Number(copies) - done);
          const settled = await Promise.allSettled(
            Array.from({ length: batch }, () => invoke(method, [...args, { operationId }])),
          );
          for (const result of settled) {
            outcomes.push(
              result.status === "fulfilled"
                ? { version: (result.value as { version: number }).version }
                : { code: codeOf(result.reason) },
            );
          }
        }
        out.push(outcomes);
      }
      return out;
    },
    /** Closes the manager (flushes webhooks); answers how many deliveries were left undelivered. */
    async closeManager(timeoutMs) {
      const { undelivered } = await live().close({ timeoutMs: Number(timeoutMs) || 10_000 });
      return undelivered.length;
    },
  };
}
