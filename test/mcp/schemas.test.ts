import { describe, expect, it } from 'vitest';
import { type AgentMessage, ESCALATION_NOTE } from '../../lambda/agentforce/index.js';
import { flattenMessage, replyText } from '../../lambda/mcp/schemas.js';

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
    });
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
