// The second peer: LangGraph JS's PostgreSQL checkpointer, beside our PostgreSQL append. Fed exactly
// like the SQLite peer (w-peer.mjs): one more agent step = one PostgresSaver.put of a checkpoint whose
// state holds the whole message history, chained to the previous one; each thread in its own schema.
import { createRequire } from "node:module";
import { openCheckpointChain } from "./w-peer.mjs";

const require = createRequire(import.meta.url);

/** Imports the checkpointer; { ok: false, reason } when it is not installed. */
export async function loadPgPeer() {
  try {
    const { PostgresSaver } = await import("@langchain/langgraph-checkpoint-postgres");
    const { uuid6 } = await import("@langchain/langgraph-checkpoint");
    const pkg = "@langchain/langgraph-checkpoint-postgres";
    let version = "unknown";
    try {
      version = require(`${pkg}/package.json`).version;
    } catch {}
    return { ok: true, PostgresSaver, uuid6, versions: { [pkg]: version } };
  } catch (error) {
    return {
      ok: false,
      reason: `LangGraph PostgresSaver not installed: ${error?.message?.split("\n")[0]}`,
    };
  }
}

/** A fresh schema holding one thread at history n; close() ends the saver's pool and drops the schema. */
export async function openPgPeerThread(peer, connectionString, schema, n, pgAdmin) {
  await pgAdmin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  const saver = peer.PostgresSaver.fromConnString(connectionString, { schema });
  await saver.setup();
  const chain = await openCheckpointChain(saver, peer.uuid6, n);
  return {
    ...chain,
    async close() {
      await saver.end();
      await pgAdmin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
}
