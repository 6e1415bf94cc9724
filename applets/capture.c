/* capture.c - vde_capture: record a VDE network's frames as pcapng (or
 * pcap) into a file or stdout, for tcpdump -r - and wireshark -k -i -.
 *
 * Two ways, by what it is given:
 *   - a VNL (anything vde_plug joins: a switch directory, vde://,
 *     tap://, udp://, ...): we join it as a plug would and record what
 *     arrives, one interface, inbound;
 *   - a switch's console socket (a path that is a socket): the switch
 *     records its ports itself (capture/start -), both directions, an
 *     interface per port.  We send it the write end of a pipe with the
 *     command (SCM_RIGHTS), so it opens no path for us; we copy the pipe
 *     to FILE.  A reader too slow fills the pipe and the switch drops
 *     and counts (capture/print); it never waits for us.  When we end,
 *     the pipe closes and the switch stops the capture. */
#include "common/log.h"
#include "common/pcap.h"
#include "common/proto.h"
#include "common/util.h"
#include "common/vep.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

const char capture_help[] =
	"record a VDE network's frames as pcapng (tcpdump -r -, wireshark -k -i -)\n"
	"usage: vde_capture [OPTIONS] VNL|MGMTSOCK FILE|-\n"
	"  VNL                join any network as vde_plug would (a switch directory,\n"
	"                     vde://DIR, tap://IF, udp://..., ...) and record what\n"
	"                     arrives: one interface, inbound\n"
	"  MGMTSOCK           a switch's console socket (vde_switch -M; a path that is\n"
	"                     a socket, write vde://PATH for a VDE1 switch socket): the\n"
	"                     switch records its ports, in and out, an interface per\n"
	"                     port, and hands the stream over on the console (no file\n"
	"                     is opened on its side); too slow a reader costs drops\n"
	"                     there (capture/print), never the switch's speed\n"
	"  FILE|-             created (never over an existing file or a symlink; mode\n"
	"                     0600), or stdout; each frame is written at once\n"
	"  -c, --count N      stop after N frames\n"
	"  -t, --time SECS    stop after SECS seconds\n"
	"  -s, --snaplen N    keep at most N bytes of a frame, 1..262144 (default 262144)\n"
	"  -P, --pcap         classic pcap (no interfaces, no directions)\n"
	"  -p, --port N       MGMTSOCK: only port N (repeatable; default all ports)\n"
	"  -h, --help         this text\n"
	"Exit status: 0 done (count, time, the reader or the network ended), 1 an\n"
	"error, 2 bad usage.\n";

#define CAP_BATCH 32
#define CAP_FRAME (VDE_STREAM_MAX + 1) /* as vde_plug: one more, longer ones are seen */
#define CAP_PORTS_MAX 1024
#define CAP_CMD_MAX 1024 /* the switch's console line */
#define CAP_WAIT_MS 10000

struct capture_conf {
	long count, secs, snaplen;
	int pcap;
	long ports[CAP_PORTS_MAX];
	int nports;
	const char *from, *to;
};

static volatile sig_atomic_t done_sig;
static void on_signal(int sig) { done_sig = sig; }

static void signals(long secs)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: waits end */

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (secs)
		alarm((unsigned)secs);
}

static long num(const char *opt, const char *s, long min, long max)
{
	long v;
	if (parse_long(s, min, max, &v) < 0)
		usage_error("%s: '%s' is not a number in %ld..%ld", opt, s, min, max);
	return v;
}

