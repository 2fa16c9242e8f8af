import { Link, useParams } from 'react-router';
import { useLang } from '../../shared/i18n';
import { StandingPanel, TimelinePanel, useAccount } from '../account';
import { ErrorNote } from '../ErrorNote';

/** One account: its standing, strikes, lifting (support, admin) and its whole timeline. */
export function AccountPage() {
  const { id = '' } = useParams();
  const { t } = useLang();
  const query = useAccount(id);
  const first = query.data?.pages[0];
  if (query.error && !first) return <ErrorNote error={query.error} />;
  const a = first?.account;
  return (
    <>
      <p>
        <Link to="/">← {t('backToQueue')}</Link>
      </p>
      <h1 tabIndex={-1}>
        {t('account')} {a?.name ? `${a.name} (${id})` : id}
        {a?.username ? ` · @${a.username}` : ''}
      </h1>
      {!first && <p>{t('loading')}</p>}
      <StandingPanel view={first} />
      <TimelinePanel query={query} />
    </>
  );
}
