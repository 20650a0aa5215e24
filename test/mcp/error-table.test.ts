import { describe, expect, it } from 'vitest';
import * as agentforceErrors from '../../lambda/agentforce/errors.js';
import * as conversationErrors from '../../lambda/conversation/errors.js';
import { ERROR_TABLE, INTERNAL, ruleFor } from '../../lambda/mcp/error-table.js';
import * as mcpErrors from '../../lambda/mcp/errors.js';
import type { ToolCallRecord } from '../../lambda/mcp/tool-context.js';
import { runTool } from '../../lambda/mcp/tool-result.js';
import * as secretsErrors from '../../lambda/secrets/errors.js';
import * as stateErrors from '../../lambda/state/errors.js';

/** Every module whose errors can reach a tool; a class added to one of them must get a row. */
const MODULES = { agentforceErrors, conversationErrors, mcpErrors, secretsErrors, stateErrors };

/** Bases that are never thrown themselves: only their subclasses need rows. */
const ABSTRACT = new Set<unknown>([
  agentforceErrors.AgentforceError,
  conversationErrors.ConversationError,
  stateErrors.StateError,
]);

const errorClasses = Object.values(MODULES)
  .flatMap((module) => Object.values(module))
  .filter(
    // biome-ignore lint/suspicious/noExplicitAny: any constructor, whatever its parameters.
    (value): value is new (...args: any[]) => Error =>
      typeof value === 'function' && value.prototype instanceof Error
  );

/** A real instance of each class with a row, as the code below the tools throws it. */
const SAMPLES: ReadonlyMap<unknown, () => Error> = new Map<unknown, () => Error>([
  [
    mcpErrors.InvalidToolInputError,
    () => new mcpErrors.InvalidToolInputError(['message: is required']),
  ],
  [mcpErrors.ToolDeadlineError, () => new mcpErrors.ToolDeadlineError(1_500)],
  [conversationErrors.NoSessionError, () => new conversationErrors.NoSessionError('a@example.com')],
  [
    conversationErrors.SessionNotSavedError,
    () => new conversationErrors.SessionNotSavedError('a@example.com'),
  ],
  [stateErrors.LeaseBusyError, () => new stateErrors.LeaseBusyError('a@example.com', 20_000)],
  [stateErrors.LeaseLostError, () => new stateErrors.LeaseLostError('a@example.com', 'lease-1')],
  [stateErrors.OwnerMismatchError, () => new stateErrors.OwnerMismatchError('a@example.com')],
  [stateErrors.StoreUnavailableError, () => new stateErrors.StoreUnavailableError('acquireLease')],
  [
    secretsErrors.CredentialsUnavailableError,
    () => new secretsErrors.CredentialsUnavailableError('The secret is missing.'),
  ],
  [
    secretsErrors.CredentialsNotSetError,
    () =>
      new secretsErrors.CredentialsNotSetError(
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sf-AbC123'
      ),
  ],
  [agentforceErrors.SessionNotFoundError, () => new agentforceErrors.SessionNotFoundError('s-1')],
  [
    agentforceErrors.AgentSessionLockedError,
    () => new agentforceErrors.AgentSessionLockedError('s-1', { status: 423 }),
  ],
  [
    agentforceErrors.RateLimitedError,
    () => new agentforceErrors.RateLimitedError('429', { status: 429, retryAfterMs: 7_200 }),
  ],
  [agentforceErrors.DeadlineExceededError, () => new agentforceErrors.DeadlineExceededError()],
  [
    agentforceErrors.AgentforceAuthError,
    () =>
      new agentforceErrors.AgentforceAuthError('The client secret is wrong.', 'wrong-secret', {
        oauthError: 'invalid_client',
      }),
  ],
  [
    agentforceErrors.AgentNotFoundError,
    () => new agentforceErrors.AgentNotFoundError('0XxD00000000001', 'it has no active version.'),
  ],
  [
    agentforceErrors.AgentforceConfigError,
    () =>
      new agentforceErrors.AgentforceConfigError('The My Domain host is not a Salesforce host.', {
        setting: 'myDomainUrl',
      }),
  ],
  [
    agentforceErrors.BadRequestError,
    () => new agentforceErrors.BadRequestError('The message is too long.', { status: 400 }),
  ],
  [
    agentforceErrors.UpstreamError,
    () => new agentforceErrors.UpstreamError('503', { status: 503, requestId: 'req-9' }),
  ],
  [
    agentforceErrors.MalformedResponseError,
    () =>
      new agentforceErrors.MalformedResponseError('bad body', { issues: ['messages: missing'] }),
  ],
]);

