import type { Lang } from './i18n';

/**
 * A time for people: local date and time with its zone, to the minute, in the page's language.
 * Rounded up, like banya's own texts, so that an end is never shown earlier than it is.
 */
export function when(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const ms = Math.ceil(Date.parse(iso) / 60_000) * 60_000;
  return new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(
    new Date(ms),
  );
}

/** "in 3 h", "5 min ago". */
export function relative(iso: string, now: number, lang: Lang): string {
  const diff = Date.parse(iso) - now;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 3600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 48 * 3600_000) return rtf.format(Math.round(diff / 3600_000), 'hour');
  return rtf.format(Math.round(diff / 86_400_000), 'day');
}
