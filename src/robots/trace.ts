import { z } from 'zod';

/** The trace format of TRACE.md: one JSON object per line, in time order. */

const id = z.string().min(1).max(200);
const t = z.number().finite().min(0);

export const traceLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('account'), t, id, phone: z.string().max(40), numberKind: z.enum(['mobile', 'voip']).optional(), label: z.enum(['innocent', 'spammer', 'business', 'brigader']).optional() }),
  z.object({ type: z.literal('contact'), t, from: id, to: id }),
  z.object({ type: z.literal('block'), t, from: id, to: id }),
  z.object({ type: z.literal('message'), t, from: id, to: id, text: z.string().max(10_000) }),
  z.object({ type: z.literal('group'), t, id, owner: id, public: z.boolean().optional() }),
  z.object({ type: z.literal('invite'), t, group: id, by: id, account: id }),
  z.object({ type: z.literal('post'), t, group: id, from: id, text: z.string().max(10_000) }),
  z.object({ type: z.literal('report'), t, from: id, to: id, reason: z.string().max(40).optional(), group: id.optional() }),
]);

export type TraceLine = z.infer<typeof traceLineSchema>;
export type Label = 'innocent' | 'spammer' | 'business' | 'brigader';

export interface ParseProblem {
  line: number;
  problem: string;
}

/** Parses one line; a problem (with its line number) instead of throwing. */
export function parseTraceLine(text: string, lineNo: number): TraceLine | ParseProblem {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { line: lineNo, problem: 'not JSON' };
  }
  const r = traceLineSchema.safeParse(raw);
  if (!r.success) return { line: lineNo, problem: r.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
  return r.data;
}

export function isProblem(x: TraceLine | ParseProblem): x is ParseProblem {
  return 'problem' in x;
}
