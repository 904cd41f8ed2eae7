export { sessionChecksum } from "./checksum.js";
export { EXIT, exitCodeOf, formatError } from "./errors.js";
export { createProgram, main, VERSION } from "./program.js";
export { DEFAULT_STORE_URL, type OpenedStore, openStore, type StoreLocation } from "./stores.js";
