// The seed's two lost-update races, as a bot writes them (Promise.all, nothing caught): the call
// that lands after the session finished is an event-only record, appended, never refused for
// timing, so the process never sees an unhandled rejection and nothing is lost.

import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import { configure } from "@sessionkit/store-fs/compat";
import {
  completeSession,
  getSession,
  incrementIteration,
  recordLearning,
  recordToolCall,
  startSession,
} from "@sessionkit/store-fs/compat/manager";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const ROUNDS = 200;
const count = (types: string[], type: string) => types.filter((t) => t === type).length;
const opened: Array<ReturnType<typeof createFsStore>> = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** The drop-in over an fs store without fsync: the races do not depend on durability, and it is faster. */
function useFreshStore(): void {
  const store = createFsStore({ dir: join(tempDir(), "sessions"), durability: "none" });
  opened.push(store);
  configure({ store, webhookUrl: null });
}

describe("Promise.all races through compat/manager (200 rounds each)", () => {
  it("completeSession + recordToolCall: never rejects, both in the history, status completed", async () => {
    useFreshStore();
    for (let round = 0; round < ROUNDS; round++) {
      const { id } = await startSession(`race ${round}`, "developer");
      const [completed, recorded] = await Promise.all([
        completeSession(id, "done"),
        recordToolCall(id, "bash", { round }, { exitCode: 0 }),
      ]);
      expect(completed).not.toBeNull();
      expect(recorded).toBe(true);
      const session = getSession(id)!;
      const types = session.history.map((event) => event.type);
      expect(count(types, "tool_call")).toBe(1);
      expect(count(types, "complete")).toBe(1);
      expect(session.history.find((event) => event.type === "tool_call")?.data).toEqual({
        tool: "bash",
        args: { round },
        result: { exitCode: 0 },
      });
      expect(session).toMatchObject({ status: "completed", result: "done" });
    }
  });

  it("last incrementIteration + recordLearning: never rejects, both in the history, status timeout", async () => {
    useFreshStore();
    for (let round = 0; round < ROUNDS; round++) {
      const { id } = await startSession(`budget ${round}`, "developer", { maxIterations: 1 });
      const [iterated, learned] = await Promise.all([
        incrementIteration(id, { round }),
        recordLearning(id, `insight ${round}`, "expertise/developer.md"),
      ]);
      expect([iterated, learned]).toEqual([true, true]);
      const session = getSession(id)!;
      const types = session.history.map((event) => event.type);
      expect(count(types, "iteration")).toBe(1);
      expect(count(types, "timeout")).toBe(1);
      expect(count(types, "learning")).toBe(1);
      expect(session).toMatchObject({ status: "timeout", iterations: 1 });
      expect(session.history.map((event) => event.seq)).toEqual(types.map((_, i) => i + 1));
    }
  });
});
