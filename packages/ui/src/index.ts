export * from "./inspector.js";
export type { InspectorOptions } from "./options.js";
export type { InspectorStatistics, ModeTotals } from "./server/statistics.js";
