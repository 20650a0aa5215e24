import { describe, expect, it } from 'vitest';
import { GREETING, MAX_QUOTE_LENGTH, scriptTurn } from '../../simulator/agent-script.js';
import { splitIntoChunks, toTurnMessage } from '../../simulator/messages.js';

describe('Function: scriptTurn', () => {
  it('returns one Inform quoting the question by default', () => {
    // Act
    const turn = scriptTurn('What is the weather like?');

    // Assess
    expect(turn.messages).toEqual([
      { type: 'Inform', message: expect.stringContaining('"What is the weather like?"') },
    ]);
    expect(turn.latencyFactor).toBe(1);
    expect(turn.withdrawn).toBeUndefined();
  });

  it.each([
    ['Simulate an INTERNAL ERROR', ['Error']],
    ['This should Fail', ['Failure']],
    ['Let me talk to a Human', ['Inform', 'Escalate']],
    ['please escalate this', ['Inform', 'Escalate']],
    ['Book a room', ['Confirm']],
    ['confirm the change', ['Confirm']],
    ['Cancel my subscription', ['Confirm']],
    ['I need a New Account', ['Inquire']],
    ['create a contact', ['Inquire']],
    ['what are the steps', ['Inform', 'Inform', 'Inform']],
    ['give me a multi part answer', ['Inform', 'Inform', 'Inform']],
    ['cite your source', ['Inform']],
    ['what is my order status', ['Inform']],
  ])('replies to %j with %j', (utterance, types) => {
    // Act
    const turn = scriptTurn(utterance);

    // Assess
    expect(turn.messages.map((m) => m.type)).toEqual(types);
  });

  it('lets the first matching row win when several keywords appear', () => {
    // Act
    const turn = scriptTurn('create a booking that will fail');

    // Assess
    expect(turn.messages.map((m) => m.type)).toEqual(['Failure']);
  });

  it('returns a Failure with an empty message and its text in errors[]', () => {
    // Act
    const [failure] = scriptTurn('fail please').messages;

    // Assess
    expect(failure).toEqual({
      type: 'Failure',
      message: '',
      code: 'ACTION_FAILED',
      errors: [expect.any(String)],
    });
  });

  it('returns an Escalate whose targets use the reference type names', () => {
    // Act
    const escalate = scriptTurn('human please').messages[1];

    // Assess
    expect(escalate).toEqual({
      type: 'Escalate',
      targets: [{ type: 'Salesforce:Core:Queue:Id', value: expect.stringMatching(/^00G\w{15}$/) }],
    });
  });

  it('points each citation at the claim inside the message', () => {
    // Act
    const [inform] = scriptTurn('what is your source?').messages;

    // Assess
    if (inform?.type !== 'Inform') throw new Error('expected an Inform');
    const [reference] = inform.citedReferences ?? [];
    const [meta] = reference?.inlineMetadata ?? [];
    expect(inform.message.slice(meta?.location)).toBe(meta?.claim);
  });

  it('multiplies latency by 5 for "slow" on top of another reply', () => {
    // Act
    const turn = scriptTurn('SLOW: book a room');

    // Assess
    expect(turn.latencyFactor).toBe(5);
    expect(turn.messages[0]?.type).toBe('Confirm');
  });

  it('returns a withdrawn draft for "validation"', () => {
    // Act
    const turn = scriptTurn('Validation test');

    // Assess
    expect(turn.withdrawn).toEqual({ draft: expect.any(String), reason: expect.any(String) });
  });

  it('quotes long questions on one line, capped at MAX_QUOTE_LENGTH', () => {
    // Act
    const [inform] = scriptTurn(`first line\n${'x'.repeat(500)}`).messages;

    // Assess
    if (inform?.type !== 'Inform') throw new Error('expected an Inform');
    const quote = /"(.*)"/.exec(inform.message)?.[1] ?? '';
    expect(quote.length).toBe(MAX_QUOTE_LENGTH);
    expect(quote.startsWith('first line x')).toBe(true);
    expect(quote.endsWith('…')).toBe(true);
  });

  it('returns the same reply for the same utterance', () => {
    // Act & Assess
    expect(scriptTurn('steps please')).toEqual(scriptTurn('steps please'));
  });
});

describe('Function: toTurnMessage', () => {
  const ctx = {
    feedbackId: 'f-1',
    traceId: 't'.repeat(32),
    now: 1_700_000_000_000,
    newId: () => 'id-1',
  };

  it('returns the greeting without metrics and with empty feedbackId and planId', () => {
    // Act
    const message = toTurnMessage(
      { type: 'Inform', message: GREETING },
      { ...ctx, feedbackId: '' }
    );

    // Assess
    expect(message).toEqual({
      type: 'Inform',
      id: 'id-1',
      feedbackId: '',
      planId: '',
      isContentSafe: true,
      message: GREETING,
      result: [],
      citedReferences: [],
    });
  });

  it('returns an Error message carrying the turn traceId and timestamp', () => {
    // Act
    const message = toTurnMessage(
      scriptTurn('internal error').messages[0] ?? { type: 'Escalate', targets: [] },
      ctx
    );

    // Assess
    expect(message).toMatchObject({
      type: 'Error',
      feedbackId: 'f-1',
      traceId: ctx.traceId,
      timestamp: ctx.now,
    });
  });
});

describe('Function: splitIntoChunks', () => {
  it.each([
    'Here are two cases related to Lauren Bailey.',
    '  leading and trailing spaces  ',
    'line one\nline two\n\n- bullet',
    'single',
  ])('returns chunks that concatenate back to %j', (text) => {
    // Act
    const chunks = splitIntoChunks(text);

    // Assess
    expect(chunks.join('')).toBe(text);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
  });

  it('returns no chunks for empty text', () => {
    // Act & Assess
    expect(splitIntoChunks('')).toEqual([]);
  });
});
