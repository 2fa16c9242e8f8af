import type { PlatformEvent } from '../events/index.js';
import { LOG_ONLY, type ProjectorsFor } from '../events/projector.js';
import type { Platform } from './context.js';

/**
 * The platform's projectors: for each event, the rows it writes and what it changes in the gate
 * index and the platform's memory (tokens, waiting imports).
 */
export const platformProjectors: ProjectorsFor<PlatformEvent, Platform> = {
  account_created: LOG_ONLY,
  account_deleted: LOG_ONLY,
  staff_created: LOG_ONLY,
};
