/**
 * What \`GET /v1/moderation/figures\` answers: the console's overview charts, per minute. Its own
 * module, free of imports, so that the console (web/) types the answer with the same interface.
 */
export interface FiguresView {
  now: string;
  minutes: number;
  /** Minute starts, oldest first (ISO). */
  at: string[];
  messages: number[];
  denials: Record<string, number[]>;
  reports: number[];
  decisions: Record<string, number[]>;
  appealsFiled: number[];
  appealsDecided: number[];
  appealBacklog: { open: number; overdue: number; oldestHours: number | null };
  robots: {
    rule: string;
    shadow: boolean;
    actions: number[];
    shadowed: number[];
    falsePositives: number[];
    actionsToday: number;
    dailyCap: number;
    tripped: boolean;
  }[];
}
