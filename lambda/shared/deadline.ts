/**
 * Tool deadline figures shared by the function (config, lease) and the deployment (function
 * timeout), so "deadline + margin" is derived in one place.
 */

/** Default tool deadline: Agentforce gives a tool call 60 s; 45 s leaves room for cold start and the network. */
export const DEFAULT_TOOL_DEADLINE_MS = 45_000;

/** Largest tool deadline accepted: below Agentforce's 60 s, with the margin below on top. */
export const MAX_TOOL_DEADLINE_MS = 55_000;

/**
 * How long work may outlive the tool deadline: the handler's time to write state and reply after
 * the deadline fired, so also how long a lease outlives it (a crashed holder frees the record soon
 * after) and how far the function timeout sits past it.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/**
 * The part of {@link DEADLINE_MARGIN_MS} a tool call may use to settle its state after the
 * deadline fired (record a session start that answered late, retry a release whose answer was
 * lost). The tool runner waits this long for the use case before answering on its own, so a call
 * answers within the deadline plus this grace; the HTTP edge waits one second more.
 */
export const SETTLE_GRACE_MS = 2_000;

/**
 * How long one invocation may run: the tool deadline plus {@link DEADLINE_MARGIN_MS}. Used as the
 * lease lifetime and, rounded up to whole seconds, as the Lambda function timeout.
 *
 * @example
 * invocationBudgetMs(45_000); // 50_000
 */
export function invocationBudgetMs(toolDeadlineMs: number): number {
  return toolDeadlineMs + DEADLINE_MARGIN_MS;
}
