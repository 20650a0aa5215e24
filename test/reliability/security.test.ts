import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/function-url-event.js';
import { hmacWithPublicKey, unsignedCopy, withPayload } from '../auth/oauth-issuer.js';
import {
  type AuthRig,
  CLIENT_A,
  CLIENT_B,
  claimsFor,
  decodeJwt,
  jwtBytes,
  SCOPE,
  startAuthRig,
} from './support/auth-rig.js';
import { reportFigures } from './support/figures.js';
import { anyToolArguments, internalDetails, postEvent, TOOLS } from './support/hostile.js';
import { type LoadRig, startRig } from './support/load.js';
import type { Outcome } from './support/mcp.js';
import { call, connectOverHttp, postRaw, toolCallBody } from './support/mcp.js';
import { scanTable, storedItem } from './support/state-audit.js';
import { codeOf, converse, field, freshEmail, idOf } from './support/turns.js';

/*
 * Security (fast subset): inbound JWT auth end to end through the real handler over HTTP, per-owner
 * isolation of client emails, and the Origin/Host rules. Logs are in logs.test.ts, the slow and
 * audit checks in security.reliability.ts.
 */

describe('Security (fast): no auth bypass (AUTH_MODE=jwt, real OAuth server)', () => {
  let auth: AuthRig;
  beforeAll(async () => {
    auth = await startAuthRig();
  });
  afterAll(() => auth.close());

  /** Each case builds the Authorization header (or none) of one attack. */
  const attacks: { name: string; status: 401 | 403; header: () => Promise<string | undefined> }[] =
    [
      { name: 'no Authorization header', status: 401, header: async () => undefined },
      {
        name: 'Basic credentials instead of a bearer token',
        status: 401,
        header: async () => `Basic ${Buffer.from(`${CLIENT_A}:secret`).toString('base64')}`,
      },
      { name: 'an empty bearer token', status: 401, header: async () => 'Bearer ' },
      { name: 'a bearer that is not a JWT', status: 401, header: async () => 'Bearer not.a.jwt' },
      {
        name: 'an expired token',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign(claimsFor(CLIENT_A), { expiresIn: -120 })}`,
      },
      {
        name: 'a token not valid yet',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign({ ...claimsFor(CLIENT_A), nbf: Math.floor(Date.now() / 1000) + 3600 })}`,
      },
      {
        name: 'a token without exp',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign(claimsFor(CLIENT_A), { drop: ['exp'] })}`,
      },
      {
        name: 'a genuine token of another issuer',
        status: 401,
        header: async () => `Bearer ${await auth.foreign.sign(claimsFor(CLIENT_A))}`,
      },
      {
        name: 'a foreign key signing under our kid and issuer',
        status: 401,
        header: async () =>
          `Bearer ${await auth.foreign.sign({ ...claimsFor(CLIENT_A), iss: auth.issuer.url }, { kid: auth.issuer.kid })}`,
      },
      {
        name: 'our key with a wrong issuer claim',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign({ ...claimsFor(CLIENT_A), iss: 'https://evil.example' })}`,
      },
      {
        name: 'a token for another audience',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign({ ...claimsFor(CLIENT_A), aud: 'https://other.example/mcp' })}`,
      },
      {
        name: 'a client that is not on the allowlist',
        status: 401,
        header: async () => `Bearer ${await auth.token('agentforce-org-c')}`,
      },
      {
        name: 'a token without the required scope',
        status: 403,
        header: async () =>
          `Bearer ${await auth.issuer.sign({ ...claimsFor(CLIENT_A), scope: 'mcp.read' })}`,
      },
      {
        name: 'alg none with an empty signature',
        status: 401,
        header: async () => `Bearer ${unsignedCopy(await auth.token(CLIENT_A))}`,
      },
      {
        name: 'alg none with the signature kept',
        status: 401,
        header: async () => `Bearer ${unsignedCopy(await auth.token(CLIENT_A), true)}`,
      },
      {
        name: "B's token relabelled as A (tampered payload)",
        status: 401,
        header: async () => {
          const token = await auth.token(CLIENT_B);
          return `Bearer ${withPayload(token, { ...decodeJwt(token).payload, client_id: CLIENT_A, sub: CLIENT_A })}`;
        },
      },
      {
        name: 'a scope added to a token without it (tampered payload)',
        status: 401,
        header: async () => {
          const token = await auth.issuer.sign({ ...claimsFor(CLIENT_A), scope: 'mcp.read' });
          return `Bearer ${withPayload(token, { ...decodeJwt(token).payload, scope: SCOPE })}`;
        },
      },
      {
        name: 'HS256 signed with the public key (algorithm confusion)',
        status: 401,
        header: async () =>
          `Bearer ${hmacWithPublicKey(await auth.token(CLIENT_A), auth.issuer.server.issuer.keys.toJSON()[0] ?? {})}`,
      },
      {
        name: 'an unknown kid',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign(claimsFor(CLIENT_A), { kid: 'unknown-kid' })}`,
      },
      {
        name: 'an ID token',
        status: 401,
        header: async () =>
          `Bearer ${await auth.issuer.sign({ ...claimsFor(CLIENT_A), token_use: 'id' })}`,
      },
    ];

  it.each(attacks)('answers $status to $name and runs no tool', async ({ status, header }) => {
    // Prepare
    const authorization = await header();
    const clientEmail = freshEmail('attack');
    const counters = { ...auth.rig.harness.simulator.counters };

    // Act
    const answers = await Promise.all(
      ['complete-agentforce-conversation', 'get-session-status'].map((tool) =>
        postRaw(
          auth.rig.server.mcpUrl,
          toolCallBody(tool, { client_email: clientEmail, message: 'let me in' }),
          authorization === undefined ? {} : { authorization }
        )
      )
    );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(status);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(answer.text).not.toContain('"result"');
      expect(internalDetails(answer.text, authorization ?? '')).toEqual([]);
    }
    expect(await storedItem(auth.rig.harness.tableName, clientEmail)).toBeUndefined();
    expect(auth.rig.harness.simulator.counters.tokenRequests).toBe(counters.tokenRequests);
    expect(auth.rig.harness.simulator.counters.messagesReceived).toBe(counters.messagesReceived);
  });

  it('ignores a genuine token sent in the query string or the body', async () => {
    // Prepare
    const token = await auth.token(CLIENT_A);
    const url = new URL(auth.rig.server.mcpUrl);
    url.searchParams.set('access_token', token);
    const body = {
      ...toolCallBody('get-session-status', { client_email: 'q@example.com' }),
      access_token: token,
    };

    // Act
    const answer = await postRaw(url, body);

    // Assess
    expect(answer.status).toBe(401);
  });

  it('runs the tools for a genuine token, so the rejections above are not vacuous', async () => {
    // Prepare
    const client = await connectOverHttp(auth.rig.server.mcpUrl, {
      headers: { authorization: `Bearer ${await auth.token(CLIENT_A)}` },
    });

    // Act
    const outcome = await converse(client, freshEmail('genuine'), 'hello');
    await client.close();

    // Assess
    expect(codeOf(outcome)).toBe('ok');
  });

  it('accepts a mutated token only when it decodes to the very same bytes', async () => {
    // Prepare
    const token = await auth.token(CLIENT_A);
    const original = jwtBytes(token);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    const tally = { rejected: 0, sameBytes: 0 };

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        async (position, replacement) => {
          fc.pre(token[position] !== replacement);
          const mutated = `${token.slice(0, position)}${replacement}${token.slice(position + 1)}`;
          const answer = await postRaw(
            auth.rig.server.mcpUrl,
            { jsonrpc: '2.0', id: 1, method: 'tools/list' },
            { authorization: `Bearer ${mutated}` }
          );
          if (answer.status === 200) {
            // Base64url's padding bits: another spelling of the same token, not a forgery.
            expect(jwtBytes(mutated)).toEqual(original);
            tally.sameBytes++;
          } else {
            expect(answer.status).toBe(401);
            tally.rejected++;
          }
        }
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 80) }
    );

    // Assess
    expect(tally.rejected).toBeGreaterThan(0);
    reportFigures('security (fast): mutated tokens', tally);
  });
});

