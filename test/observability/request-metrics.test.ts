import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger, refusalLogger } from '../../lambda/logger.js';
import { type MockIssuer, startMockIssuer } from '../auth/oauth-issuer.js';
import { callTool, type Harness, rpcRequest, startHarness } from '../helpers/harness.js';
import { captureEmf, type EmfLine, withMetric } from './emf.js';

const EMAIL = 'metrics-user@example.com';
const MESSAGE = 'Where is my order 4711?';

describe('Function: createDependencies (metrics through the real handler)', () => {
  let capture: ReturnType<typeof captureEmf>;
  let harness: Harness;
  let issuer: MockIssuer;

  beforeAll(async () => {
    issuer = await startMockIssuer();
  });
  afterEach(async () => {
    capture.restore();
    await harness.close();
  });
  afterAll(() => issuer.stop());

  it('prints tool, Salesforce and DynamoDB metrics for a conversation turn, without PII', async () => {
    // Prepare
    capture = captureEmf();
    harness = await startHarness({ overrides: { metrics: capture.metrics } });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: EMAIL,
      message: MESSAGE,
    });
    await callTool(client, 'send-message-to-agent', {
      client_email: 'nobody@example.com',
      message: MESSAGE,
    });

    // Assess
    expect(result.isError).toBeFalsy();
    const lines = capture.lines();
    const tools = withMetric(lines, 'ToolCalls');
    expect(tools.map((l) => [l.tool, l.ToolErrors, l.errorCode])).toEqual([
      ['complete-agentforce-conversation', 0, undefined],
      ['send-message-to-agent', 1, 'NO_SESSION'],
    ]);
    const operations = withMetric(lines, 'UpstreamCalls').map((l: EmfLine) => l.operation);
    expect(operations).toEqual(
      expect.arrayContaining([
        'SalesforceToken.Fetch',
        'AgentApi.StartSession',
        'AgentApi.SendMessage',
        'DynamoDB.UpdateItem',
      ])
    );
    const raw = capture.raw();
    expect(raw).not.toContain('example.com');
    expect(raw).not.toContain('4711');
  });

  it('writes one short refusal line, which the stack counts, and no EMF line for a 401', async () => {
    // Prepare
    capture = captureEmf();
    harness = await startHarness({
      env: {
        AUTH_MODE: 'jwt',
        AUTH_ISSUER: issuer.url,
        AUTH_JWKS_URL: issuer.jwksUrl,
        AUTH_AUDIENCE: 'http://127.0.0.1:3000/mcp',
      },
      overrides: { metrics: capture.metrics },
    });
    const refusals = vi.spyOn(refusalLogger, 'info');
    const others = [vi.spyOn(logger, 'info'), vi.spyOn(logger, 'warn')];

    // Act
    const response = await harness.fetch(
      rpcRequest(
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { host: '127.0.0.1:3000', authorization: 'Bearer not.a.jwt' }
      )
    );

    // Assess: the metric filter (infra) matches message "request" and authRefused true.
    expect(response.status).toBe(401);
    expect(capture.lines()).toHaveLength(0);
    expect(refusals.mock.calls).toEqual([
      [
        'request',
        expect.objectContaining({
          status: 401,
          authRefused: true,
          reason: expect.stringMatching(/^invalid_token: /),
        }),
      ],
    ]);
    for (const spy of others) expect(spy).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });
});
