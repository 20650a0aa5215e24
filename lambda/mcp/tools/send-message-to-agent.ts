import { callVariables } from '../../conversation/context-variables.js';
import { defineTool } from '../define-tool.js';
import { turnAnnotations, turnInput, turnOutputShape, turnResult } from '../schemas.js';

/** `send-message-to-agent`: the next turn in the client's open session. */
export const sendMessageToAgent = defineTool({
  name: 'send-message-to-agent',
  title: 'Send a message to the agent',
  description:
    "Sends the user's message to the Agentforce agent in the client's open session and returns every message of the agent's reply.",
  summary: 'sends the next message in the open session',
  annotations: turnAnnotations,
  input: turnInput,
  output: turnOutputShape,
  async run(args, { conversations, owner, signal, variables, listener }) {
    const { client_email, message } = args;
    const turn = await conversations.sendMessage(
      { clientEmail: client_email, owner },
      message,
      signal,
      callVariables(variables, args),
      listener
    );
    return turnResult(client_email, turn);
  },
});