describe('Security (fast): tenants isolated by construction (issue 12)', () => {
  const TENANT_A = `client:${CLIENT_A}`;
  const TENANT_B = `client:${CLIENT_B}`;
  /** A small cap, so exhausting it takes a few calls. */
  const CAP = 3;
  let auth: AuthRig;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    auth = await startAuthRig();
    alice = await connectOverHttp(auth.rig.server.mcpUrl, {
      headers: { authorization: `Bearer ${await auth.token(CLIENT_A)}` },
    });
    bob = await connectOverHttp(auth.rig.server.mcpUrl, {
      headers: { authorization: `Bearer ${await auth.token(CLIENT_B)}` },
    });
  });
  afterAll(async () => {
    await Promise.all([alice.close(), bob.close()]);
    await auth.close();
  });

  /** What an answer shows once the values that differ per email and per session are masked. */
  const shape = (outcome: Outcome, email: string) =>
    JSON.stringify(outcome)
      .replaceAll(email, '<email>')
      .replaceAll(email.toLowerCase(), '<email>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
      .replace(/\d{10,}/g, '<n>')
      .replace(/"(?:ms|elapsed_ms)":\d+/g, '"ms":<n>');

  it("answers B on A's email exactly as on an unused one, for every tool, and leaves A's state untouched", async () => {
    // Prepare
    const clientEmail = freshEmail('owned');
    await converse(alice, clientEmail, 'first');
    const second = await converse(alice, clientEmail, 'second');
    const sessionId = String(field(second, 'session_id'));
    const before = await storedItem(auth.rig.harness.tableName, clientEmail, TENANT_A);

    // Act: the same calls, in the same order, on A's email and on an email nobody used.
    const probes: { tool: string; owned: string; unused: string }[] = [];
    for (const variant of [clientEmail, clientEmail.toUpperCase()]) {
      const unused = freshEmail('unused');
      for (const tool of TOOLS) {
        const owned = await call(bob, tool, anyToolArguments(variant, 'hijack'));
        const other = await call(bob, tool, anyToolArguments(unused, 'hijack'));
        probes.push({ tool, owned: shape(owned, variant), unused: shape(other, unused) });
      }
    }
    const after = await storedItem(auth.rig.harness.tableName, clientEmail, TENANT_A);
    const resumed = await converse(alice, clientEmail, 'third');

    // Assess
    for (const probe of probes) expect(probe.owned, probe.tool).toBe(probe.unused);
    expect(after).toEqual(before);
    expect(auth.rig.upstream.openSessions().has(sessionId)).toBe(true);
    expect(field(resumed, 'session_id')).toBe(sessionId);
    expect(idOf(resumed)).toBeGreaterThan(idOf(second));
    reportFigures('security (fast): isolation', {
      probes: probes.length,
      distinguishable: probes.filter((p) => p.owned !== p.unused).length,
    });
  });

  it("lets B neither squat an email before A nor end A's session: each tenant has its own conversation", async () => {
    // Prepare: B uses the email first and keeps renewing it.
    const clientEmail = freshEmail('squat');
    for (let i = 0; i < 3; i++) await converse(bob, clientEmail, `squat ${i}`);

    // Act: A's user arrives; then both talk at once, and B ends its session.
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        converse(i % 2 === 0 ? alice : bob, clientEmail, `both ${i}`)
      )
    );
    const ended = await call(bob, 'end-agent-session', { client_email: clientEmail });
    const aliceAfter = await converse(alice, clientEmail, 'still mine');

    // Assess
    expect(outcomes.map(codeOf)).toEqual(outcomes.map(() => 'ok'));
    const sessionsOf = (even: boolean) =>
      new Set(outcomes.filter((_, i) => (i % 2 === 0) === even).map((o) => field(o, 'session_id')));
    const [a, b] = [sessionsOf(true), sessionsOf(false)];
    expect([a.size, b.size]).toEqual([1, 1]);
    expect([...a][0]).not.toBe([...b][0]);
    expect(codeOf(ended)).toBe('ok');
    expect(field(aliceAfter, 'session_id')).toBe([...a][0]);
    expect(await storedItem(auth.rig.harness.tableName, clientEmail, TENANT_B)).toMatchObject({
      owner: TENANT_B,
    });
    expect(
      (await storedItem(auth.rig.harness.tableName, clientEmail, TENANT_B))?.sessionId
    ).toBeUndefined();
  });

  it("lets B exhaust only its own session cap, never A's", async () => {
    // Prepare: a deployment of its own, so the earlier tests' sessions do not count; B fills its cap.
    const auth = await startAuthRig({ MAX_SESSIONS_PER_TENANT: String(CAP) });
    const connect = async (clientId: string) =>
      connectOverHttp(auth.rig.server.mcpUrl, {
        headers: { authorization: `Bearer ${await auth.token(clientId)}` },
      });
    const [alice, bob] = [await connect(CLIENT_A), await connect(CLIENT_B)];
    try {
      const bobs = Array.from({ length: CAP }, () => freshEmail('cap-b'));
      await Promise.all(bobs.map((email) => converse(bob, email, 'hello')));

      // Act
      const refused = await Promise.all(
        Array.from({ length: 4 }, () => converse(bob, freshEmail('cap-b'), 'one more'))
      );
      const alices = await Promise.all(
        Array.from({ length: CAP }, () => converse(alice, freshEmail('cap-a'), 'hello'))
      );
      await call(bob, 'end-agent-session', { client_email: bobs[0] });
      const afterEnd = await converse(bob, freshEmail('cap-b'), 'a slot is free again');

      // Assess
      expect(refused.map(codeOf)).toEqual(refused.map(() => 'SESSION_LIMIT'));
      expect(refused[0]?.kind === 'tool-error' && refused[0].text).toMatch(/end-agent-session/);
      expect(refused[0]?.kind === 'tool-error' && refused[0].text).toMatch(
        /MAX_SESSIONS_PER_TENANT/
      );
      expect(alices.map(codeOf)).toEqual(alices.map(() => 'ok'));
      expect(codeOf(afterEnd)).toBe('ok');
      const rosters = await scanTable(auth.rig.harness.tableName, { rosters: true });
      const sizes = Object.fromEntries(
        rosters.map((r) => [String(r.owner), (r.members as Set<string> | undefined)?.size ?? 0])
      );
      expect(sizes[TENANT_B]).toBe(CAP);
      expect(sizes[TENANT_A]).toBeLessThanOrEqual(CAP);
      reportFigures('security (fast): session cap per tenant', {
        cap: CAP,
        refusedBeyondCap: refused.length,
        otherTenantStarted: alices.length,
      });
    } finally {
      await Promise.all([alice.close(), bob.close()]);
      await auth.close();
    }
  });
});

