import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamodb-local.js';
import { lambdaContext } from '../../local/function-url-event.js';
import { type AuthRig, CLIENT_A, CLIENT_B, jwtBytes, startAuthRig } from './support/auth-rig.js';
import { reportFigures } from './support/figures.js';
import { anyToolArguments, postEvent, TOOLS } from './support/hostile.js';
import { startRig } from './support/load.js';
import { call, connectOverHttp, type Outcome, postRaw, toolCallBody } from './support/mcp.js';
import { auditConsistency, scanTable } from './support/state-audit.js';
import { codeOf, converse, freshEmail } from './support/turns.js';

/*
 * Security at volume and the slow checks (`npm run test:reliability` only): mutated tokens by the
 * thousand, isolation while two owners work at once, Host parsing, an issuer whose keys cannot be
 * fetched, and `npm audit` of the production dependencies.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);

describe('Security: inbound tokens', () => {
  let auth: AuthRig;
  beforeAll(async () => {
    auth = await startAuthRig();
  });
  afterAll(() => auth.close());

  it(`accepts none of ${RUNS} single-character mutations of a genuine token unless it decodes to the same bytes`, async () => {
    // Prepare
    const token = await auth.token(CLIENT_A);
    const original = jwtBytes(token);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const tally = { rejected: 0, sameBytes: 0 };
    const sessionsBefore = auth.rig.harness.simulator.counters.sessionsStarted;

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        fc.constantFrom('replace', 'insert', 'delete'),
        async (position, character, edit) => {
          const mutated =
            edit === 'replace'
              ? `${token.slice(0, position)}${character}${token.slice(position + 1)}`
              : edit === 'insert'
                ? `${token.slice(0, position)}${character}${token.slice(position)}`
                : `${token.slice(0, position)}${token.slice(position + 1)}`;
          fc.pre(mutated !== token);
          const answer = await postRaw(
            auth.rig.server.mcpUrl,
            toolCallBody('complete-agentforce-conversation', {
              client_email: 'mutant@example.com',
              message: 'hi',
            }),
            { authorization: `Bearer ${mutated}` }
          );
          if (answer.status === 200) {
            expect(jwtBytes(mutated)).toEqual(original);
            tally.sameBytes++;
          } else {
            expect(answer.status).toBe(401);
            tally.rejected++;
          }
        }
      ),
      { numRuns: RUNS }
    );

    // Assess: only same-bytes spellings may have run a tool (each on the same email).
    expect(tally.rejected).toBeGreaterThan(RUNS / 2);
    expect(
      auth.rig.harness.simulator.counters.sessionsStarted - sessionsBefore
    ).toBeLessThanOrEqual(tally.sameBytes > 0 ? 1 : 0);
    reportFigures('security: mutated tokens', { inputsTried: RUNS, ...tally });
  });

  it('answers 503 and runs no tool when the issuer keys cannot be fetched', async () => {
    // Prepare
    const port = await freePort();
    const unreachable = await startAuthRig({ AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks` });
    try {
      const token = await unreachable.token(CLIENT_A);

      // Act
      const answer = await postRaw(
        unreachable.rig.server.mcpUrl,
        toolCallBody('complete-agentforce-conversation', {
          client_email: 'jwks@example.com',
          message: 'hi',
        }),
        { authorization: `Bearer ${token}` }
      );

      // Assess
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).not.toBeNull();
      expect(unreachable.rig.harness.simulator.counters.tokenRequests).toBe(0);
      expect(await scanTable(unreachable.rig.harness.tableName)).toEqual([]);
    } finally {
      await unreachable.close();
    }
  });
});

describe('Security: isolation while two owners work at once', () => {
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

  it("answers every tenant's own turns and lets no probe of the other's emails see or touch them", async () => {
    // Prepare
    const owners = [
      {
        name: CLIENT_A,
        client: alice,
        emails: Array.from({ length: 10 }, () => freshEmail('alice')),
      },
      { name: CLIENT_B, client: bob, emails: Array.from({ length: 10 }, () => freshEmail('bob')) },
    ];
    const own: string[] = [];
    /** Per email, the sessions its owner's turns were answered on (one, if nobody disturbed it). */
    const ownSessions = new Map<string, Set<unknown>>();
    const probes: { by: string; outcome: Outcome }[] = [];
    const answered = (email: string, outcome: Outcome) => {
      own.push(codeOf(outcome));
      if (outcome.kind !== 'ok') return;
      const seen = ownSessions.get(email) ?? new Set();
      ownSessions.set(email, seen.add(outcome.structured.session_id));
    };

    // Act: every owner claims its emails, then talks on them while probing the other's.
    await Promise.all(
      owners.flatMap((owner) =>
        owner.emails.map(async (email) =>
          answered(email, await converse(owner.client, email, 'hello'))
        )
      )
    );
    await Promise.all(
      owners.map(async (owner, index) => {
        const other = owners[1 - index];
        for (let turn = 2; turn <= 4; turn++) {
          await Promise.all(
            owner.emails.map(async (email, i) => {
              const target = other?.emails[i] as string;
              const tool = TOOLS[(turn + i) % TOOLS.length] as string;
              const [mine, probe] = await Promise.all([
                converse(owner.client, email, `${owner.name} turn ${turn}`),
                call(owner.client, tool, anyToolArguments(target, 'probe')),
              ]);
              answered(email, mine);
              probes.push({ by: owner.name, outcome: probe });
            })
          );
        }
      })
    );

    // Assess: each owner's records are in its own tenant, on one session each, which no probe of the
    // other tenant ever saw.
    const items = await scanTable(auth.rig.harness.tableName);
    for (const owner of owners) {
      for (const email of owner.emails) {
        const record = items.find(
          (i) => i.clientEmail === email && i.owner === `client:${owner.name}`
        );
        expect(record?.sessionId).toBeDefined();
        expect(ownSessions.get(email)).toEqual(new Set([record?.sessionId]));
        const foreign = probes.filter((p) => p.by !== owner.name);
        expect(
          foreign.filter((p) => JSON.stringify(p.outcome).includes(String(record?.sessionId)))
        ).toEqual([]);
      }
    }
    expect(own.filter((code) => code !== 'ok')).toEqual([]);
    // A probe is an ordinary call in the prober's own namespace: never an internal failure.
    expect(
      probes.filter((p) => ['protocol-error', 'INTERNAL'].includes(codeOf(p.outcome)))
    ).toEqual([]);
    expect(
      auditConsistency({
        items,
        simulator: auth.rig.harness.simulator,
        upstream: auth.rig.upstream,
        sequence: 'exact',
      })
    ).toEqual([]);
    reportFigures('security: isolation under concurrency', {
      ownTurns: own.length,
      foreignProbes: probes.length,
      probesThatSawTheOtherTenant: 0,
    });
  });
});

