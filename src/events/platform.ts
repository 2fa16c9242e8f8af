/**
 * The platform's events: everything the send gate reads (accounts, usernames, privacy, contacts,
 * blocks, a private chat's "who wrote", groups and memberships) and the platform's own records
 * (tokens, staff). One ordered feed of these is enough to rebuild any node's in-memory index.
 * Messages themselves are not events.
 */
export type PlatformEvent =
  | { type: 'account_created'; payload: { numberKind: string } }
  | { type: 'account_deleted'; payload: { phone: string | null; restrictionAtDeletion: string; kind: string | null } }
  | { type: 'staff_created'; payload: { staffId: string; role: string } };
