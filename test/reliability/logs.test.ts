import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lambda/logger.js';
import { CLIENT_A, claimsFor, startAuthRig } from './support/auth-rig.js';
import { faultyDocumentClient } from './support/aws-faults.js';
import { reportFigures } from './support/figures.js';
import { startRig } from './support/load.js';
import { call, connectOverHttp, postRaw, toolCallBody } from './support/mcp.js';
import { converse, freshEmail } from './support/turns.js';

// Before any import: the logger reads its level once, when lambda/logger.ts is first loaded.
const previousLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  return previous;
});

/*
 * No secret, token or message text in the logs: every byte written to stdout and stderr during a
 * full run (happy paths, faults, rejected and accepted inbound tokens, malformed input) is
 * captured at DEBUG level and searched for the Salesforce client secret, every access token
 * issued, every inbound JWT and every message text sent.
 */

const captured: string[] = [];
const writes = { stdout: process.stdout.write, stderr: process.stderr.write };

function capture(stream: NodeJS.WriteStream): void {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as NodeJS.WriteStream['write'];
}

function stopCapture(): void {
  process.stdout.write = writes.stdout;
  process.stderr.write = writes.stderr;
}

function restoreLevel(): void {
  if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
}

beforeAll(() => {
  capture(process.stdout);
  capture(process.stderr);
});
afterAll(() => {
  stopCapture();
  restoreLevel();
});

function firstFeedbackId(structured: Record<string, unknown> | undefined): unknown {
  return (structured?.messages as { feedback_id?: string }[] | undefined)?.[0]?.feedback_id;
}

/** A message whose text is unique, so finding it anywhere in the logs is proof of a leak. */
const secretText = (label: string) => `${label} my card is 4111-${randomUUID()}`;

