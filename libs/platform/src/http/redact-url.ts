/** Query parameters that carry credentials (stream tokens): never written to logs. */
const SECRET_PARAMS = /([?&]token=)[^&#]*/gi;

/** `url` with the value of every credential-bearing query parameter replaced. */
export function redactUrl(url: string): string;
export function redactUrl(url: string | undefined): string | undefined;
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(SECRET_PARAMS, '$1[REDACTED]');
}
