import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, createApi, type Api } from '../shared/api';
import { when } from '../shared/format';
import { LangSwitch, useLang } from '../shared/i18n';
import { text, type Key } from './texts';

interface Chat {
  id: string;
  type: 'private' | 'group' | 'channel';
  title?: string;
  peer?: { accountId: string; name: string; username?: string; phone?: string };
  actionBar?: { reportSpam: boolean; block: boolean; addContact: boolean };
}
interface Message {
  id: string;
  from: string;
  text: string;
  sentAt: string;
  buttons?: string[][];
}
interface Me {
  account: { id: string; name: string; username?: string };
  restriction: { state: 'free' | 'limited' | 'frozen'; kind?: string; until?: string | null; deleteAt?: string };
}

const TOKEN_KEY = 'banya.app.token';

function useT() {
  const { lang } = useLang();
  return (k: Key) => text(k, lang);
}

function SignIn({ onToken }: { onToken: (t: string) => void }) {
  const t = useT();
  const { lang } = useLang();
  const [token, setToken] = useState('');
  const anon = useMemo(() => createApi(() => ({}), () => lang), [lang]);
  const people = useQuery({
    queryKey: ['people'],
    queryFn: () => anon.get<{ people: { key: string; name: string; username?: string; token: string }[] }>('/v1/demo/people').then((r) => r.people),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    if (token.trim()) onToken(token.trim());
  }
  return (
    <main id="content">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h1>{t('title')}</h1>
        <LangSwitch />
      </div>
      <p className="muted">{t('intro')}</p>
      <form className="panel row" onSubmit={submit}>
        <label style={{ flex: 1 }}>
          {t('pasteToken')}
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          {t('signIn')}
        </button>
      </form>
      {people.data && people.data.length > 0 && (
        <section className="panel" aria-labelledby="pick-h">
          <h2 id="pick-h">{t('pick')}</h2>
          <ul className="row" style={{ listStyle: 'none', padding: 0 }}>
            {people.data.map((p) => (
              <li key={p.key}>
                <button type="button" onClick={() => onToken(p.token)}>
                  {p.name}
                  {p.username ? ` (@${p.username})` : ''}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

/** A denial as the person sees it: what happened, until when, and where to learn more. */
function Denial({ error, onLearnMore }: { error: unknown; onLearnMore: () => void }) {
  const t = useT();
  const { lang } = useLang();
  if (!error) return null;
  if (!(error instanceof ApiError)) return <p className="error">{String(error)}</p>;
  const until = error.details.until;
  return (
    <div className="error" role="alert" data-code={error.code}>
      <strong>{error.code}</strong>: {error.message}
      {until !== undefined && (
        <div>
          {until === null ? t('indefinitely') : `${t('until')} ${when(String(until), lang)}`}
        </div>
      )}
      {error.details.appeal === 'spambot' && (
        <div>
          <button type="button" onClick={onLearnMore}>
            {t('learnMore')}
          </button>
        </div>
      )}
    </div>
  );
}

function ChatView({ api, chat, me, onDenied }: { api: Api; chat: Chat; me: Me; onDenied: (e: unknown) => void }) {
  const t = useT();
  const { lang } = useLang();
  const client = useQueryClient();
  const [draft, setDraft] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const messages = useQuery({
    queryKey: ['messages', chat.id],
    queryFn: () => api.get<{ messages: Message[] }>(`/v1/chats/${encodeURIComponent(chat.id)}/messages?limit=200`).then((r) => r.messages),
    refetchInterval: 3000,
  });
  const send = useMutation({
    mutationFn: (body: string) => api.post('/v1/messages', { to: { chatId: chat.id }, text: body }),
    onSuccess: () => {
      setDraft('');
      onDenied(null);
      return Promise.all([client.invalidateQueries({ queryKey: ['messages', chat.id] }), client.invalidateQueries({ queryKey: ['chats'] })]);
    },
    onError: onDenied,
  });
  const act = useMutation({
    mutationFn: async (what: 'report' | 'block' | 'contact') => {
      if (what === 'report') await api.post('/v1/reports', { chatId: chat.id });
      else if (what === 'block') await api.post('/v1/blocks', { accountId: chat.peer!.accountId });
      else await api.post('/v1/contacts', { accountId: chat.peer!.accountId });
      return what;
    },
    onSuccess: (what) => {
      setNote(t(what === 'report' ? 'reported' : what === 'block' ? 'blocked' : 'added'));
      return client.invalidateQueries({ queryKey: ['chats'] });
    },
    onError: onDenied,
  });
  const last = messages.data?.[messages.data.length - 1];
  return (
    <section aria-labelledby="chat-h" className="panel">
      <h2 id="chat-h">{chat.title ?? chat.peer?.name ?? chat.id}</h2>
      {chat.actionBar && (chat.actionBar.reportSpam || chat.actionBar.block || chat.actionBar.addContact) && (
        <div className="row notice" role="group" aria-label="action bar">
          {chat.actionBar.reportSpam && (
            <button type="button" className="danger" onClick={() => act.mutate('report')}>
              {t('reportSpam')}
            </button>
          )}
          {chat.actionBar.block && (
            <button type="button" onClick={() => act.mutate('block')}>
              {t('block')}
            </button>
          )}
          {chat.actionBar.addContact && (
            <button type="button" onClick={() => act.mutate('contact')}>
              {t('addContact')}
            </button>
          )}
        </div>
      )}
      {note && <p role="status">{note}</p>}
      <ol className="evidence" aria-live="polite">
        {messages.data?.map((m) => (
          <li key={m.id}>
            <span className="muted">
              {m.from === me.account.id ? t('you') : (chat.peer?.name ?? m.from)} · {when(m.sentAt, lang)}
            </span>
            <blockquote>{m.text}</blockquote>
          </li>
        ))}
      </ol>
      {last?.buttons && last.from !== me.account.id && (
        <div className="row" role="group" aria-label="SpamBot">
          {last.buttons.flat().map((b) => (
            <button key={b} type="button" onClick={() => send.mutate(b)}>
              {b}
            </button>
          ))}
        </div>
      )}
      <form
        className="row"
        style={{ marginTop: 8 }}
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim()) send.mutate(draft);
        }}
      >
        <label style={{ flex: 1 }}>
          {t('message')}
          <input value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={send.isPending}>
          {t('send')}
        </button>
      </form>
    </section>
  );
}

function Home({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const t = useT();
  const { lang } = useLang();
  const client = useQueryClient();
  const api = useMemo(() => createApi(() => ({ authorization: `Bearer ${token}` }), () => lang), [token, lang]);
  const [open, setOpen] = useState<string | null>(null);
  const [denied, setDenied] = useState<unknown>(null);
  const [to, setTo] = useState('');
  const [first, setFirst] = useState('');
  const me = useQuery({ queryKey: ['me', token], queryFn: () => api.get<Me>('/v1/me'), refetchInterval: 5000 });
  const chats = useQuery({ queryKey: ['chats', token], queryFn: () => api.get<{ chats: Chat[] }>('/v1/chats').then((r) => r.chats), refetchInterval: 3000 });
  const write = useMutation({
    mutationFn: (v: { to: string; body: string }) => {
      const target = v.to.startsWith('+') ? { phone: v.to } : { username: v.to.replace(/^@/, '') };
      return api.post<{ message: { chatId: string } }>('/v1/messages', { to: target, text: v.body });
    },
    onSuccess: async (r) => {
      setDenied(null);
      setFirst('');
      await client.invalidateQueries({ queryKey: ['chats'] });
      setOpen(r.message.chatId);
    },
    onError: setDenied,
  });
  async function learnMore() {
    try {
      const r = await api.post<{ message: { chatId: string } }>('/v1/messages', { to: { username: 'spambot' }, text: '/start' });
      await client.invalidateQueries({ queryKey: ['chats'] });
      setOpen(r.message.chatId);
      setDenied(null);
    } catch (e) {
      setDenied(e);
    }
  }
  if (me.error instanceof ApiError && me.error.status === 401) {
    return (
      <main id="content">
        <Denial error={me.error} onLearnMore={() => undefined} />
        <button type="button" onClick={onSignOut}>
          {t('signOut')}
        </button>
      </main>
    );
  }
  const chat = chats.data?.find((c) => c.id === open);
  const r = me.data?.restriction;
  return (
    <>
      <header className="top">
        <span className="brand">{t('title')}</span>
        <span>
          {me.data?.account.name}
          {r && (
            <span className={r.state === 'free' ? 'tag' : 'tag overdue'} data-state={r.state} style={{ marginLeft: 8 }}>
              {t(r.state)}
              {r.state === 'limited' && ` ${r.until ? `${t('until')} ${when(r.until, lang)}` : t('indefinitely')}`}
            </span>
          )}
        </span>
        <div className="row">
          <LangSwitch />
          <button type="button" onClick={onSignOut} style={{ background: 'transparent' }}>
            {t('signOut')}
          </button>
        </div>
      </header>
      <main id="content">
        <Denial error={denied} onLearnMore={() => void learnMore()} />
        <div className="grid">
          <section className="panel" aria-labelledby="chats-h">
            <h2 id="chats-h">{t('chats')}</h2>
            {chats.data?.length === 0 && <p>{t('noChats')}</p>}
            <ul style={{ listStyle: 'none', padding: 0 }}>
              {chats.data?.map((c) => (
                <li key={c.id}>
                  <button type="button" aria-current={c.id === open ? 'true' : undefined} onClick={() => setOpen(c.id)} style={{ width: '100%', textAlign: 'left', marginBottom: 4 }}>
                    {c.title ?? c.peer?.name ?? c.id} {c.actionBar?.reportSpam ? '⚠' : ''}
                  </button>
                </li>
              ))}
            </ul>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (to.trim() && first.trim()) write.mutate({ to: to.trim(), body: first });
              }}
            >
              <h3>{t('newChat')}</h3>
              <label>
                {t('to')}
                <input value={to} onChange={(e) => setTo(e.target.value)} />
              </label>
              <label>
                {t('message')}
                <input value={first} onChange={(e) => setFirst(e.target.value)} />
              </label>
              <button type="submit" className="primary" style={{ marginTop: 6 }}>
                {t('send')}
              </button>
            </form>
          </section>
          {chat && me.data ? <ChatView key={chat.id} api={api} chat={chat} me={me.data} onDenied={setDenied} /> : <p className="panel">{t('pickChat')}</p>}
        </div>
      </main>
    </>
  );
}

export function Messenger() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const client = useQueryClient();
  if (!token)
    return (
      <SignIn
        onToken={(tk) => {
          sessionStorage.setItem(TOKEN_KEY, tk);
          setToken(tk);
        }}
      />
    );
  return (
    <Home
      token={token}
      onSignOut={() => {
        sessionStorage.removeItem(TOKEN_KEY);
        client.clear();
        setToken(null);
      }}
    />
  );
}
