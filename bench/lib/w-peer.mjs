// What a user would pick instead: LangGraph JS's SQLite checkpointer. One more agent step = one
// SqliteSaver.put of a checkpoint whose state holds the whole message history (n messages; the oldest
// is dropped and a new one appended, so n stays fixed), chained to the previous checkpoint as LangGraph
// does. Only the awaited put is timed; building the checkpoint object is not. Also getTuple (latest).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { median, now, usSince } from "./measure.mjs";

const require = createRequire(import.meta.url);

export function peerPlan(quick) {
  return quick
    ? [
        { n: 10, ops: 20 },
        { n: 100, ops: 20 },
      ]
    : [
        { n: 10, ops: 100 },
        { n: 100, ops: 100 },
        { n: 1000, ops: 30 },
        { n: 5000, ops: 8 },
      ];
}

/** About 210 bytes of JSON, like one event of the other workloads. */
function message(i) {
  const content = `step ${i}: `.padEnd(180, "lorem ipsum dolor sit amet ");
  return { role: i % 2 ? "assistant" : "user", content };
}

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
        versions[p] = JSON.parse(
          fs.readFileSync(path.join(path.dirname(require.resolve(p)), "..", "package.json"), "utf8"),
        ).version;
      }
    }
    return { ok: true, SqliteSaver, uuid6, versions };
  } catch (error) {
    return { ok: false, reason: `LangGraph checkpointer not installed: ${error?.message?.split("\n")[0]}` };
  }
}

async function saverAt(peer, file, n, ops, rounds, warmup) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const saver = peer.SqliteSaver.fromConnString(file);
  await saver.setup?.();
  const synchronous = saver.db.pragma("synchronous", { simple: true });
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
        id: peer.uuid6(step),
        ts: new Date().toISOString(),
        channel_values: { messages },
        channel_versions: { __start__: 1, messages: version },
        versions_seen: { __input__: {}, __start__: { __start__: 1 }, agent: { messages: version - 1 } },
      },
      metadata: { source: step === 0 ? "input" : "loop", step, parents: {} },
      newVersions: { messages: version },
    };
  };
  {
    const c = next();
    config = await saver.put(config, c.checkpoint, c.metadata, c.newVersions);
  }
  const put = [];
  const get = [];
  for (let r = 0; r < warmup + rounds; r++) {
    let us = 0;
    for (let i = 0; i < ops; i++) {
      const c = next();
      const t0 = now();
      config = await saver.put(config, c.checkpoint, c.metadata, c.newVersions);
      us += usSince(t0);
    }
    if (r >= warmup) put.push(us / ops);
    const t0 = now();
    for (let i = 0; i < ops; i++) await saver.getTuple({ configurable: { thread_id: "bench" } });
    if (r >= warmup) get.push(usSince(t0) / ops);
  }
  const latest = await saver.getTuple({ configurable: { thread_id: "bench" } });
  if (latest.checkpoint.channel_values.messages.length !== n) throw new Error("peer: wrong history length");
  saver.db.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const sum = (a) => ({ us: median(a), min: Math.min(...a), max: Math.max(...a), rounds: a.length, ops });
  return { put: sum(put), get: sum(get), synchronous };
}

export async function runPeer(ctx) {
  const peer = await loadPeer();
  if (!peer.ok) {
    ctx.unavailable.push({ id: "langgraph", reason: peer.reason });
    return;
  }
  ctx.versions = { ...ctx.versions, ...peer.versions };
  for (const { n, ops } of peerPlan(ctx.quick)) {
    ctx.log(`peer: LangGraph SqliteSaver.put @${n} (${ops} per round)`);
    const r = await saverAt(peer, path.join(ctx.runDir, `langgraph-${n}.db`), n, ops, ctx.rounds, ctx.warmup);
    ctx.fig(`peer.put@${n}`, r.put);
    ctx.fig(`peer.get@${n}`, r.get);
    ctx.peerSynchronous = r.synchronous;
  }
}
