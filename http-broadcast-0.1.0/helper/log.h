/*
 * log: the daemon's log lines on stderr, in the original project's three
 * formats (text, json, fluentd) and levels (trace .. fatal).  Callers pass
 * a message only; nothing secret (tokens, keys) is ever given to it.
 */

#ifndef HB_LOG_H
#define HB_LOG_H

enum log_level {
	LOG_TRACE, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL
};

enum log_format { LOG_TEXT, LOG_JSON, LOG_FLUENTD };

/* -1 when the name is unknown. */
int log_level_parse(const char *s);
int log_format_parse(const char *s);

void log_setup(enum log_format fmt, enum log_level level);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* HB_LOG_H */
