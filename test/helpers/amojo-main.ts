import { StandInAmojo } from './amojo.js';

/**
 * The stand-in amojo on its own, for trying the gateway by hand (docs/CRM.md, "Try it"):
 *   node --import tsx test/helpers/amojo-main.ts <channelId> <secret> [port]
 * It checks every request as amojo does and prints what it received.
 */
const [channel, secret, port] = process.argv.slice(2);
if (!channel || !secret) {
  console.error('usage: node --import tsx test/helpers/amojo-main.ts <channelId> <secret> [port]');
  process.exit(2);
}
const amojo = new StandInAmojo({ [channel]: secret });
await amojo.start(Number(port ?? 0));
console.log(`stand-in amojo at ${amojo.url}`);
let shown = 0;
setInterval(() => {
  for (const r of amojo.received.slice(shown)) console.log(`${r.status} ${r.method} ${r.path} ${r.raw}`);
  shown = amojo.received.length;
}, 200);
