/* log.c - stderr or syslog, one format. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *prog = "vde";
static int use_syslog = -1; /* fd of our /dev/log socket once daemonised */
int log_verbose;
static int info_to_syslog; /* log_quiet_start */

void log_init(const char *name)
{
	prog = name;
	log_verbose = getenv("VDE_DEBUG") != NULL;
}

const char *log_name(void) { return prog; }

/* A minimal syslog client: "<PRI>TAG[PID]: message" to /dev/log; the
 * daemon stamps the time.  libc's syslog() drags time-zone code into a
 * static build. */
void log_to_syslog(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	/* No syslog daemon: messages are lost, as with syslog(3). */
	use_syslog = fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
}

static void send_syslog(int prio, const char *msg)
{
	char line[1100];
	int n = snprintf(line, sizeof(line), "<%d>%s[%d]: %s", LOG_DAEMON | prio, prog,
			 (int)getpid(), msg);

	if (n > 0)
		send(use_syslog, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
		     MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* One line to syslog whether or not we are daemonised (vde_plug -l). */
void log_syslog(int prio, const char *fmt, ...)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd = use_syslog, saved = errno;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fd < 0) {
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0) {
		int old = use_syslog;
		use_syslog = fd;
		send_syslog(prio, msg);
		use_syslog = old;
		if (fd != old)
			close(fd);
	}
	errno = saved;
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
	if (use_syslog >= 0)
		send_syslog(prio, msg);
	else if (prio >= LOG_INFO && info_to_syslog)
		log_syslog(prio, "%s", msg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
	errno = saved;
}

void log_quiet_start(int on) { info_to_syslog = on; }

const char *log_esc(char *buf, size_t size, const void *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = text;
	size_t o = 0;

	for (size_t i = 0; i < len && s[i] && o + 5 <= size; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			buf[o++] = (char)s[i];
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[s[i] >> 4];
		buf[o++] = hex[s[i] & 15];
	}
	if (size)
		buf[o < size ? o : size - 1] = 0;
	return buf;
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
	if (use_syslog < 0)
		fprintf(stderr, "Try '%s --help'.\n", prog);
	exit(2);
}

int log_rate_due(struct log_rate *r, uint64_t now)
{
	if (now < r->until) {
		r->quiet++;
		return 0;
	}
	r->until = now + LOG_RATE_MS;
	return 1;
}

void log_rate_flush(struct log_rate *r, uint64_t now)
{
	if (r->quiet && now >= r->until) {
		log_warn("%lu more %s in the last %d s", r->quiet, r->what, LOG_RATE_MS / 1000);
		r->quiet = 0;
		r->until = now + LOG_RATE_MS;
	}
}
