import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/** One built front-end file, held in memory (the whole front end is a few hundred KiB). */
export interface Asset {
  body: Uint8Array;
  type: string;
  immutable: boolean;
}

/**
 * Where the built front end lives: `dist/web` beside the bundled server (`dist/index.js`), or, when
 * the server runs from its sources (tests), the package's `dist/web`.
 */
export function findWebRoot(): string {
  for (const candidate of ["./web/", "../../dist/web/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  throw new Error(
    "[ui] The built front end (dist/web/index.html) is missing. Run `pnpm --filter @sessionkit/ui build`.",
  );
}

/** Loads every file under the web root, keyed by its URL path (`/assets/index-abc.js`). */
export function loadAssets(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = `/${relative(root, path).split(sep).join("/")}`;
        assets.set(url, {
          body: readFileSync(path),
          type: TYPES[extname(name)] ?? "application/octet-stream",
          // Vite puts a content hash in every file name under assets/, so those never change.
          immutable: url.startsWith("/assets/"),
        });
      }
    }
  };
  walk(root);
  return assets;
}
