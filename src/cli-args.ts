import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * The command line of each `banya` command, declared once. Node's `parseArgs` (strict) reads it,
 * the same table prints the command's usage, and anything the command does not take (an unknown
 * option, a missing value, a word too many, a number that is not one, a value out of range) is a
 * usage error: one line naming it, the usage, exit code 2, and the command not run.
 */

/** Bounds of a number option; `above` is exclusive, `min` and `max` inclusive. */
export interface Range {
  min?: number;
  above?: number;
  max?: number;
}

export type OptionSpec =
  | { kind: 'flag'; description: string }
  | { kind: 'text'; value: string; description: string }
  | { kind: 'choice'; choices: readonly string[]; description: string }
  | { kind: 'integer' | 'number'; value: string; description: string; range: Range };

export type Options = Record<string, OptionSpec>;

/** `--name`: on or off. */
export const flag = (description: string) => ({ kind: 'flag', description }) as const;
/** `--name VALUE`: any non-empty word (a file name, …). */
export const text = (value: string, description: string) => ({ kind: 'text', value, description }) as const;
/** `--name a|b`: one of the listed words. */
export const choice = <const C extends string>(choices: readonly C[], description: string) => ({ kind: 'choice', choices, description }) as const;
/** `--name N`: a whole number (written in decimal), within `range`. */
export const integer = (value: string, description: string, range: Range = {}) => ({ kind: 'integer', value, description, range }) as const;
/** `--name X`: a decimal number, within `range`. */
export const number = (value: string, description: string, range: Range = {}) => ({ kind: 'number', value, description, range }) as const;

type ValueOf<S> = S extends { kind: 'flag' }
  ? boolean
  : S extends { kind: 'choice'; choices: readonly (infer C)[] }
    ? C | undefined
    : S extends { kind: 'integer' | 'number' }
      ? number | undefined
      : string | undefined;

/** What a command gets: each option by its name (without the dashes), undefined when not given. */
export type Values<O extends Options> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** A word the command takes by position (`replay FILE`). */
export interface Operand {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandSpec<O extends Options = Options> {
  /** The command's word: `banya <name>`. */
  name: string;
  /** One line: what the command does. */
  summary: string;
  operands?: readonly Operand[];
  options: O;
  /** Paragraphs printed after the options: rules that join several options. */
  notes?: readonly string[];
}

/** The command line is not one the command takes; the message names what is wrong. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Parsed<O extends Options> = { help: true } | { help: false; values: Values<O>; operands: string[] };

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function placeholder(spec: OptionSpec): string | undefined {
  if (spec.kind === 'flag') return undefined;
  if (spec.kind === 'choice') return spec.choices.join('|');
  return spec.value;
}

function describeRange({ min, above, max }: Range): string {
  const low = min !== undefined ? `at least ${min}` : above !== undefined ? `more than ${above}` : undefined;
  if (low !== undefined && max !== undefined) return min !== undefined ? ` between ${min} and ${max}` : ` ${low} and at most ${max}`;
  if (low !== undefined) return ` ${low}`;
  return max !== undefined ? ` at most ${max}` : '';
}

function inRange(x: number, { min, above, max }: Range): boolean {
  return (min === undefined || x >= min) && (above === undefined || x > above) && (max === undefined || x <= max);
}

function parseValue(name: string, spec: OptionSpec, raw: string | boolean | undefined): unknown {
  if (spec.kind === 'flag') return raw === true;
  if (raw === undefined) return undefined;
  const value = String(raw);
  if (value === '') throw new UsageError(`--${name} needs a value ${placeholder(spec)}`);
  switch (spec.kind) {
    case 'text':
      return value;
    case 'choice':
      if (!spec.choices.includes(value)) throw new UsageError(`--${name} must be ${spec.choices.join(' or ')}, not ${JSON.stringify(value)}`);
      return value;
    case 'integer':
    case 'number': {
      const x = Number(value);
      const ok = DECIMAL.test(value) && (spec.kind === 'integer' ? Number.isSafeInteger(x) : Number.isFinite(x)) && inRange(x, spec.range);
      if (!ok)
        throw new UsageError(
          `--${name} must be ${spec.kind === 'integer' ? 'an integer' : 'a number'}${describeRange(spec.range)}, not ${JSON.stringify(value)}`,
        );
      return x;
    }
  }
}

function parseConfig(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(spec.options)) options[name] = { type: o.kind === 'flag' ? 'boolean' : 'string' };
  return options;
}

type Token = ReturnType<typeof parseArgs<{ tokens: true; strict: false; allowPositionals: true }>>['tokens'][number];

/**
 * What parseArgs refused, in the command's own words: the first word of the line read without
 * strictness (`tokens`) that the command cannot take. Node's message when none is found.
 */
function diagnose(spec: CommandSpec, tokens: readonly Token[], err: unknown): UsageError {
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    if (t.name === 'help') continue;
    if (!Object.hasOwn(spec.options, t.name)) return new UsageError(`unknown option ${t.rawName}`);
    const o = spec.options[t.name]!;
    if (o.kind === 'flag') {
      if (t.value !== undefined) return new UsageError(`${t.rawName} takes no value`);
    } else if (t.value === undefined) return new UsageError(`${t.rawName} needs a value ${placeholder(o)}`);
    else if (!t.inlineValue && t.value.startsWith('-'))
      return new UsageError(`${t.rawName} needs a value ${placeholder(o)}; for one that starts with "-", write ${t.rawName}=${t.value}`);
  }
  return new UsageError(err instanceof Error ? err.message : String(err));
}

