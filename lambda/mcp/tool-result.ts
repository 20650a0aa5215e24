import type { CallToolResult } from '@modelcontextprotocol/server';
import { logger } from '../logger.js';
import { SETTLE_GRACE_MS } from '../shared/deadline.js';
import { describeFailure } from './error-table.js';
import { ToolDeadlineError } from './errors.js';
import type { ToolCallRecord } from './tool-context.js';

/** A successful tool result: structured content plus a readable text block. */
export function success<T extends Record<string, unknown>>(
  structured: T,
  text: string
): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** A business failure as an MCP tool result (`isError: true`), logged without any message text. */
export function failure(err: unknown, deadlineMs: number, record: ToolCallRecord): CallToolResult {
  const { code, retry, message } = describeFailure(err, { deadlineMs });
  record.outcome = 'tool-error';
  record.errorCode = code;
  if (code === 'INTERNAL')
    logger.error('tool failed unexpectedly', { tool: record.tool, error: err as Error });
  else
    logger.info('tool returned an error', {
      tool: record.tool,
      errorCode: code,
      retry,
      errorName: (err as Error)?.name,
    });
  return { isError: true, content: [{ type: 'text', text: `${message} [${code}]` }] };
}

/**
 * Runs a tool body inside the tool deadline. The body's signal aborts at the deadline; the body
 * then has `SETTLE_GRACE_MS` to record what already happened upstream (a late session start, a
 * release whose answer was lost) before the race answers on its own, so an answer arrives in time
 * even if a dependency ignores the abort signal.
 */
export async function runTool(
  name: string,
  context: { toolDeadlineMs: number; signal: AbortSignal; record: ToolCallRecord },
  body: (signal: AbortSignal) => Promise<CallToolResult>
): Promise<CallToolResult> {
  context.record.tool = name;
  const deadline = AbortSignal.timeout(context.toolDeadlineMs);
  const signal = AbortSignal.any([deadline, context.signal]);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ToolDeadlineError(context.toolDeadlineMs)),
      context.toolDeadlineMs + SETTLE_GRACE_MS
    );
  });
  try {
    const result = await Promise.race([body(signal), expired]);
    context.record.outcome ??= 'ok';
    return result;
  } catch (err) {
    // A dependency that surfaces the raw abort instead of its own typed error still means "deadline".
    const aborted =
      err instanceof DOMException && (err.name === 'AbortError' || err.name === 'TimeoutError');
    const cause = aborted ? new ToolDeadlineError(context.toolDeadlineMs) : err;
    return failure(cause, context.toolDeadlineMs, context.record);
  } finally {
    clearTimeout(timer);
  }
}
