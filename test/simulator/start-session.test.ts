import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_AGENT_ID, type Simulator, startSimulator } from '../../simulator/index.js';
import { API, authHeaders, postStart, requestToken, startBody, UUID } from './helpers.js';

const INACTIVE_AGENT = '0XxSIM000000002CAI';
const EMPLOYEE_AGENT = '0XxSIM000000003CAI';

describe('Function: startSimulator', () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({
      agents: [
        { id: DEFAULT_AGENT_ID },
        { id: INACTIVE_AGENT, state: 'inactive' },
        { id: EMPLOYEE_AGENT, kind: 'employee' },
      ],
    });
  });
  beforeEach(async () => {
    // A fresh token per test: some tests revoke every token issued so far.
    token = await requestToken(sim);
  });
  afterAll(() => sim.close());
  afterEach(() => {
    vi.useRealTimers();
    sim.configure({ unauthorizedStyle: 'empty-404', maxLiveSessions: Number.POSITIVE_INFINITY });
  });

  describe('Authorization on the Agent API', () => {
    it('answers 404 with an empty body and an x-request-id without Authorization', async () => {
      // Act
      const res = await fetch(`${sim.url}${API}/agents/${sim.agentId}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: startBody(sim),
      });

      // Assess
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });

    it('answers 404 with an empty body to a tampered token', async () => {
      // Prepare
      const [header, , signature] = token.split('.');
      const forged = Buffer.from(JSON.stringify({ sub: 'x', jti: 'x', iat: 0, exp: 9e9 }));
      const tampered = `${header}.${forged.toString('base64url')}.${signature}`;

      // Act
      const res = await postStart(sim, tampered);

      // Assess
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
    });

    it('answers 404 to a token minted by another simulator', async () => {
      // Prepare
      const other = await startSimulator();
      const foreign = await requestToken(other);
      await other.close();

      // Act
      const res = await postStart(sim, foreign);

      // Assess
      expect(res.status).toBe(404);
    });

    it('answers 401 with a JSON envelope in json-401 style', async () => {
      // Prepare
      sim.configure({ unauthorizedStyle: 'json-401' });

      // Act
      const res = await postStart(sim, 'not-a-jwt');

      // Assess
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({
        status: 401,
        path: `v6.0.0/agents/${sim.agentId}/sessions`,
      });
    });

    it('answers 401 with an envelope after expireAllTokens, and accepts a new token', async () => {
      // Prepare
      const old = await requestToken(sim);

      // Act
      sim.expireAllTokens();
      const expired = await postStart(sim, old);
      const fresh = await postStart(sim, await requestToken(sim));

      // Assess
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ status: 401, mode: 'unknown', expected: true });
      expect(fresh.status).toBe(200);
    });

    it('answers 401 once the JWT exp has passed', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      const shortLived = await requestToken(sim);

      // Act
      vi.setSystemTime(Date.now() + 1800 * 1000);
      const res = await postStart(sim, shortLived);

      // Assess
      expect(res.status).toBe(401);
    });

    it('answers 500 Unsupported Media Type to a non-JSON Content-Type', async () => {
      // Act
      const res = await fetch(`${sim.url}${API}/agents/${sim.agentId}/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: startBody(sim),
      });

      // Assess
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ status: 500, message: 'Unsupported Media Type' });
    });
  });

  describe('Endpoint: POST /agents/{agentId}/sessions', () => {
    it('returns sessionId, _links and the greeting in the documented shape', async () => {
      // Act
      const res = await postStart(sim, token);
      const body = (await res.json()) as Record<string, unknown> & { sessionId: string };

      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      const id = body.sessionId;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const base = `${sim.url}${API}`;
      expect(body._links).toEqual({
        self: null,
        messages: { href: `${base}/sessions/${id}/messages` },
        messagesStream: { href: `${base}/sessions/${id}/messages/stream` },
        session: { href: `${base}/agents/${sim.agentId}/sessions` },
        end: { href: `${base}/sessions/${id}` },
      });
      expect(body.messages).toEqual([
        {
          type: 'Inform',
          id: expect.stringMatching(UUID),
          feedbackId: '',
          planId: '',
          isContentSafe: true,
          message: expect.stringContaining("Hi, I'm the Agentforce simulator"),
          result: [],
          citedReferences: [],
        },
      ]);
      expect(sim.counters.liveSessions).toBeGreaterThanOrEqual(1);
    });

    it('accepts the My Domain endpoint with a trailing slash', async () => {
      // Act
      const res = await postStart(sim, token, {
        body: startBody(sim, { instanceConfig: { endpoint: `${sim.url}/` } }),
      });

      // Assess
      expect(res.status).toBe(200);
    });

    it('answers 400 "is not a valid agent ID" for an unknown agent', async () => {
      // Act
      const res = await postStart(sim, token, { agentId: '0XxNOPE00000000AAA' });

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        status: 400,
        path: 'v6.0.0/agents/0XxNOPE00000000AAA/sessions',
        message: '0XxNOPE00000000AAA is not a valid agent ID',
      });
    });

    it('answers 404 "No valid version available" for an inactive agent', async () => {
      // Act
      const res = await postStart(sim, token, { agentId: INACTIVE_AGENT });
      const body = (await res.json()) as { message: string };

      // Assess
      expect(res.status).toBe(404);
      expect(body.message).toContain('NOT_FOUND');
      expect(body.message).toContain('No valid version available');
    });

    it('answers 400 "Invalid user ID" for bypassUser on an employee agent', async () => {
      // Act
      const bypass = await postStart(sim, token, { agentId: EMPLOYEE_AGENT });
      const asUser = await postStart(sim, token, {
        agentId: EMPLOYEE_AGENT,
        body: startBody(sim, { bypassUser: false }),
      });

      // Assess
      expect(bypass.status).toBe(400);
      expect(await bypass.json()).toMatchObject({ message: 'Invalid user ID' });
      expect(asUser.status).toBe(200);
    });

    it('answers 500 EngineConfigLookupException for an endpoint other than My Domain', async () => {
      // Act
      const res = await postStart(sim, token, {
        body: startBody(sim, { instanceConfig: { endpoint: 'https://acme.lightning.force.com' } }),
      });

      // Assess
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ status: 500, error: 'EngineConfigLookupException' });
    });

    it('answers 400 without externalSessionKey', async () => {
      // Act
      const res = await postStart(sim, token, {
        body: JSON.stringify({ instanceConfig: { endpoint: sim.url }, bypassUser: true }),
      });

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 400, mode: 'unknown' });
    });

    it('answers 400 with an empty body beyond maxLiveSessions', async () => {
      // Prepare
      sim.configure({ maxLiveSessions: sim.counters.liveSessions + 1 });
      const allowed = await postStart(sim, token);

      // Act
      const refused = await postStart(sim, token);

      // Assess
      expect(allowed.status).toBe(200);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toBe('');
    });

    it('answers 404 with an empty body on a route the gateway does not know', async () => {
      // Act
      const res = await fetch(`${sim.url}${API}/agents/${sim.agentId}`, {
        method: 'POST',
        headers: authHeaders(token),
        body: '{}',
      });

      // Assess
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });
  });
});