static void parse(int argc, char **argv, struct capture_conf *c)
{
	static const struct option lo[] = {
		{ "count", required_argument, 0, 'c' }, { "time", required_argument, 0, 't' },
		{ "snaplen", required_argument, 0, 's' }, { "pcap", no_argument, 0, 'P' },
		{ "port", required_argument, 0, 'p' },   { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "c:t:s:Pp:h", lo, NULL)) != -1) {
		switch (o) {
		case 'c': c->count = num("--count", optarg, 1, 1L << 40); break;
		case 't': c->secs = num("--time", optarg, 1, 1L << 24); break;
		case 's': c->snaplen = num("--snaplen", optarg, 1, PCAP_SNAPLEN_MAX); break;
		case 'P': c->pcap = 1; break;
		case 'p':
			if (c->nports == CAP_PORTS_MAX)
				usage_error("--port: at most %d", CAP_PORTS_MAX);
			c->ports[c->nports++] = num("--port", optarg, 0, 65535);
			break;
		case 'h': fputs(capture_help, stdout); exit(0);
		default: usage_error("unknown option");
		}
	}
	if (argc - optind < 2)
		usage_error("a network (VNL or console socket) and a FILE (or -) are needed");
	if (argc - optind > 2)
		usage_error("unexpected argument '%s'", argv[optind + 2]);
	c->from = argv[optind];
	c->to = argv[optind + 1];
}

/* FILE as we made it: removed at exit if the capture never started
 * (and it is still the file we made). */
static struct {
	const char *path;
	int fd, keep;
} made = { NULL, -1, 0 };

static void unmake(void)
{
	struct stat a, b;

	if (made.path && !made.keep && fstat(made.fd, &a) == 0 && lstat(made.path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		unlink(made.path);
}

/* FILE, made by us (never over anything there), or stdout. */
static int open_output(const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		die("create %s:", path);
	made.path = path;
	made.fd = fd;
	atexit(unmake);
	return fd;
}

/* ---- a VNL: we are the plug ---- */

/* 1 when the frame count is reached, -1 when the output ended. */
static int record(struct pcap_out *o, const struct iovec *v, int n, long count)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (int i = 0; i < n; i++) {
		if (v[i].iov_len == 0)
			continue; /* a kind's mark for a frame too long for the buffer */
		pcap_record(o, 0, PCAP_DIR_IN, &ts, v[i].iov_base, v[i].iov_len);
		if (pcap_flush(o) < 0)
			return -1;
		if (count && o->frames >= (uint64_t)count)
			return 1;
	}
	return 0;
}

static int from_vnl(const struct capture_conf *c)
{
	uint8_t *buf = malloc((size_t)CAP_BATCH * CAP_FRAME);
	struct iovec v[CAP_BATCH];
	struct vep_args a = { .descr = "vde_capture" };
	struct pcap_out o;
	struct vep *e;
	int rc = 0;

	if (c->nports)
		usage_error("--port: only with a switch's console socket");
	if (!buf)
		die("capture: out of memory");
	if (vep_open(c->from, &a, &e) < 0) {
		free(buf);
		return 1;
	}
	int out = open_output(c->to); /* once there is something to record */
	made.keep = 1;
	if (pcap_init(&o, out, c->pcap ? PCAP_CLASSIC : PCAP_NG, (uint32_t)c->snaplen, PCAP_BUF_DEFAULT) < 0)
		die("capture:");
	if (pcap_add_if(&o, e->name) < 0 || pcap_flush(&o) < 0) {
		log_err("write %s:", c->to);
		rc = 1;
	}
	while (!rc && !done_sig) {
		struct pollfd p[2] = { { e->fd_in, POLLIN, 0 }, { e->fd_ctl, POLLIN, 0 } };
		if (!e->in_buffered && poll(p, 2, -1) < 0)
			continue; /* EINTR: a signal, looked at above */
		if (p[1].revents)
			break; /* the far end is gone */
		for (int i = 0; i < CAP_BATCH; i++)
			v[i] = (struct iovec){ buf + (size_t)i * CAP_FRAME, CAP_FRAME };
		int n = e->kind->recv(e, v, CAP_BATCH), r;
		if (n < 0)
			break;
		if ((r = record(&o, v, n, c->count)) < 0) {
			if (errno != EPIPE) {
				log_err("write %s:", c->to);
				rc = 1;
			}
			break; /* the reader went away (tcpdump -c N): done */
		}
		if (r)
			break;
	}
	pcap_free(&o);
	vep_close(e);
	free(buf);
	return rc;
}

/* ---- a switch's console: it captures, we copy ---- */

static int console_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect %s:", path);
	return fd;
}

/* Read until a line of text[] is complete: the banner's prompt, or a
 * reply line "1NNN ...".  Returns the reply code (0 for the prompt);
 * line[] gets the reply line. */
