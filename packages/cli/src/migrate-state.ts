import { createHash } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { resolve } from "node:path";
import { SessionKitError } from "@sessionkit/core/driver";

/** What a migration has durably done: everything before `cursor` is in the target, with its checksum in the sums file. */
export interface Checkpoint {
  from: string;
  to: string;
  /** The source's list cursor after the last completed batch (null before the first). */
  cursor: string | null;
  sessions: number;
  events: number;
  batches: number;
  startedAt: string;
  done: boolean;
}

/** One line of the sums file: a session copied, with the checksum of what was read from the source. */
export interface SumLine {
  id: string;
  sum: string;
  events: number;
}

/** The default checkpoint file of a migration between two stores: one per pair, in the current directory. */
export function defaultCheckpointPath(from: string, to: string): string {
  const key = createHash("sha256").update(`${from}\n${to}`).digest("hex").slice(0, 12);
  return resolve(`.sessionkit-migrate-${key}.json`);
}

/** The checkpoint file and its sums file; each write is fsynced, the checkpoint replaced atomically. */
export function checkpointFiles(path: string) {
  const sums = `${path.replace(/\.json$/, "")}.sums.jsonl`;
  return {
    path,
    sums,
    exists: () => existsSync(path),
    read(): Checkpoint {
      try {
        return JSON.parse(readFileSync(path, "utf8")) as Checkpoint;
      } catch (cause) {
        throw new SessionKitError(
          "ERR_INVALID_INPUT",
          `[cli] The migration checkpoint ${JSON.stringify(path)} is unreadable. Delete it and start the migration again.`,
          { cause },
        );
      }
    },
    write(checkpoint: Checkpoint): void {
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, "w");
      try {
        writeSync(fd, JSON.stringify(checkpoint, null, 2));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    },
    appendSums(lines: SumLine[]): void {
      if (lines.length === 0) return;
      appendFileSync(sums, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
      const fd = openSync(sums, "r+");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
    /** Checksums by id, the last line winning (a batch redone after a kill appends its lines again); a torn last line is ignored. */
    readSums(): Map<string, SumLine> {
      const map = new Map<string, SumLine>();
      if (!existsSync(sums)) return map;
      for (const text of readFileSync(sums, "utf8").split("\n")) {
        try {
          const line = JSON.parse(text) as SumLine;
          map.set(line.id, line);
        } catch {}
      }
      return map;
    },
  };
}
