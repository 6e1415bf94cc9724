/* dpipe.c - run commands joined by pipes in both directions (spec §5).
 *
 * "a = b" gives a's stdout to b's stdin and b's stdout to a's stdin: the
 * usual way to make a cable out of two vde_plugs.  dpipe stays as a
 * wrapper process that waits for every command, like vdeplug4's default,
 * so that it can report the last command's status and make sure no
 * command outlives the cable it belonged to.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

const char dpipe_help[] =
	"dpipe: run commands joined by a pipe in each direction\n"
	"usage: dpipe [-d] [-p PIDFILE] cmd1 [args] = cmd2 [args] [= cmd3 ...]\n"
	"\n"
	"  a = b         a's stdout goes to b's stdin, b's stdout to a's stdin\n"
	"  a = b = c     a middle command talks to its left neighbour on stdin and\n"
	"                stdout, to its right one on the fds named by the variables\n"
	"                ALTERNATE_STDIN and ALTERNATE_STDOUT (normally 3 and 4)\n"
	"  a =} f }= b   one way: a -> f -> b, while b -> a directly\n"
	"  a ={ f {= b   one way: b -> f -> a, while a -> b directly\n"
	"  a =} f }={ g {= b    a -> f -> b and b -> g -> a\n"
	"                Inside a section, '=' (or '}=}', '{={') chains more\n"
	"                commands in the same direction.  Any argument starting\n"
	"                with '=' is a separator; '}=' and '{=' are separators\n"
	"                only when they close an open section.\n"
	"\n"
	"  -d, --daemon         run in the background; stdin, stdout and stderr\n"
	"                       of dpipe and the commands go to /dev/null\n"
	"  -p, --pidfile FILE   write dpipe's pid to FILE, removed at exit\n"
	"\n"
	"dpipe waits for all commands and exits with the last command's status\n"
	"(127: it could not be run, 128+N: it was killed by signal N).\n"
	"When one command ends, its pipes close and the others normally see EOF\n"
	"and end too.  Any command still running 2 s after the first one ended\n"
	"gets SIGTERM, and SIGKILL 5 s after that, so none is left behind.\n"
	"SIGHUP, SIGINT or SIGTERM to dpipe sends SIGTERM to every command; when\n"
	"they are gone dpipe dies of the signal it got.  If dpipe itself is\n"
	"killed outright, the commands get SIGTERM from the kernel.\n";

#define GRACE_MS 2000 /* after the first exit, time for the rest to see EOF */
#define KILL_MS 5000  /* after SIGTERM, before SIGKILL */

enum role { FIRST, MIDDLE, FORWARD, BACKWARD, LAST };

struct cmd {
	char **argv;
	enum role role;
	int fd[4]; /* the command's stdin, stdout, alternate stdin, alternate stdout */
	pid_t pid;
	int status;
	int running;
};

enum phase { RUNNING, GRACE, TERMINATED, KILLED };

struct wrap {
	struct cmd *cmds;
	int n, live;
	enum phase phase;
	uint64_t deadline; /* of GRACE and TERMINATED */
	int quit_sig;      /* the signal that told us to stop, if any */
};

static void on_signal(int sig) { (void)sig; }

/* ---- command line ---- */

