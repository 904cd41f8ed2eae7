// What a user would pick instead: LangGraph JS's SQLite checkpointer. One more agent step = one
// SqliteSaver.put of a checkpoint whose state holds the whole message history (n messages; the oldest
// is dropped and a new one appended, so n stays fixed), chained to the previous checkpoint as LangGraph
// does. The checkpoints of a round are built before its timer starts; only the awaited puts are timed.
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** About 210 bytes of JSON, like one event of the other workloads. */
function message(i) {
  const content = `step ${i}: `.padEnd(180, "lorem ipsum dolor sit amet ");
  return { role: i % 2 ? "assistant" : "user", content };
}

/** Imports the checkpointer; { ok: false, reason } when it is not installed. */
export async function loadPeer() {
  try {
    const { SqliteSaver } = await import("@langchain/langgraph-checkpoint-sqlite");
    const { uuid6 } = await import("@langchain/langgraph-checkpoint");
    const versions = {};
    for (const p of [
      "@langchain/langgraph-checkpoint-sqlite",
      "@langchain/langgraph-checkpoint",
      "@langchain/core",
    ]) {
      try {
        versions[p] = require(`${p}/package.json`).version;
      } catch {
        versions[p] = "unknown";
      }
    }
    return { ok: true, SqliteSaver, uuid6, versions };
  } catch (error) {
    return { ok: false, reason: `LangGraph checkpointer not installed: ${error?.message?.split("\n")[0]}` };
  }
}

const removeDb = (file) => {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
};

/**
 * One thread of `saver` at history n, stepped as LangGraph does: each step a checkpoint chained to
 * the previous config. Shared by every LangGraph peer (SQLite, PostgreSQL), so all are fed alike.
 */
export async function openCheckpointChain(saver, uuid6, n) {
  let messages = Array.from({ length: n }, (_, i) => message(i));
  let seq = n;
  let step = -1;
  let version = 1;
  let config = { configurable: { thread_id: "bench", checkpoint_ns: "" } };
  const next = () => {
    if (step >= 0) {
      messages = messages.slice(1);
      messages.push(message(seq++));
    }
    step++;
    version++;
    return {
      checkpoint: {
        v: 4,
        id: uuid6(step),
        ts: new Date().toISOString(),
        channel_values: { messages },
        channel_versions: { __start__: 1, messages: version },
        versions_seen: { __input__: {}, __start__: { __start__: 1 }, agent: { messages: version - 1 } },
      },
      metadata: { source: step === 0 ? "input" : "loop", step, parents: {} },
      newVersions: { messages: version },
    };
  };
  const put = async (c) => {
    config = await saver.put(config, c.checkpoint, c.metadata, c.newVersions);
  };
  await put(next());
  const latest = () => saver.getTuple({ configurable: { thread_id: "bench" } });
  return {
    /** The next `count` steps, built ahead of the timer. */
    prepare: (count) => Array.from({ length: count }, next),
    put,
    latest,
    async check() {
      const tuple = await latest();
      if (tuple.checkpoint.channel_values.messages.length !== n)
        throw new Error("LangGraph peer: wrong history length");
    },
  };
}

/** A fresh saver file holding one thread at history n. */
export async function openPeerThread(peer, file, n) {
  removeDb(file);
  const saver = peer.SqliteSaver.fromConnString(file);
  await saver.setup?.();
  const chain = await openCheckpointChain(saver, peer.uuid6, n);
  return {
    ...chain,
    synchronous: saver.db.pragma("synchronous", { simple: true }),
    close() {
      saver.db.close();
      removeDb(file);
    },
  };
}
