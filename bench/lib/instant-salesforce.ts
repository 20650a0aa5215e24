import { randomUUID } from 'node:crypto';
import { messageId, traceId, uuidV7 } from '../../simulator/ids.js';
import { TokenSigner } from '../../simulator/jwt.js';
import { sessionLinks, toTurnMessage } from '../../simulator/messages.js';

/** Agent id the instant stand-in answers for (any id works; this one passes `loadConfig`). */
export const INSTANT_AGENT_ID = '0XxSB000000IPCr0AO';
/** A My Domain that never resolves: every request is answered in-process by the stand-in. */
export const INSTANT_MY_DOMAIN = 'https://bench.my.salesforce.com';

const API_BASE = 'https://api.salesforce.com/einstein/ai-agent/v1';

/** Requests the stand-in answered, by endpoint. */
export interface InstantCounters {
  token: number;
  start: number;
  message: number;
  end: number;
  other: number;
}

/**
 * An in-process Salesforce for warm-overhead timing: a `fetch` that answers the token endpoint
 * and the Agent API (start, message, end) at once with canned, schema-valid bodies in the
 * simulator's wire shapes. Nothing leaves the process, so what is timed is our code alone.
 */
export function instantSalesforce(): { fetch: typeof fetch; counters: InstantCounters } {
  const counters: InstantCounters = { token: 0, start: 0, message: 0, end: 0, other: 0 };
  const signer = new TokenSigner();
  const turnContext = () => ({
    feedbackId: randomUUID(),
    traceId: traceId(),
    now: Date.now(),
    newId: messageId,
  });
  const greeting = toTurnMessage(
    { type: 'Inform', message: 'Hi, I am the instant stand-in. How can I help?' },
    { ...turnContext(), feedbackId: '' }
  );
  const reply = toTurnMessage(
    {
      type: 'Inform',
      message:
        'Your order 00001234 shipped yesterday and should arrive on Friday. Anything else I can do?',
    },
    turnContext()
  );
  const replyBody = (sessionId: string) =>
    JSON.stringify({
      messages: [reply],
      _links: sessionLinks(API_BASE, sessionId, INSTANT_AGENT_ID),
    });
  const json = (body: string) =>
    new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });

  const standIn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (
      init?.method ?? (input instanceof Request ? input.method : 'GET')
    ).toUpperCase();
    if (url.pathname === '/services/oauth2/token') {
      counters.token++;
      const iat = Math.floor(Date.now() / 1000);
      const accessToken = signer.sign({
        sub: 'uid:005SB000000bench',
        iss: INSTANT_MY_DOMAIN,
        sfdc_app_id: '0spSB000000bench',
        scope: 'sfap_api chatbot_api api',
        iat,
        exp: iat + 1800,
        jti: randomUUID(),
      });
      return json(
        JSON.stringify({
          access_token: accessToken,
          signature: 'bench',
          token_format: 'jwt',
          scope: 'sfap_api chatbot_api api',
          instance_url: INSTANT_MY_DOMAIN,
          id: `${INSTANT_MY_DOMAIN}/id/00DSB000000bench/005SB000000bench`,
          token_type: 'Bearer',
          issued_at: String(Date.now()),
          api_instance_url: 'https://api.salesforce.com',
        })
      );
    }
    const path = url.pathname.replace('/einstein/ai-agent/v1', '');
    if (method === 'POST' && /^\/agents\/[^/]+\/sessions$/.test(path)) {
      counters.start++;
      const sessionId = uuidV7();
      return json(
        JSON.stringify({
          sessionId,
          _links: sessionLinks(API_BASE, sessionId, INSTANT_AGENT_ID),
          messages: [greeting],
        })
      );
    }
    const message = /^\/sessions\/([^/]+)\/messages$/.exec(path);
    if (method === 'POST' && message) {
      counters.message++;
      return json(replyBody(message[1] as string));
    }
    const end = /^\/sessions\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && end) {
      counters.end++;
      return json(
        JSON.stringify({
          messages: [
            { type: 'SessionEnded', id: messageId(), reason: 'ClientRequest', feedbackId: '' },
          ],
        })
      );
    }
    counters.other++;
    return new Response(null, { status: 404 });
  };
  return { fetch: standIn as typeof fetch, counters };
}
