import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  AgentforceAuthError,
  AgentforceConfigError,
  AgentNotFoundError,
  BadRequestError,
  DeadlineExceededError,
  MalformedResponseError,
  RateLimitedError,
  SessionNotFoundError,
  SessionBusyError as UpstreamBusyError,
  UpstreamError,
} from '../agentforce/index.js';
import { NoSessionError, SessionNotSavedError } from '../conversation/errors.js';
import { logger } from '../logger.js';
import { CredentialsUnavailableError } from '../secrets/errors.js';
import {
  LeaseLostError,
  OwnerMismatchError,
  SessionBusyError as StoreBusyError,
  StoreUnavailableError,
} from '../state/errors.js';
import type { ToolCallRecord } from './tool-context.js';

/** A successful tool result: structured content plus a readable text block. */
export function success<T extends Record<string, unknown>>(
  structured: T,
  text: string
): CallToolResult & { structuredContent: T } {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** Raised by the tool runner when the tool's own deadline passes first. */
export class ToolDeadlineError extends Error {
  readonly deadlineMs: number;

  constructor(deadlineMs: number) {
    super(`The tool did not finish within ${deadlineMs} ms`);
    this.name = 'ToolDeadlineError';
    this.deadlineMs = deadlineMs;
  }
}

interface Failure {
  readonly code: string;
  readonly message: string;
}

const INTERNAL: Failure = {
  code: 'INTERNAL',
  message: 'The server hit an unexpected error. Retry; if it persists, contact the administrator.',
};

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Maps any failure to a sentence that tells the caller what to do next. Only known, safe facts are
 * included; unknown errors become a generic message (the cause is logged, never returned).
 */
export function describeFailure(err: unknown, deadlineMs: number): Failure {
  if (!(err instanceof Error)) return INTERNAL;
  if (err instanceof NoSessionError)
    return {
      code: 'NO_SESSION',
      message:
        'No agent session is open for this client. Call create-agent-session first, or use complete-agentforce-conversation, which starts one for you.',
    };
  if (err instanceof SessionNotSavedError)
    return {
      code: 'STATE_NOT_SAVED',
      message:
        'The server could not save the new agent session, so it ended it instead of leaking it; any reply in this call was discarded. Retry in a few seconds: the next call starts a fresh session.',
    };
  if (err instanceof SessionNotFoundError)
    return {
      code: 'SESSION_EXPIRED',
      message:
        'The agent session has expired or was ended in Salesforce. Call create-agent-session to start a new one, or use complete-agentforce-conversation, which does it for you.',
    };
  if (err instanceof StoreBusyError || err instanceof UpstreamBusyError)
    return {
      code: 'BUSY',
      message:
        'Another message for this client is still being processed by the agent. Wait a few seconds and retry.',
    };
  if (err instanceof LeaseLostError)
    return {
      code: 'CONFLICT',
      message:
        'Another call for this client took over while this one was running, so its result was not saved. Retry.',
    };
  if (err instanceof OwnerMismatchError)
    return {
      code: 'FORBIDDEN_CLIENT',
      message:
        'This client_email is already in use by another caller of this server. Use the email of your own end user.',
    };
  if (err instanceof RateLimitedError)
    return {
      code: 'RATE_LIMITED',
      message: `Salesforce is rate limiting the Agent API. Retry in ${seconds(err.retryAfterMs ?? 10_000)} seconds.`,
    };
  if (err instanceof DeadlineExceededError || err instanceof ToolDeadlineError)
    return {
      code: 'DEADLINE',
      message: `The agent did not answer within ${seconds(deadlineMs)} seconds. The turn may still complete in Salesforce; retry in a moment (a retry that finds the agent busy will say so).`,
    };
  if (err instanceof AgentforceAuthError)
    return {
      code: 'SALESFORCE_AUTH',
      message: `Salesforce rejected this server's credentials: ${err.message} An administrator must fix the configuration; retrying will not help.`,
    };
  if (err instanceof AgentNotFoundError)
    return {
      code: 'AGENT_NOT_FOUND',
      message: `${err.message} An administrator must check SALESFORCE_AGENT_ID and that the agent is active.`,
    };
  if (err instanceof AgentforceConfigError)
    return {
      code: 'CONFIGURATION',
      message: `The server's Salesforce settings are invalid: ${err.message} An administrator must fix them.`,
    };
  if (err instanceof CredentialsUnavailableError)
    return {
      code: 'CREDENTIALS_UNAVAILABLE',
      message:
        "The server cannot read its Salesforce credentials right now. Retry in a minute; if it persists, an administrator must check the server's secret.",
    };
  if (err instanceof StoreUnavailableError)
    return {
      code: 'STATE_UNAVAILABLE',
      message:
        "The server's session store is unavailable right now. Retry in a few seconds; nothing was sent to the agent.",
    };
  if (err instanceof BadRequestError)
    return {
      code: 'REJECTED',
      message: `Salesforce rejected the request: ${err.message} Check the message and retry.`,
    };
  if (err instanceof MalformedResponseError || err instanceof UpstreamError)
    return {
      code: 'UPSTREAM_UNAVAILABLE',
      message: `Salesforce's Agent API failed (${err.status ? `HTTP ${err.status}` : 'unexpected response'}${err.requestId ? `, request id ${err.requestId}` : ''}). Retry in a minute.`,
    };
  return INTERNAL;
}

/** A business failure as an MCP tool result (`isError: true`), logged without any message text. */
export function failure(err: unknown, deadlineMs: number, record: ToolCallRecord): CallToolResult {
  const { code, message } = describeFailure(err, deadlineMs);
  record.outcome = 'tool-error';
  record.errorCode = code;
  if (code === 'INTERNAL')
    logger.error('tool failed unexpectedly', { tool: record.tool, error: err as Error });
  else
    logger.info('tool returned an error', {
      tool: record.tool,
      errorCode: code,
      errorName: (err as Error)?.name,
    });
  return { isError: true, content: [{ type: 'text', text: `${message} [${code}]` }] };
}

/**
 * Runs a tool body inside the tool deadline. The race guarantees an answer in time even if a
 * dependency ignores the abort signal.
 */
export async function runTool(
  name: string,
  context: { toolDeadlineMs: number; signal: AbortSignal; record: ToolCallRecord },
  body: (signal: AbortSignal) => Promise<CallToolResult>
): Promise<CallToolResult> {
  context.record.tool = name;
  const deadline = AbortSignal.timeout(context.toolDeadlineMs);
  const signal = AbortSignal.any([deadline, context.signal]);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ToolDeadlineError(context.toolDeadlineMs)),
      context.toolDeadlineMs + 250
    );
  });
  try {
    const result = await Promise.race([body(signal), expired]);
    context.record.outcome ??= 'ok';
    return result;
  } catch (err) {
    // A dependency that surfaces the raw abort instead of its own typed error still means "deadline".
    const aborted =
      err instanceof DOMException && (err.name === 'AbortError' || err.name === 'TimeoutError');
    const cause = aborted ? new ToolDeadlineError(context.toolDeadlineMs) : err;
    return failure(cause, context.toolDeadlineMs, context.record);
  } finally {
    clearTimeout(timer);
  }
}
