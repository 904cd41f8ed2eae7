// The conformance suite forks a process that loads this module to build a store on the parent's storage.
import { createDirStore } from "./dir-store.mjs";

export function createStore(info) {
  return createDirStore({ dir: info.dir });
}
