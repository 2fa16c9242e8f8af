import type { ClusterEvent } from './cluster.js';
import type { CrmEvent } from './crm.js';
import type { EnforcementEvent } from './enforcement.js';
import type { PlatformEvent } from './platform.js';
import type { SupportEvent } from './support.js';

export type { EndCause, EnforcementEvent, EvidencePayload, FlagEffect, RestrictionPayload, RobotSignal } from './enforcement.js';
export type { PlatformEvent } from './platform.js';
export type { SupportEvent } from './support.js';
export type { CrmEvent } from './crm.js';
export type { ClusterEvent } from './cluster.js';

/** Every event banya records: the one way its state changes. */
export type BanyaEvent = PlatformEvent | EnforcementEvent | SupportEvent | CrmEvent | ClusterEvent;
export type EventType = BanyaEvent['type'];
export type EventOf<T extends EventType> = Extract<BanyaEvent, { type: T }>;
