import { describe, expect, it } from "vitest";
import { releaseOwnedClient } from "../src/driver-entry.js";

function fakeClient(close: () => Promise<unknown>) {
  const calls = { close: 0, force: 0 };
  return {
    calls,
    close: () => {
      calls.close++;
      return close();
    },
    force: () => {
      calls.force++;
    },
  };
}

describe("releaseOwnedClient: whoever opens a client closes it", () => {
  it("leaves a caller's client open", async () => {
    const client = fakeClient(() => Promise.resolve());
    await releaseOwnedClient({ owned: false, close: client.close, force: client.force })();
    expect(client.calls).toEqual({ close: 0, force: 0 });
  });

  it("closes an owned client once, however many close() calls overlap", async () => {
    const client = fakeClient(() => new Promise((resolve) => setImmediate(resolve)));
    const release = releaseOwnedClient({ owned: true, close: client.close, force: client.force });
    await Promise.all(Array.from({ length: 20 }, () => release()));
    await release();
    expect(client.calls).toEqual({ close: 1, force: 0 });
  });

  it("forces a client whose graceful close fails, and resolves", async () => {
    const client = fakeClient(() => Promise.reject(new Error("connection reset")));
    await releaseOwnedClient({ owned: true, close: client.close, force: client.force })();
    expect(client.calls).toEqual({ close: 1, force: 1 });
  });

  it("rethrows a failed close when there is nothing to force", async () => {
    const release = releaseOwnedClient({ owned: true, close: () => Promise.reject(new Error("end failed")) });
    await expect(release()).rejects.toThrow("end failed");
  });

  it("does not hang on a close that never settles: forces it after the timeout", async () => {
    const client = fakeClient(() => new Promise(() => undefined));
    await releaseOwnedClient({ owned: true, close: client.close, force: client.force, timeoutMs: 20 })();
    expect(client.calls).toEqual({ close: 1, force: 1 });
  });
});
