import { describe, expect, it } from "vitest";
import { acquireRetentionLease, createManualClock, createMemoryStore } from "../src/index.js";
import { codeOf } from "./outcome.js";

// A holder whose renewals could not run for longer than its lease (SIGSTOPped, or an event loop
// kept busy) is modelled by moving the clock past the lease's instant while its renewal timer,
// a real one every leaseMs / 3 of real time (here 20 s), has not fired.
const LEASE_MS = 60_000;

/** What the store holds under the lease name (a swap of null for null changes nothing). */
async function leaseText(store: ReturnType<typeof createMemoryStore>) {
  return (await store.swapLease("retention", null, null)).current;
}

function setup() {
  const clock = createManualClock("2026-01-01T00:00:00.000Z");
  const store = createMemoryStore({ clock });
  return { clock, store };
}

describe("the retention lease after its holder stalled past its instant", () => {
  it("another runner took it over: assertHeld and refresh fail with ERR_LEASE_LOST, nothing is renewed over the new holder", async () => {
    const { clock, store } = setup();
    const stalled = await acquireRetentionLease(store, clock, { leaseMs: LEASE_MS });
    clock.advance(LEASE_MS + 1);
    const next = await acquireRetentionLease(store, clock, { leaseMs: LEASE_MS });
    const taken = await leaseText(store);
    expect(await codeOf(Promise.resolve().then(() => stalled.assertHeld()))).toBe("ERR_LEASE_LOST");
    expect(await codeOf(stalled.refresh())).toBe("ERR_LEASE_LOST");
    expect(await leaseText(store)).toBe(taken);
    await stalled.release();
    expect(await leaseText(store)).toBe(taken);
    await next.release();
    expect(await leaseText(store)).toBe(null);
  });

  it("nobody took it over: refresh renews it (compare-and-set from its own text) and the run goes on", async () => {
    const { clock, store } = setup();
    const stalled = await acquireRetentionLease(store, clock, { leaseMs: LEASE_MS });
    const before = (await leaseText(store))!;
    clock.advance(LEASE_MS + 1);
    expect(await codeOf(Promise.resolve().then(() => stalled.assertHeld()))).toBe("ERR_LEASE_LOST");
    await stalled.refresh();
    stalled.assertHeld();
    const after = (await leaseText(store))!;
    expect(JSON.parse(after).until).toBe(new Date(clock.now() + LEASE_MS).toISOString());
    expect(JSON.parse(after).token).toBe(JSON.parse(before).token);
    expect(await codeOf(acquireRetentionLease(store, clock, { leaseMs: LEASE_MS }))).toBe(
      "ERR_RETENTION_BUSY",
    );
    await stalled.release();
    expect(await leaseText(store)).toBe(null);
  });

  it("refresh before the renewal is due changes nothing in the store", async () => {
    const { clock, store } = setup();
    const held = await acquireRetentionLease(store, clock, { leaseMs: LEASE_MS });
    const before = await leaseText(store);
    clock.advance(LEASE_MS / 3 - 1);
    await held.refresh();
    held.assertHeld();
    expect(await leaseText(store)).toBe(before);
    await held.release();
  });
});

describe("swapLease's texts", () => {
  // PostgreSQL's text holds no NUL: it answered ERR_STORE_IO ("check the storage") for one.
  it("a text with a NUL byte to store is ERR_INVALID_INPUT on every store, and nothing is changed", async () => {
    const { store } = setup();
    expect(await codeOf(store.swapLease("probe", null, "a\0b"))).toBe("ERR_INVALID_INPUT");
    // As `expected` it is only compared (a corrupt text is taken over): it matches nothing held.
    expect((await store.swapLease("probe", "a\0b", null)).swapped).toBe(false);
    expect((await store.swapLease("probe", null, null)).current).toBe(null);
  });
});
