import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config.js';

/**
 * The CRM channels file (BANYA_CRM_CONFIG, docs/CRM.md): the channels registered with the CRM
 * vendor, and sender protection. Read at start (a bad file stops the start) and again whenever
 * the file changes, so that a rotated secret is used from the next call on; a bad edit while
 * running is logged and the last good file stays in force.
 */

export const protectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** New chats with strangers in any rolling hour / 24 hours. */
    perHour: z.number().int().min(0).default(15),
    perDay: z.number().int().min(0).default(40),
    /** Warm-up for a newly connected number: the daily cap on its 1st, 2nd, … day. */
    warmupDaily: z.array(z.number().int().min(0)).default([10, 20, 30]),
    /** The hourly cap while warming up. */
    warmupHourly: z.number().int().min(0).default(6),
    /** Randomised (seeded) spacing between two first contacts, seconds. */
    minSpacingSeconds: z.number().min(0).default(90),
    maxSpacingSeconds: z.number().min(0).default(300),
    /** Colour thresholds: (blocks + reports) per stranger contacted. */
    yellowAt: z.number().min(0).default(0.05),
    redAt: z.number().min(0).default(0.12),
  })
  .strict()
  .refine((p) => p.maxSpacingSeconds >= p.minSpacingSeconds, { message: 'maxSpacingSeconds must be at least minSpacingSeconds' })
  .refine((p) => p.redAt >= p.yellowAt, { message: 'redAt must be at least yellowAt' });
export type Protection = z.infer<typeof protectionSchema>;

export const channelSchema = z
  .object({
    id: z.string().min(1),
    secret: z.string().min(1),
    /** While rotating: webhooks signed with the previous secret are still accepted. */
    previousSecret: z.string().min(1).optional(),
    amojoUrl: z.string().url(),
    statusField: z.enum(['delivery_status', 'status_code']).default('delivery_status'),
    language: z.enum(['en', 'ru']).default('en'),
    /** The title sent with connect. */
    title: z.string().min(1).default('banya'),
  })
  .strict();
export type Channel = z.infer<typeof channelSchema>;

export const crmFileSchema = z
  .object({
    channels: z.array(channelSchema).min(1),
    protection: protectionSchema.default(protectionSchema.parse({})),
    /** Per business account (its public id, e.g. "u12"): protection settings that differ. */
    accounts: z.record(z.string(), z.object({ protection: protectionSchema.optional() }).strict()).default({}),
    /** Every call to amojo gives up after this long. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Retries of amojo calls (real time): first wait, and the longest wait. Never given up. */
    retryBaseMs: z.number().int().positive().default(1000),
    retryMaxMs: z
      .number()
      .int()
      .positive()
      .default(5 * 60_000),
    /** FLOOD_WAIT answers retried before the message fails with 905. */
    floodRetries: z.number().int().min(0).default(5),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    for (const [i, c] of f.channels.entries()) {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'id'], message: `channel ${c.id} is listed twice` });
      seen.add(c.id);
    }
  });
export type CrmFile = z.infer<typeof crmFileSchema>;

export function parseCrmFile(raw: unknown, source = 'CRM config'): CrmFile {
  const parsed = crmFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

function readFile(file: string): CrmFile {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read CRM config ${file} (BANYA_CRM_CONFIG): ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseCrmFile(raw, `CRM config ${file}`);
}

/** The file as it is now: re-read when its modification time or size changed. */
export class CrmConfigSource {
  private current: CrmFile;
  private stamp: string;

  constructor(
    private readonly file: string,
    private readonly onBadEdit: (err: Error) => void = () => undefined,
  ) {
    this.current = readFile(file);
    this.stamp = this.stampOf();
  }

  private stampOf(): string {
    try {
      const s = fs.statSync(this.file);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  }

  get(): CrmFile {
    const stamp = this.stampOf();
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      try {
        this.current = readFile(this.file);
      } catch (err) {
        this.onBadEdit(err as Error);
      }
    }
    return this.current;
  }

  channel(id: string): Channel | undefined {
    return this.get().channels.find((c) => c.id === id);
  }

  protectionFor(businessPublicId: string): Protection {
    const f = this.get();
    return f.accounts[businessPublicId]?.protection ?? f.protection;
  }
}
