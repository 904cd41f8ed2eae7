import { hostname } from "node:os";
import { type Session, systemClock } from "@sessionkit/core";
import { expectCode, expectDeepEqual, expectEqual, freshId, input } from "../assertions.js";
import type { CaseDefinition } from "../case.js";
import {
  createExpired,
  deadPid,
  eventsOf,
  expectCrashedOnce,
  expectOneCrashEach,
  managerChild,
  managerOf,
  ownedByChild,
  sleep,
} from "./manager-helpers.js";

/** SS-LS: leases, heartbeats, fencing and the crash sweeper, through core's manager over this store. */
export const leaseCases: CaseDefinition[] = [
  {
    id: "SS-LS-01",
    group: "SS-LS",
    title:
      "a claim is stored with the session: a second claimer is refused while the lease runs, takes over after it, and the old owner's next write fails with ERR_LEASE_LOST changing nothing",
    requires: ["leases"],
    async run(env) {
      const store = await env.open();
      const a = managerOf(env, store, { ownerId: "owner_a", leaseMs: 60_000 });
      const b = managerOf(env, store, { ownerId: "owner_b", leaseMs: 60_000 });
      const started = await a.start({ task: "t", mode: "m" });
      const stored = (await store.get(started.id))!;
      expectEqual(stored.owner?.id, "owner_a", "owner.id as stored after start");
      expectEqual(stored.owner?.generation, 1, "owner.generation as stored after start");
      expectEqual(stored.leaseUntil, started.leaseUntil, "leaseUntil as stored after start");
      const busy = await expectCode(b.claim(started.id), "ERR_SESSION_BUSY", "a claim while the lease runs");
      expectEqual(
        (busy as unknown as { details: { owner?: { id?: string } } }).details.owner?.id,
        "owner_a",
        "the owner ERR_SESSION_BUSY names",
      );
      expectEqual((await store.get(started.id))!.version, stored.version, "version after the refused claim");
      env.ctx.clock.advance(60_001);
      const taken = await b.claim(started.id);
      expectEqual(
        (await store.get(started.id))!.owner?.id,
        "owner_b",
        "owner.id as stored after the takeover",
      );
      const before = (await store.getWithHistory(started.id))!;
      await expectCode(
        a.addEvent(started.id, "late_write", { from: "a" }),
        "ERR_LEASE_LOST",
        "the old owner's write after the takeover",
      );
      await expectCode(a.complete(started.id, "a wins"), "ERR_LEASE_LOST", "the old owner's complete");
      expectDeepEqual(
        await store.getWithHistory(started.id),
        before,
        "the session after the old owner's writes",
      );
      const written = await b.addEvent(started.id, "owner_write", { from: "b" });
      expectEqual(
        written.owner?.generation,
        taken.owner?.generation,
        "the new owner writes under its generation",
      );
      const released = await b.release(started.id);
      expectEqual(released.owner, undefined, "owner after release");
      expectEqual((await store.get(started.id))!.leaseUntil, undefined, "leaseUntil as stored after release");
    },
  },
  {
    id: "SS-LS-02",
    group: "SS-LS",
    title:
      "the sweeper marks paused/crashed, with one crash event, every active session whose lease expired or whose same-host owner process is gone, and leaves live ones alone",
    requires: ["leases"],
    async run(env) {
      const store = await env.open();
      const owner = managerOf(env, store, { ownerId: "owner_dies", leaseMs: 60_000 });
      const expired = await owner.start({ task: "expires", mode: "m" });
      const live = (await managerOf(env, store, { ownerId: "owner_lives", leaseMs: 600_000 }).start({
        task: "lives",
        mode: "m",
      }))!;
      const gone = freshId("gone");
      await store.create(
        input({
          id: gone,
          owner: {
            id: "owner_gone",
            host: hostname(),
            pid: deadPid(),
            startedAt: "2020-01-01T00:00:00.000Z",
            generation: 1,
          },
          leaseUntil: "9999-01-01T00:00:00.000Z",
        }),
      );
      env.ctx.clock.advance(60_001);
      const sweeper = managerOf(env, store);
      const { crashed } = await sweeper.sweep();
      expectDeepEqual([...crashed].sort(), [expired.id, gone].sort(), "ids the sweep reports crashed");
      const swept = await expectCrashedOnce(store, expired.id, "expired lease");
      const crash = (await eventsOf(store, expired.id, "crash"))[0]!;
      expectEqual((crash.data.owner as { id?: string })?.id, "owner_dies", "the crash event names the owner");
      expectEqual(crash.data.reason, "lease_expired", "crash reason of the expired lease");
      await expectCrashedOnce(store, gone, "dead owner process");
      expectEqual(
        (await eventsOf(store, gone, "crash"))[0]!.data.reason,
        "process_gone",
        "crash reason of the dead pid",
      );
      expectEqual((await store.get(live.id))!.owner?.id, "owner_lives", "the live owner keeps its session");
      expectDeepEqual((await sweeper.sweep()).crashed, [], "a second sweep finds nothing");
      expectEqual((await store.get(expired.id))!.version, swept.version, "version after the second sweep");
    },
  },
  {
    id: "SS-LS-03",
    group: "SS-LS",
    title:
      "4 sweepers at once over 25 expired sessions (3 rounds): exactly one crash event per session, each reported by exactly one sweeper",
    requires: ["leases"],
    async run(env) {
      const store = await env.open();
      const rounds = 3;
      const sweepers = Array.from({ length: 4 }, () => managerOf(env, store));
      for (let round = 0; round < rounds; round++) {
        const ids = await createExpired(store, 25, `r${round}`);
        const results = await env.startTogether(4, (k) => sweepers[k]!.sweep());
        await expectOneCrashEach(store, ids, results, `round ${round}`);
      }
    },
  },
  {
    id: "SS-LS-04",
    group: "SS-LS",
    title:
      "a SIGKILLed owner process: a sweeper in another process marks its session paused/crashed with one crash event (the pid fast path: the lease is still running)",
    requires: ["leases", "multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const { owner, started } = await ownedByChild(env, "owner_child", 600_000);
      expectEqual(started.owner?.pid, owner.pid, "the owner pid the child's claim records");
      await owner.kill();
      const sweeper = managerOf(env, store, { clock: systemClock });
      const { crashed } = await sweeper.sweep();
      expectDeepEqual(crashed, [started.id], "ids the sweep reports crashed");
      await expectCrashedOnce(store, started.id, "killed owner");
      const crash = (await eventsOf(store, started.id, "crash"))[0]!;
      expectEqual(crash.data.reason, "process_gone", "crash reason");
      expectEqual((crash.data.owner as { pid?: number }).pid, owner.pid, "the pid the crash event names");
    },
  },
  {
    id: "SS-LS-05",
    group: "SS-LS",
    title:
      "a SIGSTOPped owner past its lease, another process claims, SIGCONT: its next write fails with ERR_LEASE_LOST and nothing it wrote after losing the lease is stored (lease 400 ms)",
    requires: ["leases", "multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const leaseMs = 400;
      const { owner, started } = await ownedByChild(env, "owner_stopped", leaseMs);
      const claimer = await managerChild(env, { ownership: { ownerId: "owner_next", leaseMs: 60_000 } });
      const writes = owner.command("ownerWrites", [started.id, 5]) as Promise<{
        acked: number;
        code: string;
      }>;
      for (let seen = 0; seen < 3; seen = Number(await owner.nextProgress()));
      owner.signal("SIGSTOP");
      let resumed = false;
      env.ctx.onCleanup(() => {
        if (!resumed) owner.signal("SIGCONT");
      });
      await sleep(leaseMs * 2);
      let claimed: Session | undefined;
      for (let attempt = 0; claimed === undefined; attempt++) {
        try {
          claimed = (await claimer.command("call", ["claim", [started.id]])) as Session;
        } catch (error) {
          // The owner's last heartbeat may have landed just before the stop: wait out its lease.
          if ((error as { code?: string }).code !== "ERR_SESSION_BUSY" || attempt >= 20) throw error;
          await sleep(100);
        }
      }
      await claimer.command("call", ["addEvent", [started.id, "next_write", {}]]);
      owner.signal("SIGCONT");
      resumed = true;
      const outcome = await writes;
      expectEqual(outcome.code, "ERR_LEASE_LOST", "the stopped owner's first write after SIGCONT");
      const history = await store.readEvents(started.id);
      const claimSeq = history.find((event) => event.type === "claim" && event.seq > 1)?.seq;
      const ownerWrites = history.filter((event) => event.type === "owner_write");
      expectDeepEqual(
        ownerWrites
          .filter((event) => claimSeq === undefined || event.seq > claimSeq)
          .map((event) => event.seq),
        [],
        `seqs of the stopped owner's writes after the takeover claim (seq ${claimSeq})`,
      );
      expectDeepEqual(
        ownerWrites.map((event) => event.data.k),
        Array.from({ length: outcome.acked }, (_, k) => k),
        "the stopped owner's acknowledged writes, each exactly once",
      );
      const final = (await store.get(started.id))!;
      expectEqual(final.owner?.id, "owner_next", "owner after the takeover");
      expectEqual(final.owner?.generation, claimed.owner?.generation, "generation after the takeover");
    },
  },
  {
    id: "SS-LS-06",
    group: "SS-LS",
    title:
      "4 processes sweeping at once over many expired sessions (options.sweepSessions, default 100; the issue's figure is 500): exactly one crash event per session, each reported by exactly one sweeper",
    requires: ["leases", "multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const ids = await createExpired(store, env.sweepSessions, "x");
      const children = await Promise.all(Array.from({ length: 4 }, () => managerChild(env)));
      const results = await env.startTogether(4, (k) => children[k]!.command("call", ["sweep", []]) as never);
      await expectOneCrashEach(store, ids, results as never, "4 sweeping processes");
    },
  },
  {
    id: "SS-LS-07",
    group: "SS-LS",
    title:
      "no false alarms: an owner whose event loop stalls for 0.3 × its lease keeps its session over many heartbeats while another process sweeps (scaled: 1.5 s lease, 450 ms stalls, the issue's 5 s / 1.5 s)",
    requires: ["leases", "multiProcess", "child"],
    async run(env) {
      const store = await env.open();
      const leaseMs = 1_500;
      const { owner, started } = await ownedByChild(env, "owner_stalls", leaseMs);
      const sweeper = managerOf(env, store, { clock: systemClock });
      const rounds = 6;
      const stalls = owner.command("stallLoop", [started.id, leaseMs * 0.3, 150, rounds]);
      let sweeps = 0;
      let done = false;
      const finish = () => {
        done = true;
      };
      stalls.then(finish, finish);
      while (!done) {
        const { crashed } = await sweeper.sweep();
        expectDeepEqual(crashed, [], `sweep ${sweeps} while the owner stalls`);
        sweeps += 1;
        await sleep(50);
      }
      expectEqual(await stalls, rounds, "stall rounds the owner completed, each with a write");
      const final = (await store.get(started.id))!;
      expectEqual(final.status, "active", "status after the stalls");
      expectEqual(
        final.owner?.generation,
        started.owner?.generation,
        "the owner's generation after the stalls",
      );
      expectEqual((await eventsOf(store, started.id, "crash")).length, 0, "crash events");
      const heartbeats = final.version - started.version - rounds;
      expectEqual(
        heartbeats >= 4,
        true,
        `heartbeats committed meanwhile (${heartbeats}, expected at least 4)`,
      );
    },
  },
];
