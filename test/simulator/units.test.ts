import { describe, expect, it } from 'vitest';
import { parseSequenceId } from '../../simulator/agent-api.js';
import { cliOptionsFromEnv, parseLatency } from '../../simulator/cli-config.js';
import { SimulatorOptionsError } from '../../simulator/errors.js';
import { uuidV7 } from '../../simulator/ids.js';
import { startSimulator } from '../../simulator/index.js';
import { decodeJwtPayload, TokenSigner } from '../../simulator/jwt.js';
import { matchRoute } from '../../simulator/server.js';
import { formatSseEvent } from '../../simulator/sse.js';

const claims = {
  sub: 'uid:005SIM',
  iss: 'http://127.0.0.1:1',
  sfdc_app_id: '0H4SIM',
  scope: 'api',
  iat: 1,
  exp: 2,
  jti: 'j-1',
};

describe('Class: TokenSigner', () => {
  describe('Method: verify', () => {
    it('returns the claims of a token it signed', () => {
      // Prepare
      const signer = new TokenSigner();

      // Act & Assess
      expect(signer.verify(signer.sign(claims))).toEqual(claims);
    });

    it('returns undefined for a token with a modified payload', () => {
      // Prepare
      const signer = new TokenSigner();
      const [header, , signature] = signer.sign(claims).split('.');
      const payload = Buffer.from(JSON.stringify({ ...claims, exp: 9e9 })).toString('base64url');

      // Act & Assess
      expect(signer.verify(`${header}.${payload}.${signature}`)).toBeUndefined();
    });

    it('returns undefined for a token from another signer or a non-JWT', () => {
      // Act & Assess
      expect(new TokenSigner().verify(new TokenSigner().sign(claims))).toBeUndefined();
      expect(new TokenSigner().verify('opaque-token')).toBeUndefined();
    });
  });

  describe('Function: decodeJwtPayload', () => {
    it('returns the payload and throws on a non-JWT', () => {
      // Act & Assess
      expect(decodeJwtPayload(new TokenSigner().sign(claims))).toEqual(claims);
      expect(() => decodeJwtPayload('nope')).toThrow(TypeError);
    });
  });
});

describe('Function: formatSseEvent', () => {
  it('returns event, id and one data line followed by a blank line', () => {
    // Act
    const text = formatSseEvent('TEXT_CHUNK', '1-REQ', { message: 'a\nb' });

    // Assess
    expect(text).toBe('event: TEXT_CHUNK\nid: 1-REQ\ndata: {"message":"a\\nb"}\n\n');
  });
});

describe('Function: uuidV7', () => {
  it('returns a version-7 UUID whose prefix encodes the time', () => {
    // Act
    const id = uuidV7(0x0190_0000_0001);

    // Assess
    expect(id).toMatch(/^01900000-0001-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('Function: parseSequenceId', () => {
  it.each([
    [1, 1],
    ['42', 42],
    [1753966805123, 1753966805123],
    [-1, undefined],
    [1.5, undefined],
    ['1e3', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('parses %j as %j', (input, expected) => {
    // Act & Assess
    expect(parseSequenceId(input)).toBe(expected);
  });
});

describe('Function: matchRoute', () => {
  it.each([
    ['POST', '/services/oauth2/token', 'token'],
    ['POST', '/einstein/ai-agent/v1/agents/0XxA/sessions', 'start'],
    ['POST', '/einstein/ai-agent/v1/sessions/s-1/messages', 'message'],
    ['POST', '/einstein/ai-agent/v1/sessions/s-1/messages/stream', 'stream'],
    ['DELETE', '/einstein/ai-agent/v1/sessions/s-1', 'end'],
    ['POST', '/einstein/ai-agent/v1/sessions/s-1/feedback', 'feedback'],
    ['GET', '/einstein/ai-agent/v1/sessions/s-1/messages', undefined],
    ['POST', '/einstein/ai-agent/v1/sessions//messages', undefined],
    ['POST', '/einstein/ai-agent/v2/sessions/s-1/messages', undefined],
    ['GET', '/services/oauth2/token', undefined],
  ])('maps %s %s to %s', (method, path, kind) => {
    // Act & Assess
    expect(matchRoute(method, path)?.kind).toBe(kind);
  });
});

describe('Function: parseLatency', () => {
  it('returns a number for "N" and a range for "MIN-MAX"', () => {
    // Act & Assess
    expect(parseLatency('1500')).toBe(1500);
    expect(parseLatency('800-2500')).toEqual({ min: 800, max: 2500 });
  });

  it('throws SimulatorOptionsError for a reversed or malformed range', () => {
    // Act & Assess
    expect(() => parseLatency('9-1')).toThrow(SimulatorOptionsError);
    expect(() => parseLatency('fast')).toThrow(SimulatorOptionsError);
  });
});

describe('Function: cliOptionsFromEnv', () => {
  it('returns port 4010 and 800-2500 ms latency with random credentials by default', () => {
    // Act & Assess
    expect(cliOptionsFromEnv({})).toEqual({ port: 4010, latencyMs: { min: 800, max: 2500 } });
  });

  it('reads port, latency and credentials from the environment', () => {
    // Act
    const options = cliOptionsFromEnv({
      SIMULATOR_PORT: '0',
      SIMULATOR_LATENCY_MS: '5',
      SIMULATOR_CLIENT_ID: 'id',
      SIMULATOR_CLIENT_SECRET: 'local',
    });

    // Assess
    expect(options).toEqual({ port: 0, latencyMs: 5, clientId: 'id', clientSecret: 'local' });
  });

  it('throws SimulatorOptionsError for a bad port', () => {
    // Act & Assess
    expect(() => cliOptionsFromEnv({ SIMULATOR_PORT: '70000' })).toThrow(SimulatorOptionsError);
  });
});

describe('Function: startSimulator', () => {
  it('draws different random credentials on each start', async () => {
    // Act
    const [a, b] = await Promise.all([startSimulator(), startSimulator()]);
    await Promise.all([a.close(), b.close()]);

    // Assess
    expect(a.credentials.clientId).not.toBe(b.credentials.clientId);
    expect(a.credentials.clientSecret).not.toBe(b.credentials.clientSecret);
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(a.agentId).toMatch(/^0Xx\w{15}$/);
  });

  it.each([
    { latencyMs: -1 },
    { latencyMs: { min: 5, max: 1 } },
    { tokenTtlSeconds: 0 },
    { port: 70_000 },
    { agents: [{ id: '' }] },
  ])('rejects invalid options %j with SimulatorOptionsError', async (options) => {
    // Act & Assess
    await expect(startSimulator(options)).rejects.toThrow(SimulatorOptionsError);
  });
});
