/**
 * Test-only fault injection, read once at load: `SESSIONKIT_FS_FAULT=kill-before-change:<kind>`
 * makes this process SIGKILL itself after the commit point of its first change of that kind
 * ("created", "committed", "deleted"), before the change's line: the µs window a real kill can hit.
 */
const FAULT = process.env.SESSIONKIT_FS_FAULT;

/** Called between a change's commit point and its change line. */
export function faultBeforeChange(kind: string): void {
  if (FAULT !== undefined && FAULT === `kill-before-change:${kind}`) process.kill(process.pid, "SIGKILL");
}
