import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwtPayload, type Simulator, startSimulator } from '../../simulator/index.js';
import { tokenForm } from './helpers.js';

describe('Function: startSimulator', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.configure({ tokenEndpointDown: false, runAsUserDisabled: false });
    sim.clearFaults();
    sim.resetCounters();
  });

  const tokenUrl = () => `${sim.url}/services/oauth2/token`;
  const post = (body: URLSearchParams | string, init: RequestInit = {}) =>
    fetch(tokenUrl(), { method: 'POST', body, ...init });

  describe('Endpoint: POST /services/oauth2/token', () => {
    it('returns exactly the documented keys with a string issued_at', async () => {
      // Act
      const before = Date.now();
      const res = await post(tokenForm(sim));
      const body = (await res.json()) as Record<string, unknown>;

      // Assess
      expect(res.status).toBe(200);
      expect(Object.keys(body)).toEqual([
        'access_token',
        'signature',
        'token_format',
        'scope',
        'instance_url',
        'id',
        'token_type',
        'issued_at',
        'api_instance_url',
      ]);
      expect(body).toMatchObject({
        token_format: 'jwt',
        scope: 'sfap_api chatbot_api api',
        instance_url: sim.url,
        api_instance_url: sim.url,
        token_type: 'Bearer',
      });
      expect(body.issued_at).toMatch(/^\d{13}$/);
      expect(Number(body.issued_at)).toBeGreaterThanOrEqual(before);
      expect(body).not.toHaveProperty('expires_in');
      expect(body).not.toHaveProperty('refresh_token');
    });

    it('signs id + issued_at with the client secret, as Salesforce does', async () => {
      // Act
      const body = (await (await post(tokenForm(sim))).json()) as Record<string, string>;

      // Assess
      const expected = createHmac('sha256', sim.credentials.clientSecret)
        .update(`${body.id}${body.issued_at}`)
        .digest('base64');
      expect(body.signature).toBe(expected);
    });

    it('issues a JWT carrying sub, iss, sfdc_app_id, scope, iat and exp = iat + ttl', async () => {
      // Prepare
      sim.configure({ tokenTtlSeconds: 900 });

      // Act
      const body = (await (await post(tokenForm(sim))).json()) as { access_token: string };
      sim.configure({ tokenTtlSeconds: 1800 });

      // Assess
      const parts = body.access_token.split('.');
      expect(parts).toHaveLength(3);
      expect(body.access_token.startsWith('eyJ')).toBe(true);
      const claims = decodeJwtPayload(body.access_token);
      expect(claims).toMatchObject({ scope: 'sfap_api chatbot_api api', iss: sim.url });
      expect(typeof claims.sub).toBe('string');
      expect(typeof claims.sfdc_app_id).toBe('string');
      expect(claims.exp).toBe((claims.iat as number) + 900);
    });

    it('accepts HTTP Basic client authentication and ignores unknown fields', async () => {
      // Prepare
      const { clientId, clientSecret } = sim.credentials;
      const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_email: 'someone@example.com',
      });

      // Act
      const res = await post(form, { headers: { authorization: `Basic ${basic}` } });

      // Assess
      expect(res.status).toBe(200);
      expect(sim.counters.tokensIssued).toBe(1);
    });

    it.each([
      {
        name: 'an unknown client id',
        form: () => tokenForm(sim, { client_id: 'not-the-client' }),
        error: 'invalid_client_id',
        description: 'client identifier invalid',
      },
      {
        name: 'a wrong secret',
        form: () => tokenForm(sim, { client_secret: 'wrong' }),
        error: 'invalid_client',
        description: 'invalid client credentials',
      },
      {
        name: 'another grant type',
        form: () => tokenForm(sim, { grant_type: 'password' }),
        error: 'unsupported_grant_type',
        description: 'grant type not supported',
      },
    ])('answers 400 $error for $name', async ({ form, error, description }) => {
      // Act
      const res = await post(form());

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error, error_description: description });
      expect(sim.counters).toMatchObject({ tokenRequests: 1, tokensIssued: 0 });
    });

    it('answers 400 invalid_grant when no run-as user is enabled', async () => {
      // Prepare
      sim.configure({ runAsUserDisabled: true });

      // Act
      const res = await post(tokenForm(sim));

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'no client credentials user enabled',
      });
    });

    it('answers 400 invalid_grant on a host that is not the My Domain', async () => {
      // Act
      const res = await fetch(tokenUrl().replace('127.0.0.1', 'localhost'), {
        method: 'POST',
        body: tokenForm(sim),
      });

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_grant',
        error_description: 'request not supported on this domain',
      });
    });

    it('answers 503 while the token endpoint is down', async () => {
      // Prepare
      sim.configure({ tokenEndpointDown: true });

      // Act
      const res = await post(tokenForm(sim));

      // Assess
      expect(res.status).toBe(503);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    });

    it('answers 404 with an empty body to GET', async () => {
      // Act
      const res = await fetch(tokenUrl());

      // Assess
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('');
    });
  });

  describe('Method: configure', () => {
    it('rotates the client secret so the old one is refused', async () => {
      // Prepare
      const old = sim.credentials.clientSecret;

      // Act
      sim.configure({ clientSecret: 'rotated-secret-value' });
      const oldRes = await post(tokenForm(sim, { client_secret: old }));
      const newRes = await post(tokenForm(sim));
      sim.configure({ clientSecret: old });

      // Assess
      expect(oldRes.status).toBe(400);
      expect(newRes.status).toBe(200);
    });

    it('throws SimulatorOptionsError when asked to change the port', () => {
      // Act & Assess
      expect(() => sim.configure({ port: 1234 })).toThrow(/port/);
    });
  });
});
