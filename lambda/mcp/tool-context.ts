import type { ContextVariable } from '../conversation/context-variables.js';
import type { ConversationService, TurnListener } from '../conversation/conversation-service.js';

/** What a tool reports about its call, for the request's single log line. */
export interface ToolCallRecord {
  tool?: string;
  outcome?: 'ok' | 'tool-error';
  errorCode?: string;
}

/** Per container: what every tool may use. Built once; holds no per-request state. */
export interface ToolSettings {
  readonly conversations: ConversationService;
  readonly toolDeadlineMs: number;
  readonly maxMessageChars: number;
  /** Context variables callers may set (`SALESFORCE_AGENT_VARIABLES`). */
  readonly variables: readonly ContextVariable[];
  /** Hears the turn's progress; set when the answer streams and the client asked for progress. */
  readonly listener?: TurnListener;
}

/** Per request: who is calling, and this request's lifetime and log record. */
export interface ToolRequest {
  /** The caller's tenant (`tenantOf`): the namespace of client emails this request may touch. */
  readonly owner: string;
  /** Aborts when the Lambda invocation is about to time out. */
  readonly signal: AbortSignal;
  readonly record: ToolCallRecord;
  /**
   * The answer may stream: the runtime can write a response as it is produced and the client
   * accepts `text/event-stream`. A turn then reports progress when the call has a `progressToken`.
   */
  readonly streaming?: boolean;
}

/** What a tool body receives: the use cases, the caller, and a signal that also fires at the tool deadline. */
export interface ToolCall {
  readonly conversations: ConversationService;
  readonly owner: string;
  readonly signal: AbortSignal;
  /** The declared context variables, to turn `var_…` arguments into Agent API variables. */
  readonly variables: readonly ContextVariable[];
  /** Hears the turn's progress; set when the answer streams and the client asked for progress. */
  readonly listener?: TurnListener;
}
