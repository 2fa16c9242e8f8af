/**
 * The one way the pages talk to banya: JSON in and out, errors in API.md's one shape
 * (`{error: {code, message, details}}`) turned into ApiError so a page can show the code, the
 * message in the user's language, and details such as `until`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The codes of failures that are not banya's answers: no answer at all, or one that is not ours. */
export const NETWORK = 'NETWORK';
export const UNREADABLE = 'UNREADABLE';

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

type Headers = () => Record<string, string>;

export function createApi(headers: Headers, lang: () => string): Api {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const h: Record<string, string> = { accept: 'application/json', 'accept-language': lang(), ...headers() };
    if (body !== undefined) h['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, { method, headers: h, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      // No answer at all: the network, or the server is down. Pages say so in their language.
      throw new ApiError(0, NETWORK, 'no answer from the server');
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // Not banya's answer (a proxy's error page): no code of ours to show.
      throw new ApiError(res.status, UNREADABLE, res.statusText);
    }
    if (!res.ok) {
      const e = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      if (!e?.code) throw new ApiError(res.status, UNREADABLE, res.statusText);
      throw new ApiError(res.status, e.code, e.message ?? res.statusText, e.details ?? {});
    }
    return data as T;
  }
  return {
    get: (p) => request('GET', p),
    post: (p, b) => request('POST', p, b ?? {}),
    put: (p, b) => request('PUT', p, b ?? {}),
    del: (p) => request('DELETE', p),
  };
}

/** A query string from the defined values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
