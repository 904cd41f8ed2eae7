import type { CaseDefinition } from "../case.js";

/** Lifecycle conformance: core's manager over this adapter (written by the manager's owner). */
export const lifecycleCases: CaseDefinition[] = [];
