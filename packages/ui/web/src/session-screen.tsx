import { useEffect, useState } from "preact/hooks";
import { api, type Info, type Ownership, type Session, type SessionEvent } from "./api.js";
import { elapsed, shortTime } from "./format.js";
import { JsonTree } from "./json-tree.js";
import { hrefFor } from "./router.js";
import { STUCK_TEXT, StatusBadge } from "./sessions-screen.js";
import { PAGE, Timeline } from "./timeline.js";

function Field(props: { name: string; children: preact.ComponentChildren; testid?: string }) {
  return (
    <div class="field">
      <dt>{props.name}</dt>
      <dd data-testid={props.testid}>{props.children}</dd>
    </div>
  );
}

/** One session: its state (progress, deadline, owner/lease, result or error, context) and its timeline. */
export function SessionScreen(props: { id: string; info: Info | null }) {
  const [state, setState] = useState<{ session: Session; ownership: Ownership; now: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [firstPage, setFirstPage] = useState<Promise<SessionEvent[]> | undefined>(undefined);
  useEffect(() => {
    setState(null);
    // The state and the timeline's first page in parallel: on a 50,000-event fs log each is one
    // read, and asked for one after the other they were two round trips before the first event row.
    const events = api.events(props.id, 1, PAGE).then(({ events }) => events);
    events.catch(() => {}); // a missing session is reported by the state's request
    setFirstPage(events);
    api.session(props.id).then(setState, (failure: Error) => setError(failure.message));
  }, [props.id]);
  if (error)
    return (
      <p class="error" data-testid="error">
        {error}
      </p>
    );
  if (!state) return <p class="muted">loading…</p>;
  const { session, ownership } = state;
  const progress = Math.min(100, (session.iterations / session.maxIterations) * 100);
  const now = Date.parse(state.now);
  const deadline = session.deadlineAt ? Date.parse(session.deadlineAt) : null;
  return (
    <section class="session" data-testid="session-screen">
      <header class="session-head">
        <h1 class="mono">{session.id}</h1>
        <StatusBadge status={session.status} />
        {ownership.stuck && (
          <span class="badge stuck" data-testid="stuck">
            stuck: {STUCK_TEXT[ownership.stuck]}
          </span>
        )}
        {props.info?.allowActions && (
          <a class="button" href={hrefFor("actions", { id: session.id })}>
            Actions…
          </a>
        )}
      </header>
      <dl class="state">
        <Field name="task">{session.task}</Field>
        <Field name="mode">{session.mode}</Field>
        <Field name="progress" testid="progress">
          <div class="progress" title={`${progress.toFixed(0)} %`}>
            <div class="progress-fill" style={{ width: `${progress}%` }} />
          </div>
          {session.iterations} / {session.maxIterations} iterations
        </Field>
        <Field name="user / channel">
          {session.userId ?? "—"} / {session.channelId ?? "—"}
        </Field>
        <Field name="created">{shortTime(session.createdAt)}</Field>
        <Field name="updated">
          {shortTime(session.updatedAt)} (version {session.version})
        </Field>
        {session.endedAt && (
          <Field name="ended">
            {shortTime(session.endedAt)} (
            {elapsed(Date.parse(session.endedAt) - Date.parse(session.createdAt))})
          </Field>
        )}
        <Field name="deadline">
          {deadline === null
            ? "none"
            : `${shortTime(session.deadlineAt)} (${deadline < now ? "passed" : `in ${elapsed(deadline - now).slice(1)}`})`}
        </Field>
        <Field name="owner / lease" testid="owner">
          {ownership.owner ? JSON.stringify(ownership.owner) : "none"}
          {ownership.leaseUntil ? ` until ${shortTime(ownership.leaseUntil)}` : ""}
        </Field>
        {session.pause && (
          <Field name="paused">
            {shortTime(session.pause.at)} {session.pause.reason ?? ""}
          </Field>
        )}
        {session.result !== undefined && (
          <Field name="result" testid="result">
            <pre>{session.result}</pre>
          </Field>
        )}
        {session.error !== undefined && (
          <Field name="error" testid="session-error">
            <pre class="error">{session.error}</pre>
          </Field>
        )}
        {session.metadata && (
          <Field name="metadata">
            <JsonTree value={session.metadata} />
          </Field>
        )}
        <Field name="context" testid="context">
          <JsonTree value={session.context} />
        </Field>
      </dl>
      <Timeline
        key={session.id}
        session={session}
        firstPage={firstPage}
        onSession={(update) => setState((current) => (current ? { ...current, ...update } : current))}
      />
    </section>
  );
}
