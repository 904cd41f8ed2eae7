import { useEffect, useState } from "preact/hooks";

/** The current screen, from the hash: `#/sessions?…`, `#/session/<id>`, `#/stats?…`, `#/actions?…`. */
export interface Route {
  screen: "sessions" | "session" | "stats" | "actions";
  id?: string;
  params: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#\/?/, "").split("?");
  const params = Object.fromEntries(new URLSearchParams(search));
  const [screen, id] = path.split("/");
  if (screen === "session" && id) return { screen: "session", id: decodeURIComponent(id), params };
  if (screen === "stats" || screen === "actions") return { screen, params };
  return { screen: "sessions", params };
}

export function hrefFor(
  screen: Route["screen"],
  params: Record<string, string | undefined> = {},
  id?: string,
) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return `#/${screen}${id ? `/${encodeURIComponent(id)}` : ""}${text ? `?${text}` : ""}`;
}

export function navigate(
  screen: Route["screen"],
  params: Record<string, string | undefined> = {},
  id?: string,
) {
  location.hash = hrefFor(screen, params, id);
}

/** The route, re-rendered on every hash change (filters live in the URL, so views can be shared). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
