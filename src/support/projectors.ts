import type { SupportEvent } from '../events/index.js';
import type { ProjectorsFor } from '../events/projector.js';
import type { Platform } from '../platform/context.js';

/** Support's projectors: tickets and their entries. */
export const supportProjectors: ProjectorsFor<SupportEvent, Platform> = {};
