/* vdemany.c - many VDE endpoints from one process, for the scale rows
 * of the benchmark (tests/bench/scale.sh).
 *
 *   hold      connect N endpoints (the v3 handshake of common/request.c,
 *             two file descriptors each) and keep them: idle ports.  With
 *             -m M, first teach the switch M source addresses through
 *             up to 8 of them, each frame addressed to its own sender's
 *             port so the switch learns it and forwards it nowhere.
 *             Prints hold.* lines and hold.ready=1, then reads and
 *             discards whatever the switch sends (a flood must not pile
 *             up in queues) until SIGTERM or the switch goes away.
 *   connects  connect and disconnect one endpoint in a loop for -t SECS:
 *             what one connection costs the switch, end to end.
 *
 * Output "key=value" lines on stdout; errors on stderr and exit 1.
 * Any VDE switch: vde2's and ours are measured by the same code.
 */
#include "common/log.h"
#include "common/proto.h"
#include "common/request.h"
#include "common/util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: vdemany -s DIR [-n N] [-m MACS] [-W] [-t SECS] [-c MAX] hold|connects\n"
	"  hold      keep N idle endpoints on the switch (default 1), after\n"
	"            teaching it MACS source addresses (default 0) through up\n"
	"            to 8 of them; reads and discards frames until SIGTERM.\n"
	"            -W: print hold.connected=1, then teach only after SIGUSR1\n"
	"  connects  connect + handshake + disconnect in a loop for SECS\n"
	"            (default 1), at most -c MAX times (default 3000): prints\n"
	"            connects.per_s\n";

#define LEARNERS 8
#define BATCH 64

static volatile sig_atomic_t stop, go;
static void on_term(int sig) { (void)sig; stop = 1; }
static void on_usr1(int sig) { (void)sig; go = 1; }
static int wait_go; /* -W: teach only after SIGUSR1 */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct ep {
	int ctl, data;
};

static void ep_open(struct ep *e, const char *dir)
{
	struct vde_open_opts o = { .sock = dir, .descr = "vdemany" };
	if (vde_open(&o, &e->ctl, &e->data) < 0)
		die("cannot connect an endpoint to the switch at %s", dir);
	if (set_nonblock(e->data) < 0)
		die("set non-blocking:");
}

/* 02:'m':pid16:idx16 for learner idx; taught stations 06:(pid8):i32. */
static void own_mac(uint8_t *m, unsigned idx)
{
	unsigned pid = (unsigned)getpid();
	m[0] = 0x02; m[1] = 'm'; m[2] = (uint8_t)(pid >> 8); m[3] = (uint8_t)pid;
	m[4] = (uint8_t)(idx >> 8); m[5] = (uint8_t)idx;
}

static void taught_mac(uint8_t *m, uint32_t i)
{
	m[0] = 0x06; m[1] = (uint8_t)getpid();
	m[2] = (uint8_t)(i >> 24); m[3] = (uint8_t)(i >> 16); m[4] = (uint8_t)(i >> 8); m[5] = (uint8_t)i;
}

static void frame(uint8_t *f, const uint8_t *dst, const uint8_t *src)
{
	memset(f, 0, ETH_MIN_FRAME);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88; /* IEEE local experimental: nobody answers it */
	f[13] = 0xb5;
}

static void send_wait(int fd, const void *f, size_t len)
{
	while (send(fd, f, len, MSG_NOSIGNAL) < 0) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && errno != EINTR)
			die("send to the switch:");
		if (poll(&p, 1, 5000) == 0)
			die("the switch accepts no frames for 5 s");
	}
}

