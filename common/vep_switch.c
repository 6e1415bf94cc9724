/* vep_switch.c - switch://PATH and hub://PATH: a switch of our own.
 *
 * "vde_plug VNL switch://DIR" serves the vde2 protocol at DIR with the
 * other VNL as one of its ports.  The switch is our vde_switch code, not
 * a second switch: we fork, and the child runs the switch applet (through
 * vep_switch_set_main, so common/ needs nothing from applets/) with one
 * end of a SOCK_SEQPACKET socketpair as a port ("--port seqpacket://3").
 * Our end carries one frame per message.  The child dies with us
 * (PR_SET_PDEATHSIG) and is stopped and reaped at close.
 *
 * Options as vdeplug4 (libvdeplug_switch.1): [mode=0600/dirmode=02700/
 * grp=GROUP/hashsize=N/expiretime=SECS/hashseed=N].  hashsize is the
 * table's capacity here; hashseed is accepted and has no use (the table
 * is not open to collision floods: see mactable.c).  Without a path the
 * switch is /tmp/vdenode_$USER, as vdeplug4's.
 */
#include "vep.h"
#include "proto.h"
#include "vep_switch.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_PORT_FD 3 /* where the child finds its end of the pair */

static int (*switch_main_fn)(int argc, char **argv);

void vep_switch_set_main(int (*fn)(int argc, char **argv)) { switch_main_fn = fn; }

struct netnode {
	pid_t child; /* the switch */
};

/* Frames cross our end of the socketpair as seqpacket:// ones do. */
extern const struct vep_kind vep_kind_seqpacket;

static void default_path(char *buf, size_t size)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw)
		snprintf(buf, size, "/tmp/vdenode_%s", pw->pw_name);
	else
		snprintf(buf, size, "/tmp/vdenode_u%u", (unsigned)geteuid());
}

/* The child: nothing of the plug's but stderr and its end of the pair. */
static void child_fds(int fd)
{
	int null = open("/dev/null", O_RDWR);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (dup2(fd, CHILD_PORT_FD) < 0)
		_exit(1);
	if (syscall(SYS_close_range, CHILD_PORT_FD + 1, ~0u, 0) < 0)
		for (int i = CHILD_PORT_FD + 1; i < 1024; i++)
			close(i);
}

static void child_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* argv of the switch: every option checked here first, so a mistake is
 * one line from the plug, not a child that dies at once.  Returns argc,
 * or -1. */
static int switch_argv(const struct vnl *v, int hub, char *path, size_t pathsize, char **argv,
		       size_t max)
{
	static const char *const known[] = { "mode", "dirmode", "grp", "hashsize", "expiretime", "hashseed" };
	size_t n = 0;
	long num;
	mode_t m;

	for (int i = 0; i < v->nopt; i++) {
		size_t k = 0;
		while (k < ARRAY_LEN(known) && strcmp(v->opt[i].key, known[k]))
			k++;
		if (k == ARRAY_LEN(known) || (hub && k >= 3) || !v->opt[i].val) {
			log_err("%s: unknown option '%s' (%s)", v->scheme, v->opt[i].key,
				hub ? "mode, dirmode, grp" : "mode, dirmode, grp, hashsize, expiretime, hashseed");
			return -1;
		}
	}
	if (v->addr[0])
		snprintf(path, pathsize, "%s", v->addr);
	else
		default_path(path, pathsize);
	argv[n++] = "vde_switch";
	argv[n++] = "-s";
	argv[n++] = path;
	argv[n++] = "--nostdin";
	argv[n++] = "--port";
	argv[n++] = "seqpacket://3";
	if (hub)
		argv[n++] = "--hub";
	struct { const char *key, *opt; int kind; } map[] = {
		{ "mode", "--mode", 'm' }, { "dirmode", "--dirmode", 'm' }, { "grp", "--group", 'g' },
		{ "hashsize", "--hashsize", 'n' }, { "expiretime", "--macexpire", 'n' },
	};
	for (size_t k = 0; k < ARRAY_LEN(map); k++) {
		const char *val = vnl_get(v, map[k].key);
		if (!val)
			continue;
		if ((map[k].kind == 'm' && parse_mode(val, &m) < 0) ||
		    (map[k].kind == 'n' && parse_long(val, 1, 1 << 24, &num) < 0)) {
			log_err("%s: bad %s '%s'", v->scheme, map[k].key, val);
			return -1;
		}
		if (n + 3 > max)
			return -1;
		argv[n++] = (char *)map[k].opt;
		argv[n++] = (char *)val;
	}
	argv[n] = NULL;
	return (int)n;
}

static int netnode_open(struct vep *e, const struct vnl *v, int hub)
{
	struct netnode *nn = e->priv;
	char path[4096], *argv[24];
	int sp[2], argc;

	if (!switch_main_fn) {
		log_err("%s: this program has no switch built in", v->scheme);
		return -1;
	}
	if ((argc = switch_argv(v, hub, path, sizeof(path), argv, ARRAY_LEN(argv))) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		log_err("%s: socketpair:", e->name);
		return -1;
	}
	fflush(NULL);
	nn->child = fork();
	if (nn->child < 0) {
		log_err("%s: fork:", e->name);
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	if (nn->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		child_signals();
		child_fds(sp[1]);
		log_init("vde_switch");
		optind = 0; /* the plug's getopt ran already: start afresh */
		_exit(switch_main_fn(argc, argv) ? 1 : 0);
	}
	close(sp[1]);
	e->fd_in = e->fd_out = sp[0];
	e->maxsend = VDE_FRAME_MAX;
	return 0;
}

static int switch_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	(void)a;
	return netnode_open(e, v, 0);
}

static int hub_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	(void)a;
	return netnode_open(e, v, 1);
}

static void netnode_close(struct vep *e)
{
	struct netnode *nn = e->priv;

	if (e->fd_in >= 0)
		close(e->fd_in);
	if (nn->child > 0) {
		kill(nn->child, SIGTERM); /* it removes its socket files */
		while (waitpid(nn->child, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

/* The switch hanging up is its end: it failed to start, or was killed. */
static int netnode_recv(struct vep *e, struct iovec *v, int n)
{
	struct netnode *nn = e->priv;
	int got = vep_kind_seqpacket.recv(e, v, n);
	int status;

	if (got < 0 && nn->child > 0 && waitpid(nn->child, &status, 0) == nn->child) {
		nn->child = 0;
		log_err("%s: the switch ended (%s %d)", e->name,
			WIFSIGNALED(status) ? "signal" : "exit status",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		return vep_end(e, 1);
	}
	return got;
}

static int netnode_send(struct vep *e, const struct iovec *v, int n)
{
	return vep_kind_seqpacket.send(e, v, n);
}

const struct vep_kind vep_kind_switch = {
	.scheme = "switch",
	.help = "switch://[DIR][OPTS]     our own switch at DIR, the other VNL one of its ports",
	.priv_size = sizeof(struct netnode),
	.flags = VEP_NESTED,
	.open = switch_open,
	.recv = netnode_recv,
	.send = netnode_send,
	.close = netnode_close,
};

const struct vep_kind vep_kind_hub = {
	.scheme = "hub",
	.help = "hub://[DIR][OPTS]        our own hub at DIR, the other VNL one of its ports",
	.priv_size = sizeof(struct netnode),
	.flags = VEP_NESTED,
	.open = hub_open,
	.recv = netnode_recv,
	.send = netnode_send,
	.close = netnode_close,
};
