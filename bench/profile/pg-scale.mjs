#!/usr/bin/env node
// Where 8 PostgreSQL writers on distinct sessions wait: N forked scale workers (bench/workers/scale-worker.mjs)
// append for a few seconds while this process samples pg_stat_activity of their backends every ~5 ms and
// counts what each sampled backend was doing (running, waiting for the client, a lock, the WAL flush…).
// CPU per append on each side: utime + stime (/proc/<pid>/stat) of the workers and of their backends between
// the first and the last sample, over the appends of that window (pro rata of the run). Sample shares do not
// depend much on load; appends/s do. Two variants, interleaved, same schema version:
//   shipped    the store as built (migration 8: change rows stamped by readers, NOTIFY after COMMIT)
//   serialised the change-log trigger as it was up to migration 7: pos from one counter row and a
//              pg_notify, both inside the writer's transaction (analysis only)
//   node bench/profile/pg-scale.mjs [--procs 8] [--seconds 3] [--rounds 2]
import { fork } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { destroySpec, makeSpec, openStore, PG_URL } from "../lib/adapters.mjs";
import { sessionId } from "../lib/data.mjs";

const require = createRequire(import.meta.url);
const pg = require("pg");
const opt = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const PROCS = opt("--procs", 8);
const SECONDS = opt("--seconds", 3);
const ROUNDS = opt("--rounds", 2);
const WORKER = fileURLToPath(new URL("../workers/scale-worker.mjs", import.meta.url));
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();

/** Migration 2's trigger body (pos from the counter row, pg_notify in the transaction). */
function serialisedTrigger(s, channel) {
  const facts = (row) =>
    `'{"mode":' || ${row}.mode || ',"status":"' || ${row}.status || '"' || coalesce(',"userId":' || ${row}.user_id, '') || coalesce(',"channelId":' || ${row}.channel_id, '') || '}'`;
  const into = `INSERT INTO ${s}.session_changes (pos, session_id, kind, version, from_seq, to_seq, facts) VALUES`;
  return `CREATE OR REPLACE FUNCTION ${s}.sessionkit_record_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE next_pos bigint;
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.version = OLD.version THEN RETURN NULL; END IF;
      UPDATE ${s}.session_change_counter SET pos = pos + 1 WHERE id = 1 RETURNING pos INTO next_pos;
      IF TG_OP = 'INSERT' THEN ${into} (next_pos, NEW.id, 'created', NEW.version, 1, NEW.event_count, '{"a":' || ${facts("NEW")} || '}');
      ELSIF TG_OP = 'UPDATE' THEN ${into} (next_pos, NEW.id, 'committed', NEW.version, OLD.event_count + 1, NEW.event_count, '{"a":' || ${facts("NEW")} || '}');
      ELSE ${into} (next_pos, OLD.id, 'deleted', OLD.version, OLD.event_count + 1, OLD.event_count, '{"a":' || ${facts("OLD")} || '}');
      END IF;
      PERFORM pg_notify('${channel}', next_pos::text);
      RETURN NULL;
    END $fn$`;
}

/** utime + stime of processes, µs (USER_HZ 100); a process gone is left out. */
function cpuOf(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      sum += (Number(fields[11]) + Number(fields[12])) * 1e4;
    } catch {}
  }
  return sum;
}

async function run(variant, round) {
  const spec = makeSpec("postgres", os.tmpdir(), `prof_scale_${variant}_${round}`, {});
  const setup = await openStore(spec);
  await setup.count(); // migrate
  await setup.close();
  const s = `"${spec.schema}"`;
  if (variant === "serialised")
    await admin.query(serialisedTrigger(s, `sessionkit_changes_${spec.schema}`.slice(0, 63)));
  const kids = [];
  const ready = [];
  const done = [];
  for (let w = 0; w < PROCS; w++) {
    const ids = [sessionId(`${variant}${round}_w${w}`, 0), sessionId(`${variant}${round}_w${w}`, 1)];
    const kid = fork(WORKER, [JSON.stringify(spec), String(w), JSON.stringify(ids), "create"], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    kids.push(kid);
    ready.push(new Promise((resolve) => kid.on("message", (m) => m.ready && resolve())));
    done.push(new Promise((resolve) => kid.on("message", (m) => m.done && resolve(m))));
  }
  await Promise.all(ready);
  for (const kid of kids) kid.send({ go: SECONDS * 1e3 });
  const counts = new Map();
  let samples = 0;
  const start = Date.now();
  const until = start + SECONDS * 1e3;
  const kidPids = kids.map((k) => k.pid);
  let backends = null;
  let first = null;
  let last = null;
  while (Date.now() < until) {
    const { rows } = await admin.query(
      `SELECT pid, state, wait_event_type AS t, wait_event AS e FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND position($1 in query) > 0`,
      [spec.schema],
    );
    if (backends === null && Date.now() - start > 200) {
      backends = rows.map((r) => r.pid);
      first = { at: Date.now(), client: cpuOf(kidPids), server: cpuOf(backends) };
    } else if (backends !== null && until - Date.now() > 100)
      last = { at: Date.now(), client: cpuOf(kidPids), server: cpuOf(backends) };
    for (const r of rows) {
      const key = r.state === "idle" ? "idle (waiting for the client)" : r.t ? `${r.t}: ${r.e}` : "running";
      counts.set(key, (counts.get(key) ?? 0) + 1);
      samples += 1;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const results = await Promise.all(done);
  const ops = results.reduce((a, r) => a + r.ops - r.failed.length, 0);
  const wallS = Math.max(...results.map((r) => r.loopMs)) / 1e3;
  await destroySpec(spec, admin);
  const windowOps = (ops * (last.at - first.at)) / (wallS * 1e3);
  return {
    variant,
    perSec: ops / wallS,
    counts,
    samples,
    client: (last.client - first.client) / windowOps,
    server: (last.server - first.server) / windowOps,
  };
}

console.log(
  `pg-scale: ${PROCS} processes × ${SECONDS} s on distinct sessions, ${ROUNDS} rounds; load ${os.loadavg()[0].toFixed(1)}`,
);
const all = [];
for (let r = 0; r < ROUNDS; r++)
  for (const variant of r % 2 ? ["shipped", "serialised"] : ["serialised", "shipped"])
    all.push(await run(variant, r));
for (const variant of ["serialised", "shipped"]) {
  const mine = all.filter((x) => x.variant === variant);
  const counts = new Map();
  let samples = 0;
  for (const m of mine) {
    samples += m.samples;
    for (const [k, v] of m.counts) counts.set(k, (counts.get(k) ?? 0) + v);
  }
  const rate = mine.map((m) => m.perSec.toFixed(0)).join(", ");
  const cpu = mine.map((m) => `${m.client.toFixed(0)} / ${m.server.toFixed(0)}`).join(", ");
  const shares = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${((100 * v) / samples).toFixed(1)} %`)
    .join("; ");
  console.log(
    `- ${variant}: ${rate} appends/s; CPU µs per append, workers / backends: ${cpu}; backend samples (${samples}): ${shares}`,
  );
}
console.log(`load at end ${os.loadavg()[0].toFixed(1)}`);
await admin.end();
