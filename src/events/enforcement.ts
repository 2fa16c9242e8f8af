/**
 * Enforcement's events (reports, cases, decisions, sanctions, appeals). Each carries what its projections need, so that every projection table
 * can be rebuilt from the log alone (`banya check`). Ids in payloads are the internal integers.
 */
/**
 * A signal a robot rule read when it acted: its name, the value it had, the threshold it passed,
 * and an optional note. Recorded with what the robot did, for staff only: never shown to the
 * person (attackers read whatever users see). Events older than this field carry none.
 */
export interface RobotSignal {
  name: string;
  value: number;
  threshold: number;
  note?: string;
}

export interface RestrictionPayload {
  restrictionId: number;
  state: string;
  kind: string;
  until: number | null;
  deleteAt: number | null;
  caseId?: number | null;
  rule?: string;
  /** The signals that fired, when a robot rule applied it (absent in older logs). */
  signals?: RobotSignal[];
}

/** A reported message, frozen at report time (the evidence moderators see). */
export interface EvidencePayload {
  id: number;
  chatId: number;
  fromId: number;
  text: string;
  sentAt: number;
}

/**
 * Why a restriction ended. Logs written before this field existed carry only `reason`
 * (`expired`, `deleted`, `appeal_overturned`, `lifted: …`): see `endCauseOf`.
 */
export type EndCause = 'expired' | 'deleted' | 'lifted' | 'appeal_overturned';

/** What a `number_flagged` event does to the number's flag (absent in old logs: see `flagEffectOf`). */
export type FlagEffect = 'set' | 'clear' | 'none';

export type EnforcementEvent =
  | {
      type: 'report_filed';
      payload: {
        reportId: number;
        reporterId: number;
        subjectId: number;
        chatId: number;
        kind: string;
        reason: string;
        weight: number;
        stranger: boolean;
        adminReport: boolean;
        /**
         * The reporter was a member (member, admin or owner) of the chat reported in when filing;
         * only members' group reports count toward the threshold. Absent in older logs: a member,
         * as every report counted then.
         */
        member?: boolean;
        caseId: number | null;
        /** The reporter's comment (old logs: absent, filled in by the 2026-12-01 migration). */
        comment?: string | null;
        /** The frozen evidence (old logs: message ids only, rewritten by the 2026-12-01 migration). */
        evidence: EvidencePayload[] | number[];
      };
    }
  /** `openedBy`: the robot rule that opened it (null: reports); `signals`: what fired for it (absent in older logs). */
  | { type: 'case_opened'; payload: { caseId: number; subjectId: number; chatId: number; openedBy: string | null; signals?: RobotSignal[] } }
  /** A robot raising an open case names its `rule` and the `signals` that fired (absent otherwise, and in older logs). */
  | {
      type: 'case_updated';
      payload: { caseId: number; priority: number; reportCount: number; reasons: string[]; attached: number[]; rule?: string; signals?: RobotSignal[] };
    }
  | { type: 'case_claimed'; payload: { caseId: number; by: string } }
  | { type: 'case_released'; payload: { caseId: number } }
  | { type: 'evidence_viewed'; payload: { caseId: number; by: string } }
  | {
      type: 'decision';
      payload: {
        caseId: number;
        action: 'confirm' | 'dismiss' | 'escalate';
        policy: string | null;
        by: string;
        note: string | null;
        reportIds: number[];
        reporters: number[];
      };
    }
  | { type: 'strike_added'; payload: { strikeId: number; policy: string; caseId: number | null; restrictionId: number | null; expiresAt: number } }
  | { type: 'strike_removed'; payload: { strikeId: number; reason: string } }
  | { type: 'strike_expired'; payload: { strikeId: number } }
  | { type: 'restriction_applied' | 'account_frozen' | 'account_banned'; payload: RestrictionPayload }
  | { type: 'restriction_lifted' | 'restriction_expired'; payload: { restrictionId: number; reason: string; cause?: EndCause } }
  | { type: 'number_banned'; payload: { phone: string } }
  | { type: 'number_unbanned'; payload: { phone: string } }
  | { type: 'number_flagged'; payload: { phone: string; reason: string; flag?: FlagEffect } }
  | { type: 'reporter_muted'; payload: { muted: boolean; by: string } }
  /**
   * A reporter's accuracy corrected after the fact (an overturned appeal). New events carry the
   * change (`confirmedDelta`, `dismissedDelta`; confirmed never below 0); old ones the new totals.
   */
  | { type: 'reporter_accuracy'; payload: { confirmed?: number; dismissed?: number; confirmedDelta?: number; dismissedDelta?: number; reason: string } }
  | { type: 'content_taken_down'; payload: { caseId: number; chatId: number; messageIds: number[] } }
  | { type: 'robot_flag'; payload: { rule: string; note: string; signals?: RobotSignal[] } }
  /** What a rule would have done (`effect`, without its signals), why it did not, and the `signals` that fired. */
  | { type: 'robot_shadow'; payload: { rule: string; effect: Record<string, unknown>; why: string; signals?: RobotSignal[] } }
  | { type: 'robot_false_positive'; payload: { rule: string; appealId: number; restrictionId: number | null } }
  | {
      type: 'appeal_filed';
      payload: {
        appealId: number;
        restrictionId: number | null;
        restriction: Record<string, unknown>;
        robot: boolean;
        rule: string | null;
        story: boolean;
        text: string;
        email: string | null;
        dueAt: number;
      };
    }
  | { type: 'appeal_decided'; payload: { appealId: number; outcome: 'overturn' | 'uphold'; by: string; note: string | null } }
  | { type: 'appeal_overdue'; payload: { appealId: number } };
