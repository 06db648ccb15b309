/**
 * Structured one-line JSON logs. Callers pass only counts, ids, sizes and timings: clinical
 * images and anything derived from their pixels must never reach a log. A logger is made from
 * the parsed config (BSNET_LOG) and passed down, so no module reads the environment itself.
 */
type Fields = Record<string, string | number | boolean | undefined>;

/** Least severe first: a logger writes its level and everything after it. */
export const LOG_LEVELS = ['info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
type Severity = Exclude<LogLevel, 'silent'>;

export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

/** Where finished lines go; errors to stderr so a process supervisor can tell them apart. */
export type LogSink = (level: Severity, line: string) => void;

const processSink: LogSink = (level, line) => (level === 'error' ? process.stderr : process.stdout).write(line + '\n');

/**
 * @example
 * const log = createLogger(config.logLevel);
 * log.info('model ready', { provider: 'cpu', threads: 2 });
 */
export function createLogger(level: LogLevel, sink: LogSink = processSink): Logger {
  const floor = LOG_LEVELS.indexOf(level);
  const write = (severity: Severity) => (msg: string, fields: Fields = {}) => {
    if (LOG_LEVELS.indexOf(severity) < floor) return;
    sink(severity, JSON.stringify({ time: new Date().toISOString(), level: severity, msg, ...fields }));
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
