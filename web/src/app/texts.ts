import type { Lang } from '../shared/i18n';

/** The demo messenger's few texts. */
const T = {
  title: ['banya demo messenger', 'демо-мессенджер banya'],
  intro: [
    'A window onto banya’s behaviour: sign in as one of the platform’s accounts, write, report, and see exactly what the send gate answers.',
    'Окно в поведение banya: войдите как аккаунт платформы, пишите, жалуйтесь и смотрите, что именно отвечает проверка отправки.',
  ],
  pasteToken: ['Account token', 'Токен аккаунта'],
  signIn: ['Sign in', 'Войти'],
  signOut: ['Sign out', 'Выйти'],
  pick: ['Or pick one of the demo’s people', 'Или выберите человека из демо'],
  chats: ['Chats', 'Чаты'],
  noChats: ['No chats yet.', 'Чатов пока нет.'],
  newChat: ['Write to a username or phone number', 'Написать по имени пользователя или номеру'],
  to: ['To (@username or +phone)', 'Кому (@имя или +номер)'],
  message: ['Message', 'Сообщение'],
  send: ['Send', 'Отправить'],
  until: ['until', 'до'],
  indefinitely: ['with no end date', 'без срока'],
  learnMore: ['Learn more from SpamBot', 'Узнать больше у SpamBot'],
  reportSpam: ['Report spam', 'Сообщить о спаме'],
  block: ['Block', 'Заблокировать'],
  addContact: ['Add contact', 'Добавить в контакты'],
  reported: ['Reported. Thank you.', 'Жалоба отправлена. Спасибо.'],
  blocked: ['Blocked.', 'Заблокирован.'],
  added: ['Added to contacts.', 'Добавлен в контакты.'],
  you: ['You', 'Вы'],
  status: ['Your account', 'Ваш аккаунт'],
  free: ['free', 'без ограничений'],
  limited: ['limited', 'ограничен'],
  frozen: ['frozen', 'заморожен'],
  back: ['All chats', 'Все чаты'],
  pickChat: ['Pick a chat.', 'Выберите чат.'],
} as const;

export type Key = keyof typeof T;
export const text = (k: Key, lang: Lang): string => T[k][lang === 'ru' ? 1 : 0];
