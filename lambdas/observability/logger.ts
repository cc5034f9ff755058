/**
 * One structured logger for every handler: one JSON line per entry (level, message, timestamp,
 * service, X-Ray trace id in Lambda, then the entry's attributes), the shape Powertools Logger
 * wrote, without constructing Powertools at every cold start (docs/DECISIONS.md). Errors and
 * warnings go to stderr, the rest to stdout. Level from POWERTOOLS_LOG_LEVEL (then LOG_LEVEL),
 * default INFO, read when the module loads; POWERTOOLS_DEV=true indents the JSON (local server).
 * Events are never logged whole: they carry the Authorization header and personal data.
 */

const LEVELS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
type LogLevel = keyof typeof LEVELS;
type Attributes = Readonly<Record<string, unknown>>;

const SERVICE = 'scim';
/** Keys every entry owns; an attribute of the same name is dropped. */
const RESERVED = new Set(['level', 'message', 'timestamp', 'service', 'xray_trace_id']);

function levelOf(value: string | undefined): LogLevel | undefined {
  const upper = value?.toUpperCase();
  return upper !== undefined && upper in LEVELS ? (upper as LogLevel) : undefined;
}

/** Error values in attributes become their name, message and stack (JSON.stringify drops them). */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

function createLogger(env: NodeJS.ProcessEnv) {
  let threshold: number = LEVELS[levelOf(env.POWERTOOLS_LOG_LEVEL) ?? levelOf(env.LOG_LEVEL) ?? 'INFO'];
  const indent = ['1', 'true', 'yes', 'on'].includes((env.POWERTOOLS_DEV ?? '').toLowerCase()) ? 4 : 0;
  const write = (level: Exclude<LogLevel, 'SILENT'>, message: string, attributes: Attributes): void => {
    if (LEVELS[level] < threshold) return;
    const traceId = /Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1];
    const entry: Record<string, unknown> = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: SERVICE,
      ...(traceId ? { xray_trace_id: traceId } : {}),
    };
    for (const [key, value] of Object.entries(attributes)) if (!RESERVED.has(key)) entry[key] = value;
    const stream = LEVELS[level] >= LEVELS.WARN ? process.stderr : process.stdout;
    stream.write(`${JSON.stringify(entry, replacer, indent)}\n`);
  };
  return {
    debug: (message: string, attributes: Attributes = {}) => write('DEBUG', message, attributes),
    info: (message: string, attributes: Attributes = {}) => write('INFO', message, attributes),
    warn: (message: string, attributes: Attributes = {}) => write('WARN', message, attributes),
    error: (message: string, attributes: Attributes = {}) => write('ERROR', message, attributes),
    /** Tests turn logging up and back down around what they inspect. */
    setLogLevel: (level: LogLevel) => {
      threshold = LEVELS[level];
    },
  };
}

export const logger = createLogger(process.env);
