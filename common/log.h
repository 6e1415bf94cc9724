/* log.h - one log format for every applet: "NAME: message" on stderr in
 * the foreground, the same message through syslog once daemonised.
 * A format ending in ':' gets ": strerror(errno)" appended (sbase style). */
#ifndef VDE_LOG_H
#define VDE_LOG_H

#include <syslog.h>

void log_init(const char *name);  /* name printed before each message */
void log_to_syslog(void);        /* switch to syslog (after daemon()) */
const char *log_name(void);
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
/* Print and exit(1). */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Print a usage error, point at --help, exit(2). */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Debug messages are only printed when this is set (VDE_DEBUG env var). */
extern int log_verbose;

#endif
