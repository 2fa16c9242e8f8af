import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { ApiError, createApi, type Api } from '../shared/api';
import { useLang } from '../shared/i18n';

export interface Principal {
  kind: 'staff' | 'admin';
  id: string;
  role: 'triage' | 'moderator' | 'support' | 'admin';
  name: string;
}

interface SessionContext {
  api: Api;
  principal: Principal;
  signOut: () => Promise<void>;
}

/** The session's CSRF token: sent as x-csrf-token on every write (the cookie itself is HttpOnly). */
let csrf = '';

const Ctx = createContext<SessionContext | null>(null);

export function useApi(): Api {
  const { lang } = useLang();
  return useMemo(() => createApi((): Record<string, string> => (csrf ? { 'x-csrf-token': csrf } : {}), () => lang), [lang]);
}

export function useSession(): SessionContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useSession outside SessionProvider');
  return c;
}

export function can(p: Principal, ...roles: Principal['role'][]): boolean {
  return p.role === 'admin' || roles.includes(p.role);
}

export function SessionGate({ children, signIn }: { children: ReactNode; signIn: (onDone: () => void) => ReactNode }) {
  const api = useApi();
  const client = useQueryClient();
  const session = useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        const s = await api.get<{ principal: Principal; csrf: string }>('/v1/console/session');
        csrf = s.csrf;
        return s.principal;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
        throw e;
      }
    },
    staleTime: Infinity,
    retry: false,
  });
  if (session.isPending) return null;
  const principal = session.data;
  if (!principal) return <>{signIn(() => void client.invalidateQueries({ queryKey: ['session'] }))}</>;
  const value: SessionContext = {
    api,
    principal,
    signOut: async () => {
      await api.del('/v1/console/session');
      csrf = '';
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      client.setQueryData(['session'], null);
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** Signing in sets the cookie; the CSRF token comes with the answer. */
export async function signInWith(api: Api, token: string): Promise<void> {
  const s = await api.post<{ csrf: string }>('/v1/console/session', { token });
  csrf = s.csrf;
}
