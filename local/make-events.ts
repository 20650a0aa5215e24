/**
 * Regenerates `events/*.json`: Function URL (payload 2.0) events for `npm run invoke` and
 * `sam local invoke`. Deterministic (fixed ids and times) so regenerating changes nothing.
 * Run: npx tsx local/make-events.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { toFunctionUrlEvent } from './function-url-event.js';

const URL_BASE = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws';
const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
  'user-agent': 'sample-event',
};
const EMAIL = 'jane.doe@example.com';
/** Stands for the feedback_id a turn returned; replace it before invoking (the events test does). */
const SAMPLE_FEEDBACK_ID = '00000000-0000-4000-8000-00000000feed';

const rpc = (id: number, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
const call = (id: number, name: string, args: Record<string, unknown>) =>
  rpc(id, 'tools/call', { name, arguments: args });

const events: Record<
  string,
  { method: string; body?: string; headers?: Record<string, string>; base64?: boolean }
> = {
  initialize: {
    method: 'POST',
    body: rpc(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'sample-event', version: '1.0.0' },
    }),
    headers: { ...HEADERS, 'mcp-protocol-version': '' },
  },
  'tools-list': { method: 'POST', body: rpc(2, 'tools/list') },
  'call-authenticate': { method: 'POST', body: call(3, 'authenticate', { client_email: EMAIL }) },
  'call-create-agent-session': {
    method: 'POST',
    body: call(4, 'create-agent-session', { client_email: EMAIL }),
  },
  'call-send-message-to-agent': {
    method: 'POST',
    body: call(5, 'send-message-to-agent', { client_email: EMAIL, message: 'Where is my order?' }),
  },
  'call-get-session-status': {
    method: 'POST',
    body: call(6, 'get-session-status', { client_email: EMAIL }),
  },
  'call-submit-agent-feedback': {
    method: 'POST',
    body: call(10, 'submit-agent-feedback', {
      client_email: EMAIL,
      feedback_id: SAMPLE_FEEDBACK_ID,
      rating: 'GOOD',
      comment: 'Clear answer.',
    }),
  },
  'call-complete-agentforce-conversation': {
    method: 'POST',
    body: call(7, 'complete-agentforce-conversation', {
      client_email: EMAIL,
      message: 'Hello! What can you help me with?',
    }),
    // Function URLs may deliver the body base64-encoded; this event exercises that path.
    base64: true,
  },
  'call-end-agent-session': {
    method: 'POST',
    body: call(8, 'end-agent-session', { client_email: EMAIL }),
  },
  'malformed-json': { method: 'POST', body: '{"jsonrpc":"2.0","id":9,"method":' },
  'get-not-allowed': { method: 'GET', headers: { accept: 'text/event-stream' } },
};

await mkdir('events', { recursive: true });
for (const [name, spec] of Object.entries(events)) {
  const headers = Object.fromEntries(
    Object.entries(spec.headers ?? HEADERS).filter(([, value]) => value !== '')
  );
  const event = toFunctionUrlEvent({
    method: spec.method,
    url: `${URL_BASE}/mcp`,
    headers,
    ...(spec.body !== undefined ? { body: spec.body } : {}),
    sourceIp: '203.0.113.10',
  });
  event.requestContext.requestId = `00000000-0000-4000-8000-${String(Object.keys(events).indexOf(name)).padStart(12, '0')}`;
  event.requestContext.time = '21/Nov/2026:09:00:00 +0000';
  event.requestContext.timeEpoch = 1795251600000;
  event.requestContext.accountId = '123456789012';
  if (spec.body !== undefined && !spec.base64) {
    event.body = spec.body;
    event.isBase64Encoded = false;
  }
  await writeFile(`events/${name}.json`, `${JSON.stringify(event, null, 2)}\n`);
}
process.stdout.write(`Wrote ${Object.keys(events).length} events to events/\n`);
