import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { call, type Outcome } from './mcp.js';
import type { SentTurn } from './upstream-observer.js';

/** A fresh client email, so tests sharing a table never meet. */
export const freshEmail = (prefix = 'fault') => `${prefix}-${randomUUID().slice(0, 8)}@example.com`;

/** One complete-agentforce-conversation turn. */
export const converse = (client: Client, clientEmail: string, message: string) =>
  call(client, 'complete-agentforce-conversation', { client_email: clientEmail, message });

/** A structured field of an answer; fails the test with the whole outcome when it is not one. */
export function field(outcome: Outcome, name: string): unknown {
  if (outcome.kind !== 'ok') throw new Error(`expected an answer, got ${JSON.stringify(outcome)}`);
  return outcome.structured[name];
}

/** `ok`, the tool error's code, or `protocol-error`. */
export const codeOf = (outcome: Outcome): string =>
  outcome.kind === 'tool-error' ? outcome.code : outcome.kind;

/** Retries `turn` every `everyMs` until it is answered; returns the answer and what came before. */
export async function untilAnswered(
  turn: () => Promise<Outcome>,
  everyMs: number,
  limitMs: number
): Promise<{ outcome: Outcome; refusals: string[]; ms: number }> {
  const started = performance.now();
  const refusals: string[] = [];
  for (;;) {
    const outcome = await turn();
    if (outcome.kind === 'ok') {
      return { outcome, refusals, ms: Math.round(performance.now() - started) };
    }
    refusals.push(codeOf(outcome));
    if (performance.now() - started > limitMs) {
      throw new Error(`not answered within ${limitMs} ms: ${refusals.join(', ')}`);
    }
    await sleep(everyMs);
  }
}

/** Sequence ids Salesforce accepted (answered 200) in one session, in send order. */
export const acceptedIds = (sent: readonly SentTurn[], sessionId: string): number[] =>
  sent.filter((t) => t.sessionId === sessionId && t.status === 200).map((t) => t.sequenceId);

/** The sequence id a turn was answered with (epoch ms or more since issue 14). */
export const idOf = (outcome: Outcome): number => Number(field(outcome, 'sequence_id'));

/** Whether `ids` strictly increase. */
export const increasing = (ids: readonly number[]): boolean =>
  ids.every((id, i) => i === 0 || id > (ids[i - 1] as number));
