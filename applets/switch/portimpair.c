/* portimpair.c - a bad wire on a switch port (see portimpair.h).
 *
 * Each impaired port has a struct impair (both directions); the ports
 * with one are on a list, so the timer visits only them.  Frames wait
 * in the impair's queues and leave only from the timer's callback, out
 * of any receive batch: a sink may forward and send at once, nothing
 * keeps a pointer to the copy it was handed. */
#include "portimpair.h"
#include "endpoint.h"
#include "common/offload.h"
#include "port.h"
#include "sw.h"
#include "common/impair.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct port_impair {
	struct impair im;
	struct port *port;
	struct port_impair *next;
};

static struct port_impair *impaired; /* every port with a wire */
static portimpair_sink *sink[2];     /* IMPAIR_LR: in, IMPAIR_RL: out */
static struct watch timer = { .fd = -1 };
static uint64_t armed = UINT64_MAX; /* when the timer fires next */

void portimpair_init(portimpair_sink *in, portimpair_sink *out)
{
	sink[IMPAIR_LR] = in;
	sink[IMPAIR_RL] = out;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void arm(uint64_t when)
{
	struct itimerspec it = { 0 };

	if (when == armed || timer.fd < 0)
		return;
	armed = when;
	if (when != UINT64_MAX) {
		if (when == 0)
			when = 1; /* 0 would disarm */
		it.it_value.tv_sec = (time_t)(when / 1000000u);
		it.it_value.tv_nsec = (long)(when % 1000000u) * 1000;
	}
	timerfd_settime(timer.fd, TFD_TIMER_ABSTIME, &it, NULL);
}

static uint64_t next_due(void)
{
	uint64_t t = UINT64_MAX;

	for (struct port_impair *w = impaired; w; w = w->next)
		for (int d = 0; d < 2; d++) {
			uint64_t due = impair_next_due(&w->im, d);
			if (due < t)
				t = due;
		}
	return t;
}

/* Everything due leaves through its sink; "in" frames get a buffer
 * with the head and tail room forwarding needs. */
static void release(struct port_impair *w, int dir, uint64_t now)
{
	static uint8_t buf[EP_RXBUF];
	const struct impair_frame *f;

	while ((f = impair_peek(&w->im, dir, now))) {
		size_t len = f->len;
		memcpy(buf + SW_HEADROOM, f->data, len);
		impair_pop(&w->im, dir);
		sink[dir](w->port, buf + SW_HEADROOM, len);
	}
}

static void timer_event(struct watch *wt, uint32_t events)
{
	uint64_t expirations, now = now_us();

	(void)events;
	if (read(wt->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("port impairment timer:");
	armed = UINT64_MAX;
	for (struct port_impair *w = impaired; w; w = w->next)
		for (int d = 0; d < 2; d++)
			release(w, d, now);
	arm(next_due());
}

static int timer_start(void)
{
	int fd;

	if (timer.fd >= 0)
		return 0;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0 || loop_add(&timer, fd, EPOLLIN, timer_event) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* ---- the data path ---- */

struct offer_ctx {
	struct port_impair *w;
	int dir;
	uint64_t now;
};

static void offer_segment(void *ctx, const uint8_t *seg, size_t len)
{
	struct offer_ctx *c = ctx;
	impair_offer(&c->w->im, c->dir, seg, len, c->now);
}

static int take(struct port *p, int dir, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	struct port_impair *w = p->impair;
	struct offer_ctx c = { w, dir, now_us() };

	if (!impair_dir_active(&w->im, dir))
		return 0;
	if (!vh)
		impair_offer(&w->im, dir, f, len, c.now);
	else if (offload_to_plain(f, len, vh, offer_segment, &c) < 0)
		p->drops++;
	uint64_t due = impair_next_due(&w->im, dir);
	if (due < armed)
		arm(due);
	return 1;
}

int portimpair_in(struct port *p, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	return take(p, IMPAIR_LR, f, len, vh);
}

int portimpair_out(struct port *p, const uint8_t *f, size_t len, const struct vnet_hdr *vh)
{
	return take(p, IMPAIR_RL, f, len, vh);
}

/* ---- the console ---- */

static struct port_impair *wire_of(struct port *p)
{
	struct port_impair *w = p->impair;

	if (w)
		return w;
	if (timer_start() < 0 || !(w = calloc(1, sizeof(*w))))
		return NULL;
	impair_init(&w->im, 0);
	w->port = p;
	w->next = impaired;
	impaired = w;
	p->impair = w;
	return w;
}

/* "loss=50" under "in" becomes loss=LR50: the engine's direction
 * prefix; a value that has its own prefix keeps it. */
static int set_word(struct impair *im, const char *word, const char *prefix, char *why, size_t n)
{
	const char *eq = strchr(word, '=');
	char kv[128];

	if (!eq || !*prefix || !strncmp(eq + 1, "LR", 2) || !strncmp(eq + 1, "RL", 2) ||
	    !strncmp(word, "fifo=", 5))
		return impair_set_kv(im, word, why, n);
	if (snprintf(kv, sizeof(kv), "%.*s=%s%s", (int)(eq - word), word, prefix, eq + 1) >= (int)sizeof(kv)) {
		snprintf(why, n, "'%.40s...' is too long", word);
		return EINVAL;
	}
	return impair_set_kv(im, kv, why, n);
}

static int parse_seed(const char *text, uint64_t *seed)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || *text == '-')
		return -1;
	*seed = v;
	return 0;
}

/* The words onto im, in order; 0 or an errno value with why filled. */
static int apply(struct impair *im, char **words, int n, char *why, size_t whylen, int *have_seed,
		 uint64_t *seed)
{
	const char *prefix = "";
	int err = 0;

	for (int i = 0; i < n && !err; i++) {
		if (!strcmp(words[i], "in"))
			prefix = "LR";
		else if (!strcmp(words[i], "out"))
			prefix = "RL";
		else if (!strcmp(words[i], "both"))
			prefix = "";
		else if (!strncmp(words[i], "seed=", 5)) {
			*have_seed = 1;
			if (parse_seed(words[i] + 5, seed) < 0) {
				snprintf(why, whylen, "seed=N: N is a whole number");
				err = EINVAL;
			}
		} else
			err = set_word(im, words[i], prefix, why, whylen);
	}
	return err;
}

int portimpair_set(struct port *p, char **words, int n, char *why, size_t whylen)
{
	struct impair trial;
	struct port_impair *w;
	uint64_t seed = 0;
	int have_seed = 0, err;

	if (n == 1 && !strcmp(words[0], "off")) {
		portimpair_clear(p);
		return 0;
	}
	/* On a scratch wire first: a bad word changes nothing. */
	impair_init(&trial, 1);
	err = apply(&trial, words, n, why, whylen, &have_seed, &seed);
	impair_free(&trial);
	if (err)
		return err;
	if (!(w = wire_of(p))) {
		snprintf(why, whylen, "out of memory");
		return ENOMEM;
	}
	apply(&w->im, words, n, why, whylen, &have_seed, &seed);
	if (have_seed)
		impair_seed(&w->im, seed);
	return 0;
}

void portimpair_port_gone(struct port *p)
{
	struct port_impair **pp = &impaired, *w = p->impair;

	if (!w)
		return;
	while (*pp && *pp != w)
		pp = &(*pp)->next;
	if (*pp)
		*pp = w->next;
	impair_free(&w->im); /* frames still waiting are lost with the wire */
	free(w);
	p->impair = NULL;
}

void portimpair_clear(struct port *p)
{
	portimpair_port_gone(p);
}

int portimpair_show(const struct port *p, void (*line)(void *ctx, const char *text), void *ctx)
{
	if (!p->impair)
		return ENOENT;
	return impair_show(&p->impair->im, -1, 2, line, ctx);
}

void portimpair_free(void)
{
	for (int i = 0; i <= sw.numports; i++)
		if (sw.ports[i])
			portimpair_port_gone(sw.ports[i]);
	if (timer.fd >= 0) {
		int fd = timer.fd;
		loop_del(&timer);
		close(fd);
	}
}
