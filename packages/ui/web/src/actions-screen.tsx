import { useState } from "preact/hooks";
import { api, type Info } from "./api.js";
import { StatusChips } from "./filters.js";
import { hrefFor } from "./router.js";

type Pending = { title: string; detail: string; run: () => Promise<void> } | null;

/** An in-page confirmation: nothing is sent until the operator clicks Confirm. */
function Confirm(props: { pending: Pending; onClose: () => void }) {
  if (!props.pending) return null;
  return (
    <div class="modal" role="dialog" aria-modal="true" data-testid="confirm-dialog">
      <div class="modal-box">
        <h3>{props.pending.title}</h3>
        <p>{props.pending.detail}</p>
        <div class="modal-buttons">
          <button type="button" class="secondary" onClick={props.onClose} data-testid="confirm-cancel">
            Cancel
          </button>
          <button
            type="button"
            class="danger"
            data-testid="confirm-ok"
            onClick={() => {
              const run = props.pending!.run;
              props.onClose();
              void run();
            }}
          >
            Confirm
          </button>
        </div>
      </div>
    </div>
  );
}

/** Pause, resume, fail and prune (with a dry-run preview), each through core's manager on the server. */
export function ActionsScreen(props: { info: Info | null; params: Record<string, string> }) {
  const [id, setId] = useState(props.params.id ?? "");
  const [reason, setReason] = useState("");
  const [extend, setExtend] = useState("");
  const [olderThan, setOlderThan] = useState(props.params.olderThan ?? new Date().toISOString());
  const [statuses, setStatuses] = useState<string[]>(["completed", "failed", "timeout"]);
  const [preview, setPreview] = useState<{ count: number; ids: string[] } | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  if (!props.info) return <p class="muted">loading…</p>;
  if (!props.info.allowActions)
    return (
      <section class="notice" data-testid="actions-disabled">
        <h2>Actions are off</h2>
        <p>
          This inspector is read-only. Start it with <code>sessionkit ui --allow-actions</code> to pause,
          resume, fail and prune sessions.
        </p>
      </section>
    );

  const failed = (failure: Error & { code?: string }) =>
    setOutcome({ ok: false, text: `${failure.code}: ${failure.message}` });
  const act = (name: string, body: Record<string, unknown>, done: string) =>
    api
      .action<{ status?: string; count?: number }>(name, { ...body, confirm: true })
      .then(
        ({ result }) =>
          setOutcome({ ok: true, text: `${done}${result.status ? `: now ${result.status}` : ""}` }),
        failed,
      );
  const ask = (title: string, detail: string, run: () => Promise<void>) => setPending({ title, detail, run });

  return (
    <section class="actions" data-testid="actions-screen">
      <Confirm pending={pending} onClose={() => setPending(null)} />
      {outcome && (
        <p class={outcome.ok ? "ok" : "error"} data-testid="action-outcome">
          {outcome.text}
        </p>
      )}
      <fieldset>
        <legend>One session</legend>
        <label>
          <span>session id</span>
          <input
            name="id"
            value={id}
            onInput={(e) => setId((e.target as HTMLInputElement).value)}
            class="mono"
          />
        </label>
        {id && (
          <a href={hrefFor("session", {}, id)} class="small">
            open
          </a>
        )}
        <label>
          <span>reason / error</span>
          <input
            name="reason"
            value={reason}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          <span>extend iterations</span>
          <input
            name="extend"
            type="number"
            min={1}
            value={extend}
            onInput={(e) => setExtend((e.target as HTMLInputElement).value)}
          />
        </label>
        <div class="buttons">
          <button
            type="button"
            data-testid="action-pause"
            onClick={() =>
              ask("Pause this session?", id, () =>
                act("pause", { id, ...(reason ? { reason } : {}) }, "Paused"),
              )
            }
          >
            Pause
          </button>
          <button
            type="button"
            data-testid="action-resume"
            onClick={() =>
              ask("Resume this session?", id, () =>
                act("resume", { id, ...(extend ? { extendIterations: Number(extend) } : {}) }, "Resumed"),
              )
            }
          >
            Resume
          </button>
          <button
            type="button"
            class="danger"
            data-testid="action-fail"
            onClick={() =>
              ask("Fail this session? This is final.", id, () =>
                act("fail", { id, error: reason || "failed from the inspector" }, "Failed"),
              )
            }
          >
            Fail
          </button>
        </div>
      </fieldset>
      <fieldset>
        <legend>Prune</legend>
        <label>
          <span>last changed before</span>
          <input
            name="olderThan"
            value={olderThan}
            class="mono"
            onInput={(e) => {
              setOlderThan((e.target as HTMLInputElement).value);
              setPreview(null);
            }}
          />
        </label>
        <StatusChips
          prefix="prune"
          selected={statuses}
          onToggle={(status) => {
            setStatuses(
              statuses.includes(status) ? statuses.filter((s) => s !== status) : [...statuses, status],
            );
            setPreview(null);
          }}
        />
        <div class="buttons">
          <button
            type="button"
            data-testid="prune-preview"
            onClick={() =>
              api
                .action<{ count: number; ids: string[] }>("prune", { olderThan, statuses, dryRun: true })
                .then(({ result }) => setPreview(result), failed)
            }
          >
            Preview (dry run)
          </button>
          <button
            type="button"
            class="danger"
            data-testid="prune-run"
            disabled={!preview || preview.count === 0}
            onClick={() =>
              ask(`Delete ${preview?.count} sessions and their histories?`, "This cannot be undone.", () =>
                act("prune", { olderThan, statuses, dryRun: false }, "Pruned").then(() => setPreview(null)),
              )
            }
          >
            Prune {preview ? preview.count : ""}
          </button>
        </div>
        {preview && (
          <div class="preview" data-testid="prune-preview-list">
            <p>
              <b data-testid="prune-count">{preview.count}</b> sessions would be deleted:
            </p>
            <ul class="mono">
              {preview.ids.slice(0, 200).map((pid) => (
                <li key={pid}>{pid}</li>
              ))}
              {preview.ids.length > 200 && <li>… and {preview.ids.length - 200} more</li>}
            </ul>
          </div>
        )}
      </fieldset>
    </section>
  );
}
