// Workload "P processes × E appends to one session": wall time from "go" (every worker forked, store
// open) to the last worker done, then count what survived. lost = P·E − distinct (worker, i) pairs found.

import { fork } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createSeedBaseline } from "../baseline-seed.mjs";
import { destroySpec, makeSpec, openStore } from "./adapters.mjs";
import { makeSession, sessionId, toSeedShape } from "./data.mjs";
import { median } from "./measure.mjs";

const WORKER = fileURLToPath(new URL("../workers/conc-worker.mjs", import.meta.url));

export function concPlan(quick) {
  return quick ? { procs: 2, events: 100, rounds: 1 } : { procs: 4, events: 1000, rounds: 3 };
}

async function race(kind, target, id, procs, events) {
  const kids = [];
  const ready = [];
  const done = [];
  for (let w = 0; w < procs; w++) {
    const kid = fork(WORKER, [kind, JSON.stringify(target), id, String(w), String(events)], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    kids.push(kid);
    ready.push(new Promise((resolve) => kid.on("message", (m) => m.ready && resolve())));
    done.push(
      new Promise((resolve, reject) => {
        kid.on("message", (m) => m.done && resolve({ ...m, end: process.hrtime.bigint() }));
        kid.on("exit", (code) => code && reject(new Error(`${kind} worker ${w} exited ${code}`)));
      }),
    );
  }
  await Promise.all(ready);
  const t0 = process.hrtime.bigint();
  for (const kid of kids) kid.send("go");
  const results = await Promise.all(done);
  const wallMs = Math.max(...results.map((r) => Number(r.end - t0))) / 1e6;
  await Promise.all(kids.map((k) => (k.exitCode !== null ? null : new Promise((r) => k.on("exit", r)))));
  const errors = results.reduce((a, r) => a + r.errors, 0);
  const codes = [...new Set(results.flatMap((r) => r.codes))];
  return { wallMs, errors, codes };
}

function countPairs(datas) {
  return new Set(datas.filter((d) => d && typeof d.w === "number").map((d) => `${d.w}:${d.i}`)).size;
}

export async function runConc(ctx) {
  const { procs, events, rounds } = concPlan(ctx.quick);
  const total = procs * events;
  const subjects = [
    { id: "seed", label: "seed algorithm (no lock)" },
    ...ctx.subjects.filter((s) => s.adapter !== "memory"),
  ];
  for (const subject of subjects) {
    const per = [];
    for (let r = 0; r < rounds; r++) {
      const id = sessionId(`conc${r}`, 0);
      const { session, events: history } = makeSession(id, 0, 1, { status: "active" });
      let outcome;
      if (subject.id === "seed") {
        const dir = path.join(ctx.runDir, `seed-conc-${r}`);
        const seed = createSeedBaseline(dir);
        seed.importSession(JSON.stringify(toSeedShape(session, history)));
        const res = await race("seed", { dir }, id, procs, events);
        let found = 0;
        let corrupt = false;
        try {
          found = countPairs(
            JSON.parse(fs.readFileSync(path.join(dir, id, "session.json"), "utf8")).history.map(
              (e) => e.data,
            ),
          );
        } catch {
          corrupt = true; // the last in-place write left a torn file: everything is lost
        }
        outcome = { ...res, found, lost: total - found, corrupt, seqOk: null };
        fs.rmSync(dir, { recursive: true, force: true });
      } else {
        const spec = makeSpec(subject.adapter, ctx.runDir, `conc_${subject.id}_${r}`, subject.options);
        try {
          const store = await openStore(spec);
          await store.importSession(session, history);
          await store.close();
          const res = await race("store", spec, id, procs, events);
          const check = await openStore(spec);
          const got = await check.getWithHistory(id);
          await check.close();
          const seqOk = got.history.every((e, k) => e.seq === k + 1) && got.eventCount === got.history.length;
          const found = countPairs(got.history.map((e) => e.data));
          outcome = {
            ...res,
            found,
            lost: total - found,
            corrupt: false,
            seqOk,
            extra: got.history.length - 1 - found,
          };
        } finally {
          await destroySpec(spec, ctx.pgAdmin);
        }
      }
      per.push(outcome);
      ctx.log(
        `conc ${subject.id} round ${r + 1}/${rounds}: ${outcome.wallMs.toFixed(0)} ms, lost ${outcome.lost}, errors ${outcome.errors}`,
      );
    }
    ctx.fig(`conc.${subject.id}`, {
      procs,
      events,
      wallMs: median(per.map((o) => o.wallMs)),
      minMs: Math.min(...per.map((o) => o.wallMs)),
      maxMs: Math.max(...per.map((o) => o.wallMs)),
      lost: per.map((o) => o.lost),
      errors: per.map((o) => o.errors),
      codes: [...new Set(per.flatMap((o) => o.codes))],
      corrupt: per.some((o) => o.corrupt),
      seqOk: per.every((o) => o.seqOk !== false),
      duplicates: per.map((o) => o.extra ?? 0),
    });
  }
}
