import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'en' | 'ru';

/** Every text of the pages, English and Russian side by side so that neither is forgotten. */
const TEXTS = {
  appName: ['banya console', 'консоль banya'],
  skip: ['Skip to content', 'Перейти к содержимому'],
  language: ['Language', 'Язык'],
  signIn: ['Sign in', 'Войти'],
  signOut: ['Sign out', 'Выйти'],
  signInTitle: ['Sign in with your staff token', 'Вход по токену сотрудника'],
  signInHint: [
    'Paste the token you were given (or the operator’s admin token). It is sent once; the console then keeps an HttpOnly session cookie.',
    'Вставьте выданный вам токен (или токен администратора платформы). Он отправляется один раз, дальше консоль хранит сессию в HttpOnly-cookie.',
  ],
  token: ['Token', 'Токен'],
  wrongToken: ['This token is not a staff token.', 'Это не токен сотрудника.'],
  queue: ['Queue', 'Очередь'],
  appeals: ['Appeals', 'Апелляции'],
  tickets: ['Tickets', 'Обращения'],
  robots: ['Robots', 'Роботы'],
  overview: ['Overview', 'Обзор'],
  crm: ['CRM', 'CRM'],
  staff: ['Staff', 'Сотрудники'],
  audit: ['Audit', 'Аудит'],
  state: ['State', 'Состояние'],
  policy: ['Policy', 'Правило'],
  reason: ['Reason', 'Причина'],
  origin: ['Origin', 'Источник'],
  place: ['Place', 'Где'],
  any: ['Any', 'Любой'],
  open: ['Open', 'Открыт'],
  escalated: ['Escalated', 'Передан выше'],
  closed: ['Closed', 'Закрыт'],
  openAndEscalated: ['Open and escalated', 'Открытые и переданные'],
  robot: ['Robot', 'Робот'],
  human: ['People', 'Люди'],
  privateChat: ['Private chat', 'Личный чат'],
  group: ['Group or channel', 'Группа или канал'],
  savedQueues: ['Saved queues', 'Сохранённые очереди'],
  saveQueue: ['Save these filters as a queue', 'Сохранить фильтры как очередь'],
  queueName: ['Queue name', 'Название очереди'],
  save: ['Save', 'Сохранить'],
  remove: ['Remove', 'Удалить'],
  priority: ['Priority', 'Приоритет'],
  reports: ['Reports', 'Жалобы'],
  subject: ['Subject', 'Аккаунт'],
  created: ['Created', 'Создан'],
  claimedBy: ['Claimed by', 'Взял'],
  claim: ['Claim', 'Взять'],
  release: ['Release', 'Отпустить'],
  select: ['Select', 'Выбрать'],
  noCases: ['No cases match these filters.', 'Нет дел по этим фильтрам.'],
  loadMore: ['Load more', 'Показать ещё'],
  loading: ['Loading…', 'Загрузка…'],
  bulkDismiss: ['Dismiss selected', 'Отклонить выбранные'],
  bulkConfirm: ['Confirm selected as spam', 'Подтвердить выбранные как спам'],
  bulkTitle: ['Confirm a decision on several cases', 'Подтвердите решение по нескольким делам'],
  bulkOnePerSubject: [
    'At most one case per account in one bulk confirmation: each confirmed case is a strike. These are left out:',
    'Не больше одного дела на аккаунт за одно массовое подтверждение: каждое подтверждённое дело — это нарушение. Эти пропущены:',
  ],
  bulkWill: ['This will decide these cases:', 'Будут решены дела:'],
  cancel: ['Cancel', 'Отмена'],
  proceed: ['Proceed', 'Выполнить'],
  done: ['Done', 'Готово'],
  shortcuts: [
    'Keyboard: j/k move, Enter opens, x selects; in a case: c confirms (spam), d dismisses, e escalates, n opens the next case.',
    'Клавиши: j/k — вверх/вниз, Enter — открыть, x — выбрать; в деле: c — подтвердить (спам), d — отклонить, e — передать выше, n — следующее дело.',
  ],
  evidenceRecorded: [
    'Opening this case is an evidence view: it is recorded in the subject’s timeline with your name and the time.',
    'Открытие дела — это просмотр доказательств: он записан в историю аккаунта с вашим именем и временем.',
  ],
  evidence: ['Evidence (the reported messages only)', 'Доказательства (только сообщения из жалоб)'],
  reporters: ['Reporters', 'Кто пожаловался'],
  accuracy: ['Record', 'Точность'],
  age: ['Account age', 'Возраст аккаунта'],
  robotSignals: ['Robot signals: which fired and why', 'Сигналы роботов: какие сработали и почему'],
  noRobotSignals: ['No robot acted on or flagged this account.', 'Роботы не действовали и не отмечали этот аккаунт.'],
  robotSignalsHint: [
    'What each robot rule read when it acted: the value against its threshold. Staff only: the person never sees these.',
    'Что прочитало правило робота, когда сработало: значение против порога. Только для сотрудников: человек их не видит.',
  ],
  signal: ['Signal', 'Сигнал'],
  signals: ['Signals', 'Сигналы'],
  value: ['Value', 'Значение'],
  threshold: ['Threshold', 'Порог'],
  signalNote: ['Why', 'Пояснение'],
  why: ['Why not done', 'Почему не применено'],
  noSignalsRecorded: ['No signals recorded (an older record).', 'Сигналы не записаны (старая запись).'],
  finding_restriction_applied: ['limited the account', 'ограничил аккаунт'],
  finding_account_frozen: ['froze the account', 'заморозил аккаунт'],
  finding_account_banned: ['banned the account', 'заблокировал аккаунт'],
  finding_case_opened: ['opened a case', 'открыл дело'],
  finding_case_updated: ['raised the case', 'поднял приоритет дела'],
  finding_robot_flag: ['flagged the account', 'отметил аккаунт'],
  finding_robot_shadow: ['would have acted (not done)', 'сработал бы (не применено)'],
  shadowRecords: ['Shadow results: what rules would have done', 'Теневые результаты: что сделали бы правила'],
  noShadowRecords: ['No shadow results.', 'Теневых результатов нет.'],
  falsePositiveRecords: ['False positives found by appeals', 'Ошибки, найденные по апелляциям'],
  noFalsePositives: ['No appeal has overturned a robot yet.', 'Ни одна апелляция пока не отменила решение робота.'],
  appeal: ['Appeal', 'Апелляция'],
  wouldHave: ['Would have', 'Сделал бы'],
  timeline: ['Timeline', 'История'],
  strikes: ['Strikes', 'Нарушения'],
  noStrikes: ['No strikes.', 'Нарушений нет.'],
  ladderWill: ['Confirming under this policy will apply:', 'Подтверждение по этому правилу применит:'],
  previewNothing: ['Confirming applies no restriction under this policy now.', 'Подтверждение по этому правилу сейчас не ограничит аккаунт.'],
  confirm: ['Confirm', 'Подтвердить'],
  dismiss: ['Dismiss', 'Отклонить'],
  escalate: ['Escalate', 'Передать выше'],
  decideNext: ['Decide and open the next case', 'Решить и открыть следующее дело'],
  note: ['Note (optional)', 'Заметка (необязательно)'],
  decided: ['Decided', 'Решено'],
  backToQueue: ['Back to the queue', 'К очереди'],
  due: ['Due', 'Срок'],
  overdue: ['Overdue', 'Просрочено'],
  overturn: ['Overturn', 'Отменить ограничение'],
  uphold: ['Uphold', 'Оставить в силе'],
  restriction: ['Restriction', 'Ограничение'],
  robotMade: ['made by a robot', 'наложено роботом'],
  text: ['Text', 'Текст'],
  noAppeals: ['No appeals waiting.', 'Нет апелляций.'],
  noTickets: ['No tickets.', 'Нет обращений.'],
  answer: ['Answer', 'Ответить'],
  yourAnswer: ['Your answer', 'Ваш ответ'],
  from: ['From', 'От'],
  user: ['User', 'Пользователь'],
  support: ['Support', 'Поддержка'],
  messagesPerMinute: ['Messages per minute', 'Сообщений в минуту'],
  denialsByCode: ['Denials by code', 'Отказы по кодам'],
  reportsPerMinute: ['Reports per minute', 'Жалоб в минуту'],
  decisionsPerMinute: ['Decisions per minute', 'Решений в минуту'],
  appealBacklog: ['Appeal backlog', 'Очередь апелляций'],
  oldest: ['oldest', 'старейшая'],
  hours: ['h', 'ч'],
  actions: ['Actions', 'Действия'],
  shadowed: ['Shadow hits', 'Срабатывания в тени'],
  falsePositives: ['False positives (appeals)', 'Ошибки (по апелляциям)'],
  breaker: ['Daily cap', 'Дневной лимит'],
  tripped: ['tripped: the rule stopped acting today', 'сработал: правило сегодня больше не действует'],
  armed: ['armed', 'в норме'],
  shadow: ['shadow mode', 'теневой режим'],
  live: ['live', 'действует'],
  lastHour: ['Last 60 minutes', 'Последние 60 минут'],
  noCrm: ['No CRM account is connected.', 'Нет подключённых аккаунтов CRM.'],
  quality: ['Quality', 'Качество'],
  held: ['Held messages', 'Задержанные сообщения'],
  crmConnection: ['Connection', 'Подключение'],
  crmWaiting: ['Waiting to send', 'Ждут отправки'],
  crmToday: ['Today: first contacts · replies · failed · from clients', 'Сегодня: первые контакты · ответы · ошибки · от клиентов'],
  crm_active: ['active', 'работает'],
  crm_paused: ['paused', 'приостановлено'],
  crm_disconnected: ['disconnected', 'отключено'],
  name: ['Name', 'Имя'],
  role: ['Role', 'Роль'],
  addStaff: ['Add a staff member', 'Добавить сотрудника'],
  newToken: ['Their token (shown once, hand it over safely):', 'Их токен (показан один раз, передайте безопасно):'],
  removeStaff: ['Remove', 'Удалить'],
  whoLooked: ['Who looked at which evidence, and when', 'Кто и когда смотрел доказательства'],
  by: ['By', 'Кто'],
  case: ['Case', 'Дело'],
  account: ['Account', 'Аккаунт'],
  at: ['At', 'Когда'],
  // The timeline's sentences (web/src/console/timelineText.ts): {name} is filled in, ids stay as they are.
  ev_account_created: ['Account created: {details}', 'Аккаунт создан: {details}'],
  ev_account_updated: ['Profile changed: {details}', 'Профиль изменён: {details}'],
  ev_account_deleted: ['Account deleted (restriction at the time: {state})', 'Аккаунт удалён (ограничение на тот момент: {state})'],
  ev_mobile: ['mobile number', 'мобильный номер'],
  ev_voip: ['VoIP number', 'номер VoIP'],
  ev_name: ['name “{name}”', 'имя «{name}»'],
  ev_username_was: ['@{username} (was @{previous})', '@{username} (был @{previous})'],
  ev_language: ['language {language}', 'язык {language}'],
  ev_token_staff: ['Staff token issued for {staff} ({role})', 'Выдан токен сотрудника {staff} ({role})'],
  ev_token_account: ['New session issued by {actor}', 'Новый сеанс (источник: {actor})'],
  ev_tokens_revoked_session: ['Signed out (one session ended)', 'Выход (один сеанс завершён)'],
  ev_tokens_revoked_all: ['All sessions revoked', 'Все сеансы отозваны'],
  ev_contact_added: ['{actor} saved {contact} as a contact', '{actor}: контакт {contact} сохранён'],
  ev_contact_removed: ['{actor} removed the contact {contact}', '{actor}: контакт {contact} удалён'],
  ev_block_added: ['{actor} blocked {blocked}', '{actor}: {blocked} в чёрном списке'],
  ev_block_removed: ['{actor} unblocked {blocked}', '{actor}: {blocked} убран из чёрного списка'],
  ev_chat_started: ['{actor} started a chat with {other} (chat {chat})', 'Новый чат {actor} с {other} (чат {chat})'],
  ev_chat_written: ['{actor} wrote to {other} in chat {chat}', 'Сообщение {actor} для {other} в чате {chat}'],
  ev_member_added: ['{member} added to chat {chat}', 'Участник {member} добавлен в чат {chat}'],
  ev_member_left: ['{member} left chat {chat}', 'Участник {member} вышел из чата {chat}'],
  ev_member_banned: ['{member} banned from chat {chat}', 'Участник {member} исключён из чата {chat}'],
  ev_report_filed: ['{reporter} reported {subject} for {reason} in chat {chat}', 'Жалоба {reporter} на {subject}: {reason}, чат {chat}'],
  ev_stranger: ['a stranger', 'незнакомец'],
  ev_member: ['a member of the chat', 'участник чата'],
  ev_not_member: ['not a member of the chat', 'не участник чата'],
  ev_admin_report: ['the chat’s admin', 'администратор чата'],
  ev_weight: ['weight {weight}', 'вес {weight}'],
  ev_messages: ['messages {ids}', 'сообщения {ids}'],
  ev_in_case: ['case {case}', 'дело {case}'],
  ev_case_opened: ['Case {case} opened about {subject}', 'Открыто дело {case} по {subject}'],
  ev_case_opened_robot: ['Robot rule {rule} opened case {case} about {subject}', 'Правило {rule} открыло дело {case} по {subject}'],
  ev_in_chat: ['chat {chat}', 'чат {chat}'],
  ev_case_updated: ['Case {case} updated: priority {priority}, reports: {count}', 'Дело {case} обновлено: приоритет {priority}, жалоб: {count}'],
  ev_raised_by: ['raised by robot rule {rule}', 'подняло правило {rule}'],
  ev_attached: ['attached {ids}', 'добавлено: {ids}'],
  ev_case_claimed: ['{by} claimed case {case}', 'Дело {case} взял(а) {by}'],
  ev_case_released: ['Case {case} released', 'Дело {case} отпущено'],
  ev_evidence_viewed: ['{by} viewed the evidence of case {case}', 'Просмотр доказательств дела {case}: {by}'],
  ev_decision_confirm: ['{by} confirmed case {case} under {policy}', 'Дело {case} подтверждено по правилу {policy}: {by}'],
  ev_decision_dismiss: ['{by} dismissed case {case}', 'Дело {case} отклонено: {by}'],
  ev_decision_escalate: ['{by} escalated case {case}', 'Дело {case} передано выше: {by}'],
  ev_strike_added: ['Strike {strike} added under {policy}, counts until {until}', 'Нарушение {strike} по правилу {policy}, учитывается до {until}'],
  ev_strike_removed: ['Strike {strike} removed ({reason})', 'Нарушение {strike} снято ({reason})'],
  ev_strike_expired: ['Strike {strike} expired', 'Нарушение {strike} больше не учитывается'],
  ev_restriction_applied: ['Account limited ({kind}) until {until}', 'Аккаунт ограничен ({kind}) до {until}'],
  ev_restriction_applied_forever: ['Account limited ({kind}) indefinitely', 'Аккаунт ограничен ({kind}) бессрочно'],
  ev_account_frozen: ['Account frozen ({kind}), to be deleted on {until}', 'Аккаунт заморожен ({kind}), удаление {until}'],
  ev_account_frozen_plain: ['Account frozen ({kind})', 'Аккаунт заморожен ({kind})'],
  ev_account_banned: ['Account banned ({kind})', 'Аккаунт заблокирован ({kind})'],
  ev_restriction: ['restriction {id}', 'ограничение {id}'],
  ev_by_rule: ['robot rule {rule}', 'правило {rule}'],
  ev_restriction_lifted: ['Restriction {restriction} lifted ({reason})', 'Ограничение {restriction} снято ({reason})'],
  ev_restriction_expired: ['Restriction {restriction} ended: its time ran out', 'Ограничение {restriction} закончилось: срок истёк'],
  ev_number_banned: ['Number {phone} banned', 'Номер {phone} заблокирован'],
  ev_number_unbanned: ['Number {phone} unbanned', 'Номер {phone} разблокирован'],
  ev_reporter_muted: ['{by} muted this account’s reports', 'Жалобы этого аккаунта заглушены: {by}'],
  ev_reporter_unmuted: ['{by} unmuted this account’s reports', 'Жалобы этого аккаунта снова учитываются: {by}'],
  ev_reporter_accuracy: ['Reporter record corrected ({reason})', 'Точность жалоб исправлена ({reason})'],
  ev_content_taken_down: ['Messages {ids} taken down in chat {chat} (case {case})', 'Сообщения {ids} удалены в чате {chat} (дело {case})'],
  ev_robot_flag: ['Robot rule {rule} flagged the account: {note}', 'Правило {rule} отметило аккаунт: {note}'],
  ev_robot_shadow: ['Robot rule {rule} would have acted ({effect}), not done: {why}', 'Правило {rule} сработало бы ({effect}), не применено: {why}'],
  ev_robot_false_positive: ['Appeal {appeal} overturned robot rule {rule}', 'Апелляция {appeal} отменила решение правила {rule}'],
  ev_appeal_filed: ['Appeal {appeal} filed, due {due}', 'Подана апелляция {appeal}, срок {due}'],
  ev_appeal_against: ['against restriction {id}', 'на ограничение {id}'],
  ev_appeal_robot: ['made by robot rule {rule}', 'наложено правилом {rule}'],
  ev_appeal_overturn: ['{by} granted appeal {appeal}: the restriction is lifted', 'Апелляция {appeal} удовлетворена, ограничение снято: {by}'],
  ev_appeal_uphold: ['{by} upheld the restriction on appeal {appeal}', 'По апелляции {appeal} ограничение оставлено в силе: {by}'],
  ev_appeal_overdue: ['Appeal {appeal} is overdue', 'Апелляция {appeal} просрочена'],
  ev_ticket_opened: ['Ticket {ticket} opened via {source}, due {due}', 'Открыто обращение {ticket} ({source}), срок {due}'],
  ev_ticket_updated: ['Ticket {ticket}: a new message from the person', 'Обращение {ticket}: новое сообщение от человека'],
  ev_ticket_answered: ['{by} answered ticket {ticket}', 'Ответ на обращение {ticket}: {by}'],
  ev_ticket_reopened: ['Ticket {ticket} reopened via {source}, due {due}', 'Обращение {ticket} открыто снова ({source}), срок {due}'],
  ev_ticket_overdue: ['Ticket {ticket} is overdue', 'Обращение {ticket} просрочено'],
  ev_email_verified: ['E-mail address verified', 'Адрес почты подтверждён'],
  ev_crm_connected: ['CRM connected (scope {scope}, channel {channel})', 'CRM подключена (scope {scope}, канал {channel})'],
  ev_crm_disconnected: ['CRM disconnected (scope {scope})', 'CRM отключена (scope {scope})'],
  ev_crm_paused: ['CRM sending paused (scope {scope}): the account is {reason}', 'Отправка из CRM приостановлена (scope {scope}): аккаунт {reason}'],
  ev_crm_resumed: ['CRM sending resumed (scope {scope})', 'Отправка из CRM возобновлена (scope {scope})'],
  ev_frozen: ['frozen', 'заморожен'],
  ev_banned: ['banned', 'заблокирован'],
  ev_signals: ['signals: {list}', 'сигналы: {list}'],
  ev_actor_admin: ['the platform', 'платформа'],
  ev_actor_system: ['banya', 'banya'],
  ev_actor_robot: ['robot {id}', 'робот {id}'],
  error: ['Something went wrong', 'Что-то пошло не так'],
  networkError: [
    'The server did not answer: check the connection and try again. Nothing was changed by this attempt.',
    'Сервер не ответил: проверьте соединение и попробуйте ещё раз. Эта попытка ничего не изменила.',
  ],
  serverError: ['The server could not answer just now. Try again in a moment.', 'Сервер сейчас не смог ответить. Попробуйте чуть позже.'],
  caseClaimed: [
    'Someone else has claimed this case: it is theirs to decide until they release it or 15 minutes pass.',
    'Это дело взял другой сотрудник: решать его может только он, пока не отпустит или не пройдёт 15 минут.',
  ],
  caseClosed: ['This case has already been decided.', 'По этому делу уже принято решение.'],
  appealDecided: ['This appeal has already been decided; the list is up to date now.', 'По этой апелляции уже принято решение; список обновлён.'],
  forbidden: ['Your role cannot do this.', 'Ваша роль этого не позволяет.'],
  notFound: ['Nothing here.', 'Здесь ничего нет.'],
  st_free: ['free', 'без ограничений'],
  st_limited: ['limited', 'ограничен'],
  st_frozen: ['frozen', 'заморожен'],
  st_banned: ['banned', 'забанен'],
  answered: ['Answered', 'Отвечено'],
  decidedState: ['Decided', 'Решено'],
  kind_report: ['after reports', 'по жалобам'],
  kind_robot: ['by robots', 'роботом'],
  kind_number: ['because of the number', 'из-за номера'],
  kind_permanent: ['permanently', 'навсегда'],
  until: ['until', 'до'],
  noEnd: ['no end date', 'без срока'],
  deletedOn: ['to be deleted on', 'будет удалён'],
  publicGroupsBan: ['public groups ban', 'запрет в публичных группах'],
  ended: ['ended', 'закончилось'],
  removed: ['removed', 'снято'],
  lift: ['Lift every restriction', 'Снять все ограничения'],
  liftHint: [
    'Ends every active restriction and the public-groups ban, and removes their strikes, as an overturned appeal does. The reason is kept in the timeline.',
    'Снимает все действующие ограничения и запрет в публичных группах вместе с их нарушениями, как удовлетворённая апелляция. Причина остаётся в истории.',
  ],
  lifted: ['Lifted; now', 'Снято; теперь'],
  noEvidenceRobot: [
    'No reported messages: robots raised this case on their own signals (below). Nobody has reported the account yet.',
    'Сообщений по жалобам нет: дело подняли роботы по своим сигналам (ниже). Жалоб на аккаунт пока нет.',
  ],
  noEvidence: ['No messages are attached to these reports.', 'К этим жалобам не приложено сообщений.'],
  noReports: ['No reports.', 'Жалоб нет.'],
  appealDone: ['Appeal {appeal}: {outcome}.', 'Апелляция {appeal}: {outcome}.'],
  contactEmail: ['Contact e-mail', 'Почта для связи'],
  overturned: ['overturned, the restriction is lifted', 'удовлетворена, ограничение снято'],
  upheld: ['upheld, nothing changes', 'отклонена, ничего не меняется'],
} as const;

export type TextKey = keyof typeof TEXTS;

/** The texts of one language, outside React (pure code such as the timeline's sentences takes it). */
export function textsOf(lang: Lang): (k: TextKey) => string {
  const i = lang === 'ru' ? 1 : 0;
  return (k) => TEXTS[k][i];
}

interface LangContext {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (k: TextKey) => string;
}

const Ctx = createContext<LangContext | null>(null);

function initialLang(): Lang {
  const stored = localStorage.getItem('banya.lang');
  if (stored === 'en' || stored === 'ru') return stored;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function LangProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((l: Lang) => {
    localStorage.setItem('banya.lang', l);
    document.documentElement.lang = l;
    setLangState(l);
  }, []);
  const value = useMemo<LangContext>(() => ({ lang, setLang, t: textsOf(lang) }), [lang, setLang]);
  document.documentElement.lang = lang;
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useLang(): LangContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useLang outside LangProvider');
  return c;
}

export function LangSwitch() {
  const { lang, setLang, t } = useLang();
  return (
    <label className="lang">
      <span className="visually-hidden">{t('language')}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} aria-label={t('language')}>
        <option value="en">English</option>
        <option value="ru">Русский</option>
      </select>
    </label>
  );
}
