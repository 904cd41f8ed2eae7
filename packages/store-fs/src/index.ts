export * from "./fs-store.js";
export * from "./options.js";
