/**
 * Runs `load` with `globalThis.navigator` defined as Node 21+ defines it, when this Node (20) has none.
 *
 * Why: pg, when it is first loaded, asks whether it runs in a Cloudflare Worker. Without `navigator`
 * it builds a `new Response(...)` to find out, which makes Node 20 load its bundled undici: 45 of the
 * ~110 ms of CPU that loading pg took under the profiler (~20 ms without it), in every
 * `sessionkit … --store postgres://…` run. With `navigator.userAgent` set to what Node 21+ reports,
 * pg answers "no" at once. The global is removed again once `load` settles, so nothing else in the
 * process sees it.
 */
export async function withNodeNavigator<T>(load: () => Promise<T>): Promise<T> {
  if ("navigator" in globalThis) return load();
  Object.defineProperty(globalThis, "navigator", {
    value: { userAgent: `Node.js/${process.versions.node.split(".")[0]}` },
    configurable: true,
    writable: true,
  });
  try {
    return await load();
  } finally {
    delete (globalThis as { navigator?: unknown }).navigator;
  }
}
