import type { ListToolsResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * The `tools/list` result, kept once the SDK has produced it. The tool set is fixed for a
 * container's life, yet the SDK turns every zod schema into JSON Schema on each call: the most
 * expensive part of a warm `tools/list`. Answering later calls from this copy keeps the SDK's
 * exact output (it is what the first call returned) at a fraction of the cost.
 */
export class ToolsListCache {
  #result: ListToolsResult | undefined;

  /** The JSON-RPC id of a plain first-page `tools/list` request this cache can answer, else undefined. */
  static cacheableId(message: unknown): string | number | undefined {
    if (!message || typeof message !== 'object' || Array.isArray(message)) return undefined;
    const { method, id, params } = message as { method?: unknown; id?: unknown; params?: unknown };
    if (method !== 'tools/list') return undefined;
    if (typeof id !== 'string' && typeof id !== 'number') return undefined;
    const paginated =
      params !== undefined && (typeof params !== 'object' || params === null || 'cursor' in params);
    return paginated ? undefined : id;
  }

  /** The cached answer to the request with `id`, if the cache is filled. */
  answer(id: string | number): string | undefined {
    return this.#result ? JSON.stringify({ result: this.#result, jsonrpc: '2.0', id }) : undefined;
  }

  /** Keeps the SDK's answer to a `tools/list` request (a 200 JSON-RPC success). */
  remember(body: ArrayBuffer): void {
    if (this.#result) return;
    try {
      const parsed = JSON.parse(new TextDecoder().decode(body)) as { result?: ListToolsResult };
      if (parsed.result && Array.isArray(parsed.result.tools)) this.#result = parsed.result;
    } catch {
      // Not a JSON success: nothing to keep.
    }
  }
}
