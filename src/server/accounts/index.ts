// Account security for the server: pure functions and in-memory limiters,
// with no networking and no store. See README.md beside this file.

export * from './username.ts';
export * from './password-policy.ts';
export * from './password-hash.ts';
export * from './tokens.ts';
export * from './throttle.ts';
export * from './rate-limit.ts';
export * from './address-key.ts';
export { nameKey } from './name-rules.ts';
