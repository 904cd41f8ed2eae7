// The conformance suite forks a process that loads this module to build a store on the parent's storage.
import { createJsonFileStore } from "./json-file-store.mjs";

export function createStore(info) {
  return createJsonFileStore({ dir: info.dir });
}
