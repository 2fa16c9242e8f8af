import { hash, randomBytes } from 'node:crypto';
import type { StaffRole } from '../store/schema/staff.js';

/**
 * Who a request acts as. Tokens are random 256-bit values; only their SHA-256 is stored, and
 * the registry keeps every live hash in memory so authentication costs one hash and one lookup.
 */
export type Principal =
  | { kind: 'account'; accountId: number }
  | { kind: 'staff'; staffId: number; role: StaffRole }
  /** `until`: a rotated-out admin token, valid until then (ms on the injected clock). */
  | { kind: 'admin'; role: 'admin'; until?: number };

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 in hex; the one-shot `crypto.hash` (no Hash object per call: every request hashes its token). */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}

function subjectKey(p: Principal): string {
  return p.kind === 'account' ? `a${p.accountId}` : p.kind === 'staff' ? `s${p.staffId}` : 'admin';
}

export class TokenRegistry {
  private readonly byHash = new Map<string, Principal>();
  private readonly bySubject = new Map<string, string[]>();

  /** `now`: the injected clock, for the grace of a rotated-out admin token. */
  constructor(private readonly now: () => number = Date.now) {}

  put(hash: string, p: Principal): void {
    this.byHash.set(hash, p);
    const key = subjectKey(p);
    const list = this.bySubject.get(key);
    if (list) list.push(hash);
    else this.bySubject.set(key, [hash]);
  }

  lookup(token: string): Principal | undefined {
    if (token.length < 16 || token.length > 256) return undefined;
    return this.lookupHash(hashToken(token));
  }

  /** The principal of a live token, by its hash (a console session names its token so). */
  lookupHash(hash: string): Principal | undefined {
    const p = this.byHash.get(hash);
    if (p?.kind === 'admin' && p.until !== undefined && this.now() >= p.until) return undefined;
    return p;
  }

  /** Forgets one admin token (a rotated-out one whose grace is over, or 0). */
  forgetAdmin(hash: string): void {
    if (this.byHash.get(hash)?.kind !== 'admin') return;
    this.byHash.delete(hash);
    const list = this.bySubject.get('admin')?.filter((h) => h !== hash) ?? [];
    this.bySubject.set('admin', list);
  }

  /** Forgets one token, if it is `p`'s. */
  revoke(hash: string, p: Principal): void {
    const key = subjectKey(p);
    const found = this.byHash.get(hash);
    if (!found || subjectKey(found) !== key) return;
    this.byHash.delete(hash);
    const list = this.bySubject.get(key)?.filter((h) => h !== hash) ?? [];
    if (list.length) this.bySubject.set(key, list);
    else this.bySubject.delete(key);
  }

  /** Forgets every token of the account or staff member; returns their hashes. */
  revokeAll(p: Principal): string[] {
    const key = subjectKey(p);
    const hashes = this.bySubject.get(key) ?? [];
    for (const h of hashes) this.byHash.delete(h);
    this.bySubject.delete(key);
    return hashes;
  }
}
