export type { WebhookDelivery } from "./dispatcher.js";
export { DEFAULT_WEBHOOK_EVENTS, type WebhookConfig } from "./options.js";
export { type SessionNotification, WEBHOOK_PAYLOAD_VERSION } from "./payload.js";
export * from "./signature.js";
