import { join } from 'node:path';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import {
  CHROMIUM_FLAGS,
  findChromium,
  InspectorBrowser,
  type ProtocolEra,
  type ToolOutcome,
} from './browser.js';
import type { InspectorWeb } from './inspector.js';
import { REPO_ROOT } from './processes.js';
import type { Row } from './row.js';

/** Gitignored; one folder per run. `INTEROP_SCREENSHOTS=all` also keeps the passing steps. */
const SCREENSHOT_ROOT = join(REPO_ROOT, 'test', 'interop', 'screenshots');

const QUESTION = 'What are your opening hours?';

/** A server the browser run targets, with the custom headers its entry needs. */
export interface BrowserTarget {
  readonly phase: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Also connect in the Auto and Modern eras (once is enough: the era is not about auth). */
  readonly eras?: boolean;
  /** A server that needs a token the entry does not carry: the connection must fail, visibly. */
  readonly refused?: boolean;
}

/** A step's verdict: whether it passed, what to show, and an optional result label. */
interface Verdict {
  readonly ok: boolean;
  readonly detail: string;
  readonly result?: string;
}

const flat = (text: string | undefined, max = 140) => {
  const one = (text ?? '').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/** Why a successful tool execution does not look like one, or undefined when it does. */
function notASuccess(outcome: ToolOutcome): string | undefined {
  if (outcome.uiError) return flat(outcome.uiError);
  if (outcome.toolError) return `Tool Error: ${flat(outcome.toolError)}`;
  if (!outcome.structured) return 'no Structured Output panel';
  return undefined;
}

/**
 * Drives the Inspector web UI in headless Chromium against each target: add the server by hand,
 * connect (Legacy era), list every registered tool, then a conversation through the UI —
 * complete-agentforce-conversation, get-session-status, end-agent-session, and a
 * send-message-to-agent that must show a Tool Error with `[NO_SESSION]` — checking the text
 * block and the Structured Output panel the page shows. With `eras`, Auto and Modern must connect
 * and serve a call too (the server is dual-era).
 */
export async function runBrowserChecks(options: {
  inspector: InspectorWeb;
  targets: readonly BrowserTarget[];
  record: (row: Row) => void;
}): Promise<void> {
  const { inspector, record } = options;
  const screenshots = join(SCREENSHOT_ROOT, new Date().toISOString().replace(/[:.]/g, '-'));
  const keepAll = process.env.INTEROP_SCREENSHOTS === 'all';
  const shots: string[] = [];
  const setupPhase = 'inspector-web';

  const executablePath = findChromium();
  if (!executablePath) {
    record({
      phase: setupPhase,
      check: 'Chromium installed',
      ok: false,
      detail: 'no /usr/bin/chromium: apt-get install chromium (or set CHROMIUM_PATH)',
    });
    return;
  }
  let browser: InspectorBrowser;
  const launching = performance.now();
  try {
    browser = await InspectorBrowser.launch(executablePath);
  } catch (err) {
    record({
      phase: setupPhase,
      check: 'Chromium launched',
      ok: false,
      detail: flat(String(err), 200),
    });
    return;
  }

  /** Runs one check; a throw or a failed verdict is recorded with a screenshot of the page. */
  async function step(phase: string, check: string, run: () => Promise<Verdict>) {
    const started = performance.now();
    let verdict: Verdict;
    try {
      verdict = await run();
    } catch (err) {
      verdict = { ok: false, detail: flat(String(err).split('\n')[0], 200) };
    }
    let detail = verdict.detail;
    if (!verdict.ok || keepAll) {
      const shot = await browser.screenshot(screenshots, `${phase}-${check}`.slice(0, 90));
      if (shot) {
        shots.push(shot);
        if (!verdict.ok) detail = `${detail}; screenshot ${shot}`;
      }
    }
    record({
      phase,
      check,
      ok: verdict.ok,
      result: verdict.result,
      ms: performance.now() - started,
      detail,
    });
    return verdict.ok;
  }

  try {
    const opened = await step(setupPhase, 'Chromium opens the printed URL', async () => {
      await browser.open(inspector.url);
      const shape = /^http:\/\/127\.0\.0\.1:\d+\?MCP_INSPECTOR_API_TOKEN=[0-9a-f]+$/;
      return {
        ok: shape.test(inspector.url),
        detail: `Chromium ${browser.version()} (${CHROMIUM_FLAGS.join(' ')}, fresh --user-data-dir, launched in ${((performance.now() - launching) / 1000).toFixed(1)} s); ${inspector.shownUrl}`,
      };
    });
    if (!opened) return;

    for (const [index, target] of options.targets.entries()) {
      await driveTarget(browser, step, target, `agentforce-${index + 1}`);
    }

    const origins = [...new Set(options.targets.map((target) => new URL(target.url).origin))];
    await step(setupPhase, 'the browser sends no request to the MCP server', async () => {
      const sent = origins.map((origin) => browser.requestsTo(origin));
      const blocked = [...new Set(browser.blocked)];
      return {
        ok: sent.every((count) => count === 0),
        detail: `${sent.reduce((a, b) => a + b, 0)} requests to ${origins.join(', ')} (the Inspector's Node backend calls the server); non-loopback requests aborted: ${browser.blocked.length}${blocked.length > 0 ? ` (${blocked.join(', ')})` : ''}`,
      };
    });
  } finally {
    await browser.close();
    if (shots.length > 0) {
      process.stdout.write(`  screenshots:\n${shots.map((shot) => `    ${shot}\n`).join('')}`);
    }
  }
}

type Step = (phase: string, check: string, run: () => Promise<Verdict>) => Promise<boolean>;

async function driveTarget(
  browser: InspectorBrowser,
  step: Step,
  target: BrowserTarget,
  serverId: string
): Promise<void> {
  const { phase } = target;
  if (target.refused) {
    await step(phase, 'without Custom Headers: the card says Failed, with a notice', async () => {
      await browser.addServer(serverId, target.url);
      const outcome = await browser.connect(serverId);
      return {
        ok: outcome.status === 'Failed' && outcome.notice !== undefined,
        detail: `${outcome.status}${outcome.notice ? `: ${flat(outcome.notice, 120)}` : ', no notice'}`,
      };
    });
    return;
  }
  const headerNames = Object.keys(target.headers ?? {});
  const added = await step(
    phase,
    `Add manually (${serverId}, streamable-http${headerNames.length > 0 ? `, Custom Headers: ${headerNames.join(', ')}` : ''}), connect (Legacy era)`,
    async () => {
      await browser.addServer(serverId, target.url);
      if (target.headers) await browser.configure(serverId, { headers: target.headers });
      const outcome = await browser.connect(serverId);
      return {
        ok: outcome.status === 'Connected' && outcome.protocol !== undefined,
        detail: `${outcome.status}${outcome.protocol ? `, ${outcome.protocol}` : ''}`,
      };
    }
  );
  if (!added) return;
  try {
    await conversationChecks(browser, step, target, serverId);
  } finally {
    await browser.disconnect(serverId).catch(() => undefined);
  }
}

async function conversationChecks(
  browser: InspectorBrowser,
  step: Step,
  target: BrowserTarget,
  serverId: string
): Promise<void> {
  const { phase } = target;

  await step(phase, `Tools screen lists the ${TOOL_NAMES.length} tools`, async () => {
    const { count, missing } = await browser.tools(TOOL_NAMES);
    return {
      ok: count === TOOL_NAMES.length && missing.length === 0,
      detail: missing.length > 0 ? `missing ${missing.join(', ')}` : `Tools (${count})`,
    };
  });

  const email = `web-ui-${phase.replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  let sequence: unknown;
  await step(phase, 'Execute Tool complete-agentforce-conversation', async () => {
    const outcome = await browser.execute('complete-agentforce-conversation', {
      client_email: email,
      message: QUESTION,
    });
    const problem = notASuccess(outcome);
    if (problem) return { ok: false, detail: problem };
    const structured = outcome.structured ?? {};
    sequence = structured.sequence_id;
    const echoed = `You asked: "${QUESTION}"`;
    const ok =
      outcome.text.includes(echoed) &&
      structured.session_created === true &&
      String(structured.reply).includes(echoed) &&
      structured.client_email === email;
    return {
      ok,
      detail: ok
        ? `text block with the reply; Structured Output session_created=true, sequence_id=${sequence}`
        : `text: ${flat(outcome.text, 80)}; structured: ${flat(JSON.stringify(structured), 80)}`,
    };
  });

  await step(phase, 'Execute Tool get-session-status', async () => {
    const outcome = await browser.execute('get-session-status', { client_email: email });
    const problem = notASuccess(outcome);
    if (problem) return { ok: false, detail: problem };
    const structured = outcome.structured ?? {};
    const ok = structured.has_session === true && structured.last_sequence_id === sequence;
    return {
      ok,
      detail: `has_session=${structured.has_session}, last_sequence_id=${structured.last_sequence_id}${ok ? '' : `, want ${sequence}`}`,
    };
  });

  await step(phase, 'Execute Tool end-agent-session', async () => {
    const outcome = await browser.execute('end-agent-session', { client_email: email });
    const problem = notASuccess(outcome);
    if (problem) return { ok: false, detail: problem };
    return { ok: outcome.structured?.ended === true, detail: `ended=${outcome.structured?.ended}` };
  });

  await step(phase, 'send-message-to-agent after the end shows a Tool Error', async () => {
    const outcome = await browser.execute('send-message-to-agent', {
      client_email: email,
      message: 'Are you still there?',
    });
    const error = outcome.toolError ?? '';
    const ok =
      outcome.uiError === undefined &&
      error.includes('[NO_SESSION]') &&
      error.includes('create-agent-session');
    return {
      ok,
      detail: ok ? flat(error.replace(/^Tool Error\s*/, ''), 110) : flat(outcome.uiError ?? error),
    };
  });

  if (!target.eras) return;
  await eraCheck(browser, step, phase, serverId, 'Auto');
  await eraCheck(browser, step, phase, serverId, 'Modern');
}

/**
 * Reconnects in another protocol era: Auto (it probes with `server/discover` and lands on
 * 2026-07-28) and Modern (2026-07-28 only) must each connect and serve a call.
 */
async function eraCheck(
  browser: InspectorBrowser,
  step: Step,
  phase: string,
  serverId: string,
  era: ProtocolEra
) {
  await step(phase, `Protocol Era ${era}: connect and call`, async () => {
    await browser.disconnect(serverId);
    await browser.configure(serverId, { era });
    const outcome = await browser.connect(serverId);
    if (outcome.status !== 'Connected') return { ok: false, detail: outcome.status };
    const call = await browser.execute('complete-agentforce-conversation', {
      client_email: `web-ui-${era.toLowerCase()}-${Date.now()}@example.com`,
      message: QUESTION,
    });
    const problem = notASuccess(call);
    return {
      ok: problem === undefined,
      detail:
        problem ?? `Connected, ${outcome.protocol}; complete-agentforce-conversation answered`,
    };
  });
}
