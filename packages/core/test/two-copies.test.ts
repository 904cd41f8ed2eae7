import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as driverA from "../src/driver-entry.js";
import * as coreA from "../src/index.js";

type Core = typeof coreA;
type Driver = typeof driverA;

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
let temp: string;
let coreB: Core;
let driverB: Driver;

// A second copy of core, packed and installed into a directory of its own, as npm does when an
// adapter and an application resolve different versions: its SessionKitError is another class.
beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), "sessionkit-two-copies-"));
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", temp], {
    cwd: packageDir,
    encoding: "utf8",
  }).trim();
  const installed = join(temp, "node_modules", "@sessionkit", "core");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(temp, tarball), "-C", installed, "--strip-components=1"]);
  for (const dependency of ["nanoid", "undici", "zod"]) {
    symlinkSync(
      realpathSync(join(packageDir, "node_modules", dependency)),
      join(temp, "node_modules", dependency),
    );
  }
  expect(readdirSync(join(installed, "dist"))).toContain("driver.js");
  coreB = (await import(pathToFileURL(join(installed, "dist", "index.js")).href)) as Core;
  driverB = (await import(pathToFileURL(join(installed, "dist", "driver.js")).href)) as Driver;
}, 60_000);

afterAll(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe("two installed copies of core", () => {
  it("are distinct classes, yet recognise each other's errors by brand and code", () => {
    expect(coreB.SessionKitError).not.toBe(coreA.SessionKitError);
    const fromB = new coreB.SessionKitError("ERR_VERSION_CONFLICT", "from copy B");
    expect(coreA.isSessionKitError(fromB, "ERR_VERSION_CONFLICT")).toBe(true);
    expect(coreA.isSessionKitError(fromB, "ERR_SESSION_NOT_FOUND")).toBe(false);
    expect(fromB instanceof coreA.SessionKitError).toBe(true);
    expect(coreB.isSessionKitError(new coreA.SessionKitError("ERR_INVALID_ID", "from copy A"))).toBe(true);
    expect(coreA.isSessionKitError({ code: "ERR_VERSION_CONFLICT", message: "look-alike" })).toBe(false);
  });

  it("a shape built with one copy's `is` and parsed by the other's parseShape gives a typed error, never a raw ShapeIssue", () => {
    // An adapter's own store options: shapes from its copy (B) of `@sessionkit/core/driver`,
    // checked at the boundary by the other copy (A), as happens when each resolves its own core.
    const options = driverB.is.object({
      dir: driverB.is.string(),
      depth: driverB.optional(driverB.is.int()),
    });
    const error = (() => {
      try {
        driverA.parseShape(options, { dir: 7 }, "options", "example-store");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(coreA.isSessionKitError(error, "ERR_INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toContain("options.dir");
    const idError = (() => {
      try {
        driverB.parseShape(driverA.is.object({ id: driverA.is.string() }), { id: 1 }, "input", "x");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(coreB.isSessionKitError(idError, "ERR_INVALID_ID")).toBe(true);
    // A nested failure keeps its full path across copies too.
    const nested = driverA.is.object({ inner: options });
    expect(() => driverB.parseShape(nested, { inner: { dir: "d", depth: 1.5 } }, "o", "x")).toThrow(
      /o\.inner\.depth/,
    );
    const issueB = new driverB.ShapeIssue("a string", 1);
    expect(issueB instanceof driverA.ShapeIssue).toBe(true);
    expect(new Error("x") instanceof driverA.ShapeIssue).toBe(false);
  });

  it("a manager from one copy retries the conflicts of a store built with the other", async () => {
    const store = driverB.defineSessionStore(driverB.createMemoryDriver());
    const manager = coreA.createSessionManager({ store });
    const session = await manager.start({ mode: "chat", task: "count" });
    // Concurrent updates of one session conflict; each must be retried until it lands.
    await Promise.all(Array.from({ length: 20 }, () => manager.incrementIteration(session.id)));
    const after = await store.get(session.id);
    expect(after?.iterations).toBe(20);
    await manager.close();
  });

  it("a store from one copy passes on, unwrapped, the errors of a driver built with the other", async () => {
    const store = driverB.defineSessionStore(driverA.createMemoryDriver());
    const { session } = await store.create({ mode: "chat", task: "t" });
    const stale = store.commit(session.id, { expectedVersion: 7, patch: { task: "u" } });
    await expect(stale).rejects.toMatchObject({ code: "ERR_VERSION_CONFLICT" });
    const missing = await store.commit("session_missing", {}).catch((error: unknown) => error);
    expect(coreA.isSessionKitError(missing, "ERR_SESSION_NOT_FOUND")).toBe(true);
    await expect(store.create({ id: session.id, mode: "chat", task: "t" })).rejects.toMatchObject({
      code: "ERR_SESSION_EXISTS",
    });
  });

  it("a third-party adapter resolving the other copy (the JSON-file example): conflicts happen, are recognised and retried", async () => {
    // The example adapter's own file, placed beside copy B: its `@sessionkit/core/driver` import
    // resolves to copy B, as it would for an adapter installed with its own copy of core.
    const adapterDir = join(temp, "adapter");
    mkdirSync(adapterDir, { recursive: true });
    copyFileSync(
      join(packageDir, "..", "..", "examples", "custom-adapter", "src", "json-file-store.mjs"),
      join(adapterDir, "json-file-store.mjs"),
    );
    const adapter = (await import(pathToFileURL(join(adapterDir, "json-file-store.mjs")).href)) as {
      createJsonFileStore(options: { dir: string }): ReturnType<Driver["defineSessionStore"]>;
    };
    const store = adapter.createJsonFileStore({ dir: adapterDir });
    const conflicts: unknown[] = [];
    const commit = store.commit.bind(store);
    const counted: typeof store = {
      ...store,
      commit: (id, input) =>
        commit(id, input).catch((error: unknown) => {
          conflicts.push(error);
          throw error;
        }),
    };
    const manager = coreA.createSessionManager({ store: counted });
    const session = await manager.start({ mode: "chat", task: "count" });
    await Promise.all(Array.from({ length: 20 }, () => manager.incrementIteration(session.id)));
    expect((await store.get(session.id))?.iterations).toBe(20);
    expect(conflicts.length).toBeGreaterThan(0);
    for (const error of conflicts) {
      // Made by copy B's class, recognised by copy A's manager (it retried every one of them).
      expect(Object.getPrototypeOf(error)).toBe(coreB.SessionKitError.prototype);
      expect(coreA.isSessionKitError(error, "ERR_VERSION_CONFLICT")).toBe(true);
    }
    await manager.close();
    await store.close();
  });
});
