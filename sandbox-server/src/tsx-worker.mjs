// The entry of the server's worker threads. The server runs its TypeScript under tsx (`node --import
// tsx`, scripts/start.mjs) and the specs under vitest, and neither hands its loader to a worker thread:
// a worker given a .ts file fails with "Unknown file extension". So every worker starts here, plain
// JavaScript, registers tsx for itself, and imports its TypeScript module (`workerData.entry`, a file
// URL).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
