// Maintenance windows (docs/campaigns.md "Time windows"): outside every window of a plan no new device starts.
// A window is days of the week and an HH:MM range in an IANA time zone; an end before the start spans midnight
// (the part after midnight belongs to the day the window started). Pure: the instant comes in.
import type { TimeWindow } from "../store/types-campaign.js";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** Day of week (0 = Sunday) and minute of day of `at` in `timeZone`. */
export function localTime(at: number, timeZone: string): { readonly day: number; readonly minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of formatFor(timeZone).formatToParts(at)) {
    if (part.type === "weekday") day = WEEKDAYS.indexOf(part.value);
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inWindow(window: TimeWindow, at: number): boolean {
  const { day, minute } = localTime(at, window.timeZone);
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (start === end) return window.days.includes(day); // the whole day
  if (start < end) return window.days.includes(day) && minute >= start && minute < end;
  // Spans midnight: the evening of a listed day, or the morning after one.
  return (window.days.includes(day) && minute >= start) || (window.days.includes((day + 6) % 7) && minute < end);
}

/** May a new device start at `at`? Always when the plan has no windows. */
export function insideWindows(windows: readonly TimeWindow[], at: number): boolean {
  return windows.length === 0 || windows.some((w) => inWindow(w, at));
}
