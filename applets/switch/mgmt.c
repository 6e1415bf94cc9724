/* mgmt.c - the management console: the -M socket, the console on stdin,
 * the rc file and `load`; line framing, replies, output buffering.
 * The commands themselves are in mgmt_cmds.c, mgmt_port.c, mgmt_vlan.c.
 *
 * Protocol (vde2's, spec §6.9): on connect a two-line banner and the
 * prompt "\nvde$ "; then per command line an optional data block
 * ("0000 DATA END WITH '.'", lines, "."), a status line ("1000 Success"
 * or "1%03d <strerror>"), and the prompt again.  logout and shutdown
 * answer "9999 END OF SESSION" and close.
 *
 * Unlike vde2, input is a byte stream cut at '\n' (vde2 takes one read()
 * as one command): several commands in one write and a command split
 * over several writes both work, "\r\n" is accepted, and a line longer
 * than MGMT_LINE_MAX gets "1090 Message too long" instead of spilling
 * into the next command.  A command ends with '\n', with the end of the
 * input, or when a client pauses for MGMT_PARTIAL_MS after a write that
 * did not end in '\n': vde2's vdeterm sends its commands that way.
 *
 * Nothing here blocks the switch: sockets are non-blocking, output waits
 * in a per-session buffer flushed on EPOLLOUT, and while more than
 * MGMT_OUT_SOFT bytes wait, the session's further commands wait too (so
 * a client that never reads costs at most one reply).  A reply that
 * would leave more than MGMT_OUT_MAX bytes unread (hash/print of some
 * 700000 addresses) closes the session instead, with a log line.
 */
#include "switch.h"
#include "mgmt.h"
#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MGMT_LINE_MAX 1024                 /* longest command line */
#define MGMT_OUT_SOFT (64 * 1024)          /* pause commands while this much waits */
#define MGMT_OUT_MAX (64 * 1024 * 1024)    /* more unread output: session closed */
#define MGMT_MAX_SESSIONS 64               /* socket clients at once */
#define MGMT_LOAD_DEPTH 8                  /* load inside load inside ... */
#define MGMT_SCRIPT_MAX (1024 * 1024)      /* largest file `load` reads */
#define MGMT_PARTIAL_MS 200                /* an unterminated line is a command
					      after this long (vdeterm) */

const char mgmt_banner[] =
	"VDE switch V." VDE_VERSION "\n"
	"(vde: a clean-room Virtual Distributed Ethernet; console compatible with vde2)\n";
static const char PROMPT[] = "\nvde$ ";
static const char END_OF_SESSION[] = "9999 END OF SESSION";

enum sess_kind { SESS_SOCKET, SESS_STDIN, SESS_SCRIPT };

struct mgmt_session {
	struct watch in;       /* the socket (both ways), or stdin; first member */
	struct watch outw;     /* stdin console: stdout while output waits */
	int outfd;             /* where replies go; -1 for an rc file */
	enum sess_kind kind;
	struct mgmt_session *next;
	char line[MGMT_LINE_MAX + 1];
	size_t len;            /* bytes in line[] */
	int discarding;        /* inside an overlong line: drop up to '\n' */
	int eof;               /* no more input will come */
	int ending;            /* logout/shutdown: close when output is out */
	int overflow;          /* output bound exceeded: close now */
	int depth;             /* load nesting */
	uint64_t partial_due;  /* run the unterminated line then; 0: none */
	char *out;             /* output waiting to be written */
	size_t out_len, out_sent, out_cap;
};

static struct watch listener = { .fd = -1 };
static struct watch partial_timer = { .fd = -1 }; /* see MGMT_PARTIAL_MS */
static uint64_t partial_timer_due;                /* 0: not armed */
static char *sock_path;
static mode_t sock_mode;
static struct mgmt_session *sessions;
static int nsessions;
static int shutdown_requested;

/* ---- command tables ---- */

#define MAX_TABLES 16
static const struct mgmt_cmd *tables[MAX_TABLES] = {
	mgmt_general_cmds, mgmt_hash_cmds, mgmt_port_cmds, mgmt_vlan_cmds,
};
static int ntables = 4;

int mgmt_register(const struct mgmt_cmd *table)
{
	if (ntables == MAX_TABLES) {
		log_err("management console: too many command tables (max %d)", MAX_TABLES);
		return -1;
	}
	tables[ntables++] = table;
	return 0;
}

void mgmt_foreach(void (*fn)(const struct mgmt_cmd *c, void *ctx), void *ctx)
{
	for (int t = 0; t < ntables; t++)
		for (const struct mgmt_cmd *c = tables[t]; c->path; c++)
			fn(c, ctx);
}

