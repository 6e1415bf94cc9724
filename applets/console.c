/* console.c - vdecmd: talk to a switch's management socket (-M), ours or
 * vde2's.  One-shot for scripts (commands from the command line or from
 * a non-terminal stdin: data lines on stdout, errors on stderr, exit
 * status from the reply codes), or an interactive session relayed to the
 * terminal, prompt and all.  The protocol is described in
 * applets/switch/mgmt.c. */
#include "common/log.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

const char console_help[] =
	"send commands to a switch's management console (vde_switch -M SOCK)\n"
	"usage: vdecmd [-rk] [-t SECS] [-e CMD]... [-s] SOCK [CMD [ARG...]]\n"
	"       vde console SOCK [CMD [ARG...]]\n"
	"  SOCK      the management socket (vde_switch -M SOCK); works with vde2 too\n"
	"  CMD ARG.. one command: its words are joined with blanks, as in\n"
	"            'vdecmd /tmp/mgmt port/print 3'\n"
	"  -e CMD    run CMD too (repeatable; these run first, in order)\n"
	"  -t SECS   give up when the switch is silent this long in a reply\n"
	"            (default 30, 0 = never)\n"
	"  -r        print replies whole: data block framing and status lines\n"
	"  -k        keep going after a failed command (exit status still 1)\n"
	"Without CMD: on a terminal, an interactive session (the switch's own\n"
	"prompt and replies; 'help' lists the commands, end with 'logout' or\n"
	"Ctrl-D); otherwise one command per line of stdin ('#' lines and blank\n"
	"lines are skipped).\n"
	"For each command only the data lines of the reply are printed, without\n"
	"the protocol framing.  Commands run in order; the first failure prints\n"
	"its status line (e.g. '1022 Invalid argument') on stderr and stops.\n"
	"Exit status: 0 every command succeeded (logout and shutdown count as\n"
	"success), 1 a command failed, 2 usage error, 3 no answer from SOCK\n"
	"(cannot connect, connection lost, timeout, not a VDE console).\n";

enum { EXIT_CMD = 1, EXIT_TALK = 3 }; /* usage_error() exits 2 */

#define LINE_MAX_REPLY (1024 * 1024) /* a reply line longer than this: not a console */

#define DATA_START "0000 DATA END WITH '.'"

struct conn {
	int fd;
	int raw;          /* -r: print framing and status lines too */
	int lost;         /* the connection failed */
	int timeout_ms;   /* -1: wait forever */
	int eof;
	size_t len;       /* bytes in buf */
	char *buf;
	size_t cap;
};

/* Wait for and append more input.  0, or -1 on EOF, error or timeout
 * (with a message). */
static int fill(struct conn *c, const char *sock)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (c->eof)
		return -1;
	if (c->len + 1 >= c->cap) { /* keep a byte for read_reply's NUL */
		size_t cap = c->cap ? c->cap * 2 : 4096;
		if (c->len >= LINE_MAX_REPLY) { /* buf holds one unfinished line */
			log_err("%s: a reply line longer than %d bytes: not a VDE console?", sock, LINE_MAX_REPLY);
			return -1;
		}
		char *b = realloc(c->buf, cap);
		if (!b) {
			log_err("out of memory reading from %s", sock);
			return -1;
		}
		c->buf = b;
		c->cap = cap;
	}
	do
		r = poll(&pfd, 1, c->timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		log_err("%s: no answer in %d s", sock, c->timeout_ms / 1000);
		return -1;
	}
	do
		n = r < 0 ? -1 : read(c->fd, c->buf + c->len, c->cap - c->len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_err("read from %s:", sock);
		return -1;
	}
	if (n == 0)
		c->eof = 1;
	c->len += (size_t)n;
	return 0;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Is what is left a prompt ("vde$ ", or any "...$ " without newline)? */
