/**
 * Structured logs (one JSON object per line, which Workers Logs indexes). Callers pass only
 * identifiers, counts and timings: never upload bytes, file names, pixel values or anything a
 * DICOM header says, because clinical data must not end up in logs.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export type LogFields = Record<string, string | number | boolean | undefined>;

export function logEvent(level: LogLevel, event: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
