// `@sessionkit/store-fs/log-lines`: the store's rules for reading log.jsonl, for tools that inspect
// a store directory without opening it (the CLI's verify and repair).
export { type LogLine, readRange, type ScanResult as LogScanResult, scanLines } from "./log-lines.js";