/** What each sample must say: its code and a distinctive part of its next step. */
const EXPECTED: Record<string, { code: string; says: string }> = {
  InvalidToolInputError: { code: 'INVALID_INPUT', says: 'message: is required. Fix them' },
  ToolDeadlineError: { code: 'DEADLINE', says: 'within 2 seconds' },
  NoSessionError: { code: 'NO_SESSION', says: 'Call create-agent-session first' },
  SessionNotSavedError: { code: 'STATE_NOT_SAVED', says: 'ended it instead of leaking it' },
  LeaseBusyError: { code: 'BUSY', says: 'Wait a few seconds and retry' },
  AgentSessionLockedError: { code: 'BUSY', says: 'Wait a few seconds and retry' },
  LeaseLostError: { code: 'CONFLICT', says: 'took over' },
  OwnerMismatchError: { code: 'FORBIDDEN_CLIENT', says: 'in use by another caller' },
  StoreUnavailableError: { code: 'STATE_UNAVAILABLE', says: 'nothing was sent to the agent' },
  CredentialsUnavailableError: { code: 'CREDENTIALS_UNAVAILABLE', says: 'Retry in a minute' },
  CredentialsNotSetError: { code: 'CREDENTIALS_NOT_SET', says: 'put-secret-value --secret-id' },
  SessionNotFoundError: { code: 'SESSION_EXPIRED', says: 'expired or was ended' },
  RateLimitedError: { code: 'RATE_LIMITED', says: 'Retry in 8 seconds' },
  DeadlineExceededError: { code: 'DEADLINE', says: 'may still complete in Salesforce' },
  AgentforceAuthError: { code: 'SALESFORCE_AUTH', says: 'The client secret is wrong.' },
  AgentNotFoundError: { code: 'AGENT_NOT_FOUND', says: 'check SALESFORCE_AGENT_ID' },
  AgentforceConfigError: { code: 'CONFIGURATION', says: 'not a Salesforce host' },
  BadRequestError: { code: 'REJECTED', says: 'The message is too long.' },
  UpstreamError: { code: 'UPSTREAM_UNAVAILABLE', says: 'HTTP 503, request id req-9' },
  MalformedResponseError: { code: 'UPSTREAM_UNAVAILABLE', says: 'unexpected response' },
};

async function throughRunTool(err: unknown) {
  const record: ToolCallRecord = {};
  const result = await runTool(
    'send-message-to-agent',
    { toolDeadlineMs: 1_500, signal: new AbortController().signal, record },
    async () => {
      throw err;
    }
  );
  const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
  return { result, record, text };
}

describe('Table: ERROR_TABLE', () => {
  it.each(errorClasses.map((cls) => [cls.name, cls] as const))(
    'has a row (and a sample) for %s',
    (_, cls) => {
      if (ABSTRACT.has(cls)) return;
      expect(ERROR_TABLE.has(cls), `add ${cls.name} to ERROR_TABLE`).toBe(true);
      expect(SAMPLES.has(cls), `add a sample ${cls.name} to this test`).toBe(true);
    }
  );

  it('has no row for a class this test does not know', () => {
    for (const cls of ERROR_TABLE.keys()) expect(SAMPLES.has(cls), cls.name).toBe(true);
  });

  it.each(
    [...SAMPLES.entries()].map(([cls, make]) => [(cls as { name: string }).name, make] as const)
  )(
    'returns the row of %s through runTool as an isError result with its code',
    async (name, make) => {
      // Prepare
      const expected = EXPECTED[name];
      if (!expected) throw new Error(`add ${name} to EXPECTED`);

      // Act
      const { result, record, text } = await throughRunTool(make());

      // Assess
      expect(result.isError).toBe(true);
      expect(text.endsWith(` [${expected.code}]`)).toBe(true);
      expect(text).toContain(expected.says);
      expect(text).not.toMatch(/\n\s+at |Error:/);
      expect(record).toEqual({
        tool: 'send-message-to-agent',
        outcome: 'tool-error',
        errorCode: expected.code,
      });
    }
  );
});

describe('Function: ruleFor', () => {
  it('picks the most specific class, whatever the row order', () => {
    class Narrower extends stateErrors.LeaseLostError {}
    expect(ruleFor(new Narrower('a@example.com', 'l'))?.code).toBe('CONFLICT');
  });

  it('returns no row for an error nobody threw on purpose', () => {
    expect(ruleFor(new TypeError('x'))).toBeUndefined();
    expect(ruleFor('a string')).toBeUndefined();
    expect(ruleFor(new agentforceErrors.AgentforceError('base'))).toBeUndefined();
  });
});

describe('Function: runTool', () => {
  it('answers an unknown error as INTERNAL without its message', async () => {
    const { text, record } = await throughRunTool(new TypeError('secret detail'));
    expect(text).toBe(`${INTERNAL.message} [INTERNAL]`);
    expect(record.errorCode).toBe('INTERNAL');
  });

  it('answers a raw abort from a dependency as DEADLINE', async () => {
    const { text } = await throughRunTool(new DOMException('aborted', 'AbortError'));
    expect(text).toMatch(/\[DEADLINE\]$/);
  });

  it('answers DEADLINE when the body ignores its signal', async () => {
    const record: ToolCallRecord = {};
    const result = await runTool(
      'send-message-to-agent',
      { toolDeadlineMs: 50, signal: new AbortController().signal, record },
      () => new Promise(() => {})
    );
    expect(result.isError).toBe(true);
    expect(record.errorCode).toBe('DEADLINE');
  });
});
