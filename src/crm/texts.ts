import { formatUtc, type Lang } from '../domain/texts.js';

/**
 * What the manager reads in the CRM when a message fails (spec/CRM.md, "Mapping outcomes"):
 * the amojo error code and the text, in the channel's language. The wording is banya's own.
 */

export type FailureReason =
  | 'PHONE_NOT_OCCUPIED'
  | 'INPUT_USER_DEACTIVATED'
  | 'USER_IS_BLOCKED'
  | 'YOU_BLOCKED_USER'
  | 'PEER_FLOOD'
  | 'USER_PRIVACY_RESTRICTED'
  | 'FROZEN_METHOD_INVALID'
  | 'USER_DEACTIVATED_BAN'
  | 'FLOOD_WAIT'
  | 'PAUSED'
  | 'DISCONNECTED'
  | 'SENDER_DELETED'
  | 'BAD_RECEIVER'
  | 'UNSUPPORTED'
  | 'TEXT_EMPTY'
  | 'TEXT_TOO_LONG'
  | 'INTERNAL';

export interface Failure {
  reason: FailureReason;
  /** PEER_FLOOD: the limit's end (ms), null for none. */
  until?: number | null;
  /** FROZEN_METHOD_INVALID: when the account is deleted (ms). */
  deleteAt?: number | null;
  /** TEXT_TOO_LONG: the longest text the messenger takes, in characters. */
  maxLength?: number;
}

export const ERROR_CODE: Record<FailureReason, 902 | 903 | 904 | 905> = {
  PHONE_NOT_OCCUPIED: 904,
  INPUT_USER_DEACTIVATED: 904,
  USER_IS_BLOCKED: 905,
  YOU_BLOCKED_USER: 905,
  PEER_FLOOD: 905,
  USER_PRIVACY_RESTRICTED: 905,
  FROZEN_METHOD_INVALID: 902,
  USER_DEACTIVATED_BAN: 902,
  FLOOD_WAIT: 905,
  PAUSED: 902,
  DISCONNECTED: 902,
  SENDER_DELETED: 902,
  BAD_RECEIVER: 905,
  UNSUPPORTED: 905,
  TEXT_EMPTY: 905,
  TEXT_TOO_LONG: 905,
  INTERNAL: 903,
};

type Texts = Record<FailureReason, (f: Failure) => string>;

const en: Texts = {
  PHONE_NOT_OCCUPIED: () =>
    'No account uses this number, or the client hides their number from people who have not saved it. Check the number, or ask the client to write to you first.',
  INPUT_USER_DEACTIVATED: () => "The client's account was deleted.",
  USER_IS_BLOCKED: () => 'The client has blocked your number. Messages to them will not be delivered.',
  YOU_BLOCKED_USER: () => 'You have blocked this client. Unblock them in the app to write to them.',
  PEER_FLOOD: (f) =>
    `Your number is limited ${f.until ? `until ${formatUtc(f.until, 'en')}` : 'with no end date'}: it can write only to mutual contacts and reply to clients who wrote first. ` +
    'To check the limit and appeal, write /start to @SpamBot from this number.',
  USER_PRIVACY_RESTRICTED: () => 'The client accepts new chats only from their contacts. Ask them to save your number or to write to you first.',
  FROZEN_METHOD_INVALID: (f) =>
    `Your number is frozen: it can read but not send${f.deleteAt ? `, and it will be deleted on ${formatUtc(f.deleteAt, 'en')} unless an appeal succeeds` : ''}. ` +
    'The channel is paused. Write to @SpamBot from this number to appeal.',
  USER_DEACTIVATED_BAN: () =>
    'Your number is banned and can no longer send messages. The channel is paused: connect another number to it to keep writing to your clients.',
  FLOOD_WAIT: () => 'Your number is sending too fast and was asked to wait; the message could not be sent. Try again later.',
  PAUSED: () => 'The channel is paused because your number is frozen or banned. The message was not sent.',
  DISCONNECTED: () => 'The CRM account was disconnected from the channel before this message could be sent. It was not sent.',
  SENDER_DELETED: () => 'The messenger account behind this channel was deleted by its owner, so it can no longer send. Connect another account to the channel.',
  BAD_RECEIVER: () => 'The message has no recipient banya can write to (no client id and no valid phone number).',
  UNSUPPORTED: () => 'Only text messages can be sent through this channel for now; files and media are not delivered.',
  TEXT_EMPTY: () => 'The message is empty once invisible characters are removed, so it was not sent. Write some text.',
  TEXT_TOO_LONG: (f) =>
    `The message is too long for the messenger${f.maxLength ? ` (at most ${f.maxLength} characters)` : ''}, so it was not sent. Split it into shorter messages.`,
  INTERNAL: () => 'A temporary failure on the messenger side: the message was not sent. Try again in a few minutes.',
};

