/**
 * @module The server's pino logger with secrets redacted: credential headers, API keys and tokens in any
 * logged object are replaced before serialisation. Request bodies are never logged.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { REDACTED } from '../http/redact.js';

/** Paths pino censors in every log record. */
export const REDACTED_LOG_PATHS = [
  'authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'apiKey',
  'api_key',
  'key',
  'token',
  'secret',
  'password',
  '*.apiKey',
  '*.api_key',
  '*.key',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
];

export interface ServerLoggerOptions {
  /** @default 'info' */
  level?: LoggerOptions['level'];
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

export function createServerLogger(options: ServerLoggerOptions = {}): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: 'autoskill' },
    redact: { paths: REDACTED_LOG_PATHS, censor: REDACTED },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that writes nothing (tests, benchmarks). */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
