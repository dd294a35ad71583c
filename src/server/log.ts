// Structured logs: one JSON object per line, one line per event. Callers pass
// only what is safe to keep: never passwords, tokens, keys, and message
// bodies only when the operator asked for them (--log-bodies).

export type LogFields = Record<string, unknown>;
export type Logger = (event: string, fields?: LogFields) => void;

/** Field names that must never reach a log, whatever a caller passes. */
const SECRET_FIELDS = /pass|token|secret|private|key$/i;

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Logger {
  return (event, fields = {}) => {
    const entry: LogFields = { ts: new Date().toISOString(), event };
    for (const [name, value] of Object.entries(fields)) {
      entry[name] = SECRET_FIELDS.test(name) ? '[redacted]' : value;
    }
    write(JSON.stringify(entry));
  };
}

export const silentLogger: Logger = () => {};
