import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../cli-args.js';
import { TRACE, type TraceArgs, traceArgs } from './replay-cli.js';

/** `banya trace`'s command line to the generator's settings: the defaults, and the rules that join options. */
function settings(...args: string[]): TraceArgs {
  const parsed = parseCommand(TRACE, args);
  if (parsed.help) throw new Error('help');
  return traceArgs(parsed.values);
}

describe('banya trace settings', () => {
  it('keeps the defaults: seed 1, 1000 accounts, 7 days basic and 14 adversarial, scales from --reactions', () => {
    expect(settings()).toEqual({
      profile: 'basic',
      seed: 1,
      accounts: 1000,
      days: 7,
      out: undefined,
      reportRateScale: 1,
      blockRateScale: 1,
      landings: 'shared',
      spamShare: 1,
      busyShare: 1,
      innocentReply: undefined,
      innocentComplaints: 1,
      delays: 'uniform',
    });
    expect(settings('--profile', 'adversarial')).toMatchObject({ days: 14, accounts: 1000 });
    expect(settings('--profile', 'adversarial', '--reactions', '2', '--block-rate-scale', '0.5')).toMatchObject({ reportRateScale: 2, blockRateScale: 0.5 });
    expect(settings('--profile', 'adversarial', '--innocent-reply', '0')).toMatchObject({ innocentReply: 0 });
  });

  it('refuses the adversarial options with the basic profile, and fewer than 300 adversarial accounts', () => {
    expect(() => settings('--landings', 'own')).toThrow(new UsageError('--landings belongs to --profile adversarial'));
    expect(() => settings('--profile', 'basic', '--reactions', '1')).toThrow(new UsageError('--reactions belongs to --profile adversarial'));
    expect(() => settings('--profile', 'adversarial', '--accounts', '299')).toThrow(
      new UsageError('--accounts must be at least 300 with --profile adversarial, not 299'),
    );
    expect(settings('--profile', 'adversarial', '--accounts', '300').accounts).toBe(300);
    expect(settings('--accounts', '50').accounts).toBe(50);
    expect(() => settings('--accounts', '49')).toThrow(UsageError);
  });

  it('refuses values out of their ranges', () => {
    for (const args of [
      ['--days', '0'],
      ['--seed', '1.5'],
      ['--profile', 'adversarial', '--report-rate-scale', '-1'],
      ['--profile', 'adversarial', '--block-rate-scale', '101'],
      ['--profile', 'adversarial', '--spam-share', '0'],
      ['--profile', 'adversarial', '--busy-share', '21'],
      ['--profile', 'adversarial', '--innocent-reply', '1.01'],
      ['--profile', 'adversarial', '--delays', 'poisson'],
    ])
      expect(() => settings(...args), args.join(' ')).toThrow(UsageError);
  });
});
