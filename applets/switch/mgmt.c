/* mgmt.c - the management console: the -M socket, the console on stdin,
 * the rc file and `load`; line framing, replies, output buffering.
 * The commands themselves are in mgmt_cmds.c, mgmt_port.c, mgmt_vlan.c,
 * mgmt_plugin.c, debug.c and stp_mgmt.c.
 *
 * Protocol (vde2's, spec §6.9): on connect a two-line banner and the
 * prompt "\nvde$ "; then per command line an optional data block
 * ("0000 DATA END WITH '.'", lines, "."), a status line ("1000 Success"
 * or "1%03d <strerror>"), and the prompt again.  logout and shutdown
 * answer "9999 END OF SESSION" and close.  Lines "3NNN category text"
 * come between them whenever a subscribed debug event happens (debug.h).
 *
 * The console on stdin is vde2's too: no banner; replies on stdout, the
 * prompt written to stdin (a terminal shows it, a pipe cannot take it);
 * logout and shutdown say nothing there.  Whatever stdin is (terminal,
 * pipe, socket), EOF ends the console, not the switch.  A background
 * job on its terminal is not stopped by reading it (SIGTTIN ignored):
 * the read fails with EIO and the console waits until it is in the
 * foreground.
 *
 * Unlike vde2, input is a byte stream cut at '\n' (vde2 takes one read()
 * as one command): several commands in one write and a command split
 * over several writes both work, "\r\n" is accepted, and a line longer
 * than MGMT_LINE_MAX gets "1090 Message too long" instead of spilling
 * into the next command.  A command ends with '\n', with the end of the
 * input, or when a client pauses for MGMT_PARTIAL_MS after a write that
 * did not end in '\n': vde2's vdeterm sends its commands that way.
 * A -M client may send a descriptor with its bytes (SCM_RIGHTS): the
 * session keeps the last one for a command (capture/start -).
 *
 * Nothing here blocks the switch: sockets are non-blocking, output waits
 * in a per-session buffer flushed on EPOLLOUT, and while more than
 * MGMT_OUT_SOFT bytes wait, the session's further commands wait too (so
 * a client that never reads costs at most one reply).  A reply that
 * would leave more than MGMT_OUT_MAX bytes unread (hash/print of some
 * 700000 addresses) closes the session instead, with a log line.  Debug
 * events for a session with more than MGMT_DBG_MAX bytes unread are
 * dropped and counted instead.  A `load` runs a slice of its file per
 * turn of the event loop (see "load" below), and sessions are bounded
 * with a reserve for root and the owner (see "who may open a session").
 */
#include "ctlsock.h"
#include "port.h"
#include "sw.h"
#include "creds.h"
#include "mgmt.h"
#include "debug.h"
#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <unistd.h>

#define MGMT_LINE_MAX 1024                 /* longest command line */
#define MGMT_OUT_SOFT (64 * 1024)          /* pause commands while this much waits */
#define MGMT_OUT_MAX (64 * 1024 * 1024)    /* more unread output: session closed */
#define MGMT_SESSIONS_DEFAULT 64           /* socket clients at once (--mgmtsessions) */
#define MGMT_RESERVE_MAX 8                 /* of them, at most this many kept for
					      root and the owner */
#define MGMT_LOAD_DEPTH 8                  /* load inside load inside ... */
#define MGMT_SCRIPT_MAX (1024 * 1024)      /* largest file `load` reads */
#define MGMT_LOAD_BUF (4 * MGMT_LINE_MAX)  /* a load's read buffer */
#define MGMT_LOAD_SLICE 64                 /* lines of a load per event-loop turn */
#define MGMT_PARTIAL_MS 200                /* an unterminated line is a command
					      after this long (vdeterm) */
#define MGMT_DBG_MAX (1024 * 1024)         /* unread output past which a session's
					      debug events are dropped (counted) */

const char mgmt_banner[] =
	"VDE switch V." VDE_VERSION "\n"
	"(vde: a clean-room Virtual Distributed Ethernet; console compatible with vde2)\n";
