/**
 * Educator working hours in the clinic's time zone, with holidays. Pure: `now` is always passed in.
 * Format (EDUCATOR_HOURS): "mon-fri 08:00-16:00; sat 08:00-12:00" — days are mon..sun, ranges allowed.
 */
export interface WorkingHours {
  timeZone: string;
  /** day 0 = Sunday … 6 = Saturday → opening intervals in minutes since local midnight */
  week: Map<number, { from: number; to: number }[]>;
  /** YYYY-MM-DD local dates with no service */
  holidays: Set<string>;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function parseWorkingHours(spec: string, timeZone: string, holidays: string[] = []): WorkingHours {
  const week = new Map<number, { from: number; to: number }[]>();
  for (const clause of spec
    .split(';')
    .map((c) => c.trim().toLowerCase())
    .filter(Boolean)) {
    const m = /^([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(clause);
    if (!m) throw new Error(`cannot read working hours "${clause}": write e.g. "mon-fri 08:00-16:00"`);
    const start = DAYS.indexOf(m[1] ?? '');
    const end = DAYS.indexOf(m[2] ?? m[1] ?? '');
    if (start < 0 || end < 0) throw new Error(`unknown day in "${clause}": use mon, tue, wed, thu, fri, sat, sun`);
    const from = Number(m[3]) * 60 + Number(m[4]);
    const to = Number(m[5]) * 60 + Number(m[6]);
    if (to <= from) throw new Error(`closing time must be after opening time in "${clause}"`);
    for (let d = start; ; d = (d + 1) % 7) {
      week.set(d, [...(week.get(d) ?? []), { from, to }]);
      if (d === end) break;
    }
  }
  new Intl.DateTimeFormat('en', { timeZone }); // throws RangeError for an unknown zone
  return { timeZone, week, holidays: new Set(holidays) };
}

interface LocalTime {
  date: string;
  day: number;
  minutes: number;
}

function localTime(at: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    day: DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3)),
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

export function isOpen(hours: WorkingHours, at: Date): boolean {
  const local = localTime(at, hours.timeZone);
  if (hours.holidays.has(local.date)) return false;
  return (hours.week.get(local.day) ?? []).some((i) => local.minutes >= i.from && local.minutes < i.to);
}

/** The next moment the team is working (now if open); undefined if no hours are configured at all. */
export function nextOpening(hours: WorkingHours, at: Date): Date | undefined {
  if (hours.week.size === 0) return undefined;
  if (isOpen(hours, at)) return at;
  // Walk forward minute-aligned in 15-minute steps for up to 3 weeks (holidays can stack).
  const step = 15 * 60_000;
  let t = Math.ceil(at.getTime() / step) * step;
  for (let i = 0; i < (21 * 24 * 60) / 15; i++, t += step) {
    if (isOpen(hours, new Date(t))) return new Date(t);
  }
  return undefined;
}

/** The opening time written for the patient, in the clinic's time zone and the patient's language. */
export function formatOpening(
  opening: Date,
  now: Date,
  hours: WorkingHours,
  lang: string,
): { sameDay: boolean; time: string; date: string } {
  const zone = { timeZone: hours.timeZone, hourCycle: 'h23' } as const;
  return {
    sameDay: localTime(opening, hours.timeZone).date === localTime(now, hours.timeZone).date,
    time: new Intl.DateTimeFormat(lang, { ...zone, hour: '2-digit', minute: '2-digit' }).format(opening),
    date: new Intl.DateTimeFormat(lang, {
      ...zone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      hour: '2-digit',
      minute: '2-digit',
    }).format(opening),
  };
}
