import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';

/**
 * A real Prosody (Debian's package) on loopback with a generated configuration in a temporary
 * folder: one virtual host with mod_banya in front of banya, and one without it (to compare
 * costs in the same run). Run as the `prosody` user when started as root (Prosody refuses root).
 */

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const MODULE_DIR = path.join(REPO, 'integrations', 'prosody');

export function prosodyInstalled(): boolean {
  try {
    execFileSync('prosodyctl', ['about'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ProsodyOptions {
  banyaUrl: string;
  platformKey: string;
  /** The host with mod_banya. */
  host?: string;
  /** A host without it, for comparisons. */
  plainHost?: string;
  timeout?: number;
  fail?: 'open' | 'closed';
  /** More hosts with mod_banya, each with its own banya URL and failure mode. */
  extraHosts?: { host: string; banyaUrl: string; fail: 'open' | 'closed'; timeout?: number }[];
}

export interface Prosody {
  port: number;
  host: string;
  plainHost: string;
  dir: string;
  register(user: string, password: string, host?: string): void;
  log(): string;
  stop(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function asProsody(cmd: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'prosody', '--', cmd, ...args]] : [cmd, args];
}

function lua(s: string): string {
  return JSON.stringify(s); // a Lua string literal for these plain values
}

export async function startProsody(o: ProsodyOptions): Promise<Prosody> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banya-prosody-'));
  for (const d of ['data', 'certs']) fs.mkdirSync(path.join(dir, d));
  const port = await freePort();
  const host = o.host ?? 'banya.test';
  const plainHost = o.plainHost ?? 'plain.test';
  const cfg = path.join(dir, 'prosody.cfg.lua');
  fs.writeFileSync(
    cfg,
    `-- generated for a test run
pidfile = ${lua(path.join(dir, 'prosody.pid'))}
data_path = ${lua(path.join(dir, 'data'))}
certificates = ${lua(path.join(dir, 'certs'))}
plugin_paths = { ${lua(MODULE_DIR)} }
log = { info = ${lua(path.join(dir, 'prosody.log'))}; debug = ${lua(path.join(dir, 'debug.log'))} }
interfaces = { "127.0.0.1" }
c2s_ports = { ${port} }
c2s_interfaces = { "127.0.0.1" }
modules_disabled = { "s2s" }
modules_enabled = { "roster"; "saslauth"; "disco"; "blocklist"; "ping"; "posix"; "register" }
allow_registration = true
authentication = "internal_hashed"
-- Test users only: the client library's SCRAM-SHA-1 derives keys in JavaScript, which takes
-- seconds at Prosody's default 10000 iterations on a busy machine.
default_iteration_count = 256
-- Loopback only, no certificates: the client authenticates with SCRAM-SHA-1 over plain TCP
-- (PLAIN stays refused without TLS, as Prosody has it by default).
c2s_require_encryption = false
storage = "internal"
limits = { c2s = { rate = "100mb/s" } }

VirtualHost ${lua(host)}
  modules_enabled = { "banya" }
  banya_url = ${lua(o.banyaUrl)}
  banya_platform_key = ${lua(o.platformKey)}
  banya_timeout = ${o.timeout ?? 2}
  banya_fail = ${lua(o.fail ?? 'open')}

VirtualHost ${lua(plainHost)}
${(o.extraHosts ?? [])
  .map(
    (h) => `
VirtualHost ${lua(h.host)}
  modules_enabled = { "banya" }
  banya_url = ${lua(h.banyaUrl)}
  banya_platform_key = ${lua(o.platformKey)}
  banya_timeout = ${h.timeout ?? 1}
  banya_fail = ${lua(h.fail)}
`,
  )
  .join('')}`,
  );
  if (asRoot) execFileSync('chown', ['-R', 'prosody:prosody', dir]);
  const [cmd, args] = asProsody('prosody', ['-F', '--config', cfg]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  // Ready when the c2s port accepts connections.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prosody exited: ${output}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`prosody did not listen: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    host,
    plainHost,
    dir,
    register(user, password, h = host) {
      const [c, a] = asProsody('prosodyctl', ['--config', cfg, 'register', user, h, password]);
      execFileSync(c, a, { stdio: 'ignore' });
    },
    log: () => {
      try {
        return fs.readFileSync(path.join(dir, 'prosody.log'), 'utf8') + output;
      } catch {
        return output;
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      if (!process.env.BANYA_KEEP_PROSODY) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** In-band registration (XEP-0077) of a new user over a bare stream, as a client would. */
export function registerInBand(port: number, host: string, user: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let sent = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer to the registration: ${got}`));
    }, 5000);
    s.on('error', reject);
    s.on('connect', () => {
      s.write(`<?xml version='1.0'?><stream:stream to='${host}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`);
    });
    s.on('data', (d) => {
      got += d;
      if (!sent && got.includes('</stream:features>')) {
        sent = true;
        s.write(`<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>${user}</username><password>${password}</password></query></iq>`);
      }
      const answer = /<iq[^>]*id=['"]reg1['"][^>]*>/.exec(got)?.[0];
      if (answer) {
        clearTimeout(timer);
        s.end('</stream:stream>');
        if (/type=['"]result['"]/.test(answer)) resolve();
        else reject(new Error(`registration refused: ${got}`));
      }
    });
  });
}
