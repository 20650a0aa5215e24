import type { AgentMessage } from './schemas.js';

/** Shown for an `Escalate` message, which usually carries no text of its own. */
export const ESCALATION_NOTE = 'The agent is transferring this conversation to a human agent.';

/**
 * Human-readable text of a turn: Inform/Inquire/Confirm `message`s, Failure `message` and
 * `errors`, an Escalate note, an Error's message — joined with blank lines. Unknown message types
 * contribute their `message` when it is a string, so new kinds of answers are not lost.
 *
 * @example
 * turnText(turn.messages); // 'Here are your cases…\n\nThe agent is transferring this conversation…'
 */
export function turnText(messages: readonly AgentMessage[]): string {
  const parts: string[] = [];
  for (const message of messages) {
    switch (message.type) {
      case 'Inform':
      case 'Inquire':
      case 'Confirm':
        parts.push(message.message);
        break;
      case 'Failure':
        parts.push([message.message, ...message.errors].filter(hasText).join('\n'));
        break;
      case 'Escalate':
        parts.push(hasText(message.message) ? message.message : ESCALATION_NOTE);
        break;
      case 'Error':
        parts.push(
          `The agent reported an error: ${message.message || message.error || 'unknown error'}`
        );
        break;
      case 'Unknown': {
        const text = message.data.message;
        if (typeof text === 'string') parts.push(text);
        break;
      }
      default:
        // SessionEnded and streaming control messages carry no answer text.
        break;
    }
  }
  return parts.filter(hasText).join('\n\n');
}

function hasText(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
