import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Ownership, type Session, type SessionEvent } from "./api.js";
import { elapsed, shortTime, summarise, typeColour } from "./format.js";
import { JsonTree } from "./json-tree.js";

const ROW_HEIGHT = 26;
const VIEW_HEIGHT = 520;
/** Events per page; the session screen asks for the first page itself, beside the state. */
export const PAGE = 500;
const OVERSCAN = 20;

/**
 * The history of one session, virtualised: only the rows in view are in the DOM, and events are
 * fetched in pages of 500 by seq as the view reaches them, so 50,000 events cost what 40 rows cost.
 * New events arrive over server-sent events (the store's change feed, or polling) and are added in
 * place; "follow" keeps the newest in view.
 */
export function Timeline(props: {
  session: Session;
  /** The first page (seq 1 to 500), already asked for beside the session's state (one round trip, not two). */
  firstPage?: Promise<SessionEvent[]>;
  onSession: (update: { session: Session; ownership: Ownership }) => void;
}) {
  const { session } = props;
  const started = Date.parse(session.createdAt);
  const pages = useRef(new Map<number, SessionEvent[] | "loading">());
  // Events that arrived live, by seq: a page fetched before they were committed does not hold them.
  const liveEvents = useRef(new Map<number, SessionEvent>());
  const [total, setTotal] = useState(session.eventCount);
  const [, setTick] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [selected, setSelected] = useState<SessionEvent | null>(null);
  const [follow, setFollow] = useState(false);
  const [live, setLive] = useState<"connecting" | "live" | "gone" | "error">("connecting");
  const viewport = useRef<HTMLDivElement>(null);
  const followRef = useRef(follow);
  followRef.current = follow;
  const totalRef = useRef(total);
  totalRef.current = total;

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + VIEW_HEIGHT) / ROW_HEIGHT) + OVERSCAN);

  // Declared before the page loader, so it runs first and the loader finds page 0 on its way.
  useEffect(() => {
    if (!props.firstPage || pages.current.has(0)) return;
    pages.current.set(0, "loading");
    props.firstPage.then(
      (events) => {
        pages.current.set(0, events);
        setTick((tick) => tick + 1);
      },
      () => {
        // Asked for again by the loader on the next scroll (as any failed page is).
        pages.current.delete(0);
        setTick((tick) => tick + 1);
      },
    );
  }, [props.firstPage]);

  useEffect(() => {
    for (let page = Math.floor(first / PAGE); page * PAGE < last; page++) {
      if (pages.current.has(page)) continue;
      pages.current.set(page, "loading");
      api.events(session.id, page * PAGE + 1, PAGE).then(
        ({ events }) => {
          pages.current.set(page, events);
          setTick((tick) => tick + 1);
        },
        () => pages.current.delete(page),
      );
    }
  }, [first, last, session.id]);

  useEffect(() => {
    const source = new EventSource(api.liveUrl(session.id, session.eventCount));
    source.addEventListener("open", () => setLive("live"));
    source.addEventListener("events", (message) => {
      const events = JSON.parse((message as MessageEvent).data) as SessionEvent[];
      let top = totalRef.current;
      for (const event of events) {
        liveEvents.current.set(event.seq, event);
        top = Math.max(top, event.seq);
      }
      setTotal(top);
      setTick((tick) => tick + 1);
      if (followRef.current && viewport.current) {
        requestAnimationFrame(() => {
          if (viewport.current) viewport.current.scrollTop = top * ROW_HEIGHT;
        });
      }
    });
    source.addEventListener("session", (message) =>
      props.onSession(JSON.parse((message as MessageEvent).data)),
    );
    source.addEventListener("gone", () => {
      setLive("gone");
      source.close();
    });
    source.addEventListener("error", () =>
      setLive(source.readyState === EventSource.CLOSED ? "error" : "connecting"),
    );
    return () => source.close();
  }, [session.id]);

  const eventAt = (index: number): SessionEvent | undefined => {
    const page = pages.current.get(Math.floor(index / PAGE));
    return (Array.isArray(page) ? page[index % PAGE] : undefined) ?? liveEvents.current.get(index + 1);
  };
  const jump = (seq: number) => {
    if (viewport.current) viewport.current.scrollTop = Math.max(0, seq - 1) * ROW_HEIGHT;
  };

  const rows = [];
  for (let index = first; index < last; index++) {
    const event = eventAt(index);
    rows.push(
      <button
        type="button"
        key={index}
        class={`event-row${selected && event && selected.seq === event.seq ? " selected" : ""}`}
        style={{ top: `${index * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
        data-testid="event-row"
        data-seq={index + 1}
        data-type={event?.type ?? ""}
        onClick={() => event && setSelected(event)}
      >
        <span class="seq mono">{index + 1}</span>
        {event ? (
          <>
            <span class="since mono" title={event.timestamp}>
              {elapsed(Date.parse(event.timestamp) - started)}
            </span>
            <span class="type" style={{ background: typeColour(event.type) }}>
              {event.type}
            </span>
            <span class="summary">{summarise(event.type, event.data)}</span>
          </>
        ) : (
          <span class="summary muted">loading…</span>
        )}
      </button>,
    );
  }

  return (
    <section class="timeline-section">
      <div class="timeline-bar">
        <h2>
          Timeline <span data-testid="event-total">{total}</span> events
        </h2>
        <span class={`live live-${live}`} data-testid="live-state">
          {live}
        </span>
        <label>
          <input
            type="checkbox"
            data-testid="follow"
            checked={follow}
            onChange={(event) => {
              const on = (event.target as HTMLInputElement).checked;
              setFollow(on);
              if (on) jump(totalRef.current);
            }}
          />{" "}
          follow live
        </label>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const input = (event.target as HTMLFormElement).elements.namedItem("seq") as HTMLInputElement;
            jump(Number(input.value));
          }}
        >
          <input name="seq" type="number" min={1} placeholder="go to seq" data-testid="goto-seq" />
        </form>
      </div>
      <div class="timeline-body">
        <div
          class="timeline"
          ref={viewport}
          style={{ height: `${VIEW_HEIGHT}px` }}
          data-testid="timeline"
          onScroll={(event) => setScrollTop((event.target as HTMLDivElement).scrollTop)}
        >
          <div class="timeline-spacer" style={{ height: `${total * ROW_HEIGHT}px` }}>
            {rows}
          </div>
        </div>
        <aside class="event-detail" data-testid="event-detail">
          {selected ? (
            <>
              <h3>
                #{selected.seq} <span style={{ color: typeColour(selected.type) }}>{selected.type}</span>
              </h3>
              <p class="mono">{shortTime(selected.timestamp)}</p>
              <JsonTree value={selected.data ?? {}} openDepth={3} />
            </>
          ) : (
            <p class="muted">Click an event to see its full data.</p>
          )}
        </aside>
      </div>
    </section>
  );
}
