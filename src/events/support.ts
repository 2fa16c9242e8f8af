/** Support's events: tickets and their entries. */
export type SupportEvent = never;