static const char PROMPT[] = "\nvde$ ";
static const char END_OF_SESSION[] = "9999 END OF SESSION";

enum sess_kind { SESS_SOCKET, SESS_STDIN, SESS_SCRIPT };

/* A file being loaded: read MGMT_LOAD_BUF bytes at a time from the fd
 * opened with the console user's rights, run a slice of lines per turn
 * of the event loop (see mgmt_session_load). */
struct load_frame {
	int fd;
	int echo;              /* "vde[path]: line" before each command */
	int quiet;             /* the rc file itself: no reply at its end */
	int first_err;         /* the first failing command's errno value */
	int lineno;
	int eof, discarding;   /* discarding: inside an overlong line */
	size_t len, at;        /* bytes in buf, and where the next line starts */
	size_t total;          /* bytes read: at most MGMT_SCRIPT_MAX */
	char buf[MGMT_LOAD_BUF + 1];
	char path[];
};

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
	struct load_frame *load[MGMT_LOAD_DEPTH]; /* load nesting, innermost last */
	int nload;
	int load_err;          /* the rc file's own read error, if any */
	struct requester who;  /* socket: the peer (SO_PEERCRED) */
	int who_known;
	int sync_out;          /* stdout cannot be polled (a file): written at once */
	uint64_t partial_due;  /* run the unterminated line then; 0: none */
	char *out;             /* output waiting to be written */
	size_t out_len, out_sent, out_cap;
	uint32_t dbg;          /* debug categories subscribed (debug.h bits) */
	uint64_t dbg_dropped;  /* events not queued: the client reads too slowly */
	int passed_fd;         /* the last descriptor the client sent (SCM_RIGHTS),
				  for a command to take; -1: none */
	/* stdin console: vde2 writes its prompt to fd 0, not to stdout, so
	 * only a terminal (or socket) on stdin shows it */
	int prompt_fd;         /* -1: no prompt */
	int prompt_shared;     /* fd 0 and stdout are one terminal: queue it with
				  the replies, in order */
	int paused;            /* background job on its terminal: not reading */
	int sync;              /* stdin is a regular file, read to its end at
				  start: no epoll */
};

static struct watch listener = { .fd = -1 };
static struct watch partial_timer = { .fd = -1 }; /* see MGMT_PARTIAL_MS */
static uint64_t partial_timer_due;                /* 0: not armed */
static char *sock_path;
static mode_t sock_mode;
static struct mgmt_session *sessions;
static int nsessions;
static int max_sessions = MGMT_SESSIONS_DEFAULT;
static int shutdown_requested;

/* ---- command tables ---- */

