/** A problem+json answer (docs/API.md), or whatever the server said instead. */
export class MonitorHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const problem = body as {
      detail?: string;
      code?: string;
      errors?: { path: string; message: string }[];
    };
    const errors = problem?.errors
      ?.map((error) => `${error.path || '(body)'} ${error.message}`)
      .join('; ');
    super(
      `${method} ${path} answered ${status}${problem?.code ? ` ${problem.code}` : ''}: ${problem?.detail ?? ''}${errors ? ` (${errors})` : ''}`,
    );
    this.name = 'MonitorHttpError';
  }
}

export interface MonitorResponse<T> {
  status: number;
  body: T;
}

/** JSON over HTTP to the monitor, with the API key as a bearer token when one is given. */
export class MonitorClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  /** Answers 2xx and the statuses in `accept`; throws MonitorHttpError on any other. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    accept: readonly number[] = [],
  ): Promise<MonitorResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (/metrics): the text as it is.
    }
    if (!response.ok && !accept.includes(response.status)) {
      throw new MonitorHttpError(method, path, response.status, parsed);
    }
    return { status: response.status, body: parsed as T };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }
}
