import { client, xml } from '@xmpp/client';

/** A real XMPP client (@xmpp/client) on loopback, with what it received kept for assertions. */

export type Stanza = any;

export interface XmppUser {
  jid: string;
  user: string;
  received: Stanza[];
  send(stanza: Stanza): Promise<void>;
  /** Sends a chat message; answers the error stanza the server bounced, or null if it was delivered to `to`. */
  message(to: XmppUser | string, text: string, lang?: string): Promise<Stanza | null>;
  /** Waits for a stanza matching `pred` (already received or to come). */
  waitFor(pred: (s: Stanza) => boolean, ms?: number): Promise<Stanza>;
  iq(type: 'get' | 'set', child: Stanza, to?: string): Promise<Stanza>;
  /** A round trip to the server: everything sent before it has been processed. */
  sync(): Promise<void>;
  stop(): Promise<void>;
}

let seq = 0;

export async function connect(port: number, domain: string, user: string, password: string): Promise<XmppUser> {
  const x = client({ service: `xmpp://127.0.0.1:${port}`, domain, username: user, password, resource: 'test' });
  x.reconnect.stop();
  x.on('error', () => {});
  const received: Stanza[] = [];
  const waiters: { pred: (s: Stanza) => boolean; resolve: (s: Stanza) => void }[] = [];
  x.on('stanza', (s: Stanza) => {
    received.push(s);
    for (const w of [...waiters]) {
      if (w.pred(s)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(s);
      }
    }
  });
  await x.start();
  await x.send(xml('presence'));
  const jid = `${user}@${domain}`;
  const waitFor = (pred: (s: Stanza) => boolean, ms = 5000): Promise<Stanza> => {
    const found = received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      waiters.push(w);
      setTimeout(() => {
        const i = waiters.indexOf(w);
        if (i >= 0) {
          waiters.splice(i, 1);
          reject(new Error(`${jid}: nothing matching within ${ms} ms`));
        }
      }, ms);
    });
  };
  const iq = (type: 'get' | 'set', child: Stanza, to?: string) => x.iqCaller.request(xml('iq', { type, ...(to ? { to } : {}) }, child), 10_000);
  const self: XmppUser = {
    jid,
    user,
    received,
    send: (s) => x.send(s),
    waitFor,
    iq,
    async sync() {
      await iq('get', xml('ping', { xmlns: 'urn:xmpp:ping' }));
    },
    async message(to, text, lang) {
      const toJid = typeof to === 'string' ? to : to.jid;
      const id = `m${++seq}`;
      const attrs: Record<string, string> = { to: toJid, type: 'chat', id };
      if (lang) attrs['xml:lang'] = lang;
      const bounced = waitFor((s) => s.is('message') && s.attrs.id === id && s.attrs.type === 'error', 5000).catch(() => null);
      const delivered =
        typeof to === 'string' ? null : to.waitFor((s) => s.is('message') && s.attrs.id === id && s.attrs.type !== 'error', 5000).catch(() => null);
      await x.send(xml('message', attrs, xml('body', {}, text)));
      // Whichever comes first: the bounce to the sender or the message at the recipient.
      const first = await Promise.race([bounced.then((b) => (b ? { b } : null)), ...(delivered ? [delivered.then((d) => (d ? { d } : null))] : [])]);
      if (first && 'b' in first) return first.b;
      if (first && 'd' in first) return null;
      const b = await bounced;
      if (b) return b;
      throw new Error(`${jid} → ${toJid}: neither delivered nor bounced`);
    },
    async stop() {
      await x.stop().catch(() => {});
    },
  };
  return self;
}

/** Both directions of presence subscription: a mutual roster contact. */
export async function befriend(a: XmppUser, b: XmppUser): Promise<void> {
  await a.send(xml('presence', { to: b.jid, type: 'subscribe' }));
  await a.sync();
  await b.send(xml('presence', { to: a.jid, type: 'subscribed' }));
  await b.send(xml('presence', { to: a.jid, type: 'subscribe' }));
  await b.sync();
  await a.send(xml('presence', { to: b.jid, type: 'subscribed' }));
  await a.sync();
}

export { xml };
