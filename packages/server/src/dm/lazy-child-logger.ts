// A child logger made only when something is logged through it. Every DM request's log lines name the device
// (ARCHITECTURE.md: DM log lines carry deviceId), but most DM requests log nothing of their own, and pino's
// `child()` serializes its bindings when it is called, whatever the level: on the fleet bench that was 1.8 % of the
// server's CPU for children never used. A line at a level the parent does not log makes no child either.
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, LogFn } from "pino";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/** `parent.child(bindings)`, made at the first line logged at a level `parent` logs (or the first other use). */
export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Bindings): FastifyBaseLogger {
  let child: FastifyBaseLogger | null = null;
  const real = (): FastifyBaseLogger => (child ??= parent.child(bindings));
  const enabled = (level: Level): boolean => {
    const check = (parent as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
    // A logger without isLevelEnabled (not pino) gets its child, and decides itself.
    return child !== null || typeof check !== "function" || check.call(parent, level);
  };
  const at =
    (level: Level): LogFn =>
    (...args: unknown[]) => {
      if (!enabled(level)) return;
      // Passed on as given: pino's overloads (an object first, or a message) are the child's to sort out.
      const logger = real();
      Reflect.apply(logger[level], logger, args);
    };
  return {
    get level() {
      return (child ?? parent).level;
    },
    set level(value: string) {
      real().level = value;
    },
    fatal: at("fatal"),
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
    trace: at("trace"),
    silent: (...args: unknown[]) => {
      const logger = real();
      Reflect.apply(logger.silent, logger, args);
    },
    child: (more: Bindings, options?: ChildLoggerOptions) => real().child(more, options),
  };
}
