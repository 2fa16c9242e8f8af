import { useInfiniteQuery } from '@tanstack/react-query';
import { qs } from '../../shared/api';
import { when } from '../../shared/format';
import { useLang } from '../../shared/i18n';
import { ErrorNote } from '../ErrorNote';
import { useSession } from '../session';

interface View {
  at: string;
  by: string;
  caseId?: string;
  accountId?: string;
}

export function AuditPage() {
  const { t, lang } = useLang();
  const { api } = useSession();
  const audit = useInfiniteQuery({
    queryKey: ['audit'],
    queryFn: ({ pageParam }) => api.get<{ views: View[]; nextCursor?: string }>(`/v1/moderation/audit${qs({ cursor: pageParam, limit: 50 })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
  });
  const views = audit.data?.pages.flatMap((p) => p.views) ?? [];
  return (
    <>
      <h1>{t('audit')}</h1>
      <p className="muted">{t('whoLooked')}</p>
      <ErrorNote error={audit.error} />
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t('at')}</th>
            <th scope="col">{t('by')}</th>
            <th scope="col">{t('case')}</th>
            <th scope="col">{t('account')}</th>
          </tr>
        </thead>
        <tbody>
          {views.map((v, i) => (
            // Two views of one case by one person can share a time (the manual clock): the place keeps them apart.
            // biome-ignore lint/suspicious/noArrayIndexKey: the list only grows at its end (paged, oldest last)
            <tr key={`${i}-${v.at}-${v.by}-${v.caseId ?? ''}`}>
              <td>{when(v.at, lang)}</td>
              <td>{v.by}</td>
              <td>{v.caseId ?? '—'}</td>
              <td>{v.accountId ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {audit.hasNextPage && (
        <button type="button" onClick={() => void audit.fetchNextPage()}>
          {t('loadMore')}
        </button>
      )}
    </>
  );
}
