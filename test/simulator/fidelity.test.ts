import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import {
  API,
  authHeaders,
  openSession,
  parseSse,
  postMessage,
  postStart,
  requestToken,
  startBody,
  tokenForm,
} from './helpers.js';

/**
 * The simulator behaviours pinned to what Salesforce's own clients send or record; each test names
 * its source in docs/agent-api-notes.md.
 */
describe('Function: startSimulator (fidelity to Salesforce-written clients)', () => {
  let sim: Simulator;
  let token: string;
  let sessionId: string;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  beforeEach(async () => {
    token = await requestToken(sim);
    sessionId = await openSession(sim, token);
  });
  afterEach(() =>
    sim.configure({
      streamShape: 'rich',
      escalateTargetShape: 'reference',
      tokenScope: 'sfap_api chatbot_api api',
    })
  );
  afterAll(() => sim.close());

  const feedbackIdOfTurn = async (): Promise<string> => {
    const res = await postMessage(sim, token, sessionId, 'hello');
    const body = (await res.json()) as { messages: { feedbackId: string }[] };
    return body.messages[0]?.feedbackId ?? '';
  };

  const feedback = (body: string, contentType?: string) =>
    fetch(`${sim.url}${API}/sessions/${sessionId}/feedback`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
    });

  describe('Feedback content type (DevRel client)', () => {
    it('accepts a JSON body sent as text/plain, as fetch sends it without a Content-Type', async () => {
      // Prepare
      const feedbackId = await feedbackIdOfTurn();

      // Act
      const res = await feedback(JSON.stringify({ feedbackId, feedback: 'GOOD' }));

      // Assess
      expect(res.status).toBe(201);
      expect(sim.counters.feedbackReceived).toBeGreaterThan(0);
    });

    it('still answers 500 Unsupported Media Type to a non-JSON, non-text content type', async () => {
      // Prepare
      const feedbackId = await feedbackIdOfTurn();

      // Act
      const res = await feedback(
        JSON.stringify({ feedbackId, feedback: 'GOOD' }),
        'application/xml'
      );

      // Assess
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ message: 'Unsupported Media Type' });
    });

    it('keeps answering 500 to a text/plain turn (only feedback is relaxed)', async () => {
      // Act
      const res = await fetch(`${sim.url}${API}/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: JSON.stringify({ message: { sequenceId: 1, type: 'Text', text: 'hi' } }),
      });

      // Assess
      expect(res.status).toBe(500);
    });
  });

  describe('Stream shapes', () => {
    it('sends only INFORM then END_OF_TURN in inform-only mode (the one real recording)', async () => {
      // Prepare
      sim.configure({ streamShape: 'inform-only' });

      // Act
      const res = await postMessage(sim, token, sessionId, 'What are your opening hours?', {
        stream: true,
      });
      const events = parseSse(await res.text());

      // Assess
      expect(events.map((event) => event.event)).toEqual(['INFORM', 'END_OF_TURN']);
    });

    it('sends an ERROR event with empty data for the empty error keyword', async () => {
      // Act
      const res = await postMessage(sim, token, sessionId, 'empty error please', {
        stream: true,
      });
      const text = await res.text();

      // Assess
      expect(text).toMatch(/event: ERROR\nid: \d{13}-REQ\ndata: \n\n/);
      expect(text).toMatch(/event: END_OF_TURN\n/);
    });

    it('answers the empty error keyword with an in-band Error message on the sync route', async () => {
      // Act
      const res = await postMessage(sim, token, sessionId, 'empty error please');

      // Assess
      const body = (await res.json()) as { messages: { type: string }[] };
      expect(body.messages.map((message) => message.type)).toEqual(['Error']);
    });
  });

  describe('Escalate targets (MuleSoft mocks)', () => {
    it('returns {id, type: Flow, label} targets in mulesoft mode', async () => {
      // Prepare
      sim.configure({ escalateTargetShape: 'mulesoft' });

      // Act
      const res = await postMessage(sim, token, sessionId, 'I want a human');

      // Assess
      const body = (await res.json()) as { messages: { type: string; targets?: unknown }[] };
      const escalate = body.messages.find((message) => message.type === 'Escalate');
      expect(escalate?.targets).toEqual([
        { id: expect.any(String), type: 'Flow', label: expect.any(String) },
      ]);
    });

    it('returns {type, value} targets by default (the reference shape)', async () => {
      // Act
      const res = await postMessage(sim, token, sessionId, 'I want a human');

      // Assess
      const body = (await res.json()) as { messages: { type: string; targets?: unknown }[] };
      const escalate = body.messages.find((message) => message.type === 'Escalate');
      expect(escalate?.targets).toEqual([
        { type: 'Salesforce:Core:Queue:Id', value: expect.any(String) },
      ]);
    });
  });

  describe('Content safety (isContentSafe on every agent message, S2)', () => {
    it('flags the messages of a turn with the unsafe keyword, and only those', async () => {
      // Act
      const flagged = await (await postMessage(sim, token, sessionId, 'unsafe question')).json();
      const safe = await (await postMessage(sim, token, sessionId, 'a question')).json();

      // Assess
      expect(flagged).toMatchObject({ messages: [{ type: 'Inform', isContentSafe: false }] });
      expect(safe).toMatchObject({ messages: [{ type: 'Inform', isContentSafe: true }] });
    });
  });

  describe('Markdown (x-attributed-client: no-builder, SF-lib)', () => {
    it('strips markdown from the replies of a session started with no-builder', async () => {
      // Prepare
      const start = await fetch(`${sim.url}${API}/agents/${sim.agentId}/sessions`, {
        method: 'POST',
        headers: { ...authHeaders(token), 'x-attributed-client': 'no-builder' },
        body: startBody(sim),
      });
      const plain = ((await start.json()) as { sessionId: string }).sessionId;

      // Act
      const plainReply = await (await postMessage(sim, token, plain, 'steps please')).text();
      const markdownReply = await (await postMessage(sim, token, sessionId, 'steps please')).text();

      // Assess
      expect(plainReply).not.toContain('**');
      expect(plainReply).toContain('Describe');
      expect(markdownReply).toContain('**Describe**');
      expect(sim.counters.plainTextSessions).toBeGreaterThan(0);
    });
  });

  describe('Token scopes', () => {
    const tokenResponse = async () => {
      const res = await fetch(`${sim.url}/services/oauth2/token`, {
        method: 'POST',
        body: tokenForm(sim),
      });
      return (await res.json()) as { access_token: string; scope?: string };
    };

    it('issues the configured scope and refuses a token lacking an Agent API scope (empty 404)', async () => {
      // Prepare
      sim.configure({ tokenScope: 'api refresh_token' });
      const { access_token, scope } = await tokenResponse();

      // Act
      const res = await postStart(sim, access_token);

      // Assess
      expect(scope).toBe('api refresh_token');
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
    });

    it('omits scope when configured with null and accepts that token', async () => {
      // Prepare
      sim.configure({ tokenScope: null });
      const body = await tokenResponse();

      // Act
      const res = await postStart(sim, body.access_token);

      // Assess
      expect('scope' in body).toBe(false);
      expect(res.status).toBe(200);
    });
  });

  describe('Variables', () => {
    it('remembers start and message variables and lets the agent read them', async () => {
      // Prepare
      const start = await postStart(sim, token, {
        body: startBody(sim, {
          variables: [{ name: '$Context.EndUserLanguage', type: 'Text', value: 'fr' }],
        }),
      });
      const withVariables = ((await start.json()) as { sessionId: string }).sessionId;

      // Act
      const res = await fetch(`${sim.url}${API}/sessions/${withVariables}/messages`, {
        method: 'POST',
        headers: authHeaders(token),
        body: JSON.stringify({
          message: { sequenceId: 1, type: 'Text', text: 'which variables do you see?' },
          variables: [{ name: 'Tier', type: 'Number', value: 3 }],
        }),
      });

      // Assess
      const body = (await res.json()) as { messages: { message: string }[] };
      expect(body.messages[0]?.message).toBe(
        'The variables I know: $Context.EndUserLanguage="fr", Tier=3.'
      );
    });

    it('answers 400 to a variable of an unknown type', async () => {
      // Act
      const res = await postStart(sim, token, {
        body: startBody(sim, { variables: [{ name: 'Tier', type: 'Integer', value: 3 }] }),
      });

      // Assess
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(
        /variables\[0\]\.type must be one of Text/
      );
    });
  });
});
