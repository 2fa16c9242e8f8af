import { ApiError, NETWORK, UNREADABLE } from '../shared/api';
import { useLang, type TextKey } from '../shared/i18n';

/** What to tell people about `error`, in their language: the server's own message and code when it gave one. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useLang();
  return (error) => {
    if (!(error instanceof ApiError)) return t('error');
    if (error.code === NETWORK) return t('networkError');
    if (error.code === UNREADABLE) return t(error.status >= 500 || error.status === 0 ? 'serverError' : 'error');
    if (error.status === 403) return `${t('forbidden')} (${error.message})`;
    const own: Partial<Record<string, TextKey>> = {
      CASE_CLAIMED: 'caseClaimed',
      CASE_CLOSED: 'caseClosed',
      APPEAL_ALREADY_DECIDED: 'appealDecided',
      TICKET_CLOSED: 'ticketClosed',
    };
    const key = own[error.code];
    return key ? t(key) : `${error.message} (${error.code})`;
  };
}

/** An error as people can act on it. */
export function ErrorNote({ error }: { error: unknown }) {
  const text = useErrorText();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {text(error)}
    </p>
  );
}
