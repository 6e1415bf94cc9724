/* vdegen.c - traffic generator and meter for any VDE switch.
 *
 * It speaks the VDE protocol itself (the v3 handshake from
 * common/request.c, then one Ethernet frame per datagram), so vde2's
 * vde_switch and ours are measured by exactly the same code.
 *
 * One thread does everything: on a 2-CPU machine a single generator
 * thread leaves the other CPU to the switch under test, and its own CPU
 * use is printed so a reader can tell when the generator, not the
 * switch, was the limit.
 *
 * Frames are unicast between locally administered MACs that the switch
 * learns first (each endpoint broadcasts a hello and waits for the
 * other's), so nothing is flooded.  Every data frame carries a run id,
 * its own length and a sequence number; the receiver checks all three
 * and counts loss, duplicates, reordering and damaged frames.
 *
 * Output: "test.key=value" lines on stdout, read by tests/bench/run and
 * tests/t_bench_smoke.sh.  Errors go to stderr and exit 1.
 */
#include "common/log.h"
#include "common/proto.h"
#include "common/request.h"
#include "common/util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: vdegen -s DIR [-r DIR] [OPTIONS] TEST...\n"
	"Connects endpoints to a VDE switch and measures it.\n"
	"  -s DIR     switch the sender plugs into (also the receiver, without -r)\n"
	"  -r DIR     switch the receiver plugs into (far end of a cable)\n"
	"  -p PIDS    switch process ids, comma separated: CPU time and RSS\n"
	"  -c PIDS    cable process ids (dpipe, plugs): CPU time\n"
	"  -t SECS    duration of each timed test (default 2)\n"
	"  -R RATE    frames/s of the paced test (default 100000)\n"
	"  -b N       frames in the burst test (default 2000)\n"
	"  -S         burst test: the receiver reads slowly (16 frames per ms)\n"
	"  -n N       round trips in the latency test (default 5000)\n"
	"  -e N       extra idle endpoints on the sender's switch (default 0);\n"
	"             unicast frames reaching them are counted as leaked\n"
	"  -B BYTES   SO_SNDBUF/SO_RCVBUF of our data sockets (default: system)\n"
	"  -w MS      give up waiting for frames after MS idle (default 500)\n"
	"  -D MS      drain test: length of the burst (default 100)\n"
	"  -L BYTES   drain and burst tests: frame length, 60..9014 (default 60)\n"
	"Tests: small (60 B, unpaced)  paced (60 B at -R)  mtu (1514 B)\n"
	"       jumbo (9014 B)  latency  burst  rss\n"
	"       flood (60 B broadcast at -R: every port gets each frame)\n"
	"       drain (the receiver reads at -R frames/s; the sender sends\n"
	"       at twice that for -D ms: what the switch absorbs)\n"
	"       floor (no switch: the kernel's own cost of one frame received\n"
	"       and sent on, over a socketpair in this process)\n";

/* ---- frames ---- */
#define ETH_TYPE_GEN 0x88b5 /* IEEE "local experimental" */
#define GEN_MAGIC 0x5647454eu
enum { K_DATA = 1, K_HELLO, K_PING, K_PONG };
/* payload after the Ethernet header */
#define OFF_MAGIC 14
#define OFF_RUN 18
#define OFF_KIND 22
#define OFF_LEN 24
#define OFF_SEQ 28
#define GEN_HDR 36

#define BATCH 64
#define RXMAX (VDE_FRAME_MAX + 1) /* one more: a giant shows as too long */
#define MAXPIDS 16
#define MAXEXTRA 64

struct frame_info {
	int kind;
	uint32_t run;
	size_t len;     /* length the sender wrote into the frame */
	uint64_t seq;
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static void frame_build(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src,
			int kind, uint32_t run, uint64_t seq)
{
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETH_TYPE_GEN >> 8;
	f[13] = ETH_TYPE_GEN & 0xff;
	put32(f + OFF_MAGIC, GEN_MAGIC);
	put32(f + OFF_RUN, run);
	put16(f + OFF_KIND, (uint16_t)kind);
	put16(f + OFF_LEN, (uint16_t)len);
	memcpy(f + OFF_SEQ, &seq, 8);
}

/* 0 and *fi filled for one of our frames, -1 for anything else. */
static int frame_parse(const uint8_t *f, size_t len, struct frame_info *fi)
{
	if (len < GEN_HDR || f[12] != (ETH_TYPE_GEN >> 8) || f[13] != (ETH_TYPE_GEN & 0xff) ||
	    get32(f + OFF_MAGIC) != GEN_MAGIC)
		return -1;
	fi->run = get32(f + OFF_RUN);
	fi->kind = get16(f + OFF_KIND);
	fi->len = get16(f + OFF_LEN);
	memcpy(&fi->seq, f + OFF_SEQ, 8);
	return 0;
}

/* ---- time and process statistics ---- */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct pidset {
	pid_t pid[MAXPIDS];
	int n;
};

static void pidset_parse(struct pidset *ps, const char *s)
{
	char *copy = strdup(s), *save = NULL, *tok;
	long v;

	if (!copy)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (ps->n == MAXPIDS)
			usage_error("more than %d pids", MAXPIDS);
		if (parse_long(tok, 1, 0x7fffffff, &v) < 0)
			usage_error("'%s' is not a process id", tok);
		ps->pid[ps->n++] = (pid_t)v;
	}
	free(copy);
}

