/**
 * Stable error codes and their HTTP statuses (RULES.md §2, API.md). The gate returns the small
 * integer of a code so that a decision allocates nothing; everything else uses the name.
 */

export const ALLOW = 0;

export const Code = {
  USER_DEACTIVATED_BAN: 1,
  FROZEN_METHOD_INVALID: 2,
  INPUT_USER_DEACTIVATED: 3,
  YOU_BLOCKED_USER: 4,
  USER_IS_BLOCKED: 5,
  PEER_FLOOD: 6,
  USER_PRIVACY_RESTRICTED: 7,
  FLOOD_WAIT: 8,
  PHONE_NOT_OCCUPIED: 9,
  USERNAME_NOT_OCCUPIED: 10,
  PEER_ID_INVALID: 11,
  USER_RESTRICTED: 12,
  USER_NOT_MUTUAL_CONTACT: 13,
  CHAT_ADMIN_REQUIRED: 14,
  CHAT_WRITE_FORBIDDEN: 15,
  USER_BANNED_IN_CHANNEL: 16,
  USER_ALREADY_PARTICIPANT: 17,
  CHAT_NOT_PUBLIC: 18,
} as const;

export type CodeName = keyof typeof Code;
export type DenyCode = (typeof Code)[CodeName];

/** Every error code the API can answer with, and its HTTP status. */
export const STATUS = {
  // gate
  USER_DEACTIVATED_BAN: 401,
  FROZEN_METHOD_INVALID: 403,
  INPUT_USER_DEACTIVATED: 410,
  YOU_BLOCKED_USER: 403,
  USER_IS_BLOCKED: 403,
  PEER_FLOOD: 403,
  USER_PRIVACY_RESTRICTED: 403,
  FLOOD_WAIT: 429,
  PHONE_NOT_OCCUPIED: 404,
  USERNAME_NOT_OCCUPIED: 404,
  PEER_ID_INVALID: 404,
  USER_RESTRICTED: 403,
  USER_NOT_MUTUAL_CONTACT: 403,
  CHAT_ADMIN_REQUIRED: 403,
  CHAT_WRITE_FORBIDDEN: 403,
  USER_BANNED_IN_CHANNEL: 403,
  USER_ALREADY_PARTICIPANT: 400,
  CHAT_NOT_PUBLIC: 403,
  // requests and resources
  BAD_REQUEST: 400,
  PHONE_NUMBER_INVALID: 400,
  USERNAME_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PHONE_NUMBER_BANNED: 403,
  PHONE_TAKEN: 409,
  USERNAME_TAKEN: 409,
  IDEMPOTENCY_CONFLICT: 409,
  CASE_CLAIMED: 409,
  CASE_CLOSED: 409,
  APPEAL_ALREADY_DECIDED: 409,
  NOTHING_TO_REPORT: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof STATUS;

const NAMES: CodeName[] = [];
for (const [name, n] of Object.entries(Code)) NAMES[n] = name as CodeName;

export function codeName(code: DenyCode): CodeName {
  return NAMES[code]!;
}
