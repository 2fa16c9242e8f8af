import { ApiError } from '../shared/api';
import { useLang } from '../shared/i18n';

/** An error as people can act on it: the server's own message and code. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useLang();
  if (!error) return null;
  const text = error instanceof ApiError ? (error.status === 403 ? `${t('forbidden')} (${error.message})` : `${error.message} (${error.code})`) : t('error');
  return (
    <p className="error" role="alert">
      {text}
    </p>
  );
}
