/**
 * Bundle-time stand-in for `zod/v3` (aliased by esbuild in a "cut" bundle variant only). The MCP
 * SDK calls it only to wrap a raw shape of zod 3 schemas; every schema of this server is zod 4.
 */
export function object(): never {
  throw new Error('zod 3 schemas are not supported in this bundle; use zod 4.');
}
