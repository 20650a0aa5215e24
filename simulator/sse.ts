/**
 * Server-sent event framing of the streaming endpoint (agent-api.md §2.3.1): `event:`, `id:` and
 * one `data:` line per event, then a blank line.
 */

/** SSE `event:` names; `VALIDATION_FAILURE_CHUNK` is our guess (not in the recorded enum, §7.1). */
export type SseEventName =
  | 'TEXT_CHUNK'
  | 'VALIDATION_FAILURE_CHUNK'
  | 'PROGRESS_INDICATOR'
  | 'INFORM'
  | 'INQUIRE'
  | 'CONFIRM'
  | 'FAILURE'
  | 'ESCALATE'
  | 'SESSION_ENDED'
  | 'ERROR'
  | 'END_OF_TURN'
  | 'UNKNOWN';

const EVENT_BY_MESSAGE_TYPE: Readonly<Record<string, SseEventName>> = {
  TextChunk: 'TEXT_CHUNK',
  ValidationFailureChunk: 'VALIDATION_FAILURE_CHUNK',
  ProgressIndicator: 'PROGRESS_INDICATOR',
  Inform: 'INFORM',
  Inquire: 'INQUIRE',
  Confirm: 'CONFIRM',
  Failure: 'FAILURE',
  Escalate: 'ESCALATE',
  SessionEnded: 'SESSION_ENDED',
  Error: 'ERROR',
  EndOfTurn: 'END_OF_TURN',
};

/** The `event:` name that carries a response message of the given `type`. */
export function eventNameFor(messageType: string): SseEventName {
  return EVENT_BY_MESSAGE_TYPE[messageType] ?? 'UNKNOWN';
}

/** The `data:` payload of every streamed event (§2.3.1). */
export interface SseEnvelope<M = unknown> {
  /** Epoch ms when the event was emitted. */
  readonly timestamp: number;
  /** `"<epoch-ms>-REQ"`: when the request was received; equals the event's `id:`. */
  readonly originEventId: string;
  /** 32 hex characters, one per turn. */
  readonly traceId: string;
  /** The chunk offset for `TEXT_CHUNK`/`VALIDATION_FAILURE_CHUNK`, else 0. */
  readonly offset: number;
  readonly message: M;
}

/**
 * One framed event. `data` is serialised on a single line (JSON escapes newlines), so a client
 * that joins multi-line `data:` fields and one that does not read the same thing.
 *
 * @example
 * formatSseEvent('END_OF_TURN', '1736902935340-REQ', envelope);
 * // 'event: END_OF_TURN\nid: 1736902935340-REQ\ndata: {"timestamp":…}\n\n'
 */
export function formatSseEvent(event: SseEventName, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}
