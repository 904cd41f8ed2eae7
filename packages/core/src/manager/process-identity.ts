import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/** Linux reports process start times in clock ticks; USER_HZ is 100 on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Two reads of one process's start time may differ by the boot-time rounding; more than this is another process. */
const START_TIME_TOLERANCE_MS = 2000;

/** Who this process is: host, pid and start time, as an owner records them. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  startedAt: string;
}

let self: ProcessIdentity | undefined;

/** This process's identity (its start time read the same way the sweeper reads other processes'). */
export function thisProcess(): ProcessIdentity {
  self ??= {
    host: hostname(),
    pid: process.pid,
    startedAt: new Date(
      processStartMs(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000),
    ).toISOString(),
  };
  return self;
}

/**
 * True when the owner runs on this host and its process is gone: no such pid, or a pid whose start
 * time differs from the recorded one (the pid was reused). False for other hosts (only the lease
 * tells) and whenever it cannot tell.
 */
export function ownerProcessGone(owner: { host: string; pid: number; startedAt: string }): boolean {
  if (owner.host !== thisProcess().host) return false;
  if (!pidExists(owner.pid)) return true;
  const started = processStartMs(owner.pid);
  if (started === undefined) return false;
  return Math.abs(started - Date.parse(owner.startedAt)) > START_TIME_TOLERANCE_MS;
}

function pidExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}

let bootMs: number | undefined | null;

/** Start time of `pid` in epoch ms from /proc (Linux), or undefined where that cannot be read. */
function processStartMs(pid: number): number | undefined {
  try {
    if (bootMs === undefined) {
      const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
      bootMs = btime ? Number(btime[1]) * 1000 : null;
    }
    if (bootMs === null) return undefined;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    if (!Number.isFinite(ticks)) return undefined;
    return bootMs + (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    bootMs ??= null;
    return undefined;
  }
}