/* The switch has read all we sent once our send queue is empty. */
static void wait_read(int fd)
{
	uint64_t end = now_ns() + 30000000000ull;
	int q;
	while (ioctl(fd, SIOCOUTQ, &q) == 0 && q > 0) {
		if (now_ns() > end)
			die("the switch did not read our frames in 30 s");
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
}

/* Learner j says hello from its own MAC (a broadcast: learned on its
 * port), then sends frames from taught MACs to that MAC: the switch
 * learns each source and drops the frame (its destination is the port
 * it came from). */
static void teach(struct ep *eps, long n, long macs)
{
	long nl = n < LEARNERS ? n : LEARNERS;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[ETH_MIN_FRAME], own[6], src[6];

	for (long j = 0; j < nl; j++) {
		own_mac(own, (unsigned)j);
		frame(f, bcast, own);
		send_wait(eps[j].data, f, sizeof(f));
	}
	for (long i = 0; i < macs; i++) {
		long j = i % nl;
		own_mac(own, (unsigned)j);
		taught_mac(src, (uint32_t)i);
		frame(f, own, src);
		send_wait(eps[j].data, f, sizeof(f));
	}
	for (long j = 0; j < nl; j++)
		wait_read(eps[j].data);
}

static void drain_loop(struct ep *eps, long n)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	static uint8_t buf[BATCH][VDE_FRAME_MAX];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	unsigned long long frames = 0;

	if (ep < 0)
		die("epoll_create1:");
	for (long i = 0; i < n; i++) {
		/* data.u64: index * 2 + (1 for ctl) */
		struct epoll_event d = { .events = EPOLLIN, .data.u64 = (uint64_t)i * 2 };
		struct epoll_event c = { .events = EPOLLIN, .data.u64 = (uint64_t)i * 2 + 1 };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, eps[i].data, &d) < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, eps[i].ctl, &c) < 0)
			die("epoll_ctl:");
	}
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
		msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	while (!stop) {
		struct epoll_event ev[256];
		int k = epoll_wait(ep, ev, 256, 1000);
		if (k < 0 && errno != EINTR)
			die("epoll_wait:");
		for (int i = 0; i < k; i++) {
			struct ep *e = &eps[ev[i].data.u64 / 2];
			if (ev[i].data.u64 & 1) {
				char c[64];
				ssize_t r = read(e->ctl, c, sizeof(c));
				if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
					stop = 1; /* the switch is gone */
				continue;
			}
			int r = recvmmsg(e->data, msg, BATCH, MSG_DONTWAIT, NULL);
			if (r > 0)
				frames += (unsigned)r;
		}
	}
	printf("hold.rx_frames=%llu\n", frames);
}

static void hold(const char *dir, long n, long macs)
{
	struct ep *eps = calloc((size_t)n, sizeof(*eps));
	uint64_t t0 = now_ns();

	if (!eps)
		die("out of memory");
	for (long i = 0; i < n; i++) {
		ep_open(&eps[i], dir);
		if (set_nonblock(eps[i].ctl) < 0)
			die("set non-blocking:");
	}
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old); /* held until sigsuspend: none is lost */
	printf("hold.endpoints=%ld\nhold.open_ms=%.0f\nhold.connected=1\n", n, (double)(now_ns() - t0) / 1e6);
	fflush(stdout);
	while (wait_go && !go && !stop) /* the caller measures the switch now */
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	t0 = now_ns();
	if (macs > 0)
		teach(eps, n, macs);
	printf("hold.macs=%ld\nhold.teach_ms=%.0f\nhold.ready=1\n", macs, (double)(now_ns() - t0) / 1e6);
	fflush(stdout);
	drain_loop(eps, n);
	free(eps); /* the fds close at exit: the switch frees the ports */
}

static void connects(const char *dir, double secs, long max)
{
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9), t;
	long n = 0;
	struct ep e;

	do {
		ep_open(&e, dir);
		close(e.data);
		close(e.ctl);
		n++;
	} while ((t = now_ns()) < end && n < max);
	printf("connects.n=%ld\nconnects.per_s=%.0f\n", n, (double)n * 1e9 / (double)(t - t0));
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	long n = 1, macs = 0, max = 3000;
	double secs = 1;
	int c;

	log_init("vdemany");
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	while ((c = getopt(argc, argv, "s:n:m:t:c:W")) != -1) {
		long v;
		switch (c) {
		case 's': dir = optarg; break;
		case 'n':
			if (parse_long(optarg, 1, 1000000, &v) < 0)
				usage_error("-n: '%s' is not a number in 1..1000000", optarg);
			n = v;
			break;
		case 'm':
			if (parse_long(optarg, 0, 100000000, &v) < 0)
				usage_error("-m: '%s' is not a number in 0..100000000", optarg);
			macs = v;
			break;
		case 'W': wait_go = 1; break;
		case 'c':
			if (parse_long(optarg, 1, 100000000, &v) < 0)
				usage_error("-c: '%s' is not a number in 1..100000000", optarg);
			max = v;
			break;
		case 't': {
			char *end;
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(secs >= 0.05 && secs <= 3600))
				usage_error("-t: '%s' is not seconds in 0.05..3600", optarg);
			break;
		}
		default: usage_error("unknown option");
		}
	}
	if (!dir)
		usage_error("-s DIR is required");
	if (optind != argc - 1)
		usage_error("name one mode: hold or connects");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGUSR1, on_usr1);
	if (!strcmp(argv[optind], "hold"))
		hold(dir, n, macs);
	else if (!strcmp(argv[optind], "connects"))
		connects(dir, secs, max);
	else
		usage_error("unknown mode '%s'", argv[optind]);
	return 0;
}