#define MAX_TABLES 16
static const struct mgmt_cmd *tables[MAX_TABLES] = {
	mgmt_general_cmds, mgmt_debug_cmds, mgmt_plugin_cmds, mgmt_hash_cmds, mgmt_port_cmds, mgmt_vlan_cmds,
	mgmt_stp_cmds, mgmt_vxlan_cmds, mgmt_capture_cmds,
};
static int ntables = 9;

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
	size_t n = 0; /* the first word's length (no path has a blank) */

	while (line[n] && !isblank((unsigned char)line[n]))
		n++;
	for (int t = 0; t < ntables; t++)
		for (const struct mgmt_cmd *c = tables[t]; c->path; c++) {
			/* the first byte rules out most at once: every line
			 * typed is compared with every path */
			if (!c->fn || c->path[0] != line[0] || strlen(c->path) != n ||
			    memcmp(line, c->path, n) != 0)
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

/* The prompt after each command.  On stdin, vde2 writes it to fd 0: a
 * terminal shows it, a pipe does not (the write fails).  A terminal
 * apart from stdout gets it at once, or not at all when it is full (the
 * other end may never read: old NixOS drivers). */
static void prompt(struct mgmt_session *s)
{
	if (s->kind != SESS_STDIN || s->prompt_shared)
		out_str(s, PROMPT);
	else if (s->prompt_fd >= 0 && write(s->prompt_fd, PROMPT, sizeof(PROMPT) - 1) < 0)
		log_debug("console prompt:");
}

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

/* Runs one command line; returns 0 or the errno value it answered, or
 * MGMT_LOADING: a load started, its reply comes when it is done. */
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
	if (err == MGMT_LOADING)
		return err; /* load answers when the file has run */
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

/* ---- load: files of commands ----
 *
 * `load FILE` (issue 17 item 11) must neither stall the switch nor read
 * what its user could not:
 *   - The file is opened with the console user's rights: for a -M
 *     session, those of the process that connected (SO_PEERCRED, its
 *     groups), taken with fs_become() as ctlsock.c does for data
 *     sockets; the console on stdin and the rc file are the owner's.  A
 *     user other than root and the owner on a switch that cannot switch
 *     identity (not root) may not load at all.  What the user cannot
 *     read gets the errno value the user would get (1013 Permission
 *     denied), so nothing about the file's content shows.
 *   - Regular files only, opened O_NONBLOCK (a FIFO or device cannot
 *     make open() wait), at most MGMT_SCRIPT_MAX bytes (1027 File too
 *     large, before anything runs; a file growing past it stops there).
 *   - The file is read MGMT_LOAD_BUF bytes at a time and MGMT_LOAD_SLICE
 *     lines run per turn of the event loop, so frames keep flowing; a
 *     load also waits, like typed commands, while its output is not
 *     read.  The session's next input waits until the load is done
 *     (order kept).  Nested loads stack (at most MGMT_LOAD_DEPTH: 1040
 *     Too many levels of symbolic links); logout or shutdown in a file
 *     ends the whole stack.  The rc file at start runs at once (there is
 *     no traffic yet).
 */

/* Open a file to load with the rights of s's user: 0 with *fdp, or an
 * errno value. */
static int load_open(struct mgmt_session *s, const char *path, int *fdp)
{
	struct saved_ids sv;
	struct stat st;
	int as_user = 0, fd, err = 0;
	uid_t uid = s->who_known ? s->who.uid : (uid_t)-1;

	if (s->kind == SESS_SOCKET) {
		if (!s->who_known)
			return EACCES; /* a unix socket always knows; be strict */
		if (uid != 0 && uid != geteuid()) {
			if (fs_become(&s->who, &sv) < 0) {
				log_debug("load for uid %u: cannot take its credentials:", (unsigned)uid);
				return EACCES;
			}
			as_user = 1;
		}
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	err = errno;
	if (as_user)
		fs_restore(&sv);
	if (fd < 0)
		return err;
	if (fstat(fd, &st) < 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else if (st.st_size > MGMT_SCRIPT_MAX)
		err = EFBIG;
	else if (s->kind == SESS_SOCKET && !port_user_exempt(uid) && sw.fd_reserve > 0 &&
		 fd >= sw.fd_limit - sw.fd_reserve)
		err = EMFILE; /* the last descriptors are root's and the owner's */
	else
		err = 0;
	if (err) {
		close(fd);
		return err;
	}
	*fdp = fd;
	return 0;
}

static int load_push(struct mgmt_session *s, const char *path, int echo)
{
	size_t plen = strlen(path);
	struct load_frame *f;
	int fd = -1, err;

	if (s->nload >= MGMT_LOAD_DEPTH)
		return ELOOP;
	if ((err = load_open(s, path, &fd)))
		return err;
	if (!(f = malloc(sizeof(*f) + plen + 1))) {
		close(fd);
		return ENOMEM;
	}
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->echo = echo;
	memcpy(f->path, path, plen + 1);
	s->load[s->nload++] = f;
	return 0;
}

static void load_free(struct load_frame *f)
{
	close(f->fd);
	free(f);
}

/* The next line of f: 1 with *line and *n (n > MGMT_LINE_MAX for an
 * overlong line, which run_line refuses), 0 at the end, or -errno. */
static int load_next(struct load_frame *f, char **line, size_t *n)
{
	for (;;) {
		char *start = f->buf + f->at, *nl = memchr(start, '\n', f->len - f->at);

		if (f->discarding) { /* the rest of an overlong line */
			if (nl) {
				f->at = (size_t)(nl - f->buf) + 1;
				f->discarding = 0;
				continue;
			}
			f->at = f->len;
		} else if (nl || f->len - f->at > MGMT_LINE_MAX || (f->eof && f->at < f->len)) {
			*line = start;
			*n = nl ? (size_t)(nl - start) : f->len - f->at;
			if (!nl && *n > MGMT_LINE_MAX) {
				*n = MGMT_LINE_MAX + 1;
				f->discarding = 1;
			}
			f->at = nl ? f->at + *n + 1 : f->len;
			return 1;
		}
		if (f->eof)
			return 0;
		memmove(f->buf, f->buf + f->at, f->len - f->at);
		f->len -= f->at;
		f->at = 0;
		ssize_t got = read(f->fd, f->buf + f->len, MGMT_LOAD_BUF - f->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -(errno == EAGAIN ? EIO : errno);
		if ((f->total += (size_t)got) > MGMT_SCRIPT_MAX)
			return -EFBIG;
		f->len += (size_t)got;
		f->eof = got == 0;
	}
}

static void load_log(const struct mgmt_session *s, const struct load_frame *f, const char *line,
		     size_t n, int err)
{
	char shown[81];

	if (s->kind != SESS_SCRIPT)
		return; /* the reply says it */
	printable(shown, sizeof(shown), line, n);
	log_warn("%s:%d: %s: 1%03d %s", f->path, f->lineno, shown, err, strerror(err));
}

/* The innermost load is over: its reply (the file's error, else its
 * first failing command's), then back to the load or session around. */
static void load_pop(struct mgmt_session *s, int file_err)
{
	struct load_frame *f = s->load[--s->nload];
	int err = file_err ? file_err : f->first_err;

	if (f->quiet) {
		s->load_err = file_err;
	} else {
		status(s, err);
		if (s->nload) {
			struct load_frame *up = s->load[s->nload - 1];
			char line[MGMT_LINE_MAX + 8];
			if (err && !up->first_err)
				up->first_err = err;
			if (err) {
				snprintf(line, sizeof(line), "load %s", f->path);
				load_log(s, up, line, strlen(line), err);
			}
		} else {
			prompt(s);
		}
	}
	load_free(f);
}

/* Run up to budget lines of the loads in progress. */
static void load_run(struct mgmt_session *s, int budget)
{
	while (s->nload && !s->ending && !s->overflow && pending(s) < MGMT_OUT_SOFT && budget-- > 0) {
		struct load_frame *f = s->load[s->nload - 1];
		char *line = NULL;
		size_t n = 0;
		int r = load_next(f, &line, &n), err;

		if (r <= 0) {
			load_pop(s, -r);
			continue;
		}
		f->lineno++;
		err = run_line(s, line, n, f->echo ? f->path : NULL);
		if (err == MGMT_LOADING)
			continue; /* a nested load: its end answers this line */
		if (err && !f->first_err)
			f->first_err = err;
		if (err)
			load_log(s, f, line, n, err);
	}
	while ((s->ending || s->overflow) && s->nload)
		load_free(s->load[--s->nload]); /* logout, shutdown: no more replies */
}

int mgmt_session_load(struct mgmt_session *s, const char *path)
{
	int err = load_push(s, path, 1);
	return err ? err : MGMT_LOADING;
}

void mgmt_session_end(struct mgmt_session *s)
{
	/* vde2 says nothing on stdin (and reads on after logout; we stop) */
	if (s->kind == SESS_STDIN)
		log_info("logout on stdin: console closed, the switch keeps running");
	else
		out_str(s, END_OF_SESSION);
	s->ending = 1;
}

void mgmt_shutdown(struct mgmt_session *s)
{
	log_info("shutdown requested on the management console");
	shutdown_requested = 1;
	if (s->kind != SESS_STDIN)
		mgmt_session_end(s);
	else
		s->ending = 1;
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
	if (s->kind == SESS_SOCKET) {
		nsessions--;
		dbg_event(DBG_MGMT_MINUS, "FD %2d", s->in.fd);
	}
	if (s->dbg) {
		s->dbg = 0;
		mgmt_dbg_update();
	}
	while (s->nload)
		load_free(s->load[--s->nload]);
	free(s->who.groups);
	if (s->prompt_fd >= 0)
		close(s->prompt_fd);
	if (s->passed_fd >= 0)
		close(s->passed_fd);
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
	if (s->dbg_dropped) {
		log_warn("%s: %llu debug events dropped: the client did not read them in time",
			 session_name(s), (unsigned long long)s->dbg_dropped);
		s->dbg_dropped = 0;
	}
	return 0;
}

static void session_event(struct watch *w, uint32_t events);
static void stdout_event(struct watch *w, uint32_t events);

/* Output to a stdout epoll cannot wait on: written now, in full. */
static void write_sync(struct mgmt_session *s)
{
	if (pending(s) && write_all(s->outfd, s->out + s->out_sent, pending(s)) < 0)
		s->overflow = 1;
	s->out_len = s->out_sent = 0;
}

/* Tell epoll what the session waits for; never frees it. */
static void session_arm(struct mgmt_session *s)
{
	int want_in = !s->eof && !s->ending && !s->paused && pending(s) < MGMT_OUT_SOFT &&
		      s->len < MGMT_LINE_MAX;
	/* A load with more lines to run: the output side (writable unless
	 * output waits unread) calls us back on the next turn of the loop,
	 * after the frames that are waiting. */
	int want_out = pending(s) || (s->nload && !s->ending && !s->overflow);

	if (s->sync)
		return; /* stdin_unpollable writes as it goes */
	if (s->kind == SESS_SOCKET) {
		loop_mod(&s->in, (want_in ? EPOLLIN : 0) | (want_out ? EPOLLOUT : 0));
		return;
	}
	if (s->in.fd >= 0)
		loop_mod(&s->in, want_in ? EPOLLIN : 0);
	if (want_out && s->outw.fd < 0 && !s->sync_out &&
	    loop_add(&s->outw, s->outfd, EPOLLOUT, stdout_event) < 0)
		s->sync_out = 1;
	if (s->sync_out) { /* stdout is a regular file (no epoll): writes do not wait */
		write_sync(s);
	} else if (!want_out && s->outw.fd >= 0) {
		loop_del(&s->outw);
	}
}

/* Is the session finished, and what should epoll tell us about? */
static void session_update(struct mgmt_session *s)
{
	int done = s->overflow || ((s->ending || (s->eof && !s->nload)) && pending(s) == 0);

	if (s->kind == SESS_STDIN && (s->eof || s->ending) && s->in.fd >= 0) {
		int fd = s->in.fd; /* stop reading stdin; the switch goes on */
		loop_del(&s->in);
		close(fd);
	}
	if (done) {
		session_free(s);
		return;
	}
	session_arm(s);
}

/* ---- debug events (debug.c formats them) ---- */

uint32_t *mgmt_session_dbg(struct mgmt_session *s)
{
	return s->outfd >= 0 ? &s->dbg : NULL; /* an rc file has nobody to tell */
}

int mgmt_dbg_update(void)
{
	uint32_t all = 0;
	int n = 0;

	for (struct mgmt_session *s = sessions; s; s = s->next)
		if (s->dbg) {
			all |= s->dbg;
			n++;
		}
	dbg_active = all;
	return n;
}

/* Queue an event line for its subscribers.  It goes out when the socket
 * is next writable (one write for a burst of events); a client that
 * leaves MGMT_DBG_MAX bytes unread loses events (counted, logged when it
 * catches up) rather than the switch holding them all. */
void mgmt_dbg_deliver(uint32_t bit, const char *line, size_t len)
{
	for (struct mgmt_session *s = sessions; s; s = s->next) {
		if (!(s->dbg & bit) || s->overflow || s->ending)
			continue;
		if (pending(s) + len > MGMT_DBG_MAX) {
			s->dbg_dropped++;
			continue;
		}
		int idle = pending(s) == 0;
		out_add(s, line, len);
		if (idle)
			session_arm(s);
	}
}

static void session_read(struct mgmt_session *s);

/* Run the complete lines we have, as long as output is being read; a
 * load in progress first (a slice of it, unless nothing can wait). */
static void pump(struct mgmt_session *s)
{
	int budget = s->sync || s->sync_out || s->kind == SESS_SCRIPT ? INT_MAX : MGMT_LOAD_SLICE;

	while (!s->ending && !s->overflow) {
		char *nl = memchr(s->line, '\n', s->len);
		size_t used;
		int err;

		if (pending(s) >= MGMT_OUT_SOFT) {
			if (!s->sync_out)
				break;
			write_sync(s);
			continue;
		}
		if (s->nload) {
			load_run(s, budget);
			if (s->nload && budget != INT_MAX)
				break; /* more next turn: session_arm asks for EPOLLOUT */
			continue;
		}
		if (!nl) {
			if (s->len == MGMT_LINE_MAX) { /* no '\n' in sight */
				if (!s->discarding) {
					status(s, EMSGSIZE);
					prompt(s);
				}
				s->discarding = 1;
				s->len = 0;
				continue;
			}
			int due = s->partial_due && s->partial_due <= now_ms();
			if (due && !s->eof && s->kind == SESS_SOCKET) {
				/* the line may only look unterminated because a load
				 * kept us from reading the rest: read first */
				size_t had = s->len;
				session_read(s);
				if (s->len != had || s->eof)
					continue;
			}
			if ((!s->eof && !due) || s->len == 0 || s->discarding)
				break;
			nl = s->line + s->len; /* the last line had no '\n' */
			s->partial_due = 0;
		}
		used = (size_t)(nl - s->line);
		if (s->discarding) {
			s->discarding = 0;
		} else {
			err = run_line(s, s->line, used, NULL);
			if (!s->ending && err != MGMT_LOADING)
				prompt(s); /* a load prompts when it is done */
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

/* Is fd our controlling terminal, and someone else in its foreground?
 * Reading it then fails with EIO (SIGTTIN is ignored, see mgmt_stdin). */
static int background_on(int fd)
{
	pid_t fg = tcgetpgrp(fd);
	return fg >= 0 && fg != getpgrp();
}

/* A descriptor that came with the client's bytes (SCM_RIGHTS): kept
 * for the next command that wants one (capture/start -), the one
 * before closed; more than one in a message are all closed.  A user
 * other than root and the owner may not leave it in the reserved
 * descriptors (see load_open). */
static void session_fds(struct mgmt_session *s, struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n == 1 && (port_user_exempt(s->who.uid) || sw.fd_reserve <= 0 ||
				       fd < sw.fd_limit - sw.fd_reserve)) {
				if (s->passed_fd >= 0)
					close(s->passed_fd);
				s->passed_fd = fd;
			} else {
				close(fd);
			}
		}
	}
	if (m->msg_flags & MSG_CTRUNC)
		log_debug("management session: descriptors cut off (more than one sent)");
}

/* read(), or on a socket recvmsg() for a descriptor sent along. */
static ssize_t session_recv(struct mgmt_session *s, size_t room)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { s->line + s->len, room };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	ssize_t n;

	if (s->kind != SESS_SOCKET)
		return read(s->in.fd, s->line + s->len, room);
	n = recvmsg(s->in.fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && errno == ENOTSOCK) /* not a socket after all (a test's stand-in) */
		return read(s->in.fd, s->line + s->len, room);
	if (n >= 0 && m.msg_controllen > 0)
		session_fds(s, &m);
	return n;
}

int mgmt_session_take_fd(struct mgmt_session *s)
{
	int fd = s->passed_fd;
	s->passed_fd = -1;
	return fd;
}

int mgmt_session_as_user(struct mgmt_session *s, int (*fn)(void *ctx), void *ctx)
{
	struct saved_ids sv;
	int err;

	if (s->kind != SESS_SOCKET || (s->who_known && (s->who.uid == 0 || s->who.uid == geteuid())))
		return fn(ctx);
	if (!s->who_known || fs_become(&s->who, &sv) < 0)
		return EACCES; /* as load: not the owner's, and we cannot be them */
	err = fn(ctx);
	fs_restore(&sv);
	return err;
}

static void session_read(struct mgmt_session *s)
{
	ssize_t n = session_recv(s, MGMT_LINE_MAX - s->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 && errno == EIO && s->kind == SESS_STDIN && background_on(s->in.fd)) {
		/* "vde_switch &" on a terminal: wait until it is brought to the
		 * foreground (mgmt_tick looks twice a second) */
		if (!s->paused)
			log_info("console on stdin: a background job may not read the terminal; waiting for fg");
		s->paused = 1;
		return;
	}
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
	s->in.fd = s->outw.fd = s->prompt_fd = s->passed_fd = -1;
	s->outfd = outfd;
	if (infd >= 0 && loop_add(&s->in, infd, EPOLLIN, session_event) < 0) {
		free(s);
		return NULL;
	}
	s->next = sessions;
	sessions = s;
	return s;
}

/* ---- who may open a session ----
 * Sessions are bounded (--mgmtsessions, default 64); the last ones are
 * kept for root and the switch's owner (issue 17 item 11), so no other
 * user can lock them out by opening sessions and sitting on them, and
 * one such user holds at most half of the rest, so one cannot lock out
 * the others either.  A refused client gets "1087 Too many users" and
 * is closed; refusals are logged once per LOG_RATE_MS. */

static int reserve(void)
{
	int r = max_sessions / 8;
	return r < 1 ? 1 : r > MGMT_RESERVE_MAX ? MGMT_RESERVE_MAX : r;
}

void mgmt_set_sessions(int n) { max_sessions = n; }

int mgmt_session_privileged(const struct mgmt_session *s)
{
	if (s->kind != SESS_SOCKET)
		return 1; /* stdin and -f: the switch's owner */
	return s->who_known && (s->who.uid == 0 || s->who.uid == geteuid());
}

/* 0, or why uid may not have another session. */
static const char *session_refusal(uid_t uid, int known)
{
	int open_room = max_sessions - reserve(), mine = 0;

	if (nsessions >= max_sessions)
		return "all are taken";
	if (known && (uid == 0 || uid == geteuid()))
		return NULL;
	if (nsessions >= open_room)
		return "the last ones are kept for root and the owner";
	for (struct mgmt_session *s = sessions; s; s = s->next)
		mine += s->kind == SESS_SOCKET && s->who_known && s->who.uid == uid;
	if (mine >= (open_room / 2 > 1 ? open_room / 2 : 1))
		return "one user holds at most half of those open to all";
	return NULL;
}

static struct log_rate refusals = { .what = "management sessions refused" };

static void refuse_session(int fd, uid_t uid, const char *why)
{
	static const char reply[] = "1087 Too many users\n";
	uint64_t now = now_ms();

	if (send(fd, reply, sizeof(reply) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("management session refusal:");
	close(fd);
	log_rate_flush(&refusals, now);
	if (log_rate_due(&refusals, now))
		log_warn("%s: %d management sessions open already: connection refused for uid %u (%s)",
			 sock_path, nsessions, (unsigned)uid, why);
}

static void listener_event(struct watch *w, uint32_t events)
{
	(void)events;
	for (;;) {
		struct requester who;
		struct mgmt_session *s;
		const char *why;
		uid_t uid;
		int fd = ctlsock_accept(w, sock_path, &uid), known;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_err("accept on %s:", sock_path);
			return;
		}
		known = requester_get(fd, &who) == 0;
		if ((why = session_refusal(known ? who.uid : uid, known))) {
			refuse_session(fd, known ? who.uid : uid, why);
			free(who.groups);
			continue;
		}
		if (!(s = session_new(SESS_SOCKET, fd, fd))) {
			log_err("management session: out of memory");
			free(who.groups);
			close(fd);
			continue;
		}
		s->who = who;
		s->who_known = known;
		nsessions++;
		dbg_event(DBG_MGMT_PLUS, "FD %2d", fd);
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

/* Where the stdin console's prompt goes: fd 0 itself, as in vde2, when
 * it can be written (a terminal or a socket; a pipe's read end cannot). */
static void stdin_prompt(struct mgmt_session *s)
{
	struct stat in, out;
	int fl = fcntl(STDIN_FILENO, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY || fstat(STDIN_FILENO, &in) < 0 ||
	    !(S_ISCHR(in.st_mode) || S_ISSOCK(in.st_mode)))
		return;
	if (fstat(s->outfd, &out) == 0 && out.st_mode == in.st_mode &&
	    (S_ISCHR(in.st_mode) ? out.st_rdev == in.st_rdev : out.st_ino == in.st_ino)) {
		s->prompt_shared = 1; /* the same terminal: keep replies and prompts in order */
		return;
	}
	s->prompt_fd = private_fd(STDIN_FILENO, O_WRONLY);
}

/* epoll cannot wait on a regular file or /dev/null (where bash puts the
 * stdin of "cmd &" in a script): tell them before asking epoll, which
 * would log its refusal. */
static int pollable(int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return 1; /* let epoll say what is wrong */
	return !S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) &&
	       !(S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3));
}

/* A stdin epoll cannot wait on: a regular file is read now, to its end,
 * like an rc file whose replies go to stdout (vde2 reads it the same
 * way); /dev/null and the like are an empty console.  1: it said
 * shutdown. */
static int stdin_unpollable(struct mgmt_session *s, int in, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		log_debug("stdin cannot be polled (/dev/null?): no console on stdin");
		close(in);
		session_free(s);
		return 0;
	}
	s->in.fd = in; /* read, never polled */
	s->sync = 1;
	while ((!s->eof || s->nload) && !s->ending && !s->overflow) {
		if (!s->nload)
			session_read(s); /* a load's lines come first */
		pump(s);
		if (write_all(s->outfd, s->out + s->out_sent, pending(s)) < 0)
			s->overflow = 1;
		s->out_len = s->out_sent = 0;
	}
	s->in.fd = -1;
	close(in);
	session_free(s);
	return shutdown_requested;
}

int mgmt_stdin(void)
{
	struct mgmt_session *s = NULL;
	struct stat st;
	int in, out;

	/* A background job on its terminal must not be stopped by reading
	 * it (SIGTTIN; the read fails with EIO instead) or by writing to it
	 * with "stty tostop" (SIGTTOU). */
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	in = private_fd(STDIN_FILENO, O_RDONLY);
	out = private_fd(STDOUT_FILENO, O_WRONLY);
	if (in < 0 || out < 0 || !(s = session_new(SESS_STDIN, -1, out))) {
		log_err("console on stdin:");
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
		return -1;
	}
	stdin_prompt(s);
	s->sync_out = !pollable(out, &st); /* epoll refuses regular files */
	if (!pollable(in, &st))
		return stdin_unpollable(s, in, &st);
	if (loop_add(&s->in, in, EPOLLIN, session_event) == 0)
		return 0;
	log_err("console on stdin:");
	close(in);
	session_free(s);
	return -1;
}

/* Twice a second: a console paused as a background job reads again once
 * it is in the foreground; refusals not logged yet are summed up. */
void mgmt_tick(void)
{
	log_rate_flush(&refusals, now_ms());
	for (struct mgmt_session *s = sessions; s; s = s->next)
		if (s->paused && s->in.fd >= 0 && !background_on(s->in.fd)) {
			s->paused = 0;
			session_arm(s);
		}
}

int mgmt_rcfile(const char *path)
{
	struct mgmt_session *s = session_new(SESS_SCRIPT, -1, -1);
	int err;

	if (!s)
		return -1;
	/* the owner's file, at start: run at once, failing lines logged */
	if (!(err = load_push(s, path, 0))) {
		s->load[0]->quiet = 1;
		while (s->nload && !s->ending)
			load_run(s, INT_MAX);
		err = s->load_err;
	}
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
