export {
  createRedisStore,
  DEFAULT_REDIS_URL,
  openRedisClient,
  type RedisStoreOptions,
  redisStoreCapabilities,
  scanStoreKeys,
} from "./store.js";