describe('Security (fast): logs', () => {
  it('writes no client secret, access token, inbound JWT or message text to the logs in a full run', async () => {
    // Prepare
    const sensitive = new Set<string>();
    const say = (label: string) => {
      const text = secretText(label);
      sensitive.add(text);
      return text;
    };
    const dynamo = faultyDocumentClient();
    const rig = await startRig({
      latencyMs: 5,
      env: {
        TOOL_DEADLINE_MS: '500',
        LEASE_WAIT_MS: '200',
        SALESFORCE_AGENT_VARIABLES: JSON.stringify([{ name: 'Account_Note', type: 'Text' }]),
      },
      overrides: { documentClient: dynamo.client },
    });
    const auth = await startAuthRig();
    const sim = rig.harness.simulator;
    const originalSecret = sim.credentials.clientSecret;
    sensitive.add(originalSecret);

    // Act: none mode, every tool, faults and malformed input.
    const client = await connectOverHttp(rig.server.mcpUrl);
    const email = freshEmail('logs');
    await converse(client, email, say('first'));
    await call(client, 'authenticate', { client_email: email });
    await call(client, 'create-agent-session', { client_email: email });
    await call(client, 'send-message-to-agent', { client_email: email, message: say('step') });
    await call(client, 'get-session-status', { client_email: email });
    // Context-variable values and feedback comments are caller data too.
    const turn = await call(client, 'send-message-to-agent', {
      client_email: email,
      message: say('with a variable'),
      var_account_note: say('variable value'),
    });
    const feedbackId = turn.kind === 'ok' ? String(firstFeedbackId(turn.structured)) : '';
    const rated = await call(client, 'submit-agent-feedback', {
      client_email: email,
      feedback_id: feedbackId,
      rating: 'BAD',
      comment: say('feedback comment'),
    });
    await call(client, 'create-agent-session', {
      client_email: email,
      var_account_note: say('x'.repeat(1_001)),
    });
    sim.expireAllTokens();
    await converse(client, email, say('after token expiry'));
    sim.injectFault({ route: 'message', status: 429, times: 1, retryAfterSeconds: 30 });
    await converse(client, email, say('rate limited'));
    sim.injectFault({ route: 'message', status: 503, times: 3 });
    await converse(client, email, say('unavailable'));
    sim.injectFault({ route: 'message', status: 'network', times: 1 });
    await converse(client, email, say('network cut'));
    sim.configure({ latencyMs: 150 });
    await converse(client, email, say('a slow question'));
    await converse(client, email, say('right after the slow one'));
    sim.configure({ latencyMs: 5 });
    const [session] = [...rig.upstream.openSessions()];
    if (session) sim.expireSession(session);
    await call(client, 'send-message-to-agent', { client_email: email, message: say('expired') });
    await converse(client, email, say('replaced'));
    await converse(client, email, say('fail internal error'));
    sim.configure({ tokenEndpointDown: true });
    sim.expireAllTokens();
    await converse(client, email, say('token endpoint down'));
    sim.configure({ tokenEndpointDown: false, clientSecret: `ROTATED${randomUUID()}` });
    sensitive.add(sim.credentials.clientSecret);
    await converse(client, email, say('secret rotated upstream'));
    sim.configure({ clientSecret: originalSecret });
    await converse(client, email, say('x'.repeat(10_001)));
    await call(client, 'complete-agentforce-conversation', {
      client_email: 'not-an-email',
      message: say('bad email'),
    });
    await postRaw(
      rig.server.mcpUrl,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"message":"${say('malformed')}"`
    );
    await postRaw(
      rig.server.mcpUrl,
      toolCallBody('no-such-tool', { message: say('unknown tool') })
    );
    await call(client, 'end-agent-session', { client_email: email });
    dynamo.faults.throttleUpdates = 1;
    await converse(client, email, say('store throttled'));
    // Releases fail for longer than the settle budget: the lease stays held until it expires.
    dynamo.faults.failReleases = 1_000;
    await converse(client, email, say('release fails'));
    await converse(client, email, say('lease still held'));
    dynamo.faults.failReleases = 0;
    await client.close();

    // Act: jwt mode, accepted and rejected inbound tokens.
    const inbound = [
      await auth.token(CLIENT_A),
      await auth.issuer.sign(claimsFor(CLIENT_A), { expiresIn: -120 }),
      await auth.foreign.sign(claimsFor(CLIENT_A)),
      await auth.issuer.sign({ ...claimsFor(CLIENT_A), scope: 'mcp.read' }),
      `${(await auth.token(CLIENT_A)).slice(0, -4)}AAAA`,
    ];
    for (const token of inbound) {
      sensitive.add(token);
      sensitive.add(token.split('.')[2] ?? token);
      await postRaw(
        auth.rig.server.mcpUrl,
        toolCallBody('complete-agentforce-conversation', {
          client_email: freshEmail('jwt'),
          message: say('jwt'),
        }),
        { authorization: `Bearer ${token}` }
      );
    }
    for (const token of [...rig.upstream.accessTokens, ...auth.rig.upstream.accessTokens]) {
      sensitive.add(token);
    }
    await auth.close();
    await rig.close();
    dynamo.destroy();
    stopCapture();

    // Assess
    const text = captured.join('');
    if (process.env.RELIABILITY_LOG_DUMP)
      (await import('node:fs')).writeFileSync(process.env.RELIABILITY_LOG_DUMP, text);
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    const leaked = [...sensitive].filter((value) => text.includes(value));
    expect(logger.getLevelName()).toBe('DEBUG');
    expect(rated.kind).toBe('ok');
    expect(lines.length).toBeGreaterThan(30);
    expect(text).toContain('"tool":"complete-agentforce-conversation"');
    for (const code of [
      'RATE_LIMITED',
      'DEADLINE',
      'SESSION_EXPIRED',
      'STATE_UNAVAILABLE',
      'BUSY',
    ]) {
      expect(text).toContain(`"errorCode":"${code}"`);
    }
    expect(text).toContain('could not release the session lease');
    expect(rig.upstream.accessTokens.size).toBeGreaterThan(1);
    expect(leaked.map((value) => `${value.slice(0, 12)}…`)).toEqual([]);
    const notJson = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    reportFigures('security (fast): logs', {
      logLines: lines.length,
      bytes: text.length,
      sensitiveValuesSearched: sensitive.size,
      leaked: leaked.length,
      nonJsonLines: notJson.length,
      linesNamingAClientEmail: lines.filter((line) => line.includes('@example.com')).length,
    });
  });
});
