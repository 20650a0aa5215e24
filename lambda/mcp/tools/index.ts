import type { Tool } from '../define-tool.js';
import { authenticate } from './authenticate.js';
import { completeAgentforceConversation } from './complete-agentforce-conversation.js';
import { createAgentSession } from './create-agent-session.js';
import { endAgentSession } from './end-agent-session.js';
import { getSessionStatus } from './get-session-status.js';
import { sendMessageToAgent } from './send-message-to-agent.js';
import { submitAgentFeedback } from './submit-agent-feedback.js';

/**
 * Every tool, once: the server registers from this list, the instructions are written from it and
 * tests iterate it. The first is the one to start with. Adding a tool is one file and one line here.
 */
export const TOOLS: readonly Tool[] = [
  completeAgentforceConversation,
  authenticate,
  createAgentSession,
  sendMessageToAgent,
  getSessionStatus,
  submitAgentFeedback,
  endAgentSession,
];

/** The names of {@link TOOLS}, in order. */
export const TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name);
