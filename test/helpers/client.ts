import { ADMIN_TOKEN } from './server.js';

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client for tests: JSON in, JSON out, bearer tokens. */
export class Client {
  constructor(
    readonly url: string,
    readonly token?: string,
    readonly headers: Record<string, string> = {},
  ) {}

  as(token: string | undefined, headers: Record<string, string> = {}): Client {
    return new Client(this.url, token, headers);
  }

  async request<T = any>(method: string, path: string, body?: unknown, raw?: string | Uint8Array): Promise<Res<T>> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | Uint8Array | undefined;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(this.url + path, { method, headers, body: payload });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

export interface TestAccount {
  id: string;
  phone: string;
  token: string;
  api: Client;
}

let phoneSeq = 0;

/** A unique valid number per call within a test file. */
export function nextPhone(): string {
  phoneSeq++;
  return `+4477009${String(10000 + phoneSeq).slice(-5)}`;
}

export type StaffRole = 'triage' | 'moderator' | 'support' | 'admin';

/** Helpers over the admin API: register accounts and staff. */
export class World {
  readonly admin: Client;
  constructor(readonly url: string) {
    this.admin = new Client(url, ADMIN_TOKEN);
  }

  async account(
    fields: { name?: string; username?: string; numberKind?: 'mobile' | 'voip'; language?: 'en' | 'ru'; phone?: string } = {},
  ): Promise<TestAccount> {
    const phone = fields.phone ?? nextPhone();
    const res = await this.admin.post('/v1/accounts', { name: fields.name ?? `Person ${phone.slice(-4)}`, ...fields, phone });
    if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.account.id, phone: res.body.account.phone, token: res.body.token, api: new Client(this.url, res.body.token) };
  }

  /** a and b save each other's numbers: mutual contacts. */
  async mutual(a: TestAccount, b: TestAccount): Promise<void> {
    await this.save(a, b);
    await this.save(b, a);
  }

  /** `owner` saves `other`'s number. */
  async save(owner: TestAccount, other: TestAccount): Promise<void> {
    const r = await owner.api.post('/v1/contacts', { accountId: other.id });
    if (r.status !== 201) throw new Error(`contact failed: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Moves the manual clock; returns the new time (ms). */
  async advance(seconds: number): Promise<number> {
    const r = await this.admin.post('/v1/admin/clock', { advanceSeconds: seconds });
    if (r.status !== 200) throw new Error(`clock: ${r.status} ${JSON.stringify(r.body)}`);
    return Date.parse(r.body.now);
  }

  async staff(role: StaffRole): Promise<Client> {
    const res = await this.admin.post('/v1/admin/staff', { name: `${role} member`, role });
    if (res.status !== 201) throw new Error(`staff creation failed: ${res.status}`);
    return new Client(this.url, res.body.token);
  }
}
