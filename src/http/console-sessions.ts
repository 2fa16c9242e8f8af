import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Platform } from '../platform/context.js';
import { hashToken, type Principal } from '../platform/tokens.js';
import { rows } from '../store/read.js';

/**
 * Console sign-ins. Signing in with a staff token (or the admin token) opens a session: a random
 * id in an HttpOnly, SameSite=Strict cookie, stored only as its hash, with the hash of the token it
 * stands for. A session is as good as its token: removing a staff member (their tokens stop
 * working) ends their sessions at once. Every write made through a session carries its CSRF token.
 */

export const SESSION_COOKIE = 'banya_console';
export const CSRF_HEADER = 'x-csrf-token';
const SESSION_HOURS = 12;

interface Session {
  tokenHash: string;
  csrfHash: string;
  expiresAt: number;
}

export interface OpenedSession {
  id: string;
  csrf: string;
  principal: Principal;
  expiresAt: number;
}

export class ConsoleSessions {
  private readonly byHash = new Map<string, Session>();

  constructor(private readonly p: Platform) {}

  async load(): Promise<void> {
    const now = Date.now();
    for (const r of await rows(this.p.store, this.p.store.db.selectFrom('console_sessions').select(['hash', 'token_hash', 'csrf_hash', 'expires_at']).where('expires_at', '>', now))) {
      this.byHash.set(r.hash, { tokenHash: r.token_hash, csrfHash: r.csrf_hash, expiresAt: r.expires_at });
    }
  }

  /** Opens a session for a staff or admin token; undefined for anything else. */
  async open(token: string): Promise<OpenedSession | undefined> {
    const principal = this.p.tokens.lookup(token);
    if (!principal || principal.kind === 'account') return undefined;
    const id = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = Date.now();
    const s: Session = { tokenHash: hashToken(token), csrfHash: hashToken(csrf), expiresAt: now + SESSION_HOURS * 3600_000 };
    const hash = hashToken(id);
    await this.p.store.write({
      statements: [
        this.p.store.db.deleteFrom('console_sessions').where('expires_at', '<=', now).compile(),
        this.p.store.db.insertInto('console_sessions').values({ hash, token_hash: s.tokenHash, csrf_hash: s.csrfHash, created_at: now, expires_at: s.expiresAt }).compile(),
      ],
      onCommit: () => this.byHash.set(hash, s),
    });
    return { id, csrf, principal, expiresAt: s.expiresAt };
  }

  /** The principal of a live session whose token still works. */
  principal(id: string): Principal | undefined {
    const s = this.session(id);
    return s ? this.p.tokens.lookupHash(s.tokenHash) : undefined;
  }

  /** Whether `csrf` is the session's CSRF token (compared in constant time). */
  csrfMatches(id: string, csrf: string | undefined): boolean {
    const s = this.session(id);
    if (!s || !csrf) return false;
    const a = Buffer.from(hashToken(csrf), 'hex');
    const b = Buffer.from(s.csrfHash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A new CSRF token for a live session (the page asks for one after a reload). */
  async renewCsrf(id: string): Promise<string | undefined> {
    const hash = hashToken(id);
    const s = this.byHash.get(hash);
    if (!s || s.expiresAt <= Date.now()) return undefined;
    const csrf = randomBytes(24).toString('base64url');
    const csrfHash = hashToken(csrf);
    await this.p.store.write({
      statements: [this.p.store.db.updateTable('console_sessions').set({ csrf_hash: csrfHash }).where('hash', '=', hash).compile()],
      onCommit: () => (s.csrfHash = csrfHash),
    });
    return csrf;
  }

  async close(id: string): Promise<void> {
    const hash = hashToken(id);
    if (!this.byHash.has(hash)) return;
    await this.p.store.write({
      statements: [this.p.store.db.deleteFrom('console_sessions').where('hash', '=', hash).compile()],
      onCommit: () => this.byHash.delete(hash),
    });
  }

  private session(id: string): Session | undefined {
    if (id.length < 16 || id.length > 128) return undefined;
    const s = this.byHash.get(hashToken(id));
    if (!s || s.expiresAt <= Date.now()) return undefined;
    return s;
  }
}
