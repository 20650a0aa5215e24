import { describe, expect, it } from 'vitest';
import { progressMessages, progressReporter, WITHDRAWN_NOTE } from '../../lambda/mcp/progress.js';

/** The part of a handler context `progressReporter` reads, recording what it sends. */
function fakeContext(progressToken?: string | number) {
  const sent: unknown[] = [];
  const ctx = {
    mcpReq: {
      ...(progressToken !== undefined ? { _meta: { progressToken } } : {}),
      notify: async (notification: unknown) => {
        sent.push(notification);
      },
    },
  } as unknown as Parameters<typeof progressReporter>[0];
  return { ctx, sent };
}

describe('Function: progressMessages', () => {
  it('describes indicators, the growing reply, and a withdrawn draft', () => {
    // Prepare
    const describe = progressMessages();

    // Act
    const messages = [
      describe({ type: 'progress', message: 'Looking up your order' }),
      describe({ type: 'text-chunk', text: 'Your order ' }),
      describe({ type: 'validation-failure' }),
      describe({ type: 'text-chunk', text: 'It has ' }),
      describe({ type: 'text-chunk', text: 'shipped.' }),
      describe({ type: 'message', message: { type: 'Inform', message: 'It has shipped.' } }),
      describe({ type: 'end-of-turn' }),
    ];

    // Assess
    expect(messages).toEqual([
      'Looking up your order',
      'Your order',
      WITHDRAWN_NOTE,
      'It has',
      'It has shipped.',
      undefined,
      undefined,
    ]);
  });

  it('describes a final message when no chunks came', () => {
    const describe = progressMessages();
    expect(
      describe({ type: 'message', message: { type: 'Inform', message: 'Opening hours: 9-5.' } })
    ).toBe('Opening hours: 9-5.');
  });

  it('keeps the newest 2000 characters of a long reply', () => {
    const describe = progressMessages();
    const message = describe({ type: 'text-chunk', text: `${'a'.repeat(3000)}z` });
    expect(message).toHaveLength(2001);
    expect(message?.startsWith('…')).toBe(true);
    expect(message?.endsWith('z')).toBe(true);
  });
});

describe('Function: progressReporter', () => {
  it('returns no listener without a progressToken', () => {
    expect(progressReporter(fakeContext().ctx, new AbortController().signal)).toBeUndefined();
  });

  it('sends numbered notifications for the token, without a total, until the signal aborts', () => {
    // Prepare
    const { ctx, sent } = fakeContext(7);
    const controller = new AbortController();
    const listener = progressReporter(ctx, controller.signal);

    // Act
    listener?.({ type: 'progress', message: 'Working on it' });
    listener?.({ type: 'end-of-turn' });
    listener?.({ type: 'text-chunk', text: 'Hi' });
    controller.abort();
    listener?.({ type: 'text-chunk', text: ' there' });

    // Assess
    expect(sent).toEqual([
      {
        method: 'notifications/progress',
        params: { progressToken: 7, progress: 1, message: 'Working on it' },
      },
      {
        method: 'notifications/progress',
        params: { progressToken: 7, progress: 2, message: 'Hi' },
      },
    ]);
  });
});
