// The seed's SessionAwareAgent on the async API: every run is a session. Fixed against the seed: a
// failed run is failed exactly once (the seed failed it in the try and again in the catch), and
// pause/resume act only on the agent's own user's sessions.
import { refusalOf, takeOver } from "./take-over.mjs";

/** Creates an agent bound to a user and channel; `runAgent` is the agent runtime (a stand-in here). */
export function createSessionAwareAgent({ manager, runAgent, userId, channelId, maxIterations = 50 }) {
  async function own(id) {
    const session = await manager.get(id).catch(() => null);
    if (!session || session.userId !== userId) throw new Error(`Session ${id} not found`);
    return session;
  }

  async function run(session) {
    let settled = false;
    try {
      const result = await runAgent({
        task: session.task,
        mode: session.mode,
        sessionId: session.id,
        onStep: (data) => manager.incrementIteration(session.id, data),
      });
      settled = true;
      if (result.success) {
        await manager.complete(session.id, result.output);
        return result.output;
      }
      await manager.fail(session.id, result.error || "Failed");
      throw new Error(result.error || "Failed");
    } catch (error) {
      if (!settled) await manager.fail(session.id, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  return {
    /** Runs a task in a new session; resolves to the agent's output, rejects if it failed. */
    async execute(task, mode) {
      const session = await manager.start({ task, mode, userId, channelId, maxIterations });
      return run(session);
    },
    /** Pauses one of this user's sessions. */
    async pause(id, reason) {
      await own(id);
      return manager.pause(id, reason);
    },
    /**
     * Resumes one of this user's paused sessions, or takes over one whose bot crashed mid-run, and
     * runs the agent on it again. A session a live bot runs is refused with that bot named.
     */
    async resume(id) {
      const session = await own(id);
      if (!(await manager.isResumable(id)) && session.owner === undefined)
        throw new Error(`Session ${id} cannot be resumed (status: ${session.status})`);
      let taken;
      try {
        taken = await takeOver(manager, id);
      } catch (error) {
        const refusal = refusalOf(error);
        throw refusal ? new Error(refusal, { cause: error }) : error;
      }
      return run(taken.session);
    },
    /** This user's active sessions in this channel. */
    getActiveSessions() {
      return manager.active({ userId, ...(channelId ? { channelId } : {}) });
    },
  };
}
