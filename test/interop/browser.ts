/**
 * The MCP Inspector web UI (2.12.0) driven in headless Chromium exactly as a new user clicks
 * through it: Add Servers → + Add manually → Server ID, transport, URL → Add → flip the switch →
 * Tools → pick a tool → fill its fields → Execute Tool. What is asserted is what the page shows.
 *
 * Chromium is the system one (Debian `chromium`), driven by `playwright-core` through
 * `executablePath`; no browser is downloaded. It runs with a fresh profile and flags that keep
 * it off the network, and every request that would leave loopback is aborted and counted.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

/** The flags of the brief, verbatim; `--user-data-dir` is added per launch (a fresh profile). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Where Debian and Ubuntu put Chromium; `CHROMIUM_PATH` overrides. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary to drive, or undefined when none is installed. */
export function findChromium(): string | undefined {
  const override = process.env.CHROMIUM_PATH;
  if (override) return existsSync(override) ? override : undefined;
  return CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
}

/** What one tool execution showed in the Results panel. */
export interface ToolOutcome {
  /** The text block(s), as rendered. */
  readonly text: string;
  /** The "Structured Output" panel's JSON, parsed; undefined when the panel is absent. */
  readonly structured: Record<string, unknown> | undefined;
  /** The "Tool Error" alert's text, when the result had `isError`. */
  readonly toolError: string | undefined;
  /** Any other failure the UI reported (call failed, output schema validation). */
  readonly uiError: string | undefined;
}

/** The protocol eras the Inspector offers in Server Settings → Options → Protocol Era. */
export type ProtocolEra = 'Legacy' | 'Auto' | 'Modern';

/** How a connection attempt ended, as the server card shows it. */
export interface ConnectOutcome {
  /** The card's status line: `Connected` or `Failed`. */
  readonly status: string;
  /** The negotiated protocol the card shows once connected (`MCP 2025-11-25`). */
  readonly protocol: string | undefined;
  /** The notification a failed connection raises ("Failed to connect to …" and why). */
  readonly notice: string | undefined;
}

/**
 * One headless Chromium with a fresh profile, on the Inspector's page. Only loopback requests
 * go out; `blocked` lists the others (the UI asks for Google Fonts), `toOrigin` counts what the
 * browser itself sent to a given origin (the MCP server: 2.12.0's browser never calls it).
 */
export class InspectorBrowser {
  readonly blocked: string[] = [];
  readonly #requests: string[] = [];
  /** Settings writes to the Inspector's backend still in flight, and when the last one moved. */
  #pendingWrites = 0;
  #lastWrite = 0;
  readonly #context: BrowserContext;
  readonly #profile: string;
  readonly page: Page;

  private constructor(context: BrowserContext, profile: string, page: Page) {
    this.#context = context;
    this.#profile = profile;
    this.page = page;
  }

  static async launch(executablePath: string): Promise<InspectorBrowser> {
    const profile = mkdtempSync(join(tmpdir(), 'agentforce-mcp-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      viewport: { width: 1400, height: 1000 },
      timeout: 60_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    const browser = new InspectorBrowser(context, profile, page);
    const isWrite = (request: { method(): string; url(): string }) =>
      request.method() !== 'GET' && new URL(request.url()).pathname.startsWith('/api/');
    page.on('request', (request) => {
      if (!isWrite(request)) return;
      browser.#pendingWrites += 1;
      browser.#lastWrite = performance.now();
    });
    const settled = (request: { method(): string; url(): string }) => {
      if (!isWrite(request)) return;
      browser.#pendingWrites -= 1;
      browser.#lastWrite = performance.now();
    };
    page.on('requestfinished', settled);
    page.on('requestfailed', settled);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      browser.#requests.push(url);
      if (isLoopback(url)) return route.continue();
      browser.blocked.push(new URL(url).host);
      return route.abort('blockedbyclient');
    });
    return browser;
  }

  /** How many requests the browser made to `origin` (e.g. `http://127.0.0.1:3000`). */
  requestsTo(origin: string): number {
    return this.#requests.filter((url) => new URL(url).origin === origin).length;
  }

  version(): string {
    return this.#context.browser()?.version() ?? 'unknown';
  }

