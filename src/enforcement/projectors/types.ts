import type { Kysely } from 'kysely';
import type { EnforcementEvent } from '../../events/index.js';
import type { Projector } from '../../events/projector.js';
import type { Database } from '../../store/database.js';
import type { Enforcement } from '../state.js';

/** One enforcement event type, and the projector of its rows and memory. */
export type Ev<T extends EnforcementEvent['type']> = Extract<EnforcementEvent, { type: T }>;
export type P<T extends EnforcementEvent['type']> = Projector<Ev<T>, Enforcement>;
export type Db = Kysely<Database>;
