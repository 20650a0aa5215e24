import { describe, expect, it } from 'vitest';
import {
  type AgentMessage,
  agentMessageSchema,
  ESCALATION_NOTE,
  turnText,
} from '../../lambda/agentforce/index.js';

const parse = (raw: unknown[]): AgentMessage[] => raw.map((item) => agentMessageSchema.parse(item));

describe('Function: turnText', () => {
  it('returns every answer of the turn joined with blank lines', () => {
    // Prepare
    const messages = parse([
      { type: 'Inform', message: 'First.' },
      { type: 'Inquire', message: 'What is the account name?', collect: [] },
      { type: 'Confirm', message: 'Shall I book it?', confirm: [] },
    ]);

    // Act
    const text = turnText(messages);

    // Assess
    expect(text).toBe('First.\n\nWhat is the account name?\n\nShall I book it?');
  });

  it('returns the errors of a Failure whose message is empty', () => {
    // Prepare
    const messages = parse([
      {
        type: 'Failure',
        code: 'ACTION_FAILED',
        message: '',
        errors: ['A system error occurred.', 'Try again.'],
      },
    ]);

    // Act
    const text = turnText(messages);

    // Assess
    expect(text).toBe('A system error occurred.\nTry again.');
  });

  it('returns an escalation note after the Inform of an escalated turn', () => {
    // Prepare
    const messages = parse([
      { type: 'Inform', message: 'Let me connect you.' },
      { type: 'Escalate', targets: [{ type: 'Salesforce:Core:Queue:Id', value: '00G' }] },
    ]);

    // Act
    const text = turnText(messages);

    // Assess
    expect(text).toBe(`Let me connect you.\n\n${ESCALATION_NOTE}`);
  });

  it('returns the message of an in-band Error', () => {
    // Prepare
    const messages = parse([
      { type: 'Error', error: 'INTERNAL_SERVER_ERROR', message: 'It broke.' },
    ]);

    // Act
    const text = turnText(messages);

    // Assess
    expect(text).toBe('The agent reported an error: It broke.');
  });

  it('returns the message of an unknown message type and skips control messages', () => {
    // Prepare
    const messages = parse([
      { type: 'ProgressIndicator', message: 'Working on it' },
      { type: 'SessionEnded', reason: 'ClientRequest' },
      { type: 'Hologram', message: 'Beamed text' },
      { type: 'Hologram', payload: 1 },
      { type: 'EndOfTurn' },
    ]);

    // Act
    const text = turnText(messages);

    // Assess
    expect(text).toBe('Beamed text');
  });

  it('returns an empty string for a turn without text', () => {
    // Act
    const text = turnText([]);

    // Assess
    expect(text).toBe('');
  });
});

describe('Schema: agentMessageSchema', () => {
  it('returns null text fields as empty strings and keeps unlisted fields', () => {
    // Act
    const message = agentMessageSchema.parse({ type: 'Inform', message: null, metrics: { ms: 3 } });

    // Assess
    expect(message).toEqual({ type: 'Inform', message: '', metrics: { ms: 3 } });
  });

  it('returns the reference spelling for upper-case type names such as ERROR', () => {
    // Act
    const message = agentMessageSchema.parse({ type: 'END_OF_TURN', id: 'e' });

    // Assess
    expect(message).toEqual({ type: 'EndOfTurn', id: 'e' });
  });

  it('throws for a known type with a broken shape instead of treating it as unknown', () => {
    // Act
    const result = agentMessageSchema.safeParse({ type: 'Failure', message: 42 });

    // Assess
    expect(result.success).toBe(false);
  });
});
