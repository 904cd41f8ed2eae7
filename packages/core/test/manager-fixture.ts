import { afterEach } from "vitest";
import { createManualClock, createMemoryStore, type SessionManager } from "../src/index.js";

/**
 * `fresh()`: a manual clock at 2026-11-24T10:00Z and a memory store on it; `track(manager)`: every tracked
 * manager is closed after each test. Call at the top level of a test file (it registers afterEach).
 */
export function managerFixture() {
  const managers: SessionManager[] = [];
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close({ timeoutMs: 100 });
  });
  const track = (m: SessionManager): SessionManager => {
    managers.push(m);
    return m;
  };
  const fresh = () => {
    const clock = createManualClock("2026-11-24T10:00:00.000Z");
    return { clock, store: createMemoryStore({ clock }) };
  };
  return { fresh, track };
}
