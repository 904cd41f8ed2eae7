// Quick local figures for store-fs (not the project bench): node scripts/quick-bench.mjs [durability]
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFsStore } from "@sessionkit/store-fs";
import lockfile from "proper-lockfile";

const durability = process.argv[2] ?? "none";
const root = mkdtempSync(join(tmpdir(), "store-fs-bench-"));
const M = Number(process.env.M ?? 400);
const pad = "x".repeat(150);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// CPU time (user + system) per op: on a shared machine it is far steadier than wall time, and
// every cost here (syscalls, parsing) is CPU. CLOCK=wall switches to wall time.
const time = (fn) => {
  if (process.env.CLOCK === "wall") {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < M; i++) fn(i);
    return Number(process.hrtime.bigint() - t0) / 1000 / M;
  }
  const c0 = process.cpuUsage();
  for (let i = 0; i < M; i++) fn(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / M;
};

function bare() {
  const dir = join(root, "bare");
  mkdirSync(dir, { recursive: true });
  return time(() => {
    const release = lockfile.lockSync(join(dir, "s"), {
      realpath: false,
      lockfilePath: join(dir, "s.lock"),
      stale: 10000,
      onCompromised() {},
    });
    appendFileSync(
      join(dir, "events.jsonl"),
      `${JSON.stringify({ timestamp: new Date().toISOString(), type: "iteration", data: { pad } })}\n`,
    );
    release();
  });
}

const store = createFsStore({ dir: join(root, "store"), durability });
const face = store.sync();
function fsAppend(n) {
  const { session } = face.create({ mode: "m", task: "t" });
  for (let i = 0; i < n; i++) face.commit(session.id, { events: [{ type: "iteration", data: { pad } }] });
  return time(() => face.commit(session.id, { events: [{ type: "iteration", data: { pad } }] }));
}

const rows = { bare: [], fs10: [], fs1000: [], fs5000: [] };
for (let round = 0; round < 3; round++) {
  rows.bare.push(bare());
  rows.fs10.push(fsAppend(10));
  rows.fs1000.push(fsAppend(1000));
  rows.fs5000.push(fsAppend(5000));
  rows.bare.push(bare());
}
const b = median(rows.bare);
console.log(`durability=${durability} M=${M} clock=${process.env.CLOCK ?? "cpu"}`);
console.log(`bare locked JSONL append: ${b.toFixed(1)} µs`);
for (const key of ["fs10", "fs1000", "fs5000"]) {
  const v = median(rows[key]);
  console.log(`${key}: ${v.toFixed(1)} µs  (${(v / b).toFixed(2)}× bare)`);
}
console.log(`@5000 / @10: ${(median(rows.fs5000) / median(rows.fs10)).toFixed(2)}×`);

if (process.env.LIST !== "0") {
  const many = createFsStore({ dir: join(root, "many"), durability: "none" }).sync();
  const statuses = ["active", "paused", "completed", "failed", "timeout"];
  for (let i = 0; i < 10_000; i++) {
    many.create({
      mode: i % 2 ? "code" : "chat",
      task: "t",
      userId: `u${i % 50}`,
      status: statuses[i % 5],
      context: { pad: "y".repeat(3000) },
    });
  }
  const reader = createFsStore({ dir: join(root, "many"), durability: "none" }).sync();
  const t0 = process.hrtime.bigint();
  reader.list({ limit: 1 });
  const first = Number(process.hrtime.bigint() - t0) / 1e6;
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t = process.hrtime.bigint();
    reader.list({ userId: "u7", status: "paused", createdAfter: "2000-01-01T00:00:00Z", limit: 10 });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const st = process.hrtime.bigint();
  reader.stats();
  console.log(
    `10k sessions: first list of a new handle ${first.toFixed(1)} ms; filtered list median ${median(times).toFixed(2)} ms; stats ${(Number(process.hrtime.bigint() - st) / 1e6).toFixed(2)} ms`,
  );
}
await store.close();
rmSync(root, { recursive: true, force: true });
