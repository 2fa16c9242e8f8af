import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { checkProjections } from '../../src/check.js';
import type { ConfigInput } from '../../src/config.js';
import { type Client, type StaffRole, World } from './client.js';
import { startServer, type TestServer } from './server.js';

export interface ServerPerFileOptions<R extends StaffRole> {
  /**
   * startServer's overrides. A function is called in beforeAll, so it may use what the file's
   * earlier hooks started (a mail relay, a stand-in amojo).
   */
  config?: Partial<ConfigInput> | (() => Partial<ConfigInput>);
  /** One staff member per role, created in this order; each role's client is a field. */
  staff?: readonly R[];
  /** After each test, every projection table equals a rebuild from the event log (src/check.ts). */
  checkProjections?: boolean;
}

/** The file's server, a World over it and the staff clients by role, all set in beforeAll. */
export type ServerPerFile<R extends StaffRole = never> = { server: TestServer; world: World } & Record<R, Client>;

/**
 * One server for the whole test file: registers beforeAll (start the server, the World, the
 * staff), afterAll (stop whichever server `server` holds then, so a test may restart it) and,
 * if asked, the projection check after each test. Register hooks for what the server depends on
 * before calling it, and for what depends on the server after: vitest runs afterAll hooks in
 * reverse order.
 */
export function serverPerFile<R extends StaffRole = never>(options: ServerPerFileOptions<R> = {}): ServerPerFile<R> {
  const ctx = {} as ServerPerFile<R>;
  beforeAll(async () => {
    const config = typeof options.config === 'function' ? options.config() : options.config;
    ctx.server = await startServer(config);
    ctx.world = new World(ctx.server.url);
    const staff: Record<R, Client> = ctx;
    for (const role of options.staff ?? []) staff[role] = await ctx.world.staff(role);
  });
  afterAll(() => ctx.server?.stop());
  if (options.checkProjections)
    afterEach(async () => {
      expect(await checkProjections(ctx.server.app.platform.store)).toEqual([]);
    });
  return ctx;
}
