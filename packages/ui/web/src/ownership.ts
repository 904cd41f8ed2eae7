import { useEffect, useState } from "preact/hooks";
import { api, type ListedSession, type Ownership } from "./api.js";

/**
 * Owner and lease of a page's active rows (only an active session can be stuck), asked for in one
 * request once the rows are in: summaries leave ownership out, and reading each record before the
 * first paint cost up to 50 record reads on fs. Rows show without the flag for that one round trip.
 */
export function usePageOwnership(items: ListedSession[] | undefined): Map<string, Ownership> {
  const [owned, setOwned] = useState<Map<string, Ownership>>(new Map());
  useEffect(() => {
    const ids = (items ?? []).filter((item) => item.status === "active").map((item) => item.id);
    if (ids.length === 0) {
      setOwned(new Map());
      return;
    }
    let live = true;
    api.ownership(ids).then(
      ({ items: entries }) => {
        if (!live) return;
        const next = new Map<string, Ownership>();
        for (const entry of entries) if ("ownership" in entry) next.set(entry.id, entry.ownership);
        setOwned(next);
      },
      // The rows stay; only their flags are unknown until the next refresh.
      () => live && setOwned(new Map()),
    );
    return () => {
      live = false;
    };
  }, [items]);
  return owned;
}
