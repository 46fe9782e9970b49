/*
 * log: formatting of log lines.  See log.h.
 *
 * The text and json shapes are logrus' (what the Go agent printed), so
 * existing log pipelines keep parsing them; fluentd is the
 * severity/message/timestamp shape fluentd and Stackdriver read.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "hb_utf8.h"

#include "log.h"

static const char * const level_names[] = {
	"trace", "debug", "info", "warning", "error", "fatal"
};
static const char * const severity_names[] = {
	"DEBUG", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"
};

static enum log_format log_fmt = LOG_TEXT;
static enum log_level log_min = LOG_INFO;

int
log_level_parse(const char *s)
{
	static const char * const names[] = {
		"trace", "debug", "info", "warn", "error", "fatal"
	};
	int i;

	for (i = 0; i < 6; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (i);
	if (strcasecmp(s, "warning") == 0)
		return (LOG_WARN);
	return (-1);
}

int
log_format_parse(const char *s)
{
	if (strcmp(s, "text") == 0)
		return (LOG_TEXT);
	if (strcmp(s, "json") == 0)
		return (LOG_JSON);
	if (strcmp(s, "fluentd") == 0)
		return (LOG_FLUENTD);
	return (-1);
}

void
log_setup(enum log_format fmt, enum log_level level)
{
	log_fmt = fmt;
	log_min = level;
}

int
log_enabled(enum log_level level)
{
	return (level >= log_min);
}

/*
 * Append s to out as the inside of a JSON (or logrus-quoted) string.  A
 * byte that is not UTF-8 (an event's exact path may hold one) is written
 * as U+FFFD, so that a json or fluentd line stays valid JSON.
 */
static size_t
escape(char *out, size_t cap, size_t o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n;

	for (; *s != '\0' && o + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80) {
			n = hb_utf8_seq((const unsigned char *)s, strnlen(s, 4));
			if (n == 0) {
				memcpy(out + o, "\\ufffd", 6);
				o += 6;
			} else if (o + n + 7 < cap) {
				memcpy(out + o, s, n);
				o += n;
				s += n - 1;
			} else {
				break;
			}
		} else if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + o, "\\u00", 4);
			o += 4;
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return (o);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[1024], line[2560], ts[64];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t o;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	(void)gettimeofday(&tv, NULL);
	(void)gmtime_r(&tv.tv_sec, &tm);
	o = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(ts + o, sizeof ts - o, ".%03ldZ",
	    (long)tv.tv_usec / 1000);

	switch (log_fmt) {
	case LOG_JSON:
	case LOG_FLUENTD:
		/* The same object, with logrus' or fluentd's key names. */
		o = (size_t)snprintf(line, sizeof line, log_fmt == LOG_JSON ?
		    "{\"level\":\"%s\",\"msg\":\"" :
		    "{\"severity\":\"%s\",\"message\":\"",
		    (log_fmt == LOG_JSON ? level_names : severity_names)[level]);
		o = escape(line, sizeof line, o, msg);
		(void)snprintf(line + o, sizeof line - o, log_fmt == LOG_JSON ?
		    "\",\"time\":\"%s\"}\n" : "\",\"timestamp\":\"%s\"}\n", ts);
		break;
	default:
		o = (size_t)snprintf(line, sizeof line,
		    "time=\"%s\" level=%s msg=\"", ts, level_names[level]);
		o = escape(line, sizeof line, o, msg);
		(void)snprintf(line + o, sizeof line - o, "\"\n");
		break;
	}
	/* One write per line so lines of concurrent writers never mix. */
	(void)fputs(line, stderr);
	(void)fflush(stderr);
}
