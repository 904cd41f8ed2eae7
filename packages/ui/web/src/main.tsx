import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ActionsScreen } from "./actions-screen.js";
import { api, type Info } from "./api.js";
import { filterParams } from "./filters.js";
import { hrefFor, useRoute } from "./router.js";
import { SessionScreen } from "./session-screen.js";
import { SessionsScreen } from "./sessions-screen.js";
import { StatsScreen } from "./stats-screen.js";
import "./styles.css";

function App() {
  const route = useRoute();
  const [info, setInfo] = useState<Info | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.info().then(setInfo, (failure: Error) => setError(failure.message));
  }, []);
  const filter = filterParams(route.params);
  const tab = (screen: "sessions" | "stats" | "actions", label: string) => (
    <a
      href={hrefFor(screen, screen === "actions" ? {} : filter)}
      class={route.screen === screen ? "tab current" : "tab"}
      data-testid={`tab-${screen}`}
    >
      {label}
    </a>
  );
  return (
    <>
      <nav class="top">
        <b class="brand">sessionkit</b>
        {tab("sessions", "Sessions")}
        {tab("stats", "Statistics")}
        {tab("actions", "Actions")}
        <span class="store" data-testid="store-name">
          {info
            ? `${info.store.name} · ${info.allowActions ? "actions on" : "read-only"} · live: ${info.live}`
            : ""}
        </span>
      </nav>
      <main data-testid={`screen-${route.screen}`}>
        {error && <p class="error">{error}</p>}
        {route.screen === "sessions" && <SessionsScreen key={JSON.stringify(filter)} params={route.params} />}
        {route.screen === "session" && <SessionScreen id={route.id!} info={info} />}
        {route.screen === "stats" && <StatsScreen params={route.params} />}
        {route.screen === "actions" && (
          <ActionsScreen key={route.params.id ?? ""} info={info} params={route.params} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