describe('Security (fast): Origin and Host rules', () => {
  const ALLOWED_ORIGINS = ['http://localhost:6274', 'https://app.example.com'];
  let rig: LoadRig;
  beforeAll(async () => {
    rig = await startRig({
      latencyMs: 0,
      env: {
        ALLOWED_ORIGINS: ALLOWED_ORIGINS.join(','),
        ALLOWED_HOSTS: '127.0.0.1,*.lambda-url.us-east-1.on.aws',
      },
    });
  });
  afterAll(() => rig.close());

  const statusCall = () =>
    toolCallBody('get-session-status', { client_email: 'origin@example.com' });

  it('serves an Origin only when it is on the allowlist, and runs nothing otherwise', async () => {
    // Prepare
    const origin = fc.oneof(
      fc.constantFrom(
        ...ALLOWED_ORIGINS,
        'http://localhost:6274/',
        'HTTP://LOCALHOST:6274',
        'http://localhost:6275',
        'https://localhost:6274',
        'http://localhost:6274.evil.com',
        'https://app.example.com.evil.com',
        'https://evil-app.example.com',
        'null',
        'file://',
        ''
      ),
      fc.webUrl().map((url) => new URL(url).origin),
      fc.string({ maxLength: 30 })
    );
    const before = (await scanTable(rig.harness.tableName)).length;
    const tally = { allowed: 0, refused: 0 };

    // Act
    await fc.assert(
      fc.asyncProperty(origin, async (value) => {
        const answer = await postRaw(rig.server.mcpUrl, statusCall(), { origin: value }).catch(
          () => undefined
        );
        fc.pre(answer !== undefined); // fetch refuses some header values before sending
        const allowed = ALLOWED_ORIGINS.includes(value.replace(/\/$/, ''));
        expect(answer?.status).toBe(allowed ? 200 : 403);
        expect(answer?.headers.get('access-control-allow-origin')).toBe(allowed ? value : null);
        if (allowed) tally.allowed++;
        else tally.refused++;
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 120) }
    );

    // Assess
    expect(tally.refused).toBeGreaterThan(0);
    expect((await scanTable(rig.harness.tableName)).length).toBe(before);
    reportFigures('security (fast): Origin rule', tally);
  });

  it('serves a well-formed Host only when it matches the allowlist', async () => {
    // Prepare
    const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
    const host = fc.oneof(
      fc.constantFrom(
        '127.0.0.1',
        '127.0.0.1:3000',
        'abc.lambda-url.us-east-1.on.aws',
        'ABC.LAMBDA-URL.US-EAST-1.ON.AWS',
        'lambda-url.us-east-1.on.aws',
        'abc.lambda-url.us-east-1.on.aws.evil.com',
        'abclambda-url.us-east-1.on.aws',
        'abc.lambda-url.eu-west-1.on.aws',
        '127.0.0.2',
        'localhost',
        '[::1]'
      ),
      fc
        .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.nat({ max: 65_535 })))
        .map(([labels, port]) => `${labels.join('.')}${port === null ? '' : `:${port}`}`),
      fc
        .tuple(label, fc.option(fc.nat({ max: 65_535 })))
        .map(
          ([name, port]) => `${name}.lambda-url.us-east-1.on.aws${port === null ? '' : `:${port}`}`
        )
    );
    const tally = { allowed: 0, refused: 0 };

    // Act
    await fc.assert(
      fc.asyncProperty(host, async (value) => {
        const invocation = await rig.harness.handler(
          postEvent(JSON.stringify(statusCall()), { host: value }),
          lambdaContext(10_000)
        );
        const name = value.toLowerCase().replace(/:\d+$/, '');
        const allowed = name === '127.0.0.1' || name.endsWith('.lambda-url.us-east-1.on.aws');
        // A name the URL parser rejects (e.g. `0a0.0`, a malformed IPv4) is refused with 400.
        if (allowed) expect(invocation.statusCode).toBe(200);
        else expect([400, 403]).toContain(invocation.statusCode);
        if (allowed) tally.allowed++;
        else tally.refused++;
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 120) }
    );

    // Assess
    expect(tally.allowed).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
    reportFigures('security (fast): Host rule', tally);
  });
});
