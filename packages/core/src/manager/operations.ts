import { nanoid } from "nanoid";
import { assertSessionId } from "../ids.js";
import type { JsonObject } from "../json.js";
import { CORE_EVENT_TYPES, type NewEvent } from "../model.js";
import type { CreateSessionInput } from "../store.js";
import { invalidInput } from "./read-ops.js";
import {
  anyJson,
  COMPONENT,
  dataSchema,
  eventTypeSchema,
  expirySchema,
  holdSchema,
  inputRequestSchema,
  iterationOptionsSchema,
  parse,
  resumeOptionsSchema,
  startInputSchema,
} from "./schemas.js";
import type { Operation } from "./transitions.js";
import type { IterationOptions, ResumeOptions, StartSessionInput } from "./types.js";

/** Event types that only their own operation may write (they imply a transition or are written by one). */
const RESERVED_EVENT_TYPES = new Set<string>(
  CORE_EVENT_TYPES.filter((type) => type !== "tool_call" && type !== "learning"),
);

/**
 * The caller's arguments of each mutating call, parsed into the operation `decide` takes. Both
 * faces of the manager (async and `sync()`) build their operations here, so they validate alike.
 */
export const buildOperation = {
  pause(reason?: string): Operation {
    if (reason !== undefined && typeof reason !== "string") {
      throw invalidInput("`reason` to be a string", reason, "Pass a short text, or nothing.");
    }
    return { kind: "pause", ...(reason === undefined ? {} : { reason }) };
  },

  resume(options?: ResumeOptions): Operation {
    return { kind: "resume", ...parse(resumeOptionsSchema, options ?? {}, "options") };
  },

  complete(result?: string): Operation {
    if (result !== undefined && typeof result !== "string") {
      throw invalidInput(
        "`result` to be a string",
        result,
        "Serialise the result (e.g. JSON.stringify) first.",
      );
    }
    return { kind: "complete", ...(result === undefined ? {} : { result }) };
  },

  fail(error: string | Error): Operation {
    const message = error instanceof Error ? error.message : error;
    if (typeof message !== "string") {
      throw invalidInput("`error` to be a string or an Error", error, "Pass error.message or the Error.");
    }
    return { kind: "fail", error: message };
  },

  incrementIteration(data?: Record<string, unknown>, options?: IterationOptions): Operation {
    const parsedData = parse(dataSchema("data"), data, "data") ?? {};
    const { usage } = parse(iterationOptionsSchema, options ?? {}, "options");
    if (usage !== undefined && Object.hasOwn(parsedData, "usage")) {
      throw invalidInput(
        "`data.usage` to be absent when `options.usage` is given",
        parsedData.usage,
        "Rename the key in data; the manager records usage there.",
      );
    }
    return { kind: "iterate", data: parsedData, ...(usage === undefined ? {} : { usage }) };
  },

  recordToolCall(tool: string, args?: unknown, result?: unknown): Operation {
    if (typeof tool !== "string" || tool.length === 0) {
      throw invalidInput("`tool` to be a non-empty string", tool, "Pass the tool's name.");
    }
    const data: JsonObject = { tool };
    const argsJson = parse(anyJson("args"), args, "args");
    const resultJson = parse(anyJson("result"), result, "result");
    if (argsJson !== undefined) data.args = argsJson;
    if (resultJson !== undefined) data.result = resultJson;
    return { kind: "record", type: "tool_call", data };
  },

  recordLearning(insight: string, expertiseFile?: string): Operation {
    if (typeof insight !== "string")
      throw invalidInput("`insight` to be a string", insight, "Pass the text.");
    if (expertiseFile !== undefined && typeof expertiseFile !== "string") {
      throw invalidInput("`expertiseFile` to be a string", expertiseFile, "Pass a path, or nothing.");
    }
    const data: JsonObject = { insight };
    if (expertiseFile !== undefined) data.expertiseFile = expertiseFile;
    return { kind: "record", type: "learning", data };
  },

  addEvent(type: string, data?: Record<string, unknown>): Operation {
    const eventType = parse(eventTypeSchema, type, "type");
    if (RESERVED_EVENT_TYPES.has(eventType)) {
      throw invalidInput(
        `\`type\` to be a custom event type, not the core type "${eventType}"`,
        eventType,
        "Use the manager operation that writes it (start, pause, resume, complete, fail, incrementIteration, updateContext).",
      );
    }
    return { kind: "record", type: eventType, data: parse(dataSchema("data"), data, "data") ?? {} };
  },

  requestInput(request: InputRequestInput, operationId?: string): Operation {
    const parsed = parse(inputRequestSchema, request, "request");
    // A retry with the same operation id must name the same request, so its id derives from it.
    const requestId = parsed.requestId ?? (operationId ? `input_${operationId}` : `input_${nanoid(12)}`);
    const clean = Object.fromEntries(
      Object.entries({ ...parsed, requestId }).filter(([, v]) => v !== undefined),
    );
    return {
      kind: "request_input",
      request: clean as Extract<Operation, { kind: "request_input" }>["request"],
    };
  },

  hold(hold: { reason: string; by?: string }): Operation {
    const parsed = parse(holdSchema, hold, "hold");
    return { kind: "hold", reason: parsed.reason, ...(parsed.by === undefined ? {} : { by: parsed.by }) };
  },

  unhold(by?: string): Operation {
    if (by !== undefined && typeof by !== "string")
      throw invalidInput("`by` to be a string", by, "Pass who releases it, or nothing.");
    return { kind: "unhold", ...(by === undefined ? {} : { by }) };
  },

  setExpiry(expiresAt: string | number | Date | null): Operation {
    return { kind: "expiry", expiresAt: parse(expirySchema, { expiresAt }, "expiresAt").expiresAt };
  },

  updateContext(partial: Record<string, unknown>): Operation {
    if (partial === null || typeof partial !== "object" || Array.isArray(partial)) {
      throw invalidInput(
        "`partial` to be a plain object",
        partial,
        "Pass the keys to merge into the context.",
      );
    }
    const unset = Object.keys(partial).filter((key) => partial[key] === undefined);
    const set = parse(dataSchema("partial"), partial, "partial") ?? {};
    return { kind: "context", set, unset };
  },
};