static int console_wait(int fd, const char *path, int want_reply, char *line, size_t size)
{
	static char buf[4096];
	static size_t len;
	uint64_t until = now_ms() + CAP_WAIT_MS;

	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', len))) { /* whole lines first */
			size_t n = (size_t)(nl - buf) + 1;
			int code = want_reply && n >= 5 && buf[0] == '1' && buf[4] == ' ' ? atoi(buf) : 0;
			if (code) {
				snprintf(line, size, "%.*s", (int)(n - 1), buf);
				memmove(buf, buf + n, len - n);
				len -= n;
				return code;
			}
			memmove(buf, buf + n, len - n);
			len -= n;
		}
		if (!want_reply && len >= 5 && memcmp(buf + len - 5, "vde$ ", 5) == 0) {
			len = 0;
			return 0;
		}
		if (len == sizeof(buf))
			len = 0; /* a line this long is nothing we wait for */
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)(until > now_ms() ? until - now_ms() : 0);
		if (done_sig)
			exit(0);
		if (left == 0)
			die("%s: no answer%s", path, want_reply ? "" : " (not a console? for a switch's ctl socket write vde://PATH)");
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("%s: the console closed%s", path, n < 0 ? "" : " before answering");
		len += (size_t)n;
	}
}

/* "capture/start - ..." with the pipe's write end. */
static void console_start(int fd, const struct capture_conf *c, int wfd)
{
	char cmd[CAP_CMD_MAX], line[256];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "capture/start -%s snaplen=%ld", c->pcap ? " pcap" : "",
				    c->snaplen);
	int code;

	if (c->count)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " count=%ld", c->count);
	for (int i = 0; i < c->nports && n < sizeof(cmd); i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %ld", c->ports[i]);
	if (n + 1 >= sizeof(cmd))
		usage_error("--port: too many for one console line");
	cmd[n++] = '\n';
	struct iovec iov = { cmd, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &wfd, sizeof(int));
	if (sendmsg(fd, &m, MSG_NOSIGNAL) != (ssize_t)n)
		die("%s: send capture/start:", c->from);
	if ((code = console_wait(fd, c->from, 1, line, sizeof(line))) != 1000)
		die("%s: capture/start: %s%s", c->from, line,
		    code == 1038 ? " (not our switch? vde2 has no capture)" : "");
	made.keep = 1;
}

/* All of it to a blocking out; -1 when the reader is gone, the write
 * failed, or a signal (-t, ^C) ends us while the reader holds back. */
static int write_out(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR && !done_sig)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int from_console(const struct capture_conf *c)
{
	static char buf[64 * 1024];
	char line[8];
	int fd = console_connect(c->from), p[2];

	console_wait(fd, c->from, 0, line, sizeof(line)); /* the banner */
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe:");
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* more room before the switch drops; best effort */
	int out = open_output(c->to); /* before the switch starts: a bad FILE starts nothing */
	console_start(fd, c, p[1]);
	close(p[1]); /* the switch holds it now: EOF when it stops */
	while (!done_sig) {
		struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { fd, POLLIN, 0 } };
		if (poll(pf, fd >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (pf[1].revents && fd >= 0) { /* replies, events: not ours; EOF: the switch ends */
			if (read(fd, buf, sizeof(buf)) <= 0) {
				close(fd);
				fd = -1;
			}
		}
		if (!pf[0].revents)
			continue;
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the switch stopped the capture (count, capture/stop, exit) */
		if (write_out(out, buf, (size_t)n) < 0) {
			if (errno == EPIPE || errno == EINTR)
				break;
			log_err("write %s:", c->to);
			return 1;
		}
	}
	return 0;
}

int capture_main(int argc, char **argv)
{
	struct capture_conf c = { .snaplen = PCAP_SNAPLEN_DEFAULT };
	struct stat st;

	parse(argc, argv, &c);
	signals(c.secs);
	int console = !strstr(c.from, "://") && stat(c.from, &st) == 0 && S_ISSOCK(st.st_mode);
	return console ? from_console(&c) : from_vnl(&c);
}
