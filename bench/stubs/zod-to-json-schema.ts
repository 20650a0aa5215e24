/**
 * Bundle-time stand-in for `zod-to-json-schema`, paired with `zod-v3.ts`: the MCP SDK uses it only
 * for zod 3 schemas (zod 4 schemas go through zod's own `toJSONSchema`).
 */
export function zodToJsonSchema(): never {
  throw new Error('zod 3 schemas are not supported in this bundle; use zod 4.');
}
