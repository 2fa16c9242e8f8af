import { hash, randomBytes } from 'node:crypto';
import type { StaffRole } from '../store/schema/staff.js';

/**
 * Who a request acts as. Tokens are random 256-bit values; only their SHA-256 is stored, and
 * the registry keeps every live hash in memory so authentication costs one hash and one lookup.
 */
export type Principal = { kind: 'account'; accountId: number } | { kind: 'staff'; staffId: number; role: StaffRole } | { kind: 'admin'; role: 'admin' };

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

  put(hash: string, p: Principal): void {
    this.byHash.set(hash, p);
    const key = subjectKey(p);
    const list = this.bySubject.get(key);
    if (list) list.push(hash);
    else this.bySubject.set(key, [hash]);
  }

  lookup(token: string): Principal | undefined {
    if (token.length < 16 || token.length > 256) return undefined;
    return this.byHash.get(hashToken(token));
  }

  /** The principal of a live token, by its hash (a console session names its token so). */
  lookupHash(hash: string): Principal | undefined {
    return this.byHash.get(hash);
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