static void parse_opts(int argc, char **argv, int *daemonize, const char **pidfile)
{
	static const struct option longopts[] = {
		{ "daemon", no_argument, 0, 'd' },
		{ "pidfile", required_argument, 0, 'p' },
		{ 0, 0, 0, 0 },
	};
	int c;

	opterr = 0;
	/* '+': options end at the first command, whose own options are its own. */
	while ((c = getopt_long(argc, argv, "+:dp:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': *daemonize = 1; break;
		case 'p': *pidfile = optarg; break;
		case ':': usage_error("option %s needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
}

/* Is argument a a separator?  Returns it without a closing brace, or
 * NULL.  Separators are "=", "=}", "={" and, when section `open` is
 * open, the same prefixed by that brace to close it. */
static const char *separator(const char *a, int open, int *closes)
{
	*closes = open && a[0] == open && a[1] == '=';
	if (*closes)
		a++;
	return a[0] == '=' ? a : NULL;
}

/* Split av[0..n) into commands, in place: each separator becomes the
 * NULL ending the argv before it.  Returns the number of commands. */
static int parse_chain(char **av, int n, struct cmd *c)
{
	int nc = 0, open = 0, start = 0, closes;

	c[0] = (struct cmd){ .argv = av, .role = FIRST };
	for (int i = 0; i < n; i++) {
		const char *s = separator(av[i], open, &closes);
		if (!s)
			continue;
		if (i == start)
			usage_error("missing command before '%s'", av[i]);
		if (s[1] && (s[2] || (s[1] != '}' && s[1] != '{')))
			usage_error("bad separator '%s' (use =, =}, }=, ={ or {=)", av[i]);
		if (closes)
			open = 0;
		if (s[1] && open)
			usage_error("'%s' inside a section still open: close it first", av[i]);
		if (s[1])
			open = s[1];
		av[i] = NULL;
		c[++nc] = (struct cmd){ .argv = av + i + 1,
					.role = open == '}' ? FORWARD : open == '{' ? BACKWARD : MIDDLE };
		start = i + 1;
	}
	if (start == n)
		usage_error(n ? "missing command after the last '='" : "no command given");
	if (open)
		usage_error("section '=%c' is not closed by '%c='", open, open);
	if (nc == 0)
		usage_error("need two commands or more, separated by '='");
	c[nc].role = LAST;
	return nc + 1;
}

/* ---- plumbing ---- */

static void make_pipe(int *rd, int *wr)
{
	int p[2];

	/* CLOEXEC: each end is dup2'ed into the one command that uses it;
	 * no other command may keep it, or EOF would never arrive. */
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe:");
	*rd = p[0];
	*wr = p[1];
}

/* Give every command its fds.  r and w are the ends the next command
 * reads from and writes to: what flows right, and back left. */
static void wire(struct cmd *c, int n)
{
	int r = -1, w = -1;

	for (int i = 0; i < n; i++) {
		int *fd = c[i].fd;
		fd[0] = fd[1] = fd[2] = fd[3] = -1;
		switch (c[i].role) {
		case FIRST:
			make_pipe(&r, &fd[1]);
			make_pipe(&fd[0], &w);
			break;
		case MIDDLE:
			fd[0] = r;
			fd[1] = w;
			make_pipe(&r, &fd[3]);
			make_pipe(&fd[2], &w);
			break;
		case FORWARD: /* sits on the left-to-right path only */
			fd[0] = r;
			make_pipe(&r, &fd[1]);
			break;
		case BACKWARD: /* sits on the right-to-left path only */
			fd[1] = w;
			make_pipe(&fd[0], &w);
			break;
		case LAST:
			fd[0] = r;
			fd[1] = w;
			break;
		}
	}
}

/* The two lowest free fds, where middle commands find their right-hand
 * pipes: 3 and 4 unless dpipe inherited more. */
static void alternate_fds(int alt[2])
{
	int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);

	if (a < 0 || b < 0)
		die("open /dev/null:");
	alt[0] = a;
	alt[1] = b;
	close(a);
	close(b);
}

static void set_env_fd(const char *name, int fd)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", fd);
	setenv(name, num, 1);
}

/* In the child: put the fds in place and exec.  They are first copied
 * above every target number, so no dup2 clobbers one still needed. */
static void __attribute__((noreturn))
exec_cmd(const struct cmd *c, const int alt[2], pid_t wrapper, const sigset_t *mask)
{
	int target[4] = { STDIN_FILENO, STDOUT_FILENO, alt[0], alt[1] };
	int tmp[4];

	/* Should dpipe die without cleaning up, take the command along. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != wrapper)
		_exit(127);
	sigprocmask(SIG_SETMASK, mask, NULL);
	for (int k = 0; k < 4; k++) {
		tmp[k] = c->fd[k] < 0 ? -1 : fcntl(c->fd[k], F_DUPFD_CLOEXEC, alt[1] + 1);
		if (c->fd[k] >= 0 && tmp[k] < 0)
			goto fail;
	}
	for (int k = 0; k < 4; k++)
		if (tmp[k] >= 0 && dup2(tmp[k], target[k]) < 0)
			goto fail;
	if (c->role == MIDDLE) {
		set_env_fd("ALTERNATE_STDIN", alt[0]);
		set_env_fd("ALTERNATE_STDOUT", alt[1]);
	}
	execvp(c->argv[0], c->argv);
	log_err("run %s:", c->argv[0]);
	_exit(127);
fail:
	log_err("set up the pipes of %s:", c->argv[0]);
	_exit(127);
}

/* ---- waiting ---- */

static void signal_all(struct wrap *w, int sig)
{
	for (int i = 0; i < w->n; i++)
		if (w->cmds[i].running)
			kill(w->cmds[i].pid, sig);
}

static void reap(struct wrap *w)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < w->n; i++) {
			struct cmd *c = &w->cmds[i];
			if (c->running && c->pid == pid) {
				c->running = 0;
				c->status = st;
				w->live--;
			}
		}
		/* The cable is broken: the rest get a grace period. */
		if (w->phase == RUNNING) {
			w->phase = GRACE;
			w->deadline = now_ms() + GRACE_MS;
		}
	}
}

