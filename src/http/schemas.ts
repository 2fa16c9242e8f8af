/**
 * JSON schemas shared by routes. The same objects validate requests and produce /openapi.json.
 */

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message', 'details'],
    },
  },
  required: ['error'],
} as const;

export const platformIdSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 512,
  description: "The chat platform's own id of a user (a bare JID, a Matrix user id), exactly as the platform registered it",
} as const;
/** A body naming one account by `accountId` or by `platformId` (exactly one), with `extra` fields. */
export function accountRefBody(extra: Record<string, object> = {}) {
  return {
    type: 'object',
    properties: { accountId: { type: 'string', minLength: 1, maxLength: 64, description: 'An account id' }, platformId: platformIdSchema, ...extra },
    oneOf: [
      { required: ['accountId'], not: { required: ['platformId'] } },
      { required: ['platformId'], not: { required: ['accountId'] } },
    ],
  } as const;
}
export const accountIdSchema = { type: 'string', minLength: 1, maxLength: 64, description: 'An account id' } as const;
export const phoneSchema = { type: 'string', minLength: 1, maxLength: 40, description: 'International number, + and country code' } as const;
export const langSchema = { type: 'string', enum: ['en', 'ru'] } as const;
export const idempotencyKeySchema = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const accountSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    phone: { type: 'string' },
    name: { type: 'string' },
    username: { type: 'string' },
    language: { type: 'string' },
    platformId: {
      type: 'string',
      description: "The platform's own id of the user (a JID), when registered with one; `phone` is then empty if it has no number",
    },
  },
  required: ['id', 'phone', 'name'],
} as const;

export const restrictionSchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['free', 'limited', 'frozen', 'banned'] },
    kind: { type: 'string' },
    until: { type: ['string', 'null'] },
    deleteAt: { type: 'string' },
    publicGroupsBan: { type: 'boolean' },
  },
  required: ['state'],
} as const;

/** The signals a robot rule read when it acted. Staff views only: never in an account's own answers. */
export const robotSignalsSchema = {
  type: 'array',
  description: 'The signals that fired: each with the value it had and the threshold it passed (staff only; never shown to the person)',
  items: {
    type: 'object',
    required: ['name', 'value', 'threshold'],
    properties: {
      name: { type: 'string' },
      value: { type: ['number', 'null'] },
      threshold: { type: ['number', 'null'] },
      note: { type: 'string' },
    },
  },
} as const;

/** What a robot rule did (or would have done) about an account, and why. */
export const robotFindingSchema = {
  type: 'object',
  required: ['at', 'rule', 'event', 'signals'],
  properties: {
    at: { type: 'string' },
    rule: { type: 'string', description: 'the robot rule' },
    event: {
      type: 'string',
      description: 'the event that recorded it: restriction_applied, account_frozen, case_opened, case_updated (a case raised), robot_flag, robot_shadow',
    },
    caseId: { type: 'string' },
    why: { type: 'string', description: 'shadow records: shadow, daily_cap or manual_decision' },
    effect: { type: 'object', additionalProperties: true, description: 'shadow records: what the rule would have done' },
    note: { type: 'string' },
    signals: robotSignalsSchema,
  },
} as const;

export const messageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    chatId: { type: 'string' },
    from: { type: 'string' },
    text: { type: 'string' },
    sentAt: { type: 'string' },
    buttons: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
  },
  required: ['id', 'chatId', 'from', 'text', 'sentAt'],
} as const;

const TARGET_KEYS = ['accountId', 'phone', 'username', 'chatId', 'platformId'] as const;

/** One way of addressing, and none of the others (`{username, accountId}` is ambiguous: 400). */
function targetBranch<K extends (typeof TARGET_KEYS)[number]>(key: K, schema: object) {
  return {
    type: 'object',
    properties: { [key]: schema } as Record<K, object>,
    required: [key],
    not: { anyOf: TARGET_KEYS.filter((k) => k !== key).map((k) => ({ required: [k] })) },
  } as const;
}

export const targetSchema = {
  oneOf: [
    targetBranch('accountId', accountIdSchema),
    targetBranch('phone', phoneSchema),
    targetBranch('username', { type: 'string', minLength: 1, maxLength: 64 }),
    targetBranch('chatId', { type: 'string', minLength: 1, maxLength: 64 }),
    targetBranch('platformId', platformIdSchema),
  ],
} as const;

export const pageQuerySchema = {
  type: 'object',
  properties: {
    limit: { type: 'string', pattern: '^[0-9]{1,7}$', description: '1–1000, default 50' },
    cursor: { type: 'string', maxLength: 200 },
  },
} as const;

export const audienceSchema = (values: string[]) => ({ type: 'string', enum: values }) as const;

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  429: errorSchema,
} as const;
