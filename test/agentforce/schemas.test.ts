import { describe, expect, it } from 'vitest';
import {
  AgentforceClient,
  MalformedResponseError,
  staticCredentials,
  TokenProvider,
} from '../../lambda/agentforce/index.js';
import { flattenMessage, replyText } from '../../lambda/mcp/schemas.js';
import { caught, fakeFetch, instantRetry, json, makeJwt, tokenBody } from './helpers.js';

/*
 * Finding 7: Salesforce's own clients declare fields our first schemas rejected (SF-lib's
 * `lib/types.d.ts` has `result` and `citedReferences` as single objects; recordings show arrays).
 * One off-shape optional field must never cost the turn its text: what the bridge depends on
 * (type, text, ids) is validated, everything else is kept when it can be read and dropped when not.
 */

const SESSION_ID = '019d0aac-dcd0-7368-936c-106bffe75e84';

/** A real client whose Agent API answers every message with `body`. */
function clientAnswering(body: unknown) {
  const fake = fakeFetch((request) =>
    request.url.pathname === '/services/oauth2/token'
      ? json(
          200,
          tokenBody({ access_token: makeJwt({ exp: Math.floor(Date.now() / 1000) + 1800 }) })
        )
      : json(200, body)
  );
  const tokens = new TokenProvider({
    myDomainUrl: 'https://acme.my.salesforce.com/',
    credentials: staticCredentials({ clientId: 'id', clientSecret: 'secret-value' }),
    fetch: fake.fetch,
  });
  return new AgentforceClient({
    tokens,
    myDomainUrl: 'acme.my.salesforce.com',
    fetch: fake.fetch,
    retry: instantRetry().retry,
  });
}

async function replyOf(body: unknown): Promise<{ reply: string; details: string[] }> {
  const turn = await clientAnswering(body).sendMessage({
    sessionId: SESSION_ID,
    sequenceId: 1,
    text: 'hello',
  });
  const flat = turn.messages.map(flattenMessage);
  return { reply: replyText(flat), details: flat.map((message) => message.details) };
}

const inform = (extra: Record<string, unknown>) => ({
  messages: [
    { type: 'Inform', id: 'm-1', feedbackId: 'f-1', message: 'Your order ships today.', ...extra },
  ],
});

describe('Schemas: Salesforce-shaped bodies with off-shape optional fields', () => {
  it('keeps the text and the reference when citedReferences is a single object (SF-lib types)', async () => {
    // Act
    const { reply, details } = await replyOf(
      inform({ citedReferences: { type: 'Url', value: 'https://help.example.com/ship' } })
    );

    // Assess
    expect(reply).toBe('Your order ships today.');
    expect(details[0]).toContain('https://help.example.com/ship');
  });

  it('keeps the text and the result when result is a single object (SF-lib types)', async () => {
    // Act
    const { reply, details } = await replyOf(
      inform({ result: { type: 'Text', property: 'status', value: 'shipped' } })
    );

    // Assess
    expect(reply).toBe('Your order ships today.');
    expect(details[0]).toContain('shipped');
  });

  it.each([
    ['isContentSafe as a string', { isContentSafe: 'true' }],
    ['citedReferences as a string', { citedReferences: 'see the help center' }],
    ['result items that are not objects', { result: ['shipped', 3] }],
    ['a numeric planId', { planId: 42 }],
    [
      'inlineMetadata as an object',
      { citedReferences: [{ value: 'x', inlineMetadata: { claim: 'c' } }] },
    ],
  ])('keeps the text when an Inform carries %s', async (_, extra) => {
    // Act
    const { reply } = await replyOf(inform(extra));

    // Assess
    expect(reply).toBe('Your order ships today.');
  });

  it('keeps the text of a Failure whose errors are objects, and of an Escalate with odd targets', async () => {
    // Act
    const { reply } = await replyOf({
      messages: [
        {
          type: 'Failure',
          id: 'm-2',
          message: '',
          code: 500,
          errors: [{ message: 'Flow failed.' }],
        },
        { type: 'Escalate', id: 'm-3', message: 'Transferring you.', targets: { type: 'Flow' } },
      ],
    });

    // Assess
    expect(reply).toBe('Flow failed.\n\nTransferring you.');
  });

  it('keeps the text of an Inquire and a Confirm whose collect and confirm are single objects', async () => {
    // Act
    const { reply } = await replyOf({
      messages: [
        { type: 'Inquire', id: 'm-4', message: 'Which order?', collect: { targetType: 'Order' } },
        {
          type: 'Confirm',
          id: 'm-5',
          message: 'Cancel it?',
          confirm: { type: 'Text', value: 'yes' },
        },
      ],
    });

    // Assess
    expect(reply).toBe('Which order?\n\nCancel it?');
  });

  it('still refuses a message whose text is not text, naming only the path', async () => {
    // Act
    const error = await caught(() => replyOf(inform({ message: { html: '<b>hi</b>' } })));

    // Assess
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as MalformedResponseError).issues.join(' ')).not.toContain('<b>');
  });
});