/**
 * `--seed -3` as `--seed=-3`: parseArgs takes no value that starts with a dash after a space, but
 * a number option's value may be negative, and no option is named by digits.
 */
function joinNegativeNumbers(spec: CommandSpec, args: readonly string[]): readonly string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const o = arg.startsWith('--') && Object.hasOwn(spec.options, arg.slice(2)) ? spec.options[arg.slice(2)] : undefined;
    const next = args[i + 1];
    if ((o?.kind === 'integer' || o?.kind === 'number') && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * Reads a command's arguments (after the command's word). `--help` or `-h` anywhere wins over
 * every other problem. Throws UsageError; does no I/O.
 */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, args: readonly string[]): Parsed<O> {
  const options = parseConfig(spec);
  args = joinNegativeNumbers(spec, args);
  const strictly = () => parseArgs({ args: [...args], options, strict: true, allowPositionals: true, tokens: true });
  let parsed: ReturnType<typeof strictly>;
  try {
    parsed = strictly();
  } catch (err) {
    const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
    if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };
    throw diagnose(spec, tokens, err);
  }
  if (parsed.values.help) return { help: true };
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
    seen.add(t.name);
  }
  const operands = parsed.positionals;
  const expected = spec.operands ?? [];
  if (operands.length > expected.length) throw new UsageError(`unexpected argument ${JSON.stringify(operands[expected.length])}`);
  const missing = expected.slice(operands.length).find((o) => !o.optional);
  if (missing) throw new UsageError(`missing ${missing.name}`);
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) values[name] = parseValue(name, o, parsed.values[name] as string | boolean | undefined);
  return { help: false, values: values as Values<O>, operands };
}

const WIDTH = 100;

/** Words joined by spaces in lines of at most WIDTH columns (a longer word keeps a line of its own). */
function wrap(words: readonly string[], indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
    }
    line += line === '' || line === indent ? word : ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** The command's usage, from its table: the synopsis, the summary, each operand and option, the notes; wrapped at 100 columns. */
export function usage(spec: CommandSpec): string {
  const words = [
    ...(spec.operands ?? []).map((o) => (o.optional ? `[${o.name}]` : o.name)),
    ...Object.entries(spec.options).map(([name, o]) => `[--${name}${o.kind === 'flag' ? '' : ` ${placeholder(o)}`}]`),
  ];
  const head = `usage: banya ${spec.name}`;
  const synopsis = wrap([head, ...words], ' '.repeat(head.length + 1));
  const rows: [string, string][] = [
    ...(spec.operands ?? []).map((o): [string, string] => [o.name, o.description]),
    ...Object.entries(spec.options).map(([name, o]): [string, string] => [`--${name}${o.kind === 'flag' ? '' : ` ${placeholder(o)}`}`, o.description]),
    ['-h, --help', 'print this help and exit'],
  ];
  const column = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    ...synopsis,
    '',
    ...wrap(spec.summary.split(' ')),
    '',
    ...rows.flatMap(([left, right]) => {
      const [first = '', ...rest] = right.split(' ');
      return wrap([`  ${left.padEnd(column)}${first}`, ...rest], ' '.repeat(2 + column));
    }),
    ...(spec.notes ?? []).flatMap((note) => ['', ...wrap(note.split(' '))]),
    '',
  ].join('\n');
}

/** A command ready for the dispatcher: its table, and how it reads the parsed line and runs. */
export interface Command {
  readonly spec: CommandSpec;
  /** 'help', or the command about to run with everything it needs; throws UsageError before any I/O. */
  prepare(args: readonly string[]): 'help' | (() => Promise<number>);
}

/**
 * A command from its table, `resolve` (checks that join several options, and defaults; pure,
 * throws UsageError) and `run`, which is reached only once the whole command line is good.
 */
export function defineCommand<O extends Options, A>(
  spec: CommandSpec<O>,
  resolve: (values: Values<O>, operands: string[]) => A,
  run: (args: A) => Promise<number>,
): Command {
  return {
    spec,
    prepare(args) {
      const parsed = parseCommand(spec, args);
      if (parsed.help) return 'help';
      const resolved = resolve(parsed.values, parsed.operands);
      return () => run(resolved);
    },
  };
}

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * Runs a command on its arguments: its usage on stdout and 0 for --help; one line
 * `banya <command>: <what is wrong>` and the usage on stderr and 2 for a usage error; else what
 * the command returns.
 */
export async function runCommand(command: Command, args: readonly string[], io: Io = process): Promise<number> {
  let prepared: ReturnType<Command['prepare']>;
  try {
    prepared = command.prepare(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`banya ${command.spec.name}: ${err.message}\n\n${usage(command.spec)}`);
    return 2;
  }
  if (prepared === 'help') {
    io.stdout.write(usage(command.spec));
    return 0;
  }
  return prepared();
}
