import { describe, expect, it } from 'vitest';
import { choice, type CommandSpec, defineCommand, flag, integer, number, parseCommand, runCommand, text, UsageError, usage } from './cli-args.js';

const SPEC = {
  name: 'try',
  summary: 'A command to read command lines with.',
  operands: [
    { name: 'FILE', description: 'the input' },
    { name: 'MORE', description: 'another input', optional: true },
  ],
  options: {
    json: flag('print JSON'),
    out: text('FILE', 'where to write'),
    profile: choice(['basic', 'adversarial'], 'the generator'),
    seed: integer('N', 'the seed'),
    accounts: integer('N', 'how many accounts', { min: 50 }),
    days: number('D', 'how long', { above: 0 }),
    share: number('X', 'a share', { above: 0, max: 20 }),
    chance: number('X', 'a chance', { min: 0, max: 1 }),
  },
  notes: ['A note about how options combine.'],
} as const satisfies CommandSpec;

const parse = (...args: string[]) => parseCommand(SPEC, args);
const values = (...args: string[]) => {
  const p = parse(...args);
  if (p.help) throw new Error('help');
  return p;
};
const refusal = (...args: string[]): string => {
  try {
    parse(...args);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
};

describe('parseCommand', () => {
  it('reads every kind of option, and leaves the ones not given undefined (flags false)', () => {
    expect(values('f.jsonl')).toEqual({
      help: false,
      operands: ['f.jsonl'],
      values: { json: false, out: undefined, profile: undefined, seed: undefined, accounts: undefined, days: undefined, share: undefined, chance: undefined },
    });
    const p = values(
      '--json',
      '--out',
      'o.jsonl',
      '--profile=adversarial',
      '--seed',
      '-3',
      '--accounts',
      '50',
      '--days',
      '1.5',
      'f',
      '--share',
      '20',
      '--chance',
      '0',
    );
    expect(p.operands).toEqual(['f']);
    expect(p.values).toEqual({ json: true, out: 'o.jsonl', profile: 'adversarial', seed: -3, accounts: 50, days: 1.5, share: 20, chance: 0 });
  });

  it('takes negative numbers, and words after -- as operands', () => {
    expect(values('--seed=-3', 'f').values.seed).toBe(-3);
    expect(values('--seed', '-.5e1', 'f').values.seed).toBe(-5);
    expect(values('--out', 'x', '--', '--seed', '-3').operands).toEqual(['--seed', '-3']);
    expect(values('--', '--json').operands).toEqual(['--json']);
    expect(values('--seed', '1e3', 'f').values.seed).toBe(1000);
  });

  it('answers help for --help or -h anywhere, even beside a mistake', () => {
    expect(parse('--help')).toEqual({ help: true });
    expect(parse('f', '-h')).toEqual({ help: true });
    expect(parse('--bogus', '--help')).toEqual({ help: true });
    expect(parse('--seed', 'abc', '-h')).toEqual({ help: true });
  });

  it('names an unknown option, long or short', () => {
    expect(refusal('f', '--bogus')).toBe('unknown option --bogus');
    expect(refusal('f', '--bogus=1')).toBe('unknown option --bogus');
    expect(refusal('f', '-x')).toBe('unknown option -x');
    expect(refusal('f', '--constructor')).toBe('unknown option --constructor');
    expect(refusal('f', '--__proto__', '1')).toBe('unknown option --__proto__');
  });

  it('names an option without its value, and says how to give one that starts with a dash', () => {
    expect(refusal('f', '--seed')).toBe('--seed needs a value N');
    expect(refusal('f', '--out=')).toBe('--out needs a value FILE');
    expect(refusal('f', '--out', '--json')).toBe('--out needs a value FILE; for one that starts with "-", write --out=--json');
    expect(refusal('f', '--out', '-1')).toBe('--out needs a value FILE; for one that starts with "-", write --out=-1');
    expect(refusal('f', '--share', '-1')).toBe('--share must be a number more than 0 and at most 20, not "-1"');
    expect(refusal('f', '--share', '-x')).toBe('--share needs a value X; for one that starts with "-", write --share=-x');
  });

  it('refuses a value for a flag, and an option given twice', () => {
    expect(refusal('f', '--json=yes')).toBe('--json takes no value');
    expect(refusal('f', '--seed', '1', '--seed', '2')).toBe('--seed is given more than once');
  });

  it('counts the operands', () => {
    expect(refusal('--json')).toBe('missing FILE');
    expect(values('a', 'b').operands).toEqual(['a', 'b']);
    expect(refusal('a', 'b', 'c')).toBe('unexpected argument "c"');
  });

  it('refuses numbers that are not numbers, not whole, or out of range, naming the bounds', () => {
    for (const bad of ['abc', '1.5', '', ' 5', '0x10', 'Infinity', '9007199254740993'])
      expect(refusal('f', `--seed=${bad}`)).toMatch(bad === '' ? /^--seed needs a value N$/ : /^--seed must be an integer, not /);
    expect(refusal('f', '--accounts', '49')).toBe('--accounts must be an integer at least 50, not "49"');
    expect(refusal('f', '--days', '0')).toBe('--days must be a number more than 0, not "0"');
    expect(refusal('f', '--days', 'NaN')).toBe('--days must be a number more than 0, not "NaN"');
    expect(refusal('f', '--share', '20.5')).toBe('--share must be a number more than 0 and at most 20, not "20.5"');
    expect(refusal('f', '--chance=-0.1')).toBe('--chance must be a number between 0 and 1, not "-0.1"');
  });

  it('refuses a value not among the choices', () => {
    expect(refusal('f', '--profile', 'nasty')).toBe('--profile must be basic or adversarial, not "nasty"');
    expect(refusal('f', '--profile', 'Basic')).toBe('--profile must be basic or adversarial, not "Basic"');
  });
});

describe('usage', () => {
  const printed = usage(SPEC);

  it('lists every operand and option with its value and description, and help', () => {
    expect(printed.split('\n').slice(0, 3)).toEqual([
      'usage: banya try FILE [MORE] [--json] [--out FILE] [--profile basic|adversarial] [--seed N]',
      '                 [--accounts N] [--days D] [--share X] [--chance X]',
      '',
    ]);
    expect(printed).toContain('A command to read command lines with.');
    expect(printed).toMatch(/^ {2}FILE +the input$/m);
    expect(printed).toMatch(/^ {2}--json +print JSON$/m);
    expect(printed).toMatch(/^ {2}--profile basic\|adversarial +the generator$/m);
    expect(printed).toMatch(/^ {2}--accounts N +how many accounts$/m);
    expect(printed).toMatch(/^ {2}-h, --help +print this help and exit$/m);
    expect(printed).toContain('\nA note about how options combine.\n');
    expect(printed.endsWith('\n')).toBe(true);
  });

  it('wraps at 100 columns, a description under its own column', () => {
    const long = usage({ name: 'long', summary: 'word '.repeat(40).trim(), options: { x: text('V', 'many words '.repeat(20).trim()) } });
    const lines = long.split('\n');
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    const at = lines.findIndex((l) => l.startsWith('  --x V'));
    expect(lines[at + 1]).toMatch(/^ {14}\S/);
  });
});

describe('runCommand', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
  };
  const ran: unknown[] = [];
  const command = defineCommand(
    SPEC,
    (v, operands) => {
      if (v.profile === 'basic' && v.days !== undefined) throw new UsageError('--days belongs to --profile adversarial');
      return { seed: v.seed ?? 1, file: operands[0] };
    },
    async (args) => {
      ran.push(args);
      return 0;
    },
  );

  it('prints the usage on stdout for --help, exit 0, and does not run the command', async () => {
    const { out, io: streams } = io();
    ran.length = 0;
    expect(await runCommand(command, ['--help', '--bogus'], streams)).toBe(0);
    expect(out).toEqual({ stdout: usage(SPEC), stderr: '' });
    expect(ran).toEqual([]);
  });

  it('prints one line naming the mistake and the usage on stderr, exit 2, and does not run the command', async () => {
    for (const args of [['f', '--bogus'], ['f', '--seed', 'abc'], [], ['f', '--profile', 'basic', '--days', '2']]) {
      const { out, io: streams } = io();
      ran.length = 0;
      expect(await runCommand(command, args, streams)).toBe(2);
      expect(out.stdout).toBe('');
      const [first, blank, ...rest] = out.stderr.split('\n');
      expect(first).toMatch(/^banya try: \S/);
      expect(blank).toBe('');
      expect(rest.join('\n')).toBe(usage(SPEC));
      expect(ran).toEqual([]);
    }
  });

  it('runs the command with what resolve made of a good command line', async () => {
    const { out, io: streams } = io();
    ran.length = 0;
    expect(await runCommand(command, ['f', '--seed', '7'], streams)).toBe(0);
    expect(ran).toEqual([{ seed: 7, file: 'f' }]);
    expect(out).toEqual({ stdout: '', stderr: '' });
  });
});
