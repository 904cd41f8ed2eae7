// The A/B both opid probes run: manager.sync().addEvent with and without an operationId, on a fresh
// session per round (`ops` appends per round, rounds interleaved; ONLY=plain|opid runs one, e.g.
// under --cpu-prof). Returns CPU and wall µs per append and the opid/plain ratios.
import { timeRounds } from "../lib/measure.mjs";

export async function opidRounds(face, { ops, rounds, teardown }) {
  let n = 0;
  const timed = await timeRounds({
    variants: {
      plain: (id, i) => face.addEvent(id, "step", { i }),
      opid: (id, i) => face.addEvent(id, "step", { i }, { operationId: `op-${n++}` }),
    },
    ops,
    rounds,
    only: process.env.ONLY,
    base: "plain",
    cost: "opid",
    setup: () => face.start({ task: "append", mode: "bench" }).id,
    teardown,
  });
  const fixed = (value) => value?.toFixed(2);
  return {
    ops,
    rounds,
    plainUs: fixed(timed.plain?.cpuUs),
    opidUs: fixed(timed.opid?.cpuUs),
    ratio: timed.cpuRatio?.toFixed(3),
    plainWallUs: fixed(timed.plain?.us),
    opidWallUs: fixed(timed.opid?.us),
    wallRatio: timed.wallRatio?.toFixed(3),
  };
}
