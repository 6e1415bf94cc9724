/* vep_cmd.c - cmd://"COMMAND ARGS": a command run by /bin/sh -c whose
 * stdin and stdout carry the stream framing (2-byte length + frame), as
 * vdeplug4's cmd plugin; also vde_plug's "= CMD ARGS..." form, with an
 * argv run directly (a built-in dpipe).  The command's stderr is ours. */
#include "vep.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fork argv with pipes on its stdin/stdout; waits until it has exec'd
 * (a close-on-exec pipe reports exec's errno), so a missing command is
 * an error here, not a silent end of stream later. */
static pid_t spawn(char *const argv[], int *to_child, int *from_child, int own_pgrp)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, st[2] = { -1, -1 };
	pid_t pid = -1;
	int err = 0;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
		log_err("pipe:");
	else if ((pid = fork()) < 0)
		log_err("fork:");
	if (pid < 0) {
		int all[] = { in[0], in[1], out[0], out[1], st[0], st[1] };
		for (size_t i = 0; i < ARRAY_LEN(all); i++)
			if (all[i] >= 0)
				close(all[i]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		if (own_pgrp)
			setpgid(0, 0);
		/* our handlers first (a signal already pending must kill the
		 * child, not set a flag in it), then unblock */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL); /* ignored dispositions survive exec */
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		err = errno;
		if (write(st[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(st[1]);
	while (read(st[0], &err, sizeof(err)) < 0 && errno == EINTR)
		;
	close(st[0]);
	if (err) {
		errno = err;
		log_err("exec %.200s:", argv[0]);
		close(in[1]);
		close(out[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	*to_child = in[1];
	*from_child = out[0];
	return pid;
}

static int start(struct vep *e, char *const argv[], int own_pgrp)
{
	int to = -1, from = -1;
	pid_t pid = spawn(argv, &to, &from, own_pgrp);

	if (pid < 0)
		return -1;
	if (set_nonblock(from) < 0 || vep_stream_setup(e, from, to, "command output",
						       "command input", pid, 1) < 0) {
		log_err("set up the pipes of %.200s:", argv[0]);
		close(to);
		close(from);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return -1;
	}
	((struct vep_stream *)e->priv)->child_group = own_pgrp;
	return 0;
}

/* The shell would refuse it anyway, but only once it runs: a quote
 * left open, or a trailing backslash, is a malformed VNL now. */
static int cmd_check(const char *name, const struct vnl *v)
{
	char q = 0;
	int bad = 0;

	if (!*v->addr) {
		log_err("%s: no command after cmd://", name);
		return -1;
	}
	for (const char *p = v->addr; *p; p++) {
		if (q == '\'') { /* nothing escapes inside '...' */
			if (*p == '\'')
				q = 0;
		} else if (*p == '\\') {
			if (!p[1]) {
				bad = 1;
				break;
			}
			p++;
		} else if (q == '"') {
			if (*p == '"')
				q = 0;
		} else if (*p == '\'' || *p == '"') {
			q = *p;
		}
	}
	if (q || bad) {
		log_err("%s: unterminated quote or backslash in the command", name);
		return -1;
	}
	return 0;
}

static int cmd_open(struct vep *e, const struct vnl *v, const struct vep_args *a)
{
	char *argv[] = { "sh", "-c", (char *)v->addr, NULL };

	if (!*v->addr) {
		log_err("%s: no command after cmd://", e->name);
		return -1;
	}
	argv[0] = "/bin/sh";
	if (start(e, argv, a && a->own_pgrp) < 0)
		return -1;
	if (a && (a->ext & VDE_EXT_VNET))
		vep_stream_offer(e);
	return 0;
}

const struct vep_kind vep_kind_cmd = {
	.scheme = "cmd",
	.help = "cmd://\"COMMAND ARGS\"     a command run by /bin/sh -c; its stdin/stdout\n"
		"                           carry the stream (e.g. cmd://\"ssh HOST vde_plug\")",
	.vnl_flags = VNL_RAW,
	.flags = VEP_STREAM | VEP_VNET,
	.priv_size = sizeof(struct vep_stream),
	.open = cmd_open,
	.check = cmd_check,
	.recv = vep_stream_recv,
	.send = vep_stream_send,
	.flush = vep_stream_flush,
	.wants_out = vep_stream_wants_out,
	.close = vep_stream_close,
};

int vep_cmd_argv(char *const argv[], struct vep **out)
{
	struct vep *e = calloc(1, sizeof(*e));

	if (!e || !(e->priv = calloc(1, sizeof(struct vep_stream)))) {
		free(e);
		log_err("out of memory");
		return -1;
	}
	e->kind = &vep_kind_cmd;
	e->fd_in = e->fd_out = e->fd_ctl = -1;
	snprintf(e->name, sizeof(e->name), "= %.80s", argv[0]);
	if (start(e, argv, 0) < 0) {
		free(e->priv);
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}
