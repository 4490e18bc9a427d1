/** Calls to the monitor's API from the page: same origin, the person's key as a header. */

const KEY_ITEM = 'cm.apiKey';

/** The key lives in this tab's session storage: gone when the browser session ends, never in a URL. */
export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_ITEM) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeKey(key: string | undefined): void {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
  window.dispatchEvent(new Event('cm-key-changed'));
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(
      [problem.title ?? `HTTP ${problem.status}`, problem.detail]
        .concat((problem.errors ?? []).map((error) => `${error.path}: ${error.message}`))
        .filter(Boolean)
        .join(' - '),
    );
  }
  get status(): number {
    return this.problem.status;
  }
}

export function authHeaders(): Record<string, string> {
  const key = storedKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, {
    ...init,
    headers: { accept: 'application/json', ...authHeaders(), ...(init.headers ?? {}) },
  });
  if (response.status === 401) window.dispatchEvent(new Event('cm-needs-key'));
  if (!response.ok) {
    let problem: Problem = { status: response.status };
    try {
      problem = { ...((await response.json()) as Partial<Problem>), status: response.status };
    } catch {
      // Not problem+json (a proxy's page, say): the status says enough.
    }
    throw new ApiError(problem);
  }
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await call(path)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await call(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json() as Promise<T>;
}

/** Builds a query string from the given, non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * An export needs the key, and a link cannot carry a header: fetch it with the header and
 * hand the answer to the browser as a download.
 */
export async function download(path: string, accept: string, filename: string): Promise<void> {
  const response = await call(path, { headers: { accept } });
  // A server without the export answers JSON whatever was asked: say so, save nothing.
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith(accept)) {
    throw new Error(`this server does not export ${accept} (it answered ${type || 'no type'})`);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
