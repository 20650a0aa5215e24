import type { ConversationService } from '../conversation/conversation-service.js';

/** What a tool reports about its call, for the request's single log line. */
export interface ToolCallRecord {
  tool?: string;
  outcome?: 'ok' | 'tool-error';
  errorCode?: string;
}

/** Everything a tool needs for one request. Built per request; holds no cross-request state. */
export interface ToolContext {
  readonly conversations: ConversationService;
  /** Owner of the client-email records this request may touch (inbound principal, or `anonymous`). */
  readonly owner: string;
  readonly toolDeadlineMs: number;
  readonly maxMessageChars: number;
  /** Aborts when the Lambda invocation is about to time out. */
  readonly signal: AbortSignal;
  readonly record: ToolCallRecord;
}