/* The command whose path is the first word of line; *arg gets the rest.
 * vde2 accepts any line that merely starts with a path ("showinfoxyz");
 * we want the whole word. */
static const struct mgmt_cmd *lookup(char *line, char **arg)
{
	for (int t = 0; t < ntables; t++)
		for (const struct mgmt_cmd *c = tables[t]; c->path; c++) {
			size_t n = strlen(c->path);
			if (!c->fn || strncmp(line, c->path, n) != 0 || (line[n] && !isblank((unsigned char)line[n])))
				continue;
			*arg = line + n;
			while (isblank((unsigned char)**arg))
				(*arg)++;
			return c;
		}
	return NULL;
}

/* ---- argument helpers for the commands ---- */

int mgmt_words(char *arg, char **words, int max)
{
	int n = 0;

	for (char *p = arg;;) {
		while (isblank((unsigned char)*p))
			*p++ = 0;
		if (!*p)
			return n;
		if (n == max)
			return -1;
		words[n++] = p;
		while (*p && !isblank((unsigned char)*p))
			p++;
	}
}

int mgmt_num(const char *s, long min, long max, long *out)
{
	const char *p = s + (*s == '-');
	char *end;
	long v;

	/* decimal digits only: vde2 reads numbers with atoi, so "010" is ten */
	if (!*p)
		return EINVAL;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v < min || v > max)
		return EINVAL;
	*out = v;
	return 0;
}

/* ---- output ---- */

static size_t pending(const struct mgmt_session *s) { return s->out_len - s->out_sent; }

static const char *session_name(const struct mgmt_session *s)
{
	return s->kind == SESS_STDIN ? "console on stdin" : "management session";
}

static void out_add(struct mgmt_session *s, const char *data, size_t n)
{
	if (s->outfd < 0 || s->overflow)
		return; /* rc file: output goes nowhere */
	if (pending(s) + n > MGMT_OUT_MAX) {
		log_warn("%s: more than %d bytes of output not read: closed",
			 session_name(s), MGMT_OUT_MAX);
		s->overflow = 1;
		return;
	}
	if (s->out_sent > 0 && s->out_len + n > s->out_cap) { /* compact */
		memmove(s->out, s->out + s->out_sent, pending(s));
		s->out_len -= s->out_sent;
		s->out_sent = 0;
	}
	if (s->out_len + n > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 4096;
		while (cap < s->out_len + n)
			cap *= 2;
		char *b = realloc(s->out, cap);
		if (!b) {
			log_warn("%s: out of memory for output: closed", session_name(s));
			s->overflow = 1;
			return;
		}
		s->out = b;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, data, n);
	s->out_len += n;
}

static void out_str(struct mgmt_session *s, const char *str) { out_add(s, str, strlen(str)); }

