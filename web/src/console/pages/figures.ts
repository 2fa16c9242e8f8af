export interface Figures {
  now: string;
  minutes: number;
  at: string[];
  messages: number[];
  denials: Record<string, number[]>;
  reports: number[];
  decisions: Record<string, number[]>;
  appealsFiled: number[];
  appealsDecided: number[];
  appealBacklog: { open: number; overdue: number; oldestHours: number | null };
  robots: { rule: string; shadow: boolean; actions: number[]; shadowed: number[]; falsePositives: number[]; actionsToday: number; dailyCap: number; tripped: boolean }[];
}
