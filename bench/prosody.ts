/**
 * What mod_banya adds to a chat message in Prosody: the time from a client sending a message to
 * the recipient's client receiving it, on a host with mod_banya (which asks banya, and banya
 * records the message) and on a host without it, in the same Prosody, the same run, interleaved
 * message by message so that the machine's noise falls on both alike.
 *
 * Real Prosody (Debian's 0.12) on loopback with a generated configuration, real XMPP clients
 * (@xmpp/client, SCRAM), banya in this process on a fresh data folder (rate limits off). The two
 * users of each host are mutual roster contacts; BENCH_WARMUP (50) messages each way first (the
 * module registers the users and mirrors their contacts on the first), then BENCH_MESSAGES
 * (1000) measured, one at a time (closed loop: the figure is the delay, not a throughput).
 *
 * Run: node --import tsx bench/prosody.ts
 */
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startProsody } from '../test/helpers/prosody.js';
import { befriend, connect, type XmppUser } from '../test/helpers/xmpp.js';
import { ADMIN_TOKEN, benchApp, envInt, log, percentile, result, scratchDir, table } from './_lib.js';

const MESSAGES = envInt('BENCH_MESSAGES', 1000);
const WARMUP = envInt('BENCH_WARMUP', 50);
const PASSWORD = 'bench-password';

const app = await benchApp(scratchDir('prosody'));
const url = await app.listen();
const prosody = await startProsody({ banyaUrl: url, platformKey: ADMIN_TOKEN });
for (const h of [prosody.host, prosody.plainHost]) for (const u of ['a', 'b']) prosody.register(u, PASSWORD, h);
const withA = await connect(prosody.port, prosody.host, 'a', PASSWORD);
const withB = await connect(prosody.port, prosody.host, 'b', PASSWORD);
const plainA = await connect(prosody.port, prosody.plainHost, 'a', PASSWORD);
const plainB = await connect(prosody.port, prosody.plainHost, 'b', PASSWORD);

await befriend(withA, withB);
await befriend(plainA, plainB);

/** One message a → b: ms from sending to b receiving it (a bounce is an error). */
async function once(a: XmppUser, b: XmppUser, text: string): Promise<number> {
  const t = performance.now();
  const bounced = await a.message(b, text);
  if (bounced) throw new Error(`bounced: ${bounced.toString()}`);
  b.received.length = 0;
  a.received.length = 0;
  return performance.now() - t;
}

log('prosody', `banya on ${url}, prosody on ${prosody.port}; ${WARMUP} warm-up and ${MESSAGES} measured messages per host`);
for (let i = 0; i < WARMUP; i++) {
  await once(withA, withB, `warm ${i}`);
  await once(withB, withA, `warm back ${i}`);
  await once(plainA, plainB, `warm ${i}`);
  await once(plainB, plainA, `warm back ${i}`);
}
const withModule: number[] = [];
const without: number[] = [];
const t0 = performance.now();
for (let i = 0; i < MESSAGES; i++) {
  // Alternate which host goes first, so neither always follows the other.
  if (i % 2 === 0) {
    withModule.push(await once(withA, withB, `message ${i}`));
    without.push(await once(plainA, plainB, `message ${i}`));
  } else {
    without.push(await once(plainA, plainB, `message ${i}`));
    withModule.push(await once(withA, withB, `message ${i}`));
  }
}
const wall = (performance.now() - t0) / 1000;

// Where the added delay goes: the same request to banya from Node, a new connection each time as
// Prosody's HTTP client makes it, between two mutual contacts (after the XMPP runs, same process).
async function api(path: string, token: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json().catch(() => null) };
}
const x = await api('/v1/accounts', ADMIN_TOKEN, { platformId: 'x@direct.test', name: 'x' });
const y = await api('/v1/accounts', ADMIN_TOKEN, { platformId: 'y@direct.test', name: 'y' });
await api('/v1/contacts', x.json.token, { platformId: 'y@direct.test' });
await api('/v1/contacts', y.json.token, { platformId: 'x@direct.test' });
function direct(text: string): Promise<number> {
  const body = JSON.stringify({ to: { platformId: 'y@direct.test' }, text });
  const u = new URL(`${url}/v1/messages`);
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${x.json.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve(performance.now() - t) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
for (let i = 0; i < WARMUP; i++) await direct(`warm ${i}`);
const alone: number[] = [];
for (let i = 0; i < MESSAGES; i++) alone.push(await direct(`message ${i}`));

const p = (xs: number[], q: number) => percentile(xs, q);
for (const q of [50, 99]) {
  const w = p(withModule, q);
  const b = p(without, q);
  result({ name: `message delivered, p${q}, with mod_banya`, value: w, unit: 'ms', baseline: b, ratio: w / b, target: '', pass: true, note: '' });
  result({ name: `delay added by mod_banya, p${q}`, value: w - b, unit: 'ms', baseline: null, ratio: null, target: '', pass: true, note: '' });
}
const info = (name: string, value: number, note = '') => result({ name, value, unit: 'ms', baseline: null, ratio: null, target: '', pass: true, note });
info('message delivered, p50, without (baseline)', p(without, 50));
info('message delivered, p99, without (baseline)', p(without, 99));
info('banya alone: POST /v1/messages from Node, p50', p(alone, 50), 'a new connection each');
info('banya alone: POST /v1/messages from Node, p99', p(alone, 99), 'a new connection each');
table('bench/prosody.ts — a chat message through Prosody with and without mod_banya', [
  `${MESSAGES} messages per host, interleaved, ${wall.toFixed(1)} s; banya recorded every message of the module's host`,
  `${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end`,
]);

for (const u of [withA, withB, plainA, plainB]) await u.stop();
await prosody.stop();
await app.close();
