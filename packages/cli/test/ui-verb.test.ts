import { spawn } from "node:child_process";
import { join } from "node:path";
import { createSessionManager } from "@sessionkit/core";
import { createFsStore } from "@sessionkit/store-fs";
import { describe, expect, it } from "vitest";
import { BIN, startUi, tempDir } from "./helpers.js";

async function seeded(): Promise<{ url: string; id: string }> {
  const dir = join(tempDir(), "sessions");
  const store = createFsStore({ dir });
  const session = await createSessionManager({ store }).start({ task: "inspect me", mode: "developer" });
  await store.close();
  return { url: `fs:${dir}`, id: session.id };
}

describe("sessionkit ui", () => {
  it("serves the inspector on 127.0.0.1 with the token only in the printed URL, read-only by default", async () => {
    const { url: storeUrl, id } = await seeded();
    const { child, url, stderr } = await startUi(["--store", storeUrl, "ui"]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(url).searchParams.get("token")!;
    const origin = new URL(url).origin;
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${origin}/api/info`)).status).toBe(401);
    const headers = { authorization: `Bearer ${token}` };
    const list = await (await fetch(`${origin}/api/sessions`, { headers })).json();
    expect((list as { items: Array<{ id: string }> }).items.map((item) => item.id)).toEqual([id]);
    const action = await fetch(`${origin}/api/actions/pause`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ id, confirm: true }),
    });
    expect(action.status).toBe(403);
    expect(stderr()).not.toContain(token);
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  });

  it("--allow-actions enables actions and --port picks the port", async () => {
    const { url: storeUrl } = await seeded();
    const probe = await startUi(["--store", storeUrl, "ui"]);
    const port = Number(new URL(probe.url).port);
    probe.child.kill("SIGTERM");
    await new Promise((resolve) => probe.child.once("exit", resolve));
    const { child, url } = await startUi([
      "--store",
      storeUrl,
      "ui",
      "--port",
      String(port),
      "--allow-actions",
    ]);
    expect(new URL(url).port).toBe(String(port));
    const info = (await (
      await fetch(`${new URL(url).origin}/api/info`, {
        headers: { authorization: `Bearer ${new URL(url).searchParams.get("token")}` },
      })
    ).json()) as { allowActions: boolean; csrfToken: string | null };
    expect(info.allowActions).toBe(true);
    expect(info.csrfToken).toMatch(/^[A-Za-z0-9_-]+$/);
    child.kill("SIGTERM");
  });

  it("refuses a missing store without serving anything", async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "--store", `fs:${join(tempDir(), "nope")}`, "ui"]);
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      child.on("exit", (code) => resolve({ code, stderr }));
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^error ERR_/);
  });
});
