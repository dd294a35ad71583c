// The store's public face: the interface, the sql.js implementation, repair.
export * from './chat-store.ts';
export { SqlJsStore, type SqlJsStoreOptions } from './sqljs-store.ts';
export { repairStore, type RepairReport } from './repair.ts';
export type { StoreLog } from './durability.ts';
export { nodeFileSystem, type StoreFile, type StoreFileSystem, type OpenMode } from './store-fs.ts';
