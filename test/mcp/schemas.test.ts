import { describe, expect, it } from 'vitest';
import { type AgentMessage, ESCALATION_NOTE } from '../../lambda/agentforce/index.js';
import {
  CONTENT_FLAGGED_NOTE,
  flattenMessage,
  readableReply,
  replyText,
} from '../../lambda/mcp/schemas.js';

const msg = (fields: Record<string, unknown>) => fields as unknown as AgentMessage;

describe('Function: flattenMessage', () => {
  it('keeps the text of an Inform and drops empty details', () => {
    const flat = flattenMessage(
      msg({
        type: 'Inform',
        id: 'i1',
        feedbackId: 'f1',
        message: 'Hello',
        result: [],
        citedReferences: [],
      })
    );
    expect(flat).toEqual({
      type: 'Inform',
      id: 'i1',
      text: 'Hello',
      feedback_id: 'f1',
      code: '',
      details: '',
      content_safe: true,
    });
  });

  it('carries isContentSafe false through as content_safe false', () => {
    const flat = flattenMessage(
      msg({ type: 'Inform', id: 'i2', message: 'Hm', isContentSafe: false })
    );
    expect(flat.content_safe).toBe(false);
  });

  it('reports content_safe true for a message without isContentSafe (Escalate, Error)', () => {
    const flat = flattenMessage(
      msg({ type: 'Error', id: 'e', message: 'Boom', isContentSafe: null })
    );
    expect(flat.content_safe).toBe(true);
  });

  it('uses the errors of a Failure whose message is empty', () => {
    const flat = flattenMessage(
      msg({
        type: 'Failure',
        id: 'x',
        code: 'ACTION_FAILED',
        message: '',
        errors: ['System error.'],
      })
    );
    expect(flat.text).toBe('System error.');
    expect(flat.code).toBe('ACTION_FAILED');
  });

  it('serialises type-specific fields into details', () => {
    const collect = [
      { targetType: 'copilotActionInput/CreateAccount', targetProperty: 'accountName', data: null },
    ];
    const flat = flattenMessage(msg({ type: 'Inquire', id: 'q', message: 'Name?', collect }));
    expect(JSON.parse(flat.details)).toEqual({ collect });
  });

  it('gives an Escalate without text a readable note', () => {
    const flat = flattenMessage(
      msg({ type: 'Escalate', id: 'e', targets: [{ type: 'Queue', value: 'q1' }] })
    );
    expect(flat.text).toBe(ESCALATION_NOTE);
    expect(JSON.parse(flat.details)).toHaveProperty('targets');
  });
});

describe('Function: readableReply', () => {
  it('puts a visible note before each flagged message and none before safe ones', () => {
    const messages = [
      flattenMessage(msg({ type: 'Inform', id: 'a', message: 'Safe part', isContentSafe: true })),
      flattenMessage(msg({ type: 'Inform', id: 'b', message: 'Odd part', isContentSafe: false })),
    ];
    expect(readableReply(messages)).toBe(`Safe part\n\n${CONTENT_FLAGGED_NOTE} Odd part`);
    expect(replyText(messages)).toBe('Safe part\n\nOdd part');
  });
});

describe('Function: flattenMessage (unknown types)', () => {
  it('keeps the wire type and fields of a message type it does not know', () => {
    const flat = flattenMessage(
      msg({
        type: 'Unknown',
        originalType: 'Handoff',
        id: 'u1',
        data: { message: 'Later', reason: 'x' },
      })
    );
    expect(flat).toMatchObject({ type: 'Handoff', id: 'u1', text: 'Later' });
    expect(JSON.parse(flat.details)).toEqual({ reason: 'x' });
  });
});

describe('Function: replyText', () => {
  it('joins non-empty texts with blank lines', () => {
    const texts = ['A', '', 'B'].map((text) => ({
      ...flattenMessage(msg({ type: 'Inform', id: '' })),
      text,
    }));
    expect(replyText(texts)).toBe('A\n\nB');
  });
});
