/* log.c - stderr or syslog, one format. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "vde";
static int use_syslog;
int log_verbose;

void log_init(const char *name)
{
	prog = name;
	log_verbose = getenv("VDE_DEBUG") != NULL;
}

const char *log_name(void) { return prog; }

void log_to_syslog(void)
{
	openlog(prog, LOG_PID, LOG_DAEMON);
	use_syslog = 1;
}

static void vlog(int prio, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[1024];
	size_t n;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n > 0 && msg[n - 1] == ':')
		snprintf(msg + n, sizeof(msg) - n, " %s", strerror(saved));
	if (use_syslog)
		syslog(prio, "%s", msg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
	errno = saved;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	if (!use_syslog)
		fprintf(stderr, "Try '%s --help'.\n", prog);
	exit(2);
}