const ru: Texts = {
  PHONE_NOT_OCCUPIED: () =>
    'На этот номер не зарегистрирован аккаунт, или клиент скрывает свой номер от тех, кто его не сохранил. Проверьте номер или попросите клиента написать вам первым.',
  INPUT_USER_DEACTIVATED: () => 'Аккаунт клиента удалён.',
  USER_IS_BLOCKED: () => 'Клиент заблокировал ваш номер. Сообщения ему не доставляются.',
  YOU_BLOCKED_USER: () => 'Вы заблокировали этого клиента. Разблокируйте его в приложении, чтобы написать.',
  PEER_FLOOD: (f) =>
    `Ваш номер ограничен ${f.until ? `до ${formatUtc(f.until, 'ru')}` : 'без срока окончания'}: можно писать только взаимным контактам и отвечать клиентам, которые написали первыми. ` +
    'Чтобы проверить ограничение и обжаловать его, напишите /start в @SpamBot с этого номера.',
  USER_PRIVACY_RESTRICTED: () => 'Клиент принимает новые чаты только от своих контактов. Попросите его сохранить ваш номер или написать вам первым.',
  FROZEN_METHOD_INVALID: (f) =>
    `Ваш номер заморожен: читать можно, отправлять нельзя${f.deleteAt ? `; он будет удалён ${formatUtc(f.deleteAt, 'ru')}, если апелляция не будет удовлетворена` : ''}. ` +
    'Канал приостановлен. Чтобы обжаловать, напишите в @SpamBot с этого номера.',
  USER_DEACTIVATED_BAN: () =>
    'Ваш номер заблокирован и больше не может отправлять сообщения. Канал приостановлен: подключите к нему другой номер, чтобы и дальше писать клиентам.',
  FLOOD_WAIT: () => 'Ваш номер отправляет слишком часто, и его попросили подождать; сообщение не отправлено. Попробуйте позже.',
  PAUSED: () => 'Канал приостановлен: ваш номер заморожен или заблокирован. Сообщение не отправлено.',
  DISCONNECTED: () => 'Аккаунт CRM отключён от канала раньше, чем сообщение было отправлено. Оно не отправлено.',
  SENDER_DELETED: () =>
    'Аккаунт мессенджера, через который работает канал, удалён владельцем и больше не может отправлять сообщения. Подключите к каналу другой аккаунт.',
  BAD_RECEIVER: () => 'У сообщения нет получателя, которому можно написать (нет id клиента и правильного номера телефона).',
  UNSUPPORTED: () => 'Через этот канал пока можно отправлять только текст; файлы и медиа не доставляются.',
  TEXT_EMPTY: () => 'Сообщение пустое, если убрать невидимые символы, поэтому оно не отправлено. Напишите текст.',
  TEXT_TOO_LONG: (f) =>
    `Сообщение слишком длинное для мессенджера${f.maxLength ? ` (не больше ${f.maxLength} символов)` : ''}, поэтому оно не отправлено. Разделите его на несколько сообщений.`,
  INTERNAL: () => 'Временный сбой на стороне мессенджера: сообщение не отправлено. Попробуйте через несколько минут.',
};

const TEXTS: Record<Lang, Texts> = { en, ru };

export function failureText(f: Failure, lang: Lang): string {
  return TEXTS[lang][f.reason](f);
}

/** The error reported for a failure: amojo's code and the manager's text. */
export function failureReport(f: Failure, lang: Lang): { errorCode: number; text: string } {
  return { errorCode: ERROR_CODE[f.reason], text: failureText(f, lang) };
}

/** Whether this failure pauses the connection (the number is frozen or banned). */
export function pausesChannel(reason: FailureReason): boolean {
  return reason === 'FROZEN_METHOD_INVALID' || reason === 'USER_DEACTIVATED_BAN';
}

/** The number's standing as the manager reads it in the status (like SpamBot's answer). */
export function standingText(ns: { state: 'free' | 'limited' | 'frozen' | 'banned'; until?: number | null; deleteAt?: number | null }, lang: Lang): string {
  switch (ns.state) {
    case 'free':
      return lang === 'ru'
        ? 'Ваш номер свободен: ограничений нет. Новые чаты с незнакомыми людьми защита отправляет в пределах лимитов.'
        : 'Your number is free: no limits apply. Sender protection keeps new chats with strangers within the caps.';
    case 'limited':
      return failureText({ reason: 'PEER_FLOOD', until: ns.until ?? null }, lang);
    case 'frozen':
      return failureText({ reason: 'FROZEN_METHOD_INVALID', deleteAt: ns.deleteAt ?? null }, lang);
    case 'banned':
      return failureText({ reason: 'USER_DEACTIVATED_BAN' }, lang);
  }
}
