// Small pure helpers for the UI: times, server addresses, login field checks.

export const DEFAULT_PORT = 5555;

const pad = (n: number): string => String(n).padStart(2, '0');

/** "14:03", local time. The day is shown by the log's day dividers. */
export function formatTime(ts: number): string {
  const date = new Date(ts);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A day divider's label: "Today", "Yesterday", or the date spelled out in the user's locale. */
export function formatDay(ts: number, now = Date.now()): string {
  const day = new Date(ts);
  const today = new Date(now);
  const daysAgo = Math.round((new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime() - new Date(day.getFullYear(), day.getMonth(), day.getDate()).getTime()) / 86_400_000);
  if (daysAgo === 0) return 'Today';
  if (daysAgo === 1) return 'Yesterday';
  return day.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** Local calendar day of a timestamp, for comparing lines. */
export function dayKey(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** Full local date and time, for a tooltip. */
export function formatFullTime(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** "host", "host:port", "[v6]:port" or a bare IPv6 address; port defaults to 5555. */
export function parseServerAddress(text: string): { host: string; port: number } | { error: string } {
  const value = text.trim();
  if (value === '') return { error: 'Enter the server address, for example chat.example.com:5555' };
  let host = value;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if ((value.match(/:/g) ?? []).length === 1) {
    [host, portText] = value.split(':') as [string, string];
  }
  if (host === '' || /[\s/@]/.test(host)) return { error: 'That is not a host name or address' };
  if (portText === undefined || portText === '') return { host, port: DEFAULT_PORT };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return { error: 'The port must be a number from 1 to 65535' };
  return { host, port };
}

export function checkUsername(name: string): string | undefined {
  const length = [...name.normalize('NFKC')].length;
  if (length === 0) return 'Enter your username';
  if (length < 3 || length > 32) return 'A username has 3 to 32 characters';
  return undefined;
}

export function checkPassword(password: string, register: boolean): string | undefined {
  if (password === '') return 'Enter your password';
  if (register && [...password.normalize('NFKC')].length < 8) return 'Choose a password of at least 8 characters';
  return undefined;
}
