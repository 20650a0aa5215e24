/**
 * The conformance suite's multi-round-trip fixtures (2026-07-28 `basic/patterns/mrtr`, SEP-2322,
 * scenarios `input-required-result-*`): tools that answer `input_required` until the client
 * retries with the `inputResponses` (and the `requestState`) they asked for. A stateless server
 * is exactly where MRTR belongs: every round is a fresh POST through our edge, so these prove
 * that the edge passes `inputResponses`/`requestState` through and the SDK's round handling works
 * on our transport. Test-only, like conformance-fixtures.ts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  acceptedContent,
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type InputRequest,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type ServerContext,
} from '@modelcontextprotocol/server';

type Round = CallToolResult | InputRequiredResult;

/** Per process: state minted by another fixture server (or edited by a client) never verifies. */
const STATE_KEY = randomBytes(32);

const sign = (payload: string) => createHmac('sha256', STATE_KEY).update(payload).digest();

/** Integrity-protected state (the spec's MUST for state a client could tamper with). */
function mintState(tool: string, round: number): string {
  const payload = Buffer.from(JSON.stringify({ tool, round })).toString('base64url');
  return `${payload}.${sign(payload).toString('base64url')}`;
}

/** The round the state carries, or `undefined` when it is absent, another tool's, or tampered. */
function roundOf(ctx: ServerContext, tool: string): number | undefined {
  const state = ctx.mcpReq.requestState();
  if (typeof state !== 'string') return undefined;
  const [payload = '', mac = ''] = state.split('.');
  const expected = sign(payload);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
    tool?: string;
    round?: number;
  };
  return decoded.tool === tool ? decoded.round : undefined;
}

const done = (text: string): CallToolResult => ({ content: [{ type: 'text', text }] });

function askFor(message: string, field: string, type: 'string' | 'boolean'): InputRequest {
  const property = type === 'string' ? { type: 'string' as const } : { type: 'boolean' as const };
  return inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { [field]: property }, required: [field] },
  });
}

const askModel = (prompt: string, maxTokens: number): InputRequest =>
  inputRequired.createMessage({
    messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
    maxTokens,
  });

/** An accepted elicitation's field, or `undefined` (missing, declined, or another key). */
function answer(ctx: ServerContext, key: string, field: string): unknown {
  return acceptedContent(ctx.mcpReq.inputResponses, key)?.[field];
}

const has = (ctx: ServerContext, key: string) =>
  inputResponse(ctx.mcpReq.inputResponses, key).kind !== 'missing';

function elicitation(ctx: ServerContext): Round {
  const name = answer(ctx, 'user_name', 'name');
  // A retry without the answer (or with other keys only) is asked again, not refused.
  if (typeof name !== 'string') {
    return inputRequired({
      inputRequests: { user_name: askFor('What is your name?', 'name', 'string') },
    });
  }
  return done(`Hello, ${name}!`);
}

function sampling(ctx: ServerContext): Round {
  const reply = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
  if (reply.kind !== 'sampling') {
    return inputRequired({
      inputRequests: { capital_question: askModel('What is the capital of France?', 100) },
    });
  }
  const content = reply.result.content;
  const said = !Array.isArray(content) && content.type === 'text' ? content.text : '(no text)';
  return done(`The model answered: ${said}`);
}

function listRoots(ctx: ServerContext): Round {
  const reply = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
  if (reply.kind !== 'roots') {
    return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
  }
  return done(`Client roots: ${reply.roots.map((root) => root.uri).join(', ') || '(none)'}`);
}

/** One confirmation round with signed state; a tampered or missing state starts over. */
function confirmWithState(tool: string) {
  return (ctx: ServerContext): Round => {
    if (roundOf(ctx, tool) === 1 && answer(ctx, 'confirm', 'ok') !== undefined) {
      return done('Confirmed: state-ok.');
    }
    return inputRequired({
      inputRequests: { confirm: askFor('Please confirm', 'ok', 'boolean') },
      requestState: mintState(tool, 1),
    });
  };
}

function multipleInputs(ctx: ServerContext): Round {
  const tool = 'test_input_required_result_multiple_inputs';
  const keys = ['user_name', 'greeting', 'client_roots'];
  if (roundOf(ctx, tool) === 1 && keys.every((key) => has(ctx, key))) {
    return done(`Received all ${keys.length} inputs: state-ok.`);
  }
  return inputRequired({
    inputRequests: {
      user_name: askFor('What is your name?', 'name', 'string'),
      greeting: askModel('Generate a greeting', 50),
      client_roots: inputRequired.listRoots(),
    },
    requestState: mintState(tool, 1),
  });
}

function multiRound(ctx: ServerContext): Round {
  const tool = 'test_input_required_result_multi_round';
  const round = roundOf(ctx, tool);
  if (round === 2 && answer(ctx, 'step2', 'color') !== undefined) {
    return done('Both steps answered.');
  }
  if (round === 1 && answer(ctx, 'step1', 'name') !== undefined) {
    return inputRequired({
      inputRequests: { step2: askFor('Step 2: What is your favorite color?', 'color', 'string') },
      requestState: mintState(tool, 2),
    });
  }
  return inputRequired({
    inputRequests: { step1: askFor('Step 1: What is your name?', 'name', 'string') },
    requestState: mintState(tool, 1),
  });
}

/** Asks only for what the request's `_meta` says the client can answer. */
function withinCapabilities(ctx: ServerContext): Round {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const declared = (envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? {}) as ClientCapabilities;
  if (has(ctx, 'user_name') || has(ctx, 'greeting')) return done('Thanks for the input.');
  const inputRequests: Record<string, InputRequest> = {};
  if (declared.elicitation)
    inputRequests.user_name = askFor('What is your name?', 'name', 'string');
  if (declared.sampling) inputRequests.greeting = askModel('Generate a greeting', 50);
  if (Object.keys(inputRequests).length === 0) return done('This client can answer no input.');
  return inputRequired({ inputRequests });
}

/** Each multi-round-trip fixture's handler, by the name its scenarios call. */
export const MRTR_FIXTURES: ReadonlyArray<
  readonly [name: string, description: string, run: (ctx: ServerContext) => Round]
> = [
  ['test_input_required_result_elicitation', 'Asks the user for a name.', elicitation],
  ['test_input_required_result_sampling', 'Asks the client model a question.', sampling],
  ['test_input_required_result_list_roots', "Asks for the client's roots.", listRoots],
  [
    'test_input_required_result_request_state',
    'Asks for a confirmation, with signed state.',
    confirmWithState('test_input_required_result_request_state'),
  ],
  [
    'test_input_required_result_tampered_state',
    'Asks for a confirmation, with signed state.',
    confirmWithState('test_input_required_result_tampered_state'),
  ],
  ['test_input_required_result_multiple_inputs', 'Asks for three inputs at once.', multipleInputs],
  ['test_input_required_result_multi_round', 'Asks in two rounds, with signed state.', multiRound],
  [
    'test_input_required_result_capabilities',
    'Asks only what the client declared it can answer.',
    withinCapabilities,
  ],
];
