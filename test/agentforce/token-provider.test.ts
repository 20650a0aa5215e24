import { describe, expect, it } from 'vitest';
import {
  AgentforceAuthError,
  AgentforceConfigError,
  type CredentialsSource,
  DeadlineExceededError,
  MalformedResponseError,
  RateLimitedError,
  staticCredentials,
  TokenProvider,
  tokenExpiresAt,
  UpstreamError,
} from '../../lambda/agentforce/index.js';
import { caught, fakeFetch, instantRetry, json, makeJwt, tokenBody } from './helpers.js';

const SECRET = 's3cr3t-value-never-shown';
const MY_DOMAIN = 'acme.my.salesforce.com';
const NOW = 1_750_000_000_000;

/** Counts reads, so tests can check the secret is read only on a fetch. */
function countingCredentials(): CredentialsSource & { reads: number } {
  const source = {
    reads: 0,
    async get() {
      source.reads++;
      return { clientId: 'client-id', clientSecret: SECRET };
    },
  };
  return source;
}

function provider(
  handler: Parameters<typeof fakeFetch>[0],
  options: { now?: () => number; credentials?: CredentialsSource } = {}
) {
  const fake = fakeFetch(handler);
  const { retry, sleeps } = instantRetry();
  const tokens = new TokenProvider({
    myDomainUrl: MY_DOMAIN,
    credentials:
      options.credentials ?? staticCredentials({ clientId: 'client-id', clientSecret: SECRET }),
    fetch: fake.fetch,
    now: options.now ?? (() => NOW),
    retry,
  });
  return { tokens, calls: fake.calls, sleeps };
}

describe('Function: tokenExpiresAt', () => {
  it('returns the JWT exp claim in ms when the token is a decodable JWT', () => {
    // Prepare
    const token = makeJwt({ exp: NOW / 1000 + 600 });

    // Act
    const expiresAt = tokenExpiresAt(token, String(NOW - 5_000), NOW);

    // Assess
    expect(expiresAt).toBe(NOW + 600_000);
  });

  it('returns issued_at (a string of epoch ms) plus 30 minutes for an opaque token', () => {
    // Act
    const expiresAt = tokenExpiresAt('00Dxx!opaque.token', String(NOW - 60_000), NOW);

    // Assess
    expect(expiresAt).toBe(NOW - 60_000 + 30 * 60_000);
  });

  it('returns now plus 30 minutes when neither exp nor issued_at is usable', () => {
    // Act
    const expiresAt = tokenExpiresAt('not-a-jwt', 'garbage', NOW);

    // Assess
    expect(expiresAt).toBe(NOW + 30 * 60_000);
  });

  it.each([
    ['a JWT whose exp is not a number', makeJwt({ exp: '1700000000' })],
    ['a JWT whose payload is not JSON', `${makeJwt({}).split('.')[0]}.bm90LWpzb24.c2ln`],
    ['a JWT without exp', makeJwt({ sub: 'uid:005' })],
  ])('returns issued_at plus 30 minutes for %s', (_what, token) => {
    // Act
    const expiresAt = tokenExpiresAt(token, String(NOW - 60_000), NOW);

    // Assess
    expect(expiresAt).toBe(NOW - 60_000 + 30 * 60_000);
  });

  it('returns now plus 30 minutes when the JWT exp is already past (clock skew)', () => {
    // Act
    const expiresAt = tokenExpiresAt(makeJwt({ exp: NOW / 1000 - 10 }), undefined, NOW);

    // Assess
    expect(expiresAt).toBe(NOW + 30 * 60_000);
  });
});

