// The approval button flow ("apply this patch?"), surviving a bot restart between the question and
// the click: the question is an input request stored with the session (manager.requestInput), so
// it is in the store, not in the bot's memory. After a restart the bot lists the open approvals
// (store.listAwaitingInput) to re-render their buttons; a click resolves the request exactly once
// (manager.respond), however many times it is clicked, by however many bot instances.
import { isSessionKitError, isValidSessionId } from "@sessionkit/core";

const PREFIX = "approve";

/** Creates the approval handlers for one bot. */
export function createApprovals({ manager }) {
  const customIdOf = (sessionId, requestId) => `${PREFIX}:${sessionId}:${requestId}`;

  return {
    /** Asks for approval in a session (it pauses, awaiting input); resolves to the buttons' custom id. */
    async ask(sessionId, { prompt, payload, requestId, expiresAt }) {
      const session = await manager.requestInput(sessionId, {
        kind: "approval",
        prompt,
        allowed: ["accept", "ignore"],
        tags: ["discord"],
        ...(payload === undefined ? {} : { payload }),
        ...(requestId === undefined ? {} : { requestId }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      const request = session.inputRequests.at(-1);
      return { customId: customIdOf(sessionId, request.requestId), prompt: request.prompt };
    },

    /** The approvals a user still has to answer (what a restarted bot re-renders), newest session first. */
    async pending(userId) {
      const out = [];
      let cursor = null;
      do {
        const page = await manager.listAwaitingInput({ userId, tag: "discord", cursor });
        for (const { session, requests } of page.items)
          for (const request of requests)
            out.push({
              customId: customIdOf(session.id, request.requestId),
              prompt: request.prompt,
              task: session.task,
            });
        cursor = page.nextCursor;
      } while (cursor !== null);
      return out;
    },

    /** A button click: `{ userId, customId, approved }`; resolves to the reply text. */
    async click({ userId, customId, approved }) {
      const [prefix, sessionId, requestId] = String(customId).split(":");
      if (prefix !== PREFIX || !isValidSessionId(sessionId ?? "") || !requestId) return "Unknown button.";
      const session = await manager.get(sessionId);
      if (!session || session.userId !== userId) return "This approval is not yours.";
      try {
        const {
          answer,
          first,
          session: after,
        } = await manager.respond(
          sessionId,
          requestId,
          { action: approved ? "accept" : "ignore" },
          { by: userId },
        );
        const verdict = answer.action === "accept" ? "approved" : "rejected";
        if (!first) return `Already ${verdict} by <@${answer.by ?? "someone"}> at ${answer.at}.`;
        // The bot that asked may have restarted: this one continues the run unless a live bot holds it.
        if (after.status === "active" && after.owner?.id !== manager.ownerId)
          await manager.claim(sessionId).catch((error) => {
            if (!isSessionKitError(error, "ERR_SESSION_BUSY")) throw error;
          });
        return `${approved ? "Approved" : "Rejected"}: ${session.task}.`;
      } catch (error) {
        if (isSessionKitError(error, "ERR_INPUT_EXPIRED")) return "This approval has expired.";
        if (
          isSessionKitError(error, "ERR_INPUT_NOT_FOUND") ||
          isSessionKitError(error, "ERR_INVALID_TRANSITION")
        )
          return "This approval is no longer open.";
        throw error;
      }
    },
  };
}