/* Move on to SIGTERM, then SIGKILL, as deadlines pass. */
static void advance(struct wrap *w, uint64_t now)
{
	if (w->phase == GRACE && now >= w->deadline) {
		signal_all(w, SIGTERM);
		w->phase = TERMINATED;
		w->deadline = now + KILL_MS;
	} else if (w->phase == TERMINATED && now >= w->deadline) {
		signal_all(w, SIGKILL);
		w->phase = KILLED;
	}
}

/* The first signal sends SIGTERM at once; another one after that, SIGKILL. */
static void on_quit(struct wrap *w, int sig)
{
	if (!w->quit_sig)
		w->quit_sig = sig;
	if (w->phase == RUNNING)
		w->phase = GRACE;
	w->deadline = 0; /* already passed: advance() acts now */
}

static void wait_all(struct wrap *w, const sigset_t *set)
{
	while (w->live > 0) {
		uint64_t now = now_ms();
		struct timespec ts, *tsp = NULL;
		int sig;

		advance(w, now);
		if (w->phase == GRACE || w->phase == TERMINATED) {
			uint64_t left = w->deadline > now ? w->deadline - now : 0;
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			tsp = &ts;
		}
		sig = sigtimedwait(set, NULL, tsp);
		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
			on_quit(w, sig);
		reap(w);
	}
}

/* ---- main ---- */

static int start_all(struct wrap *w, const sigset_t *child_mask)
{
	int alt[2];
	pid_t self = getpid();

	alternate_fds(alt);
	wire(w->cmds, w->n);
	for (int i = 0; i < w->n; i++) {
		struct cmd *c = &w->cmds[i];
		c->pid = fork();
		if (c->pid < 0) {
			log_err("fork:");
			w->phase = GRACE; /* stop those already started, now */
			w->deadline = 0;
			return -1;
		}
		if (c->pid == 0)
			exec_cmd(c, alt, self, child_mask);
		c->running = 1;
		w->live++;
		for (int k = 0; k < 4; k++)
			if (c->fd[k] >= 0)
				close(c->fd[k]);
	}
	return 0;
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 1;
}

/* Closed standard fds would be reused by our pipes and make the
 * alternate fds 0 or 1: fill them with /dev/null first. */
static void open_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			die("open /dev/null:");
}

int dpipe_main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct wrap w = { 0 };
	const char *pidfile = NULL;
	int daemonize = 0, rc;
	sigset_t set, old;

	open_std_fds();
	parse_opts(argc, argv, &daemonize, &pidfile);
	w.cmds = calloc((size_t)argc + 1, sizeof(*w.cmds));
	if (!w.cmds)
		die("out of memory");
	w.n = parse_chain(argv + optind, argc - optind, w.cmds);
	if (daemonize && daemon(1, 0) < 0) /* keep the cwd: commands may use relative paths */
		die("daemon:");
	if (pidfile && pidfile_write(pidfile) < 0) {
		free(w.cmds); /* the one error path that returns, not exits */
		return 1;
	}

	/* Everything we wait for is blocked and taken by sigtimedwait; a
	 * SIGCHLD handler makes sure it is never discarded as ignored. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	sigaction(SIGCHLD, &sa, NULL);

	rc = start_all(&w, &old);
	wait_all(&w, &set);
	rc = rc < 0 ? 1 : exit_status(w.cmds[w.n - 1].status);
	if (pidfile)
		unlink(pidfile);
	free(w.cmds);
	if (w.quit_sig) { /* die of it, so our parent sees why we stopped */
		signal(w.quit_sig, SIG_DFL);
		raise(w.quit_sig);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	return rc;
}
