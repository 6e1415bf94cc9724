/* log.h - one log format for every applet: "NAME: message" on stderr in
 * the foreground, the same message through syslog once daemonised.
 * A format ending in ':' gets ": strerror(errno)" appended (sbase style). */
#ifndef VDE_LOG_H
#define VDE_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

void log_init(const char *name);  /* name printed before each message */
void log_to_syslog(void);        /* switch to syslog (after daemon()) */
const char *log_name(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
/* A daemon starting: info messages go to syslog, not to the terminal
 * (it says nothing on a successful start); warnings and errors still
 * reach stderr until log_to_syslog(). */
void log_quiet_start(int on);
/* One message to syslog even in the foreground (vde_plug -l). */
void log_syslog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print and exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Print a usage error, point at --help, exit(2). */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Outside text (a client's socket path, a file name from a request)
 * made safe to log: up to len bytes or the first NUL, every byte that
 * is not printable ASCII, and the backslash, as \xNN, so nobody can
 * forge log lines or send terminal escapes.  Truncated to fit size
 * (LOG_ESC_SIZE(n) holds n bytes escaped); returns buf. */
#define LOG_ESC_SIZE(n) (4 * (n) + 1)
const char *log_esc(char *buf, size_t size, const void *text, size_t len);
/* A message that may repeat fast (a client retrying a refused request):
 * log_rate_due() says whether to log it now, at most once per
 * LOG_RATE_MS, and counts the ones it holds back; log_rate_flush()
 * sums those up once their period is over ("N more WHAT in the last
 * 10 s").  Callers keep one struct per kind of message. */
#define LOG_RATE_MS 10000
struct log_rate {
	uint64_t until;       /* now_ms() before which nothing is logged */
	unsigned long quiet;  /* held back since the last line */
	const char *what;     /* "connections refused over a quota" */
};
int log_rate_due(struct log_rate *r, uint64_t now);
void log_rate_flush(struct log_rate *r, uint64_t now);
/* Debug messages are only printed when this is set (VDE_DEBUG env var). */
extern int log_verbose;

#endif
