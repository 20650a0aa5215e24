/**
 * Items of a list setting (`ALLOWED_ORIGINS`, `AUTH_CLIENT_IDS`, `-c jwtAudience=…`, …): separated
 * by commas and/or whitespace, blanks and duplicates dropped, order kept. Whitespace separates too
 * because no item of any list (origins, hosts, ids, audiences, OAuth scopes) can contain it, and a
 * scope list is often pasted in OAuth's own space-separated form.
 *
 * @example
 * parseList(' a, b c,,a '); // ['a', 'b', 'c']
 */
export function parseList(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(/[\s,]+/).filter((item) => item !== ''))];
}