static int at_prompt(const struct conn *c)
{
	return c->len >= 2 && !memchr(c->buf, '\n', c->len) && c->buf[c->len - 2] == '$' &&
	       c->buf[c->len - 1] == ' ';
}

/* "1NNN text" with NNN != 000: vde2's "1%03d strerror" */
static int is_error_status(const char *l)
{
	return l[0] == '1' && isdigit((unsigned char)l[1]) && isdigit((unsigned char)l[2]) &&
	       isdigit((unsigned char)l[3]) && (l[4] == ' ' || !l[4]) && strncmp(l, "1000", 4) != 0;
}

enum reply { REPLY_OK, REPLY_FAILED, REPLY_ENDED, REPLY_LOST };

/* Read one reply up to the prompt.  Data lines go to out (NULL: dropped);
 * a failing status line is copied to status. */
static enum reply read_reply(struct conn *c, const char *sock, FILE *out, char *status, size_t slen)
{
	int in_data = 0;
	enum reply r = REPLY_OK;

	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		if (!nl && c->eof && c->len > 0) /* "9999 END OF SESSION" has no '\n' */
			nl = c->buf + c->len;
		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			char *line = c->buf;
			if (n > 0 && line[n - 1] == '\r')
				line[n - 1] = 0;
			line[n] = 0; /* '\n', or the spare byte fill() keeps */
			if (in_data && strcmp(line, ".") != 0) {
				if (out)
					fprintf(out, "%s\n", line);
			} else if (c->raw && out && *line) {
				fprintf(out, "%s\n", line); /* framing, status */
			}
			if (in_data) {
				if (!strcmp(line, "."))
					in_data = 0;
			} else if (!strcmp(line, DATA_START)) {
				in_data = 1;
			} else if (!strncmp(line, "9999", 4)) {
				r = REPLY_ENDED;
			} else if (is_error_status(line)) {
				r = REPLY_FAILED;
				snprintf(status, slen, "%s", line);
			} /* "1000 Success", blank lines, asynchronous "3NNN" events */
			consume(c, n < c->len ? n + 1 : n);
			continue;
		}
		if (!in_data && at_prompt(c)) {
			c->len = 0;
			return r;
		}
		if (c->eof)
			return r == REPLY_ENDED ? r : REPLY_LOST;
		if (fill(c, sock) < 0)
			return r == REPLY_ENDED ? r : REPLY_LOST;
	}
}

static int connect_to(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		log_err("socket path too long (max %zu bytes): %s", sizeof(sa.sun_path) - 1, sock);
		return -1;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("connect %s:", sock);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send one command and print its reply.  0 ok, else an exit status. */
static int run_cmd(struct conn *c, const char *sock, const char *cmd, int *ended)
{
	char status[512] = "";
	size_t n = strlen(cmd);
	char *line = malloc(n + 2);
	enum reply r;

	if (!line) {
		log_err("out of memory");
		return EXIT_TALK;
	}
	memcpy(line, cmd, n);
	line[n] = '\n';
	if (write_all(c->fd, line, n + 1) < 0) {
		log_err("send to %s:", sock);
		free(line);
		c->lost = 1;
		return EXIT_TALK;
	}
	free(line);
	r = read_reply(c, sock, stdout, status, sizeof(status));
	fflush(stdout);
	switch (r) {
	case REPLY_OK: return 0;
	case REPLY_ENDED: *ended = 1; return 0;
	case REPLY_FAILED: /* the code must survive a long command */
		log_err("%.200s%s: %s", cmd, n > 200 ? "..." : "", status);
		return EXIT_CMD;
	default: /* fill() said why, unless the switch just hung up */
		if (c->eof)
			log_err("%s: %s closed the connection without answering", cmd, sock);
		c->lost = 1;
		return EXIT_TALK;
	}
}

/* Relay between the terminal and the switch until either side ends. */
static int interactive(int fd, const char *sock)
{
	struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	char buf[4096];
	int in_open = 1;

	for (;;) {
		ssize_t n;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll:");
			return EXIT_TALK;
		}
		if (p[1].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				fputc('\n', stdout); /* after "9999 END OF SESSION" */
				return n < 0 ? EXIT_TALK : 0;
			}
			if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				return EXIT_TALK;
		}
		if (in_open && p[0].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) { /* Ctrl-D: let the switch finish and close */
				in_open = 0;
				p[0].fd = -1;
				shutdown(fd, SHUT_WR);
			} else if (write_all(fd, buf, (size_t)n) < 0) {
				log_err("send to %s:", sock);
				return EXIT_TALK;
			}
		}
	}
}

