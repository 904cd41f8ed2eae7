import { SessionKitError } from "@sessionkit/core/driver";

/**
 * Imports an optional peer dependency on first use (so `sessionkit list` on fs never loads a
 * database driver); a missing one is ERR_MISSING_DEPENDENCY naming the package to install,
 * never a raw ERR_MODULE_NOT_FOUND.
 */
export async function importPeer<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw cause;
    throw new SessionKitError(
      "ERR_MISSING_DEPENDENCY",
      `[cli] ${why} needs the package ${JSON.stringify(name)}, which is not installed. Run \`npm install ${name}\` beside @sessionkit/cli (it is an optional peer dependency).`,
      { cause, details: { package: name } },
    );
  }
}
