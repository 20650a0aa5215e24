import { deadlineError } from './retry.js';

/*
 * Small helpers shared by the token provider and the Agent API client for turning `fetch` outcomes
 * into safe, typed facts.
 */

/** Reads a response body as text, mapping an abort to `DeadlineExceededError`. */
export async function readText(
  response: Response,
  signal: AbortSignal | undefined
): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    if (signal?.aborted) throw deadlineError(err);
    throw err;
  }
}

/** Parses JSON without throwing; `undefined` for an empty or non-JSON body. */
export function tryParseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Salesforce's request id from the `x-request-id` header, falling back to one from the body. */
export function requestIdOf(response: Response, fromBody?: string | null): string | undefined {
  return response.headers.get('x-request-id') ?? fromBody ?? undefined;
}

/** A short description of a network failure (`ECONNREFUSED`, `ENOTFOUND`, …) without any payload. */
export function networkFailureCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}

/**
 * A server-supplied message safe to repeat: short, single-line, and containing none of the given
 * sensitive strings (the access token, the user's text). Anything else gives `undefined`.
 */
export function safeServerMessage(
  message: string | null | undefined,
  sensitive: readonly (string | undefined)[] = []
): string | undefined {
  if (typeof message !== 'string') return undefined;
  const flat = message.replace(/\s+/g, ' ').trim();
  if (flat === '') return undefined;
  const lower = flat.toLowerCase();
  for (const value of sensitive) {
    if (value === undefined) continue;
    const needle = value.trim().toLowerCase();
    if (needle.length < 3) continue;
    // A server may echo only the start of a long text, so the first 24 characters count too.
    if (lower.includes(needle) || lower.includes(needle.slice(0, 24))) return undefined;
  }
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
