import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { when } from '../../shared/format';
import { useLang } from '../../shared/i18n';
import { ErrorNote } from '../ErrorNote';
import { can, useSession } from '../session';

interface Staff {
  id: string;
  name: string;
  role: string;
  createdAt: string;
}

export function StaffPage() {
  const { t, lang } = useLang();
  const { api, principal } = useSession();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState('moderator');
  const [token, setToken] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['staff'],
    // Every page: the list is paged like every list of the API.
    queryFn: async () => {
      const all: Staff[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.get<{ staff: Staff[]; nextCursor?: string }>(
          `/v1/admin/staff?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        all.push(...page.staff);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
  });
  const create = useMutation({
    mutationFn: () => api.post<{ token: string }>('/v1/admin/staff', { name: name.trim(), role }),
    onSuccess: (r) => {
      setToken(r.token);
      setName('');
      return client.invalidateQueries({ queryKey: ['staff'] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/v1/admin/staff/${encodeURIComponent(id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['staff'] }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <>
      <h1>{t('staff')}</h1>
      <ErrorNote error={list.error ?? create.error ?? remove.error} />
      {/* Only an admin manages staff: nobody else is offered forms the server would refuse. */}
      {can(principal, 'admin') && !list.error && (
        <form className="panel row" onSubmit={submit} aria-label={t('addStaff')}>
          <label>
            {t('name')}
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
          </label>
          <label>
            {t('role')}
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              {['triage', 'moderator', 'support', 'admin'].map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button className="primary" type="submit">
            {t('addStaff')}
          </button>
        </form>
      )}
      {token && (
        <p className="notice" role="status">
          {t('newToken')} <code>{token}</code>
        </p>
      )}
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('role')}</th>
            <th scope="col">{t('created')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('remove')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data?.map((s) => (
            <tr key={s.id}>
              <td>
                {s.name} <span className="muted">{s.id}</span>
              </td>
              <td>{s.role}</td>
              <td>{when(s.createdAt, lang)}</td>
              <td>
                {can(principal, 'admin') && (
                  <button type="button" onClick={() => remove.mutate(s.id)} aria-label={`${t('removeStaff')} ${s.name}`}>
                    {t('removeStaff')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