  async close(): Promise<void> {
    await this.#context.close().catch(() => undefined);
    rmSync(this.#profile, { recursive: true, force: true });
  }

  /** Writes a full-page screenshot to `dir/<name>.png` and returns its path. */
  async screenshot(dir: string, name: string): Promise<string | undefined> {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    try {
      await this.page.screenshot({ path, fullPage: true, timeout: 10_000 });
      return path;
    } catch {
      return undefined;
    }
  }

  /** Opens the URL the Inspector printed and waits for its server list. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('heading', { name: 'Servers', level: 3 }).waitFor();
  }

  /** Add Servers → + Add manually → Server ID, transport `streamable-http`, URL → Add. */
  async addServer(id: string, url: string): Promise<void> {
    const { page } = this;
    await page.getByRole('button', { name: 'Add Servers' }).click();
    await page.getByRole('menuitem', { name: '+ Add manually' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add server' });
    await dialog.getByRole('textbox', { name: 'Server ID' }).fill(id);
    await dialog.getByRole('textbox', { name: 'Transport' }).click();
    await page.getByRole('option', { name: 'streamable-http' }).click();
    await dialog.getByRole('textbox', { name: 'URL' }).fill(url);
    await dialog.getByRole('button', { name: 'Add' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await this.#switch(id).waitFor();
  }

  /** The server's Settings dialog: Options → Protocol Era, and Custom Headers. */
  async configure(
    id: string,
    settings: { era?: ProtocolEra; headers?: Readonly<Record<string, string>> }
  ): Promise<void> {
    const { page } = this;
    await this.#card(id).getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Server Settings' });
    if (settings.era) {
      const select = dialog.getByRole('textbox', { name: 'Protocol Era' });
      await select.click();
      await page.getByRole('option', { name: new RegExp(`^${settings.era} \\(`) }).click();
      // The dropdown animates open; make sure the era that shows is the one asked for.
      await waitUntil(
        async () => (await select.inputValue()).startsWith(settings.era ?? ''),
        `Protocol Era to show ${settings.era}`
      );
    }
    const headers = Object.entries(settings.headers ?? {});
    if (headers.length > 0) {
      await dialog.getByRole('button', { name: 'Custom Headers' }).click();
      for (const [index, [name, value]] of headers.entries()) {
        await dialog.getByRole('button', { name: '+ Add Header' }).click();
        const row = index + 1;
        await dialog.getByRole('textbox', { name: `header name, row ${row}` }).fill(name);
        // Once named, a row's fields are labelled with the name too ("header value, <name>, row 1").
        await dialog
          .getByRole('textbox', { name: new RegExp(`^header value, (.+, )?row ${row}$`) })
          .fill(value);
      }
    }
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await dialog.waitFor({ state: 'hidden' });
    // The dialog saves each change with a debounced PUT; a connect before the last one lands
    // would go out without the new header or era.
    await waitUntil(
      async () => this.#pendingWrites === 0 && performance.now() - this.#lastWrite > 1_000,
      'the server settings to be saved',
      10_000
    );
  }

  /** Flips the server's switch on and waits until its card says Connected or Failed. */
  async connect(id: string): Promise<ConnectOutcome> {
    // Mantine draws its own track over the checkbox input; the input is what carries the role.
    // Not check(): the switch turns on only once the connection is up.
    await this.#switch(id).click({ force: true });
    const card = this.#card(id);
    const status = card.getByText(/^(Connected|Failed)$/);
    await status.waitFor({ timeout: 30_000 });
    const protocol = card.getByText(/^MCP \d{4}-\d{2}-\d{2}$/);
    const text = (await status.textContent()) ?? '';
    let notice: string | undefined;
    if (text === 'Failed') {
      const title = this.page.getByText(`Failed to connect to "${id}"`, { exact: true });
      // The notification's title and message share one parent.
      if (
        await title.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false
        )
      ) {
        notice = await title.locator('xpath=..').innerText();
      }
    }
    return {
      status: text,
      protocol: (await protocol.count()) > 0 ? ((await protocol.textContent()) ?? '') : undefined,
      notice,
    };
  }

  /**
   * The header's "Disconnect from server", then waits for the card to say Disconnected. While
   * one server is connected the UI greys out the others, so each target ends with this.
   */
  async disconnect(id: string): Promise<void> {
    // Disconnected, the header loses its Servers/Tools switcher and the server list shows.
    const button = this.page.getByRole('button', { name: 'Disconnect from server' });
    if ((await button.count()) === 0) return;
    await button.click();
    await this.#card(id).getByText('Disconnected', { exact: true }).waitFor();
  }

  /** The Tools screen: the count in its heading and whether each expected tool has its entry. */
  async tools(expected: readonly string[]): Promise<{ count: number; missing: string[] }> {
    await this.#screen('Tools');
    const heading = this.page.getByRole('heading', { name: /^Tools \(\d+\)$/ });
    await heading.waitFor();
    const count = Number(/\((\d+)\)/.exec((await heading.textContent()) ?? '')?.[1] ?? -1);
    const missing: string[] = [];
    for (const name of expected) {
      if ((await this.#toolEntry(name).count()) !== 1) missing.push(name);
    }
    return { count, missing };
  }

  /** Picks the tool, types each argument into its field, presses Execute Tool, reads Results. */
  async execute(name: string, args: Readonly<Record<string, string>>): Promise<ToolOutcome> {
    const { page } = this;
    await this.#screen('Tools');
    const close = page.getByRole('button', { name: 'Close results' });
    if ((await close.count()) > 0) await close.click();
    await this.#toolEntry(name).click();
    for (const [field, value] of Object.entries(args)) {
      await page.getByRole('textbox', { name: field, exact: true }).fill(value);
    }
    await page.getByRole('button', { name: 'Execute Tool' }).click();
    const results = page.getByRole('heading', { name: 'Results', level: 3 }).locator(
      // The panel around the heading: its nearest ancestor that also holds the outcome.
      'xpath=ancestor::*[.//*[@role="alert"] or .//h4[normalize-space()="Structured Output"]][1]'
    );
    const structuredHeading = page.getByRole('heading', { name: 'Structured Output' });
    const toolError = page.getByRole('alert', { name: 'Tool Error' });
    const failed = page.getByRole('heading', { name: 'Tool Call Failed' });
    const schemaDialog = page.getByRole('dialog', { name: 'Output schema validation' });
    await structuredHeading.or(toolError).or(failed).or(schemaDialog).first().waitFor();
    const uiError =
      (await schemaDialog.count()) > 0
        ? `Output schema validation: ${await schemaDialog.innerText()}`
        : (await failed.count()) > 0
          ? `Tool Call Failed: ${await failed.locator('xpath=ancestor::*[.//*[@role="alert"]][1]').innerText()}`
          : undefined;
    const structured = (await structuredHeading.count()) > 0 ? await this.#structured() : undefined;
    return {
      text: (await results.count()) > 0 ? await results.innerText() : '',
      structured,
      toolError: (await toolError.count()) > 0 ? await toolError.innerText() : undefined,
      uiError,
    };
  }

  /** The Structured Output editor's whole text (Ace renders only the visible rows). */
  async #structured(): Promise<Record<string, unknown> | undefined> {
    const editor = this.page
      .getByRole('heading', { name: 'Structured Output' })
      .locator('xpath=ancestor::*[.//*[contains(@class,"ace_editor")]][1]')
      .locator('.ace_editor')
      .first();
    const text = await editor.evaluate(
      (element) =>
        (
          element as unknown as { env?: { editor?: { getValue(): string } } }
        ).env?.editor?.getValue() ?? ''
    );
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  async #screen(name: 'Servers' | 'Tools'): Promise<void> {
    // The header's segmented control; its radio inputs are visually hidden behind their labels.
    await this.page.getByRole('banner').getByText(name, { exact: true }).click();
  }

  #switch(id: string): Locator {
    return this.page.getByRole('switch', { name: `Connect or disconnect "${id}"` });
  }

  /** A server's card: the nearest ancestor of its switch that holds its Settings button. */
  #card(id: string): Locator {
    return this.#switch(id).locator(
      'xpath=ancestor::*[.//button[normalize-space()="Settings"]][1]'
    );
  }

  /** A tool's entry in the list: a button named "<title> <name>". */
  #toolEntry(name: string): Locator {
    return this.page.getByRole('button', { name: new RegExp(`(^| )${name}$`) });
  }
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}