describe('Security: Host header parsing', () => {
  it('refuses a Host whose allowed-looking suffix hides another host (evil.com/mcp?.x.lambda-url…)', async () => {
    // Prepare
    const rig = await startRig({ env: { ALLOWED_HOSTS: '*.lambda-url.us-east-1.on.aws' } });
    const hosts = [
      'evil.example/mcp?.abc.lambda-url.us-east-1.on.aws',
      'evil.example/mcp#.abc.lambda-url.us-east-1.on.aws',
      'evil.example/mcp?x=.abc.lambda-url.us-east-1.on.aws:443',
    ];
    try {
      // Act
      const statuses = [];
      for (const host of hosts) {
        const result = await rig.harness.handler(
          postEvent(
            JSON.stringify(toolCallBody('get-session-status', { client_email: 'h@example.com' })),
            { host }
          ),
          lambdaContext(10_000)
        );
        statuses.push(result.statusCode);
      }

      // Assess: the URL built from these names host evil.example, yet they pass the allowlist.
      reportFigures('security: Host suffix smuggling', { hostsTried: hosts.length, statuses });
      expect(statuses.every((status) => status === 400 || status === 403)).toBe(true);
    } finally {
      await rig.close();
    }
  });
});

describe('Security: dependencies', () => {
  it('has no high or critical advisory in the production dependencies (npm audit)', async ({
    skip,
  }) => {
    // Prepare
    const root = fileURLToPath(new URL('../..', import.meta.url));

    // Act
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        'npm',
        ['audit', '--omit=dev', '--audit-level=high', '--json'],
        { cwd: root, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
        (_error, out, err) => resolve({ stdout: String(out), stderr: String(err) })
      );
    });

    // Assess
    let report: {
      metadata?: { vulnerabilities?: Record<string, number>; dependencies?: { prod?: number } };
      vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
      message?: string;
    } = {};
    try {
      report = JSON.parse(stdout);
    } catch {
      // Not JSON: npm could not even produce a report.
    }
    const counts = report.metadata?.vulnerabilities;
    if (!counts) {
      const reason =
        report.message ?? stderr.split('\n').find((line) => /error/i.test(line)) ?? 'no report';
      reportFigures('security: npm audit', { skipped: true, reason });
      skip(`npm audit could not reach the registry's audit endpoint here: ${reason}`);
      return;
    }
    const serious = Object.entries(report.vulnerabilities ?? {})
      .filter(([, entry]) => entry.severity === 'high' || entry.severity === 'critical')
      .map(([name, entry]) => `${name} (${entry.severity})`);
    reportFigures('security: npm audit', {
      ...counts,
      productionDependencies: report.metadata?.dependencies?.prod,
    });
    expect(serious).toEqual([]);
  });
});