/** Names of the mutating calls that take a session id and build one operation. */
export type OperationCall = keyof typeof buildOperation;

/** The store.create() call start() makes: validated fields, the deadline resolved at `nowMs`, a `start` event. */
export function buildStart(
  input: StartSessionInput,
  nowMs: number,
): { create: CreateSessionInput; events: NewEvent[] } {
  const data = parse(startInputSchema, input, "input");
  if (data.id !== undefined) assertSessionId(data.id, COMPONENT);
  const deadlineAt = data.timeoutMs !== undefined ? instantAfter(nowMs, data.timeoutMs) : data.deadlineAt;
  if (deadlineAt !== undefined && Date.parse(deadlineAt) <= nowMs) {
    throw invalidInput("`deadlineAt` to be in the future", deadlineAt, "Pass a later deadline, or none.");
  }
  const { timeoutMs: _timeoutMs, ...fields } = data;
  const startData: JsonObject = { task: data.task, mode: data.mode };
  if (data.workspace !== undefined) startData.workspace = data.workspace;
  return {
    create: { ...fields, ...(deadlineAt === undefined ? {} : { deadlineAt }) },
    events: [{ type: "start", data: startData }],
  };
}

/** `nowMs + ms` as an ISO instant; ERR_INVALID_INPUT when it lies outside the JS date range. */
function instantAfter(nowMs: number, ms: number): string {
  const at = new Date(nowMs + ms);
  if (Number.isNaN(at.getTime())) {
    throw invalidInput(
      "`timeoutMs` to give a deadline within the date range (up to year 275760)",
      ms,
      "Pass a smaller timeout, or none.",
    );
  }
  return at.toISOString();
}

/** The request of requestInput (the manager adds `requestedAt`). */
export interface InputRequestInput {
  /** Default: `input_` + the call's operationId, or a random id. Asking again under it is a retry. */
  requestId?: string;
  kind: "approval" | "question" | "choice";
  prompt: string;
  payload?: unknown;
  allowed?: Array<"accept" | "edit" | "respond" | "ignore">;
  expiresAt?: string | number | Date;
  tags?: string[];
}

/** Per-call options every mutating call takes last. */
export interface CallOptions {
  /** Start work (iterate, resume, a tool call) although input requests are open (else ERR_INPUT_PENDING). */
  force?: boolean;
  /**
   * Makes the call idempotent: a replay with the same id and the same request returns the first
   * call's result without committing anything (ERR_OPERATION_REPLAYED once that result is no longer
   * kept and the session moved on); the same id with another request is ERR_IDEMPOTENCY_CONFLICT.
   */
  operationId?: string;
}

/** Runs one mutating call on a session: validate, build the operation, decide and commit. */
export type RunCall<R> = <K extends OperationCall>(
  call: K,
  id: string,
  args: Parameters<(typeof buildOperation)[K]>,
  options: CallOptions | undefined,
) => R;

/** The mutating calls of a face (async or sync), each mapped onto `run`, so both faces take the same arguments. */
export function operationMethods<R>(run: RunCall<R>) {
  return {
    pause: (id: string, reason?: string, call?: CallOptions) => run("pause", id, [reason], call),
    resume: (id: string, options?: ResumeOptions, call?: CallOptions) => run("resume", id, [options], call),
    complete: (id: string, result?: string, call?: CallOptions) => run("complete", id, [result], call),
    fail: (id: string, error: string | Error, call?: CallOptions) => run("fail", id, [error], call),
    incrementIteration: (
      id: string,
      data?: Record<string, unknown>,
      options?: IterationOptions,
      call?: CallOptions,
    ) => run("incrementIteration", id, [data, options], call),
    recordToolCall: (id: string, tool: string, args?: unknown, result?: unknown, call?: CallOptions) =>
      run("recordToolCall", id, [tool, args, result], call),
    recordLearning: (id: string, insight: string, expertiseFile?: string, call?: CallOptions) =>
      run("recordLearning", id, [insight, expertiseFile], call),
    addEvent: (id: string, type: string, data?: Record<string, unknown>, call?: CallOptions) =>
      run("addEvent", id, [type, data], call),
    updateContext: (id: string, partial: Record<string, unknown>, call?: CallOptions) =>
      run("updateContext", id, [partial], call),
    requestInput: (id: string, request: InputRequestInput, call?: CallOptions) =>
      run("requestInput", id, [request, call?.operationId], call),
    hold: (id: string, hold: { reason: string; by?: string }, call?: CallOptions) =>
      run("hold", id, [hold], call),
    unhold: (id: string, by?: string, call?: CallOptions) => run("unhold", id, [by], call),
    setExpiry: (id: string, expiresAt: string | number | Date | null, call?: CallOptions) =>
      run("setExpiry", id, [expiresAt], call),
  };
}

/** Builds the operation of `call` from its arguments. */
export function operationOf<K extends OperationCall>(
  call: K,
  args: Parameters<(typeof buildOperation)[K]>,
): Operation {
  return (buildOperation[call] as (...a: unknown[]) => Operation)(...args);
}
