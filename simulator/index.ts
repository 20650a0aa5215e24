/**
 * Agentforce simulator: a faithful local stand-in for a Salesforce org's OAuth token endpoint and
 * the Agentforce Agent API, built from `agent-api.md`. `npm start` and the test suites talk to it.
 *
 * @example
 * import { startSimulator } from '../simulator/index.js';
 *
 * const sim = await startSimulator();
 * // point the client at sim.url with sim.credentials and sim.agentId
 * await sim.close();
 */

export { TURN_TIMEOUT_MS } from './agent-api.js';
export { GREETING, type ScriptedTurn, scriptTurn } from './agent-script.js';
export {
  ApiResponseError,
  type ErrorEnvelope,
  OAuthError,
  SimulatorError,
  SimulatorOptionsError,
} from './errors.js';
export { decodeJwtPayload } from './jwt.js';
export { startSimulator, TOKEN_PATH } from './server.js';
export { formatSseEvent, type SseEnvelope, type SseEventName } from './sse.js';
export { DEFAULT_AGENT_ID } from './state.js';
export { TOKEN_SCOPE, type TokenResponse } from './token-endpoint.js';
export type {
  FaultRule,
  SimulatedAgent,
  Simulator,
  SimulatorCounters,
  SimulatorOptions,
  SimulatorPatch,
} from './types.js';