void mgmt_printf(struct mgmt_session *s, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	if (s->outfd < 0 || s->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		out_add(s, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		s->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	out_add(s, big, (size_t)n);
	free(big);
}

static void status(struct mgmt_session *s, int err)
{
	if (err == 0)
		out_str(s, "1000 Success\n");
	else
		mgmt_printf(s, "1%03d %s\n", err, strerror(err));
}

/* ---- running one line ---- */

/* Runs one command line; returns 0 or the errno value it answered. */
static int run_line(struct mgmt_session *s, char *line, size_t len, const char *script)
{
	const struct mgmt_cmd *c;
	char *arg = NULL;
	int err;

	if (len > MGMT_LINE_MAX || memchr(line, 0, len)) {
		err = len > MGMT_LINE_MAX ? EMSGSIZE : EINVAL;
		status(s, err);
		return err;
	}
	line[len] = 0;
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = 0; /* "\r\n" and trailing blanks */
	while (isblank((unsigned char)*line))
		line++;
	if (!*line || *line == '#')
		return 0; /* vde2: no answer but the prompt */
	for (const char *p = line; *p; p++)
		if (iscntrl((unsigned char)*p) && *p != '\t') {
			status(s, EINVAL); /* binary garbage */
			return EINVAL;
		}
	c = lookup(line, &arg);
	if (script) /* echo, as vde2's load does; unknown lines are not shown */
		mgmt_printf(s, "vde[%s]: %s\n", script, c ? line : "(not a command)");
	if (!c) {
		status(s, ENOSYS);
		return ENOSYS;
	}
	if (c->flags & MGMT_DATA)
		out_str(s, "0000 DATA END WITH '.'\n");
	err = c->fn(s, arg);
	if (c->flags & MGMT_DATA)
		out_str(s, ".\n");
	if (!s->ending) /* logout and shutdown said their last word */
		status(s, err);
	return err;
}

/* A line for the log: control bytes and non-ASCII as '.', cut short. */
static void printable(char *dst, size_t size, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '.';
	if (i < n && size > 4) { /* cut: say so */
		memcpy(dst + size - 4, "...", 3);
		i = size - 1;
	}
	dst[i] = 0;
}

/* Read a whole command file: a regular file of at most MGMT_SCRIPT_MAX
 * bytes (`load /dev/zero` or a FIFO must not hang the switch).  Returns
 * 0 with *buf (malloc'd) and *len, or an errno value. */
static int read_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else if (!(*buf = malloc(MGMT_SCRIPT_MAX + 1)))
		err = ENOMEM;
	*len = 0;
	while (!err) {
		ssize_t n = read(fd, *buf + *len, MGMT_SCRIPT_MAX + 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = errno;
		else if ((*len += (size_t)n) > MGMT_SCRIPT_MAX)
			err = EFBIG;
		else if (n == 0)
			break;
	}
	close(fd);
	if (err) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}

/* Run every line of path on s.  Returns 0 or the file's errno value;
 * *first_err gets the first failing command's. */
static int run_file(struct mgmt_session *s, const char *path, int echo, int *first_err)
{
	char *buf = NULL;
	size_t len = 0;
	int err = read_file(path, &buf, &len), lineno = 0;

	*first_err = 0;
	if (err) {
		free(buf);
		return err;
	}
	for (size_t at = 0; at < len && !s->ending && !s->overflow;) {
		char *line = buf + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		at += n + 1;
		lineno++;
		err = run_line(s, line, n, echo ? path : NULL);
		if (err && !*first_err)
			*first_err = err;
		if (err && s->kind == SESS_SCRIPT) {
			char shown[81];
			printable(shown, sizeof(shown), line, n);
			log_warn("%s:%d: %s: 1%03d %s", path, lineno, shown, err, strerror(err));
		}
	}
	free(buf);
	return 0;
}

/* load: the file's error, else the first failing command's (vde2
 * always says Success). */
int mgmt_session_load(struct mgmt_session *s, const char *path)
{
	int err, cmd_err;

	if (s->depth >= MGMT_LOAD_DEPTH)
		return ELOOP;
	s->depth++;
	err = run_file(s, path, 1, &cmd_err);
	s->depth--;
	return err ? err : cmd_err;
}

void mgmt_session_end(struct mgmt_session *s)
{
	out_str(s, END_OF_SESSION);
	if (s->kind == SESS_STDIN)
		out_str(s, "\n"); /* the terminal goes on */
	s->ending = 1;
}

void mgmt_shutdown(struct mgmt_session *s)
{
	log_info("shutdown requested on the management console");
	mgmt_session_end(s);
	shutdown_requested = 1;
	loop_stop();
}

const char *mgmt_socket_path(void) { return sock_path; }
unsigned int mgmt_socket_mode(void) { return (unsigned int)sock_mode; }

/* ---- sessions ---- */

static void session_free(struct mgmt_session *s)
{
	for (struct mgmt_session **pp = &sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->kind == SESS_SOCKET)
		nsessions--;
	if (s->outw.fd >= 0)
		loop_del(&s->outw);
	if (s->outfd >= 0 && s->outfd != s->in.fd)
		close(s->outfd);
	if (s->in.fd >= 0) {
		int fd = s->in.fd;
		loop_del(&s->in);
		close(fd);
	}
	free(s->out);
	s->out = NULL;
	loop_defer_free(s);
}

/* Write what we can.  Returns -1 when the reader is gone. */
static int flush(struct mgmt_session *s)
{
	while (pending(s) > 0) {
		ssize_t n = s->kind == SESS_SOCKET
			? send(s->outfd, s->out + s->out_sent, pending(s), MSG_DONTWAIT | MSG_NOSIGNAL)
			: write(s->outfd, s->out + s->out_sent, pending(s));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		s->out_sent += (size_t)n;
	}
	s->out_len = s->out_sent = 0;
	return 0;
}

static void session_event(struct watch *w, uint32_t events);
static void stdout_event(struct watch *w, uint32_t events);

/* Is the session finished, and what should epoll tell us about? */
static void session_update(struct mgmt_session *s)
{
	int want_in = !s->eof && !s->ending && pending(s) < MGMT_OUT_SOFT && s->len < MGMT_LINE_MAX;
	int done = s->overflow || ((s->eof || s->ending) && pending(s) == 0);

	if (s->kind == SESS_STDIN && (s->eof || s->ending) && s->in.fd >= 0) {
		int fd = s->in.fd; /* stop reading stdin; the switch goes on */
		loop_del(&s->in);
		close(fd);
	}
	if (done) {
		session_free(s);
		return;
	}
	if (s->kind == SESS_SOCKET) {
		loop_mod(&s->in, (want_in ? EPOLLIN : 0) | (pending(s) ? EPOLLOUT : 0));
		return;
	}
	if (s->in.fd >= 0)
		loop_mod(&s->in, want_in ? EPOLLIN : 0);
	if (pending(s) && s->outw.fd < 0 && loop_add(&s->outw, s->outfd, EPOLLOUT, stdout_event) < 0) {
		/* stdout is a regular file (no epoll): writes do not wait */
		if (write_all(s->outfd, s->out + s->out_sent, pending(s)) < 0)
			s->overflow = 1;
		s->out_len = s->out_sent = 0;
	} else if (!pending(s) && s->outw.fd >= 0) {
		loop_del(&s->outw);
	}
}

/* Run the complete lines we have, as long as output is being read. */
static void pump(struct mgmt_session *s)
{
	while (!s->ending && !s->overflow && pending(s) < MGMT_OUT_SOFT) {
		char *nl = memchr(s->line, '\n', s->len);
		size_t used;

		if (!nl) {
			if (s->len == MGMT_LINE_MAX) { /* no '\n' in sight */
				if (!s->discarding) {
					status(s, EMSGSIZE);
					out_str(s, PROMPT);
				}
				s->discarding = 1;
				s->len = 0;
				continue;
			}
			int due = s->partial_due && s->partial_due <= now_ms();
			if ((!s->eof && !due) || s->len == 0 || s->discarding)
				break;
			nl = s->line + s->len; /* the last line had no '\n' */
			s->partial_due = 0;
		}
		used = (size_t)(nl - s->line);
		if (s->discarding) {
			s->discarding = 0;
		} else {
			run_line(s, s->line, used, NULL);
			if (!s->ending)
				out_str(s, PROMPT);
		}
		used = used < s->len ? used + 1 : used;
		memmove(s->line, s->line + used, s->len - used);
		s->len -= used;
	}
}

/* vdeterm writes "port/print" with no '\n' and waits: a line that stays
 * unterminated for MGMT_PARTIAL_MS is run.  One timer for all sessions,
 * set for the earliest. */
static void partial_timer_set(uint64_t due)
{
	struct itimerspec it = { 0 };
	uint64_t now = now_ms(), wait = due > now ? due - now : 1;

	it.it_value.tv_sec = (time_t)(wait / 1000);
	it.it_value.tv_nsec = (long)(wait % 1000) * 1000000;
	timerfd_settime(partial_timer.fd, 0, &it, NULL);
	partial_timer_due = due;
}

static void partial_event(struct watch *w, uint32_t events)
{
	uint64_t expirations, now = now_ms(), next = 0;

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_debug("management timer:");
	partial_timer_due = 0;
	for (struct mgmt_session *s = sessions, *nx; s; s = nx) {
		nx = s->next;
		if (!s->partial_due)
			continue;
		if (s->partial_due > now) {
			next = next && next < s->partial_due ? next : s->partial_due;
			continue;
		}
		/* Read what is already waiting first: the line may only have
		 * looked unterminated because a read stopped mid-line while
		 * the switch was busy.  Still no '\n' after that: pump() runs
		 * the line as it is. */
		session_event(&s->in, EPOLLIN);
	}
	if (next)
		partial_timer_set(next);
}

static void partial_arm(struct mgmt_session *s)
{
	if (partial_timer.fd < 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (fd < 0 || loop_add(&partial_timer, fd, EPOLLIN, partial_event) < 0) {
			log_err("management console timer:");
			if (fd >= 0)
				close(fd);
			return; /* such lines wait for '\n' or the end of input */
		}
	}
	s->partial_due = now_ms() + MGMT_PARTIAL_MS;
	if (!partial_timer_due) /* else it fires earlier and re-arms for this */
		partial_timer_set(s->partial_due);
}

static void session_read(struct mgmt_session *s)
{
	ssize_t n = read(s->in.fd, s->line + s->len, MGMT_LINE_MAX - s->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (s->kind == SESS_STDIN)
			log_info("%s on stdin: console closed, the switch keeps running",
				 n == 0 ? "EOF" : "read error");
		s->eof = 1;
		return;
	}
	s->len += (size_t)n;
	s->partial_due = 0;
	if (s->kind == SESS_SOCKET && s->line[s->len - 1] != '\n')
		partial_arm(s);
}

static void session_event(struct watch *w, uint32_t events)
{
	struct mgmt_session *s = (struct mgmt_session *)w;

	if ((events & EPOLLOUT) && s->kind == SESS_SOCKET && flush(s) < 0) {
		session_free(s);
		return;
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !s->eof && !s->ending && s->len < MGMT_LINE_MAX)
		session_read(s);
	pump(s);
	if (flush(s) < 0) {
		session_free(s);
		return;
	}
	session_update(s);
}

static void stdout_event(struct watch *w, uint32_t events)
{
	struct mgmt_session *s = (struct mgmt_session *)((char *)w - offsetof(struct mgmt_session, outw));

	(void)events;
	if (flush(s) < 0) {
		log_warn("console output on stdout:");
		s->overflow = 1;
	} else {
		pump(s); /* commands that waited for the terminal */
		if (flush(s) < 0)
			s->overflow = 1;
	}
	session_update(s);
}

static struct mgmt_session *session_new(enum sess_kind kind, int infd, int outfd)
{
	struct mgmt_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kind = kind;
	s->in.fd = s->outw.fd = -1;
	s->outfd = outfd;
	if (infd >= 0 && loop_add(&s->in, infd, EPOLLIN, session_event) < 0) {
		free(s);
		return NULL;
	}
	s->next = sessions;
	sessions = s;
	return s;
}

static void listener_event(struct watch *w, uint32_t events)
{
	(void)events;
	for (;;) {
		int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct mgmt_session *s;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_err("accept on %s:", sock_path);
			return;
		}
		if (nsessions >= MGMT_MAX_SESSIONS) {
			log_warn("%s: %d management sessions open already: connection refused",
				 sock_path, MGMT_MAX_SESSIONS);
			close(fd);
			continue;
		}
		if (!(s = session_new(SESS_SOCKET, fd, fd))) {
			log_err("management session: out of memory");
			close(fd);
			continue;
		}
		nsessions++;
		out_str(s, mgmt_banner);
		out_str(s, PROMPT);
		if (flush(s) < 0)
			session_free(s);
		else
			session_update(s);
	}
}

/* ---- the entry points switch.c calls ---- */

int mgmt_init(const char *path, mode_t mode, gid_t gid)
{
	if (!(sock_path = strdup(path))) {
		log_err("out of memory");
		return -1;
	}
	sock_mode = mode;
	return ctlsock_listen(path, mode, gid, &listener, listener_event);
}

/* A private non-blocking file description for a terminal or pipe, so
 * O_NONBLOCK does not leak to the shell sharing fd; a plain dup for
 * anything else (a regular file never makes us wait). */
static int private_fd(int fd, int flags)
{
	struct stat st;
	char proc[32];
	int n;

	if (fstat(fd, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		n = open(proc, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (n >= 0)
			return n;
	}
	return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

int mgmt_stdin(void)
{
	struct mgmt_session *s;
	int in, out;

	/* A background job reading its terminal would be stopped (SIGTTIN). */
	if (tcgetpgrp(STDIN_FILENO) != getpgrp()) {
		log_info("not the terminal's foreground job: no console on stdin");
		return 0;
	}
	in = private_fd(STDIN_FILENO, O_RDONLY);
	out = private_fd(STDOUT_FILENO, O_WRONLY);
	if (in < 0 || out < 0 || !(s = session_new(SESS_STDIN, in, out))) {
		log_err("console on stdin:");
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		return -1;
	}
	return 0;
}

int mgmt_rcfile(const char *path)
{
	struct mgmt_session *s = session_new(SESS_SCRIPT, -1, -1);
	int err, cmd_err;

	if (!s)
		return -1;
	err = run_file(s, path, 0, &cmd_err); /* failing lines were logged */
	session_free(s);
	if (err) {
		log_err("rc file %s: %s", path, err == EINVAL ? "not a regular file" : strerror(err));
		return -1;
	}
	if (shutdown_requested) {
		log_info("rc file %s: shutdown", path);
		return 1;
	}
	return 0;
}

void mgmt_cleanup(void)
{
	while (sessions) {
		struct mgmt_session *s = sessions;
		flush(s); /* last words ("9999 END OF SESSION"), if they fit */
		session_free(s);
	}
	if (listener.fd >= 0) {
		int fd = listener.fd;
		loop_del(&listener);
		close(fd);
		unlink(sock_path);
	}
	if (partial_timer.fd >= 0) {
		int fd = partial_timer.fd;
		loop_del(&partial_timer);
		close(fd);
	}
	free(sock_path);
	sock_path = NULL;
}