/* The commands: argv's, then stdin's when there were none.  Stops at
 * the first failure unless keep_going; returns the exit status. */
struct runner {
	struct conn *c;
	const char *sock;
	int keep_going, failed, ended;
};

static int run(struct runner *r, const char *cmd)
{
	int rc = run_cmd(r->c, r->sock, cmd, &r->ended);

	if (rc == EXIT_CMD)
		r->failed = 1;
	return rc == EXIT_TALK || r->ended || (rc && !r->keep_going) ? -1 : 0;
}

static void from_stdin(struct runner *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char *p = line;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		p += strspn(p, " \t");
		if (*p && *p != '#' && run(r, p) < 0)
			break;
	}
	free(line);
}

static char *join(char **words, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	if (!(s = calloc(1, len)))
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

int console_main(int argc, char **argv)
{
	const char *sock = NULL;
	char **cmds = calloc((size_t)argc + 1, sizeof(*cmds)), *joined = NULL;
	int ncmds = 0, c, rc = 0, keep_going = 0;
	long secs = 30;
	struct conn conn = { .fd = -1 };

	if (!cmds)
		die("out of memory");
	while ((c = getopt(argc, argv, "+s:e:t:rk")) != -1) {
		switch (c) {
		case 'r': conn.raw = 1; break;
		case 'k': keep_going = 1; break;
		case 's': sock = optarg; break;
		case 'e': cmds[ncmds++] = optarg; break;
		case 't':
			if (parse_long(optarg, 0, 86400, &secs) < 0)
				usage_error("-t: '%s' is not a number of seconds (0..86400)", optarg);
			break;
		default: usage_error("unknown option");
		}
	}
	if (!sock && optind < argc)
		sock = argv[optind++];
	if (!sock)
		usage_error("which management socket? (vde_switch -M SOCK)");
	if (optind < argc && !(cmds[ncmds++] = joined = join(argv + optind, argc - optind)))
		die("out of memory");
	for (int i = 0; i < ncmds; i++)
		if (strchr(cmds[i], '\n'))
			usage_error("a command cannot contain a newline: use one -e per command");

	signal(SIGPIPE, SIG_IGN);
	conn.timeout_ms = secs ? (int)secs * 1000 : -1;
	if ((conn.fd = connect_to(sock)) < 0) {
		rc = EXIT_TALK;
	} else if (ncmds == 0 && isatty(STDIN_FILENO)) {
		rc = interactive(conn.fd, sock);
	} else {
		char banner[16];
		/* the banner, up to the first prompt */
		if (read_reply(&conn, sock, NULL, banner, sizeof(banner)) != REPLY_OK) {
			log_err("%s: no prompt: not a VDE management console?", sock);
			rc = EXIT_TALK;
		}
		struct runner r = { &conn, sock, keep_going, 0, 0 };
		int stop = rc != 0;
		for (int i = 0; !stop && i < ncmds; i++)
			stop = run(&r, cmds[i]) < 0;
		if (!stop && ncmds == 0)
			from_stdin(&r);
		if (!rc)
			rc = conn.lost ? EXIT_TALK : r.failed ? EXIT_CMD : 0;
	}
	if (conn.fd >= 0)
		close(conn.fd);
	free(conn.buf);
	free(joined);
	free(cmds);
	return rc;
}
