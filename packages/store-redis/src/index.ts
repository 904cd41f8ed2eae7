export {
  createRedisStore,
  DEFAULT_CHANGE_LOG_LENGTH,
  DEFAULT_REDIS_URL,
  openRedisClient,
  type RedisStoreOptions,
  redisStoreCapabilities,
  scanStoreKeys,
} from "./store.js";
