import type { CompiledQuery, Compilable } from 'kysely';

/**
 * Hot-path statements: a query is written once with Kysely, compiled once for the store's
 * dialect, and then only its parameters change. `param('name')` marks where a value goes.
 */

const MARK = '\u0000banya-param:';

export function param<T = unknown>(name: string): T {
  return `${MARK}${name}` as T;
}

export interface Statement<P extends Record<string, unknown>> {
  readonly sql: string;
  bind(values: P): CompiledQuery;
}

export function statement<P extends Record<string, unknown>>(query: Compilable): Statement<P> {
  const compiled = query.compile();
  const slots: (string | null)[] = [];
  const fixed: unknown[] = [];
  for (const p of compiled.parameters) {
    if (typeof p === 'string' && p.startsWith(MARK)) {
      slots.push(p.slice(MARK.length));
      fixed.push(undefined);
    } else {
      slots.push(null);
      fixed.push(p);
    }
  }
  const n = slots.length;
  return {
    sql: compiled.sql,
    bind(values: P): CompiledQuery {
      const parameters = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const name = slots[i]!;
        parameters[i] = name === null ? fixed[i] : values[name];
      }
      return { sql: compiled.sql, parameters, query: compiled.query, queryId: compiled.queryId };
    },
  };
}