describe('Class: TokenProvider', () => {
  describe('Method: constructor', () => {
    it('throws AgentforceConfigError for a non-loopback http My Domain', () => {
      // Act
      const create = () =>
        new TokenProvider({
          myDomainUrl: 'http://acme.my.salesforce.com',
          credentials: staticCredentials({ clientId: 'a', clientSecret: 'b' }),
        });

      // Assess
      expect(create).toThrow(AgentforceConfigError);
    });
  });

  describe('Method: getToken', () => {
    it('posts a client_credentials form to the My Domain token endpoint', async () => {
      // Prepare
      const { tokens, calls } = provider(() => json(200, tokenBody()));

      // Act
      await tokens.getToken();

      // Assess
      expect(calls).toHaveLength(1);
      const [call] = calls;
      expect(call?.method).toBe('POST');
      expect(call?.url.href).toBe('https://acme.my.salesforce.com/services/oauth2/token');
      expect(call?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({
        grant_type: 'client_credentials',
        client_id: 'client-id',
        client_secret: SECRET,
      });
    });

    it('returns the token with its URLs and JWT expiry', async () => {
      // Prepare
      const accessToken = makeJwt({ exp: NOW / 1000 + 1800 });
      const { tokens } = provider(() => json(200, tokenBody({ access_token: accessToken })));

      // Act
      const token = await tokens.getToken();

      // Assess
      expect(token).toEqual({
        accessToken,
        instanceUrl: 'https://acme.my.salesforce.com',
        apiInstanceUrl: 'https://api.salesforce.com',
        expiresAt: NOW + 1_800_000,
        scopes: ['sfap_api', 'chatbot_api', 'api'],
      });
    });

    it('returns the cached token until the refresh margin before expiry', async () => {
      // Prepare
      let now = NOW;
      const credentials = countingCredentials();
      const { tokens, calls } = provider(
        () =>
          json(
            200,
            tokenBody({ access_token: makeJwt({ exp: now / 1000 + 1800, n: calls.length }) })
          ),
        { now: () => now, credentials }
      );
      const first = await tokens.getToken();

      // Act
      now = NOW + 1_800_000 - 60_001;
      const cached = await tokens.getToken();
      now = NOW + 1_800_000 - 60_000;
      const refreshed = await tokens.getToken();

      // Assess
      expect(cached).toBe(first);
      expect(refreshed).not.toBe(first);
      expect(calls).toHaveLength(2);
      expect(credentials.reads).toBe(2);
      expect(tokens.stats.tokenFetches).toBe(2);
    });

    it('caps the refresh margin at half the lifetime of a short-lived token', async () => {
      // Prepare
      let now = NOW;
      const { tokens, calls } = provider(
        () => json(200, tokenBody({ access_token: makeJwt({ exp: now / 1000 + 30 }) })),
        { now: () => now }
      );
      await tokens.getToken();

      // Act
      now = NOW + 14_000;
      await tokens.getToken();
      const fetchesBeforeHalfLife = calls.length;
      now = NOW + 15_000;
      await tokens.getToken();

      // Assess
      expect(fetchesBeforeHalfLife).toBe(1);
      expect(calls).toHaveLength(2);
    });

    it('shares one in-flight fetch between concurrent callers', async () => {
      // Prepare
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const credentials = countingCredentials();
      const { tokens, calls } = provider(
        async () => {
          await gate;
          return json(200, tokenBody());
        },
        { credentials }
      );

      // Act
      const pending = Array.from({ length: 5 }, () => tokens.getToken());
      release();
      const results = await Promise.all(pending);

      // Assess
      expect(calls).toHaveLength(1);
      expect(credentials.reads).toBe(1);
      expect(new Set(results.map((token) => token.accessToken)).size).toBe(1);
    });

    it('keeps a shared fetch alive when one of several callers gives up', async () => {
      // Prepare
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { tokens, calls } = provider(async () => {
        await gate;
        return json(200, tokenBody());
      });
      const impatient = new AbortController();

      // Act
      const first = tokens.getToken(impatient.signal);
      const second = tokens.getToken(AbortSignal.timeout(5_000));
      impatient.abort();
      release();

      // Assess
      await expect(first).rejects.toBeInstanceOf(DeadlineExceededError);
      await expect(second).resolves.toMatchObject({
        instanceUrl: 'https://acme.my.salesforce.com',
      });
      expect(calls).toHaveLength(1);
    });

    it('throws DeadlineExceededError promptly when the signal fires during the fetch', async () => {
      // Prepare
      const { tokens } = provider(() => new Promise<Response>(() => undefined));
      const started = Date.now();

      // Act
      const error = await caught(() => tokens.getToken(AbortSignal.timeout(50)));

      // Assess
      expect(error).toBeInstanceOf(DeadlineExceededError);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('retries network errors, 5xx and 429 with backoff, then returns the token', async () => {
      // Prepare
      const answers = [
        () => {
          throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
        },
        () => json(503, { error: 'temporarily_unavailable' }),
        () => json(429, { error: 'rate_limit_exceeded' }, { 'retry-after': '1' }),
        () => json(200, tokenBody()),
      ];
      const fake = fakeFetch((_request, index) => (answers[index] ?? answers[3])?.() as Response);
      const { retry, sleeps } = instantRetry({ maxAttempts: 4 });
      const tokens = new TokenProvider({
        myDomainUrl: MY_DOMAIN,
        credentials: staticCredentials({ clientId: 'client-id', clientSecret: SECRET }),
        fetch: fake.fetch,
        retry,
      });

      // Act
      const token = await tokens.getToken();

      // Assess
      expect(token.instanceUrl).toBe('https://acme.my.salesforce.com');
      expect(fake.calls).toHaveLength(4);
      expect(sleeps).toHaveLength(3);
      expect(sleeps[2]).toBeGreaterThanOrEqual(1_000);
    });

    it('throws UpstreamError after the last attempt when the endpoint keeps failing', async () => {
      // Prepare
      const { tokens, calls } = provider(() => json(500, { error: 'server_error' }));

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ status: 500 });
      expect(calls).toHaveLength(3);
    });

    it('throws RateLimitedError at once when Retry-After exceeds the policy', async () => {
      // Prepare
      const { tokens, calls } = provider(() =>
        json(429, { error: 'rate_limit_exceeded' }, { 'retry-after': '120' })
      );

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error).toMatchObject({ retryAfterMs: 120_000 });
      expect(calls).toHaveLength(1);
    });

    it('throws UpstreamError naming the host when the endpoint cannot be reached', async () => {
      // Prepare
      const { tokens } = provider(() => {
        throw new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } });
      });

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toContain('https://acme.my.salesforce.com');
      expect(error.message).toContain('ENOTFOUND');
    });

    it.each([
      ['invalid_client_id', 'client identifier invalid', 'unknown-client', 'Consumer Key'],
      ['invalid_client', 'invalid client credentials', 'wrong-secret', 'Consumer Secret'],
      ['invalid_grant', 'no client credentials user enabled', 'no-run-as-user', 'Run As user'],
      ['invalid_grant', 'request not supported on this domain', 'wrong-domain', 'My Domain'],
      [
        'unsupported_grant_type',
        'grant type not supported',
        'unsupported-grant',
        'Client Credentials Flow',
      ],
      ['inactive_user', 'user is inactive', 'other', 'inactive_user: user is inactive'],
    ])('throws AgentforceAuthError for %s / %s', async (code, description, reason, advice) => {
      // Prepare
      const { tokens, calls } = provider(() =>
        json(400, { error: code, error_description: description })
      );

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(AgentforceAuthError);
      expect(error).toMatchObject({ reason, oauthError: code, status: 400 });
      expect(error.message).toContain(description);
      expect(error.message).toContain(advice);
      expect(error.message).not.toContain(SECRET);
      expect(calls).toHaveLength(1);
    });

    it('throws AgentforceAuthError without repeating a description that echoes the secret', async () => {
      // Prepare
      const { tokens } = provider(() =>
        json(400, { error: 'invalid_client', error_description: `bad secret ${SECRET}` })
      );

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toMatchObject({ reason: 'wrong-secret' });
      expect(error.message).not.toContain(SECRET);
    });

    it('throws AgentforceAuthError (wrong-domain) when the URL has no token endpoint', async () => {
      // Prepare
      const { tokens } = provider(() => new Response('<html>Not found</html>', { status: 404 }));

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toMatchObject({
        name: 'AgentforceAuthError',
        reason: 'wrong-domain',
        status: 404,
      });
    });

    it('throws MalformedResponseError for a 200 without an access token', async () => {
      // Prepare
      const { tokens } = provider(() => json(200, { instance_url: 'https://x', token: 'abc' }));

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect((error as MalformedResponseError).issues).toEqual(['access_token: invalid_type']);
    });

    it('throws the credentials source error unchanged', async () => {
      // Prepare
      const failure = new Error('AccessDeniedException');
      const { tokens, calls } = provider(() => json(200, tokenBody()), {
        credentials: { get: async () => Promise.reject(failure) },
      });

      // Act
      const error = await caught(() => tokens.getToken());

      // Assess
      expect(error).toBe(failure);
      expect(calls).toHaveLength(0);
    });
  });

  describe('Method: invalidate', () => {
    it('drops the cached token so the next call fetches a new one', async () => {
      // Prepare
      const { tokens, calls } = provider(() =>
        json(200, tokenBody({ access_token: makeJwt({ exp: NOW / 1000 + 1800, n: calls.length }) }))
      );
      const first = await tokens.getToken();

      // Act
      tokens.invalidate(first);
      const second = await tokens.getToken();

      // Assess
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(calls).toHaveLength(2);
    });

    it('keeps a newer cached token when an old one is invalidated', async () => {
      // Prepare
      const { tokens, calls } = provider(() =>
        json(200, tokenBody({ access_token: makeJwt({ exp: NOW / 1000 + 1800, n: calls.length }) }))
      );
      const old = await tokens.getToken();
      tokens.invalidate(old);
      const current = await tokens.getToken();

      // Act
      tokens.invalidate(old);
      const again = await tokens.getToken();

      // Assess
      expect(again).toBe(current);
      expect(calls).toHaveLength(2);
    });
  });
});
