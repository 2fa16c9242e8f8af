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
  error: ['Something went wrong', 'Что-то пошло не так'],
  forbidden: ['Your role cannot do this.', 'Ваша роль этого не позволяет.'],
  notFound: ['Nothing here.', 'Здесь ничего нет.'],
} as const;

export type TextKey = keyof typeof TEXTS;

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
  const value = useMemo<LangContext>(() => ({ lang, setLang, t: (k) => TEXTS[k][lang === 'ru' ? 1 : 0] }), [lang, setLang]);
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
