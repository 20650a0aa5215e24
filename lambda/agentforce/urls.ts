import { isLoopbackHost } from '../shared/loopback.js';
import { AgentforceConfigError } from './errors.js';

/** Default Agent API host when neither the settings nor the token response name one (§2.0). */
export const DEFAULT_API_URL = 'https://api.salesforce.com';

/** Path of the Agent API below its host. */
export const AGENT_API_PATH = '/einstein/ai-agent/v1';

const SCHEME = /^[a-z][a-z\d+.-]*:\/\//i;

/**
 * Parses a host-style URL setting: adds `https://` when no scheme is given, lower-cases the host,
 * drops a trailing slash, and allows plain `http://` only for loopback hosts (a local simulator)
 * so a token is never sent in clear text over a network.
 */
function parseHostUrl(value: string, setting: string, label: string): URL {
  const trimmed = value.trim();
  if (trimmed === '') {
    throw new AgentforceConfigError(`The ${label} setting is empty.`, { setting });
  }
  let url: URL;
  try {
    url = new URL(SCHEME.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch (cause) {
    throw new AgentforceConfigError(`The ${label} setting is not a valid URL: "${trimmed}".`, {
      setting,
      cause,
    });
  }
  const origin = `${url.protocol}//${url.host}`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new AgentforceConfigError(
      `The ${label} setting "${origin}" uses http://, which is only allowed for loopback hosts ` +
        '(127.0.0.1, localhost, [::1]); use https://.',
      { setting }
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AgentforceConfigError(
      `The ${label} setting must be an https:// URL, not ${url.protocol}//.`,
      { setting }
    );
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new AgentforceConfigError(
      `The ${label} setting must be a plain host URL such as https://${url.hostname}, without credentials, query or fragment.`,
      { setting }
    );
  }
  return url;
}

/**
 * Normalises the org's My Domain setting to `https://host[:port]` (or `http://` for a loopback
 * simulator). Accepts the value with or without `https://` and with a trailing slash.
 *
 * @throws AgentforceConfigError when the value is not a usable My Domain URL.
 * @example
 * normalizeMyDomainUrl('acme.my.salesforce.com/'); // 'https://acme.my.salesforce.com'
 * normalizeMyDomainUrl('http://127.0.0.1:8787');   // 'http://127.0.0.1:8787'
 */
export function normalizeMyDomainUrl(value: string): string {
  const setting = 'myDomainUrl';
  const url = parseHostUrl(value, setting, 'Salesforce My Domain URL');
  const host = url.hostname;
  if (url.pathname !== '/') {
    throw new AgentforceConfigError(
      `The Salesforce My Domain URL must not have a path; use just https://${url.host}.`,
      { setting }
    );
  }
  // These hosts are common copy-paste mistakes; the token endpoint only answers on My Domain (§3.1).
  if (host === 'login.salesforce.com' || host === 'test.salesforce.com') {
    throw new AgentforceConfigError(
      `The Salesforce My Domain URL must be the org's own My Domain (https://<name>.my.salesforce.com), not ${host}.`,
      { setting }
    );
  }
  if (host.endsWith('.lightning.force.com')) {
    throw new AgentforceConfigError(
      `The Salesforce My Domain URL must be the My Domain host (https://<name>.my.salesforce.com), not the Lightning host ${host}.`,
      { setting }
    );
  }
  return `${url.protocol}//${url.host}`;
}

/**
 * Normalises an Agent API host setting (`SALESFORCE_API_URL` or the token's `api_instance_url`) to
 * `https://host[:port]`. A trailing `/einstein/ai-agent/v1` is tolerated, since operators often
 * paste the full base URL from the docs.
 *
 * @throws AgentforceConfigError when the value is not a usable API URL.
 * @example
 * normalizeApiUrl('https://api.salesforce.com/einstein/ai-agent/v1/'); // 'https://api.salesforce.com'
 */
export function normalizeApiUrl(value: string, setting = 'apiUrl'): string {
  const url = parseHostUrl(value, setting, 'Agent API URL');
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== AGENT_API_PATH) {
    throw new AgentforceConfigError(
      `The Agent API URL must be a host such as https://api.salesforce.com, without the path "${path}".`,
      { setting }
    );
  }
  return `${url.protocol}//${url.host}`;
}
