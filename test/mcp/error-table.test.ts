/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import * as agentforceErrors from '../../lambda/agentforce/errors.js';
import * as conversationErrors from '../../lambda/conversation/errors.js';
import {
  describeFailure,
  ERROR_TABLE,
  INTERNAL,
  type RetryAdvice,
  ruleFor,
} from '../../lambda/mcp/error-table.js';
import * as mcpErrors from '../../lambda/mcp/errors.js';
import type { ToolCallRecord } from '../../lambda/mcp/tool-context.js';
import { runTool } from '../../lambda/mcp/tool-result.js';
import * as secretsErrors from '../../lambda/secrets/errors.js';
import * as stateErrors from '../../lambda/state/errors.js';

/** Modules whose errors never reach a tool: inbound auth answers at the HTTP edge. */
const EDGE_ONLY = ['../../lambda/auth/errors.ts'];

/** Every `errors.ts` below lambda/: a class added to any of them must get a row. */
const MODULES = Object.entries(
  import.meta.glob<Record<string, unknown>>('../../lambda/**/errors.ts', { eager: true })
)
  .filter(([path]) => !EDGE_ONLY.includes(path))
  .map(([, module]) => module);

/** Bases that are never thrown themselves: only their subclasses need rows. */
const ABSTRACT = new Set<unknown>([
  agentforceErrors.AgentforceError,
  conversationErrors.ConversationError,
  stateErrors.StateError,
]);

const errorClasses = MODULES.flatMap((module) => Object.values(module)).filter(
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
  [
    conversationErrors.SessionSaveUncertainError,
    () => new conversationErrors.SessionSaveUncertainError('a@example.com'),
  ],
  [
    conversationErrors.TurnNotSentError,
    () => new conversationErrors.TurnNotSentError('a@example.com'),
  ],
  [stateErrors.LeaseBusyError, () => new stateErrors.LeaseBusyError('a@example.com', 20_000)],
  [stateErrors.LeaseLostError, () => new stateErrors.LeaseLostError('a@example.com', 'lease-1')],
  [stateErrors.SessionLimitError, () => new stateErrors.SessionLimitError('a@example.com', 100)],
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
    agentforceErrors.BypassUserRejectedError,
    () =>
      new agentforceErrors.BypassUserRejectedError('0XxD00000000001', {
        status: 400,
        requestId: 'req-4',
      }),
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

/** What each sample must say: its code, its retry advice and a distinctive part of its next step. */
const EXPECTED: Record<string, { code: string; retry: RetryAdvice; says: string }> = {
  InvalidToolInputError: {
    code: 'INVALID_INPUT',
    retry: 'change-call',
    says: 'message: is required. Fix them',
  },
  ToolDeadlineError: { code: 'DEADLINE', retry: 'retry', says: 'within 2 seconds' },
  NoSessionError: {
    code: 'NO_SESSION',
    retry: 'change-call',
    says: 'Call create-agent-session first',
  },
  SessionNotSavedError: {
    code: 'STATE_NOT_SAVED',
    retry: 'retry',
    says: 'No message was sent to the agent',
  },
  SessionSaveUncertainError: {
    code: 'STATE_UNCERTAIN',
    retry: 'change-call',
    says: 'Call get-session-status',
  },
  TurnNotSentError: { code: 'DEADLINE', retry: 'retry', says: 'so the message was not sent' },
  LeaseBusyError: {
    code: 'BUSY',
    retry: 'retry',
    says: 'Another call for this client is still in progress',
  },
  AgentSessionLockedError: { code: 'BUSY', retry: 'retry', says: 'Wait a few seconds and retry' },
  LeaseLostError: { code: 'CONFLICT', retry: 'retry', says: 'took over' },
  SessionLimitError: {
    code: 'SESSION_LIMIT',
    retry: 'change-call',
    says: 'End a session you no longer need with end-agent-session, or ask the administrator to raise MAX_SESSIONS_PER_TENANT',
  },
  StoreUnavailableError: {
    code: 'STATE_UNAVAILABLE',
    retry: 'retry',
    says: 'nothing was sent to the agent',
  },
  CredentialsUnavailableError: {
    code: 'CREDENTIALS_UNAVAILABLE',
    retry: 'retry',
    says: 'Retry in a minute',
  },
  CredentialsNotSetError: {
    code: 'CREDENTIALS_NOT_SET',
    retry: 'administrator',
    says: 'put-secret-value --secret-id',
  },
  SessionNotFoundError: {
    code: 'SESSION_EXPIRED',
    retry: 'change-call',
    says: 'expired or was ended',
  },
  RateLimitedError: { code: 'RATE_LIMITED', retry: 'retry', says: 'Retry in 8 seconds' },
  DeadlineExceededError: {
    code: 'DEADLINE',
    retry: 'retry',
    says: 'may have it processed twice',
  },
  AgentforceAuthError: {
    code: 'SALESFORCE_AUTH',
    retry: 'administrator',
    says: 'The client secret is wrong.',
  },
  AgentNotFoundError: {
    code: 'AGENT_NOT_FOUND',
    retry: 'administrator',
    says: 'check SALESFORCE_AGENT_ID',
  },
  AgentforceConfigError: {
    code: 'CONFIGURATION',
    retry: 'administrator',
    says: 'not a Salesforce host',
  },
  BadRequestError: { code: 'REJECTED', retry: 'change-call', says: 'The message is too long.' },
  BypassUserRejectedError: {
    code: 'EMPLOYEE_AGENT',
    retry: 'administrator',
    says: 'must set SALESFORCE_BYPASS_USER=false',
  },
  UpstreamError: {
    code: 'UPSTREAM_UNAVAILABLE',
    retry: 'retry',
    says: 'Salesforce failed: 503 (Salesforce request id req-9) Retry in a minute',
  },
  MalformedResponseError: {
    code: 'UPSTREAM_UNAVAILABLE',
    retry: 'retry',
    says: 'Salesforce failed: bad body Retry',
  },
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

describe('Constant: ERROR_TABLE', () => {
  it.each(errorClasses.map((cls) => [cls.name, cls] as const))(
    'has a row (and a sample) for %s',
    (_, cls) => {
      if (ABSTRACT.has(cls)) return;
      expect(ERROR_TABLE.has(cls), `add ${cls.name} to ERROR_TABLE`).toBe(true);
      expect(SAMPLES.has(cls), `add a sample ${cls.name} to this test`).toBe(true);
    }
  );

  it('reads every errors module that can reach a tool', () => {
    expect(MODULES).toHaveLength(5);
    expect(errorClasses.length).toBeGreaterThanOrEqual(ERROR_TABLE.size);
  });

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
      expect(describeFailure(make(), { deadlineMs: 1_500 }).retry).toBe(expected.retry);
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
