/**
 * Node-side code (tests, benches, the keys CLI) imports edge modules written against the Workers
 * runtime's global types. Those globals cannot be loaded beside @types/node (both declare fetch,
 * Request, ...), so the few the edge names are aliased here from the importable (module) form of
 * @cloudflare/workers-types, plus the generated `Env`.
 */
import type * as Workers from '@cloudflare/workers-types/index.ts';

declare global {
  type R2Bucket = Workers.R2Bucket;
  type D1Database = Workers.D1Database;
  type DurableObjectNamespace<T extends Workers.Rpc.DurableObjectBranded | undefined = undefined> = Workers.DurableObjectNamespace<T>;
  type ExportedHandler<E = unknown> = Workers.ExportedHandler<E>;
  // In Node, Web Crypto keys are node:crypto's.
  type CryptoKey = import('node:crypto').webcrypto.CryptoKey;
  type R2Object = Workers.R2Object;
}
