import type { ErrorCode } from './codes.js';

/** User-facing texts of errors, in English and Russian. The wording is banya's own. */

export type Lang = 'en' | 'ru';

export interface TextParams {
  /** End of a limit or wait, ms; null for "without end". */
  until?: number | null;
  retryAfter?: number;
  deleteAt?: number;
  /** A frozen account past its deletion date, kept by an open appeal. */
  deletionOnHold?: boolean;
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_RU = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

/** `26 Nov 2026, 14:00 UTC`, rounded up to the minute so it is never earlier than the real time. */
export function formatUtc(ms: number, lang: Lang): string {
  const up = Math.ceil(ms / 60_000) * 60_000;
  const d = new Date(up);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const month = (lang === 'ru' ? MONTHS_RU : MONTHS_EN)[d.getUTCMonth()];
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

type Texts = Partial<Record<ErrorCode, (p: TextParams) => string>>;

const en: Texts = {
  USER_DEACTIVATED_BAN: () => 'This account has been banned for breaking the Terms of Service and can no longer be used.',
  FROZEN_METHOD_INVALID: (p) =>
    `Your account is frozen: you can read, but you cannot send or change anything.${p.deleteAt ? (p.deletionOnHold ? ` It was to be deleted on ${formatUtc(p.deleteAt, 'en')}; it will not be deleted while your appeal is under review.` : ` It will be deleted on ${formatUtc(p.deleteAt, 'en')} unless an appeal succeeds.`) : ''} Write to @spambot to appeal.`,
  INPUT_USER_DEACTIVATED: () => 'This account has been deleted.',
  YOU_BLOCKED_USER: () => 'You have blocked this person. Unblock them to send a message.',
  USER_IS_BLOCKED: () => 'This person has blocked you, so your message cannot be delivered.',
  PEER_FLOOD: (p) =>
    `At the moment you can only send messages to mutual contacts, and reply to people who wrote to you first. ${
      p.until ? `The limit lasts until ${formatUtc(p.until, 'en')}.` : 'The limit has no end date: it lasts indefinitely.'
    } Write to @spambot to learn more or to appeal.`,
  USER_PRIVACY_RESTRICTED: () => 'This person accepts messages from their contacts only.',
  FLOOD_WAIT: (p) => `Too many requests. Please wait ${p.retryAfter ?? 1} s and try again.`,
  PHONE_NOT_OCCUPIED: () => 'No account can be found for this number: it is not registered, or its owner lets only their contacts find them.',
  USERNAME_NOT_OCCUPIED: () => 'No account has this username.',
  PEER_ID_INVALID: () => 'No such account or chat.',
  USER_RESTRICTED: (p) =>
    `Your account is limited, so you cannot create groups or channels${p.until ? ` until ${formatUtc(p.until, 'en')}` : ''}. Write to @spambot to learn more.`,
  USER_NOT_MUTUAL_CONTACT: () => 'This person left the chat earlier; only a mutual contact can add them back.',
  CHAT_ADMIN_REQUIRED: () => 'Only the admins of this chat can do that.',
  CHAT_WRITE_FORBIDDEN: () => 'You cannot write in this chat.',
  USER_BANNED_IN_CHANNEL: () =>
    'You cannot post in public groups: your account was restricted after reports about public content. Write to @spambot to appeal.',
  USER_ALREADY_PARTICIPANT: () => 'Already a member of this chat.',
  CHAT_NOT_PUBLIC: () => 'This chat is private: you can join it only when an admin adds you.',
  BAD_REQUEST: () => 'The request is not valid.',
  PHONE_NUMBER_INVALID: () => 'The phone number is not a valid international number (start with + and the country code).',
  USERNAME_INVALID: () => 'Usernames are 3–32 characters: Latin letters, digits and underscores, starting with a letter.',
  NAME_INVALID: () =>
    'This name cannot be used: it could pass for a system account (SpamBot or support), holds characters that reverse the text direction, or shows nothing.',
  MESSAGE_EMPTY: () => 'The message is empty: write something visible.',
  UNAUTHORIZED: () => 'Sign in first: the token is missing, invalid or no longer valid.',
  FORBIDDEN: () => 'Your role does not allow this.',
  NOT_FOUND: () => 'Nothing is here: it does not exist, or you cannot see it.',
  PHONE_NUMBER_BANNED: () => 'This phone number is banned and cannot be used to register.',
  PHONE_TAKEN: () => 'An account with this phone number already exists.',
  USERNAME_TAKEN: () => 'This username is taken.',
  PLATFORM_ID_TAKEN: () => 'An account with this platform id already exists.',
  IDEMPOTENCY_CONFLICT: () => 'This idempotency key was already used with a different request.',
  CASE_CLAIMED: () => 'Another staff member has claimed this case; it can be decided once they release it or the claim expires.',
  CASE_CLOSED: () => 'This case is already closed.',
  APPEAL_ALREADY_DECIDED: () => 'This appeal has already been decided.',
  TICKET_CLOSED: () => 'This ticket is closed. A new message from the person opens a new one.',
  ADMIN_TOKEN_FIXED: () => 'The admin token is set by BANYA_ADMIN_TOKEN: rotate it there.',
  CRM_ALREADY_CONNECTED: () => 'This business account is already connected to another CRM account; disconnect that one first.',
  EMAIL_CODE_INVALID: () => 'The code is wrong or has expired. Ask for a new code and try again.',
  MAIL_RELAY_UNAVAILABLE: () => 'Mail cannot be sent right now, so this cannot be done. Please try again later.',
  NOTHING_TO_REPORT: () => 'There is nothing here to report: no messages of this account (or chat) to review.',
  PAYLOAD_TOO_LARGE: () => 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: () => 'Send JSON.',
  SERVICE_UNAVAILABLE: () => 'The service cannot store data right now. Please try again later.',
  INTERNAL: () => 'Something went wrong on our side.',
};

const ru: Texts = {
  USER_DEACTIVATED_BAN: () => 'Этот аккаунт заблокирован за нарушение Условий использования и больше не может работать.',
  FROZEN_METHOD_INVALID: (p) =>
    `Ваш аккаунт заморожен: читать можно, а отправлять и менять что-либо нельзя.${p.deleteAt ? (p.deletionOnHold ? ` Удаление было назначено на ${formatUtc(p.deleteAt, 'ru')}; пока ваша апелляция на рассмотрении, аккаунт не будет удалён.` : ` Он будет удалён ${formatUtc(p.deleteAt, 'ru')}, если апелляция не будет удовлетворена.`) : ''} Чтобы обжаловать, напишите @spambot.`,
  INPUT_USER_DEACTIVATED: () => 'Этот аккаунт удалён.',
  YOU_BLOCKED_USER: () => 'Вы заблокировали этого человека. Разблокируйте его, чтобы написать.',
  USER_IS_BLOCKED: () => 'Этот человек заблокировал вас, поэтому сообщение не может быть доставлено.',
  PEER_FLOOD: (p) =>
    `Сейчас вы можете писать только взаимным контактам и отвечать тем, кто написал вам первым. ${
      p.until ? `Ограничение действует до ${formatUtc(p.until, 'ru')}.` : 'Ограничение бессрочное.'
    } Подробности и апелляция — в @spambot.`,
  USER_PRIVACY_RESTRICTED: () => 'Этот человек принимает сообщения только от своих контактов.',
  FLOOD_WAIT: (p) => `Слишком много запросов. Подождите ${p.retryAfter ?? 1} с и попробуйте снова.`,
  PHONE_NOT_OCCUPIED: () => 'По этому номеру аккаунт не найден: номер не зарегистрирован или владелец разрешает находить себя только своим контактам.',
  USERNAME_NOT_OCCUPIED: () => 'Аккаунта с таким именем пользователя нет.',
  PEER_ID_INVALID: () => 'Такого аккаунта или чата нет.',
  USER_RESTRICTED: (p) =>
    `Ваш аккаунт ограничен, поэтому создавать группы и каналы нельзя${p.until ? ` до ${formatUtc(p.until, 'ru')}` : ''}. Подробности — в @spambot.`,
  USER_NOT_MUTUAL_CONTACT: () => 'Этот человек ранее покинул чат; вернуть его может только взаимный контакт.',
  CHAT_ADMIN_REQUIRED: () => 'Это могут делать только администраторы чата.',
  CHAT_WRITE_FORBIDDEN: () => 'Вы не можете писать в этот чат.',
  USER_BANNED_IN_CHANNEL: () => 'Вы не можете писать в публичных группах: аккаунт ограничен после жалоб на публичный контент. Обжаловать можно в @spambot.',
  USER_ALREADY_PARTICIPANT: () => 'Уже участник этого чата.',
  CHAT_NOT_PUBLIC: () => 'Это закрытый чат: вступить можно, только если администратор добавит вас.',
  BAD_REQUEST: () => 'Некорректный запрос.',
  PHONE_NUMBER_INVALID: () => 'Номер телефона указан неверно (начните с + и кода страны).',
  USERNAME_INVALID: () => 'Имя пользователя — от 3 до 32 символов: латинские буквы, цифры и подчёркивания, первая — буква.',
  NAME_INVALID: () =>
    'Это имя нельзя использовать: его можно принять за системный аккаунт (SpamBot или поддержку), в нём есть символы, меняющие направление текста, или в нём ничего не видно.',
  MESSAGE_EMPTY: () => 'Сообщение пустое: напишите что-нибудь видимое.',
  UNAUTHORIZED: () => 'Сначала войдите: токен отсутствует, неверен или больше не действует.',
  FORBIDDEN: () => 'Ваша роль не позволяет это сделать.',
  NOT_FOUND: () => 'Здесь ничего нет: объект не существует или недоступен вам.',
  PHONE_NUMBER_BANNED: () => 'Этот номер заблокирован, зарегистрироваться с ним нельзя.',
  PHONE_TAKEN: () => 'Аккаунт с этим номером уже существует.',
  USERNAME_TAKEN: () => 'Это имя пользователя занято.',
  PLATFORM_ID_TAKEN: () => 'Аккаунт с этим идентификатором платформы уже существует.',
  IDEMPOTENCY_CONFLICT: () => 'Этот ключ идемпотентности уже использован с другим запросом.',
  CASE_CLAIMED: () => 'Это дело взял другой сотрудник; решить его можно, когда он его отпустит или истечёт срок.',
  CASE_CLOSED: () => 'Это дело уже закрыто.',
  APPEAL_ALREADY_DECIDED: () => 'По этой апелляции уже принято решение.',
  TICKET_CLOSED: () => 'Это обращение закрыто. Новое сообщение от человека откроет новое обращение.',
  ADMIN_TOKEN_FIXED: () => 'Токен администратора задан в BANYA_ADMIN_TOKEN: меняйте его там.',
  CRM_ALREADY_CONNECTED: () => 'Этот бизнес-аккаунт уже подключён к другому аккаунту CRM; сначала отключите тот.',
  EMAIL_CODE_INVALID: () => 'Код неверный или устарел. Запросите новый код и попробуйте снова.',
  MAIL_RELAY_UNAVAILABLE: () => 'Сейчас нельзя отправить письмо, поэтому это действие недоступно. Попробуйте позже.',
  NOTHING_TO_REPORT: () => 'Здесь не на что жаловаться: нет сообщений этого аккаунта (или чата) для проверки.',
  PAYLOAD_TOO_LARGE: () => 'Слишком большое тело запроса.',
  UNSUPPORTED_MEDIA_TYPE: () => 'Отправляйте JSON.',
  SERVICE_UNAVAILABLE: () => 'Сервис сейчас не может сохранять данные. Попробуйте позже.',
  INTERNAL: () => 'Что-то пошло не так на нашей стороне.',
};

const TEXTS: Record<Lang, Texts> = { en, ru };

export function errorText(code: ErrorCode, lang: Lang, params: TextParams = {}): string {
  const t = TEXTS[lang][code] ?? en[code];
  return t ? t(params) : code;
}

/** The first supported language of an Accept-Language header, else English. */
export function langFromHeader(header: string | undefined): Lang {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: (tag ?? '').trim().toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === 'ru' || tag.startsWith('ru-')) return 'ru';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
