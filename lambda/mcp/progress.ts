import type { ProgressToken, ServerContext } from '@modelcontextprotocol/server';
import type { StreamEvent } from '../agentforce/index.js';
import { turnText } from '../agentforce/index.js';
import type { TurnListener } from '../conversation/conversation-service.js';

/** Longest `message` a progress notification carries; the final result holds the whole text. */
const MAX_PROGRESS_CHARS = 2_000;

/** Said when Salesforce withdraws the text streamed so far (a validation failure, §2.3.1). */
export const WITHDRAWN_NOTE = 'The agent is revising its answer…';

/**
 * Turns a streamed Agentforce turn into MCP `notifications/progress` for the request being
 * served: one per progress indicator ("Looking up your order…"), and the reply as it arrives
 * (the text so far, from the chunks; a whole message when no chunks came). `progress` counts
 * the notifications (1, 2, …: strictly increasing); there is no `total`, a turn's length being
 * unknown. Returns `undefined` when the client asked for no progress (no `progressToken`).
 * Notifications stop when `signal` aborts, so the tool's own answer is the last event.
 *
 * @example
 * const listener = progressReporter(ctx, signal);
 * await conversations.sendMessage(caller, text, signal, variables, listener);
 */
export function progressReporter(
  ctx: Pick<ServerContext, 'mcpReq'>,
  signal: AbortSignal
): TurnListener | undefined {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return undefined;
  const describe = progressMessages();
  let progress = 0;
  return (event) => {
    const message = describe(event);
    if (message === undefined || signal.aborted) return;
    progress += 1;
    notify(ctx, progressToken, progress, message);
  };
}

function notify(
  ctx: Pick<ServerContext, 'mcpReq'>,
  progressToken: ProgressToken,
  progress: number,
  message: string
): void {
  // A client that hung up cannot hear it; the turn goes on and its outcome is still recorded.
  ctx.mcpReq
    .notify({ method: 'notifications/progress', params: { progressToken, progress, message } })
    .catch(() => undefined);
}

/**
 * The readable message for each event of one turn, or `undefined` when it says nothing new
 * (the end of the turn, or a final message whose text the chunks already showed).
 */
export function progressMessages(): (event: StreamEvent) => string | undefined {
  let chunks = '';
  let chunked = false;
  return (event) => {
    switch (event.type) {
      case 'progress':
        return clip(event.message);
      case 'text-chunk':
        chunked = true;
        chunks += event.text;
        return clip(chunks);
      case 'validation-failure':
        chunks = '';
        return WITHDRAWN_NOTE;
      case 'message': {
        if (chunked) return undefined;
        const text = turnText([event.message]);
        return text === '' ? undefined : clip(text);
      }
      case 'end-of-turn':
        return undefined;
    }
  };
}

function clip(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  // The newest text is what a client showing the reply as it grows needs.
  return trimmed.length > MAX_PROGRESS_CHARS ? `…${trimmed.slice(-MAX_PROGRESS_CHARS)}` : trimmed;
}