/* utime + stime of one process in ns, from /proc/PID/stat; -1 if gone. */
static int64_t proc_cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime (fields 3..15) */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static int64_t pidset_cpu_ns(const struct pidset *ps)
{
	int64_t sum = 0;
	for (int i = 0; i < ps->n; i++) {
		int64_t v = proc_cpu_ns(ps->pid[i]);
		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}

/* A "Key:  N kB" line of /proc/PID/status; -1 if unreadable. */
static long proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long pidset_kb(const struct pidset *ps, const char *key)
{
	long sum = 0;
	for (int i = 0; i < ps->n; i++) {
		long v = proc_status_kb(ps->pid[i], key);
		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}

/* CPU time all processes used (user, system, irq, steal), from
 * /proc/stat: what is not ours tells how busy the machine was. */
static int64_t system_busy_ns(void)
{
	unsigned long long u, n, sy, id, io, irq, sirq, st;
	FILE *f = fopen("/proc/stat", "r");
	int got;

	if (!f)
		return -1;
	got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &u, &n, &sy, &id, &io, &irq, &sirq, &st);
	fclose(f);
	if (got != 8)
		return -1;
	return (int64_t)((u + n + sy + irq + sirq + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

static int64_t self_cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* ---- configuration ---- */
static struct {
	const char *send_dir, *recv_dir;
	struct pidset sw, cable;
	double secs;
	double rate;
	long burst, pings, extra, sockbuf, idle_ms, drain_ms, drain_len;
	int slow;
} opt = { .secs = 2, .rate = 100000, .burst = 2000, .pings = 5000, .idle_ms = 500,
	  .drain_ms = 100, .drain_len = ETH_MIN_FRAME };

/* ---- endpoints ---- */
struct gen_ep {
	int ctl, data;
	uint8_t mac[6];
	const char *name;
	uint64_t frames; /* frames of the current test seen here (extras) */
};

static struct gen_ep tx, rx, extras[MAXEXTRA];
static uint32_t run_id;
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void ep_open(struct gen_ep *e, const char *dir, const char *name, int idx)
{
	struct vde_open_opts o = { .sock = dir, .descr = name };
	uint32_t pid = (uint32_t)getpid();

	if (vde_open(&o, &e->ctl, &e->data) < 0)
		die("cannot connect %s to the switch at %s", name, dir);
	if (set_nonblock(e->data) < 0)
		die("%s: set non-blocking:", name);
	if (opt.sockbuf > 0) {
		int v = (int)opt.sockbuf;
		/* FORCE passes wmem_max/rmem_max when we are root. */
		if (setsockopt(e->data, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(e->data, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0)
			log_warn("%s: SO_SNDBUF %d:", name, v);
		if (setsockopt(e->data, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
		    setsockopt(e->data, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			log_warn("%s: SO_RCVBUF %d:", name, v);
	}
	/* 02:'v':'g':pid:pid:idx - locally administered, unique per run */
	e->mac[0] = 0x02;
	e->mac[1] = 'v';
	e->mac[2] = 'g';
	e->mac[3] = (uint8_t)(pid >> 8);
	e->mac[4] = (uint8_t)pid;
	e->mac[5] = (uint8_t)idx;
	e->name = name;
}

/* ---- receiving ---- */
static uint8_t (*rxbuf)[RXMAX];
static struct mmsghdr rxmsg[BATCH];
static struct iovec rxiov[BATCH];

static void rx_init(void)
{
	rxbuf = malloc(sizeof(*rxbuf) * BATCH);
	if (!rxbuf)
		die("out of memory");
	for (int i = 0; i < BATCH; i++) {
		rxiov[i].iov_base = rxbuf[i];
		rxiov[i].iov_len = RXMAX;
		rxmsg[i].msg_hdr.msg_iov = &rxiov[i];
		rxmsg[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Up to max frames from fd without blocking; 0 when none. */
static int rx_batch(int fd, int max)
{
	int n;

	if (max > BATCH)
		max = BATCH;
	do
		n = recvmmsg(fd, rxmsg, (unsigned)max, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		die("receive from the switch:");
	}
	return n;
}

/* Wait up to ms for fd to be readable; 1 ready, 0 timeout. */
static int wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("poll:");
	return r > 0;
}

/* Wait until fd accepts a datagram, up to ms. */
static int wait_out(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die("poll:");
	return r > 0;
}

static void send_one(struct gen_ep *e, const uint8_t *f, size_t len)
{
	for (;;) {
		if (send(e->data, f, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			die("%s: send to the switch:", e->name);
		if (!wait_out(e->data, 2000))
			die("%s: the switch accepts no frames for 2 s", e->name);
	}
}

static void drain(struct gen_ep *e)
{
	while (rx_batch(e->data, BATCH) > 0)
		;
}

static void drain_all(void)
{
	drain(&tx);
	drain(&rx);
	for (long i = 0; i < opt.extra; i++)
		drain(&extras[i]);
}

/* ---- sequence tracking ---- */
struct seqtrack {
	uint8_t *seen;   /* bitmap, one bit per sent sequence number */
	uint64_t cap;    /* bits */
	uint64_t got, dup, reordered, damaged, maxplus1;
};

static void seq_reserve(struct seqtrack *s, uint64_t n)
{
	if (n <= s->cap)
		return;
	uint64_t cap = s->cap ? s->cap : 1 << 16;
	while (cap < n)
		cap *= 2;
	uint8_t *b = realloc(s->seen, cap / 8);
	if (!b)
		die("out of memory");
	memset(b + s->cap / 8, 0, (cap - s->cap) / 8);
	s->seen = b;
	s->cap = cap;
}

/* One data frame of this run: len is what arrived, sent how many exist. */
static void seq_note(struct seqtrack *s, const struct frame_info *fi, size_t len, uint64_t sent)
{
	if (fi->len != len || fi->seq >= sent) {
		s->damaged++; /* truncated, padded, or a number never sent */
		return;
	}
	uint8_t bit = (uint8_t)(1u << (fi->seq & 7));
	if (s->seen[fi->seq / 8] & bit) {
		s->dup++;
		return;
	}
	s->seen[fi->seq / 8] |= bit;
	s->got++;
	if (fi->seq + 1 < s->maxplus1)
		s->reordered++; /* arrived after a later one */
	else
		s->maxplus1 = fi->seq + 1;
}

static void seq_reset(struct seqtrack *s)
{
	if (s->seen)
		memset(s->seen, 0, s->cap / 8);
	s->got = s->dup = s->reordered = s->damaged = s->maxplus1 = 0;
}

/* Frames of this run on one endpoint's socket: data frames go to s
 * (NULL: just counted in e->frames).  Returns frames read. */
static int rx_data(struct gen_ep *e, struct seqtrack *s, uint64_t sent, int max)
{
	int n = rx_batch(e->data, max);
	struct frame_info fi;

	for (int i = 0; i < n; i++) {
		if (frame_parse(rxbuf[i], rxmsg[i].msg_len, &fi) < 0 || fi.run != run_id ||
		    fi.kind != K_DATA)
			continue; /* hellos, strays from an earlier test */
		e->frames++;
		if (s)
			seq_note(s, &fi, rxmsg[i].msg_len, sent);
	}
	return n;
}

/* ---- learning: both ends must hear each other before any test ---- */
static int heard(struct gen_ep *e, const struct gen_ep *from)
{
	struct frame_info fi;
	int n, found = 0;

	while ((n = rx_batch(e->data, BATCH)) > 0)
		for (int i = 0; i < n; i++)
			if (frame_parse(rxbuf[i], rxmsg[i].msg_len, &fi) == 0 && fi.kind == K_HELLO &&
			    fi.run == run_id && !memcmp(rxbuf[i] + 6, from->mac, 6))
				found = 1;
	return found;
}

static void learn(void)
{
	uint8_t f[ETH_MIN_FRAME];
	int tx_heard = 0, rx_heard = 0;
	uint64_t end = now_ns() + 10000000000ull;

	while (!(tx_heard && rx_heard)) {
		if (now_ns() > end)
			die("no frames pass between %s and %s in 10 s (switch or cable not forwarding)",
			    opt.send_dir, opt.recv_dir);
		frame_build(f, sizeof(f), bcast, tx.mac, K_HELLO, run_id, 0);
		send_one(&tx, f, sizeof(f));
		frame_build(f, sizeof(f), bcast, rx.mac, K_HELLO, run_id, 0);
		send_one(&rx, f, sizeof(f));
		for (long i = 0; i < opt.extra; i++) {
			frame_build(f, sizeof(f), bcast, extras[i].mac, K_HELLO, run_id, 0);
			send_one(&extras[i], f, sizeof(f));
		}
		for (int t = 0; t < 20 && !(tx_heard && rx_heard); t++) {
			wait_in(tx_heard ? rx.data : tx.data, 5);
			tx_heard |= heard(&tx, &rx);
			rx_heard |= heard(&rx, &tx);
		}
	}
	drain_all();
}

static void new_run(void)
{
	run_id = (uint32_t)now_ns() ^ ((uint32_t)getpid() << 16);
	tx.frames = rx.frames = 0;
	for (long i = 0; i < opt.extra; i++)
		extras[i].frames = 0;
}

/* ---- output ---- */
static void out(const char *test, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void out(const char *test, const char *key, const char *fmt, ...)
{
	va_list ap;
	printf("%s.%s=", test, key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static uint64_t leaked(void)
{
	uint64_t sum = 0;
	for (long i = 0; i < opt.extra; i++)
		sum += extras[i].frames;
	return sum;
}

/* ---- sending a stream of data frames ---- */
struct sender {
	uint8_t (*buf)[RXMAX];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	size_t len;
	uint64_t sent;
	int blocked; /* last send hit EAGAIN: wait for POLLOUT */
};

static int flow_broadcast; /* the flood test: data frames to ff:ff:ff:ff:ff:ff */

static void sender_init(struct sender *s, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->buf = malloc(sizeof(*s->buf) * BATCH);
	if (!s->buf)
		die("out of memory");
	s->len = len;
	for (int i = 0; i < BATCH; i++) {
		frame_build(s->buf[i], len, flow_broadcast ? bcast : rx.mac, tx.mac, K_DATA, run_id, 0);
		s->iov[i].iov_base = s->buf[i];
		s->iov[i].iov_len = len;
		s->msg[i].msg_hdr.msg_iov = &s->iov[i];
		s->msg[i].msg_hdr.msg_iovlen = 1;
	}
}

/* Send up to n frames without blocking; returns how many went. */
static int sender_push(struct sender *s, struct seqtrack *st, int n)
{
	int r;

	if (n > BATCH)
		n = BATCH;
	seq_reserve(st, s->sent + (uint64_t)n);
	for (int i = 0; i < n; i++) {
		uint64_t seq = s->sent + (uint64_t)i;
		memcpy(s->buf[i] + OFF_SEQ, &seq, 8);
	}
	do
		r = sendmmsg(tx.data, s->msg, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			die("send to the switch:");
		s->blocked = 1;
		return 0;
	}
	s->blocked = r < n;
	s->sent += (uint64_t)r;
	return r;
}

/* ---- flow test: sender -> receiver for opt.secs, paced or not ---- */
struct flow_result {
	uint64_t sent, t_send, t_deliver, t_end; /* ns from start */
	int64_t sw_cpu, cable_cpu, gen_cpu, other_cpu;
	long load_rss;
	struct seqtrack *st;
};

/* Frames the pacing allows now; for an unpaced flow, a full batch. */
static int64_t flow_due(double rate, uint64_t elapsed, uint64_t sent)
{
	if (rate <= 0)
		return BATCH;
	return (int64_t)((double)elapsed * rate / 1e9) - (int64_t)sent;
}

static void flow_wait(const struct sender *s, int sending, int64_t timeout_ns)
{
	struct pollfd p[2 + MAXEXTRA];
	int n = 0;

	if (sending && s->blocked)
		p[n++] = (struct pollfd){ .fd = tx.data, .events = POLLOUT };
	p[n++] = (struct pollfd){ .fd = rx.data, .events = POLLIN };
	for (long i = 0; i < opt.extra; i++)
		p[n++] = (struct pollfd){ .fd = extras[i].data, .events = POLLIN };
	if (timeout_ns < 10000)
		timeout_ns = 10000;
	struct timespec ts = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
	if (ppoll(p, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR)
		die("poll:");
}

static void flow_run(size_t len, double rate, struct seqtrack *st, struct flow_result *r)
{
	struct sender s;
	uint64_t t0, now, dur = (uint64_t)(opt.secs * 1e9), last_rx = 0;
	uint64_t idle = (uint64_t)opt.idle_ms * 1000000;
	int sending = 1;
	int64_t cpu0 = pidset_cpu_ns(&opt.sw), cab0 = pidset_cpu_ns(&opt.cable), gen0 = self_cpu_ns();
	int64_t all0 = system_busy_ns();

	sender_init(&s, len);
	r->load_rss = -1;
	t0 = now_ns();
	for (;;) {
		int progress = 0;
		now = now_ns();
		if (sending && now - t0 >= dur) {
			sending = 0;
			r->t_send = now - t0;
			r->load_rss = pidset_kb(&opt.sw, "VmRSS"); /* queues are fullest now */
		}
		int64_t due = sending ? flow_due(rate, now - t0, s.sent) : 0;
		if (due > 0 && !s.blocked)
			progress += sender_push(&s, st, (int)(due < BATCH ? due : BATCH));
		for (int k = 0; k < 4; k++) { /* the receiver may catch up a little */
			int n = rx_data(&rx, st, s.sent, BATCH);
			if (n == 0)
				break;
			progress += n;
			last_rx = now_ns() - t0;
		}
		for (long i = 0; i < opt.extra; i++)
			progress += rx_data(&extras[i], NULL, s.sent, BATCH);
		if (!sending) {
			if (st->got + st->dup + st->damaged >= s.sent)
				break;
			if (now - t0 > (last_rx > r->t_send ? last_rx : r->t_send) + idle)
				break;
		}
		if (progress)
			continue;
		int64_t to;
		if (!sending)
			to = (int64_t)idle / 4;
		else if (rate > 0 && !s.blocked)
			to = (int64_t)((double)(s.sent + 1) * 1e9 / rate) - (int64_t)(now - t0);
		else
			to = (int64_t)(dur - (now - t0));
		flow_wait(&s, sending, to);
		if (s.blocked) {
			struct pollfd p = { .fd = tx.data, .events = POLLOUT };
			if (poll(&p, 1, 0) > 0)
				s.blocked = 0;
		}
	}
	int64_t cpu1 = pidset_cpu_ns(&opt.sw), cab1 = pidset_cpu_ns(&opt.cable);
	r->t_end = now_ns() - t0;
	r->sw_cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
	r->cable_cpu = cab0 >= 0 && cab1 >= 0 ? cab1 - cab0 : -1;
	r->gen_cpu = self_cpu_ns() - gen0;
	int64_t all1 = system_busy_ns();
	r->other_cpu = all0 >= 0 && all1 >= 0 ? all1 - all0 - r->gen_cpu - (r->sw_cpu > 0 ? r->sw_cpu : 0) -
		(r->cable_cpu > 0 ? r->cable_cpu : 0) : -1;
	r->sent = s.sent;
	r->t_deliver = last_rx;
	r->st = st;
	free(s.buf);
}

static void flow_report(const char *name, size_t len, const struct flow_result *r)
{
	const struct seqtrack *st = r->st;
	double tsend = (double)r->t_send / 1e9, tdel = (double)r->t_deliver / 1e9;
	double tend = (double)r->t_end; /* ns: CPU times cover all of it */
	double delivered = tdel > 0 ? (double)st->got / tdel : 0;

	out(name, "frame_bytes", "%zu", len);
	out(name, "sent", "%llu", (unsigned long long)r->sent);
	out(name, "received", "%llu", (unsigned long long)st->got);
	out(name, "offered_fps", "%.0f", tsend > 0 ? (double)r->sent / tsend : 0);
	out(name, "delivered_fps", "%.0f", delivered);
	out(name, "delivered_gbps", "%.3f", delivered * (double)len * 8 / 1e9);
	out(name, "loss_pct", "%.2f", r->sent ? 100.0 * (double)(r->sent - st->got) / (double)r->sent : 0);
	out(name, "reordered", "%llu", (unsigned long long)st->reordered);
	out(name, "duplicates", "%llu", (unsigned long long)st->dup);
	out(name, "damaged", "%llu", (unsigned long long)st->damaged);
	if (opt.extra)
		out(name, "leaked", "%llu", (unsigned long long)leaked());
	out(name, "gen_cpu_pct", "%.0f", tend > 0 ? 100.0 * (double)r->gen_cpu / tend : 0);
	if (r->other_cpu >= 0) /* other processes: the machine was not quiet */
		out(name, "other_cpu_pct", "%.0f", tend > 0 && r->other_cpu > 0 ?
		    100.0 * (double)r->other_cpu / tend : 0);
	if (r->sw_cpu >= 0 && opt.sw.n) {
		out(name, "switch_cpu_pct", "%.0f", tend > 0 ? 100.0 * (double)r->sw_cpu / tend : 0);
		out(name, "switch_ns_per_frame", "%.0f", st->got ? (double)r->sw_cpu / (double)st->got : 0);
	}
	if (r->cable_cpu >= 0 && opt.cable.n)
		out(name, "cable_ns_per_frame", "%.0f", st->got ? (double)r->cable_cpu / (double)st->got : 0);
	if (r->load_rss >= 0)
		out(name, "load_rss_kb", "%ld", r->load_rss);
}

static void test_flow(const char *name, size_t len, double rate)
{
	static struct seqtrack st;
	struct flow_result r;

	new_run();
	learn();
	seq_reset(&st);
	flow_run(len, rate, &st, &r);
	flow_report(name, len, &r);
	drain_all();
}

/* ---- burst: a receiver that is not reading, then reads (slowly) ---- */

/* The switch has read everything we sent once our socket's send queue
 * (bytes not yet consumed by the peer) is empty. */
static void wait_switch_read_all(void)
{
	uint64_t end = now_ns() + 10000000000ull;
	int q;

	while (ioctl(tx.data, SIOCOUTQ, &q) == 0 && q > 0) {
		if (now_ns() > end)
			die("the switch did not read our burst in 10 s");
		sleep_ns(1000000);
	}
}

static void test_burst(void)
{
	static struct seqtrack st;
	struct sender s;
	uint64_t idle = (uint64_t)opt.idle_ms * 1000000, last;

	new_run();
	learn();
	seq_reset(&st);
	sender_init(&s, (size_t)opt.drain_len);
	while (s.sent < (uint64_t)opt.burst) {
		uint64_t left = (uint64_t)opt.burst - s.sent;
		if (sender_push(&s, &st, left < BATCH ? (int)left : BATCH) == 0 && !wait_out(tx.data, 10000))
			die("the switch accepts no frames for 10 s");
	}
	wait_switch_read_all();
	/* Forwarding of the last batch read may still be under way: let it
	 * settle, so the receiver really starts behind a full queue. */
	sleep_ns(20000000);
	long rss = pidset_kb(&opt.sw, "VmRSS");
	last = now_ns();
	while (st.got + st.dup + st.damaged < s.sent && now_ns() - last < idle) {
		if (!wait_in(rx.data, (int)(idle / 1000000 / 4 + 1)))
			continue;
		if (rx_data(&rx, &st, s.sent, opt.slow ? 16 : BATCH) > 0)
			last = now_ns();
		if (opt.slow)
			sleep_ns(1000000);
	}
	out("burst", "sent", "%llu", (unsigned long long)s.sent);
	out("burst", "received", "%llu", (unsigned long long)st.got);
	out("burst", "lost", "%llu", (unsigned long long)(s.sent - st.got));
	out("burst", "loss_pct", "%.2f", 100.0 * (double)(s.sent - st.got) / (double)s.sent);
	out("burst", "reordered", "%llu", (unsigned long long)st.reordered);
	out("burst", "duplicates", "%llu", (unsigned long long)st.dup);
	out("burst", "damaged", "%llu", (unsigned long long)st.damaged);
	if (rss >= 0)
		out("burst", "queued_rss_kb", "%ld", rss);
	free(s.buf);
	drain_all();
}

/* ---- drain: a burst at twice the rate the receiver drains ----
 * The receiver reads at exactly opt.rate frames/s (what it is allowed
 * to read so far, checked every 100 us); the sender sends at twice that
 * for opt.drain_ms, so opt.rate * drain_ms / 1000 frames pile up in the
 * switch (and in the kernel's socket buffers) at the burst's end.  Then
 * the receiver goes on at its pace until everything came or nothing
 * more comes.  Frames lost are what the switch could not hold. */
static void test_drain(void)
{
	static struct seqtrack st;
	struct sender s;
	uint64_t dur = (uint64_t)opt.drain_ms * 1000000, idle = (uint64_t)opt.idle_ms * 1000000;
	uint64_t t0, now, last, read = 0, backlog = 0, t_send = 0;
	int64_t cpu0 = pidset_cpu_ns(&opt.sw), cpu1;

	new_run();
	learn();
	seq_reset(&st);
	sender_init(&s, (size_t)opt.drain_len);
	t0 = last = now_ns();
	for (;;) {
		now = now_ns();
		uint64_t el = now - t0;
		if (el < dur) {
			int64_t due = (int64_t)((double)el * 2 * opt.rate / 1e9) - (int64_t)s.sent;
			while (due > 0) { /* a full socket: the rest stays due */
				int n = sender_push(&s, &st, due < BATCH ? (int)due : BATCH);
				if (n == 0)
					break;
				due -= n;
			}
		} else if (!t_send) {
			t_send = el;
		}
		int64_t may = (int64_t)((double)el * opt.rate / 1e9) - (int64_t)read;
		while (may > 0) {
			int n = rx_data(&rx, &st, s.sent, may < BATCH ? (int)may : BATCH);
			if (n == 0)
				break;
			read += (uint64_t)n;
			may -= n;
			last = now_ns();
		}
		if (s.sent - st.got > backlog)
			backlog = s.sent - st.got;
		if (t_send && (st.got + st.dup + st.damaged >= s.sent || now_ns() - last > idle))
			break;
		sleep_ns(100000);
	}
	cpu1 = pidset_cpu_ns(&opt.sw);
	out("drain", "frame_bytes", "%ld", opt.drain_len);
	out("drain", "drain_fps", "%.0f", opt.rate);
	out("drain", "burst_ms", "%ld", opt.drain_ms);
	out("drain", "offered_fps", "%.0f", t_send ? (double)s.sent * 1e9 / (double)t_send : 0);
	out("drain", "sent", "%llu", (unsigned long long)s.sent);
	out("drain", "received", "%llu", (unsigned long long)st.got);
	out("drain", "lost", "%llu", (unsigned long long)(s.sent - st.got));
	out("drain", "loss_pct", "%.2f", s.sent ? 100.0 * (double)(s.sent - st.got) / (double)s.sent : 0);
	out("drain", "peak_backlog", "%llu", (unsigned long long)backlog);
	out("drain", "reordered", "%llu", (unsigned long long)st.reordered);
	out("drain", "duplicates", "%llu", (unsigned long long)st.dup);
	out("drain", "damaged", "%llu", (unsigned long long)st.damaged);
	if (opt.sw.n && cpu0 >= 0 && cpu1 >= 0)
		out("drain", "switch_cpu_ms", "%.0f", (double)(cpu1 - cpu0) / 1e6);
	free(s.buf);
	drain_all();
}

/* ---- latency: ping-pong of one frame ---- */

/* Wait for frame kind/seq of this run on e; 0 when it came, -1 after ms. */
static int await(struct gen_ep *e, int kind, uint64_t seq, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000;
	struct frame_info fi;

	for (;;) {
		int n = rx_batch(e->data, BATCH);
		for (int i = 0; i < n; i++)
			if (frame_parse(rxbuf[i], rxmsg[i].msg_len, &fi) == 0 && fi.run == run_id &&
			    fi.kind == kind && fi.seq == seq)
				return 0;
		if (n > 0)
			continue;
		uint64_t now = now_ns();
		if (now >= end)
			return -1;
		wait_in(e->data, (int)((end - now) / 1000000) + 1);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_latency(void)
{
	long warm = opt.pings / 10 + 1, n = opt.pings, lost = 0, lost_row = 0, ok = 0;
	uint64_t *rtt = malloc(sizeof(*rtt) * (size_t)n), sum = 0;
	uint8_t f[ETH_MIN_FRAME];

	if (!rtt)
		die("out of memory");
	new_run();
	learn();
	for (long i = 0; i < warm + n; i++) {
		uint64_t t = now_ns();
		frame_build(f, sizeof(f), rx.mac, tx.mac, K_PING, run_id, (uint64_t)i);
		send_one(&tx, f, sizeof(f));
		frame_build(f, sizeof(f), tx.mac, rx.mac, K_PONG, run_id, (uint64_t)i);
		if (await(&rx, K_PING, (uint64_t)i, 1000) < 0 ||
		    (send_one(&rx, f, sizeof(f)), await(&tx, K_PONG, (uint64_t)i, 1000) < 0)) {
			if (++lost_row == 10)
				die("10 pings in a row got no answer through %s", opt.send_dir);
			lost++;
			continue;
		}
		lost_row = 0;
		if (i >= warm)
			rtt[ok++] = now_ns() - t;
	}
	qsort(rtt, (size_t)ok, sizeof(*rtt), cmp_u64);
	for (long i = 0; i < ok; i++)
		sum += rtt[i];
	out("latency", "pings", "%ld", ok);
	out("latency", "lost", "%ld", lost);
	if (ok) {
		out("latency", "min_us", "%.1f", (double)rtt[0] / 1e3);
		out("latency", "median_us", "%.1f", (double)rtt[ok / 2] / 1e3);
		out("latency", "p99_us", "%.1f", (double)rtt[(ok * 99) / 100] / 1e3);
		out("latency", "mean_us", "%.1f", (double)sum / (double)ok / 1e3);
	}
	free(rtt);
	drain_all();
}

static void test_rss(void)
{
	for (int i = 0; i < opt.sw.n; i++) {
		char key[32];
		snprintf(key, sizeof(key), "pid%d_kb", (int)opt.sw.pid[i]);
		out("rss", key, "%ld", proc_status_kb(opt.sw.pid[i], "VmRSS"));
	}
	out("rss", "total_kb", "%ld", pidset_kb(&opt.sw, "VmRSS"));
	out("rss", "peak_kb", "%ld", pidset_kb(&opt.sw, "VmHWM"));
}

/* ---- main ---- */
static double num_opt(int c, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		usage_error("-%c: '%s' is not a number in %g..%g", c, s, min, max);
	return v;
}

static void parse_args(int argc, char **argv)
{
	int c;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		exit(0);
	}
	while ((c = getopt(argc, argv, "s:r:p:c:t:R:b:Sn:e:B:w:D:L:")) != -1) {
		switch (c) {
		case 's': opt.send_dir = optarg; break;
		case 'r': opt.recv_dir = optarg; break;
		case 'p': pidset_parse(&opt.sw, optarg); break;
		case 'c': pidset_parse(&opt.cable, optarg); break;
		case 't': opt.secs = num_opt(c, optarg, 0.05, 3600); break;
		case 'R': opt.rate = num_opt(c, optarg, 1, 1e9); break;
		case 'b': opt.burst = (long)num_opt(c, optarg, 1, 1e8); break;
		case 'S': opt.slow = 1; break;
		case 'n': opt.pings = (long)num_opt(c, optarg, 1, 1e7); break;
		case 'e': opt.extra = (long)num_opt(c, optarg, 0, MAXEXTRA); break;
		case 'B': opt.sockbuf = (long)num_opt(c, optarg, 1024, 1 << 30); break;
		case 'w': opt.idle_ms = (long)num_opt(c, optarg, 1, 600000); break;
		case 'D': opt.drain_ms = (long)num_opt(c, optarg, 1, 60000); break;
		case 'L': opt.drain_len = (long)num_opt(c, optarg, ETH_MIN_FRAME, 9014); break;
		default: usage_error("unknown option");
		}
	}
	if (!opt.recv_dir)
		opt.recv_dir = opt.send_dir;
	if (optind >= argc)
		usage_error("name at least one test");
}

/* ---- the kernel's floor ----
 * What one forwarded frame costs the kernel alone, with no switch
 * logic at all: one datagram sent and one received over an AF_UNIX
 * socketpair, in this one process (no wakeups, no other CPU).  Every
 * VDE switch pays at least this per unicast frame (it receives each
 * frame and sends it on), and so does the generator.  Measured in
 * batches (recvmmsg/sendmmsg, as our switch does) and one syscall per
 * frame (as vde2 does). */
#define FLOOR_BATCH 32 /* our switch's SW_BATCH */
#define FLOOR_MAXLEN 1514

static double floor_ns(int fd[2], size_t len, int batch)
{
	static uint8_t buf[FLOOR_BATCH][FLOOR_MAXLEN];
	struct mmsghdr tm[FLOOR_BATCH], rm[FLOOR_BATCH];
	struct iovec tv[FLOOR_BATCH], rv[FLOOR_BATCH];
	uint64_t frames = 0;
	int64_t c0 = self_cpu_ns(), c1;

	for (int i = 0; i < batch; i++) {
		tv[i] = (struct iovec){ buf[i], len };
		rv[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
		tm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &tv[i], .msg_iovlen = 1 } };
		rm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &rv[i], .msg_iovlen = 1 } };
	}
	do {
		for (int k = 0; k < 64; k++) {
			int s, r;
			if (batch == 1) {
				s = send(fd[0], buf[0], len, 0) == (ssize_t)len;
				r = recv(fd[1], buf[0], sizeof(buf[0]), 0) == (ssize_t)len;
			} else {
				s = sendmmsg(fd[0], tm, (unsigned)batch, 0);
				r = recvmmsg(fd[1], rm, (unsigned)batch, 0, NULL);
			}
			if (s != r || r < 1)
				die("floor: socketpair send %d, received %d: %s", s, r, strerror(errno));
			frames += (uint64_t)r;
		}
		c1 = self_cpu_ns();
	} while (c1 - c0 < (int64_t)(opt.secs * 1e9));
	return (double)(c1 - c0) / (double)frames;
}

static void test_floor(void)
{
	int fd[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fd) < 0)
		die("floor: socketpair: %s", strerror(errno));
	out("floor", "batched_ns_per_frame", "%.0f", floor_ns(fd, ETH_MIN_FRAME, FLOOR_BATCH));
	out("floor", "unbatched_ns_per_frame", "%.0f", floor_ns(fd, ETH_MIN_FRAME, 1));
	out("floor", "batched_1514_ns_per_frame", "%.0f", floor_ns(fd, FLOOR_MAXLEN, FLOOR_BATCH));
	close(fd[0]);
	close(fd[1]);
}

static void test_small(void) { test_flow("small", ETH_MIN_FRAME, 0); }
static void test_paced(void) { test_flow("paced", ETH_MIN_FRAME, opt.rate); }
static void test_mtu(void) { test_flow("mtu", 1514, 0); }
static void test_jumbo(void) { test_flow("jumbo", 9014, 0); }
static void test_flood(void)
{
	flow_broadcast = 1;
	test_flow("flood", ETH_MIN_FRAME, opt.rate);
	flow_broadcast = 0;
}

static const struct {
	const char *name;
	void (*fn)(void);
	int local; /* needs no switch */
} tests[] = {
	{ "small", test_small, 0 },     { "paced", test_paced, 0 }, { "mtu", test_mtu, 0 },
	{ "jumbo", test_jumbo, 0 },     { "latency", test_latency, 0 },
	{ "burst", test_burst, 0 },     { "rss", test_rss, 0 },     { "floor", test_floor, 1 },
	{ "flood", test_flood, 0 },     { "drain", test_drain, 0 },
};

static size_t find_test(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(tests); i++)
		if (!strcmp(tests[i].name, name))
			return i;
	usage_error("unknown test '%s'", name);
}

static void watchdog(int sig)
{
	static const char msg[] = "vdegen: a test made no progress for a minute: giving up\n";
	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

int main(int argc, char **argv)
{
	log_init("vdegen");
	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	int need_switch = 0;
	for (int i = optind; i < argc; i++) /* check names before connecting */
		need_switch |= !tests[find_test(argv[i])].local;
	if (need_switch && !opt.send_dir)
		usage_error("-s DIR is required");
	rx_init();
	if (need_switch) {
		ep_open(&tx, opt.send_dir, "vdegen-tx", 1);
		ep_open(&rx, opt.recv_dir, "vdegen-rx", 2);
		for (long i = 0; i < opt.extra; i++)
			ep_open(&extras[i], opt.send_dir, "vdegen-idle", (int)(3 + i));
	}
	signal(SIGALRM, watchdog);
	for (int i = optind; i < argc; i++) {
		alarm((unsigned)(opt.secs * 3) + 60); /* a test never hangs */
		tests[find_test(argv[i])].fn();
	}
	return 0;
}
