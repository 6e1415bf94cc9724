/* impair.c - the bad wire of impair.h: values from text, each frame's
 * fate, the delay queues and the Markov chain of value sets. */
#include "impair.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KILO 1024.0
#define MEGA (1024.0 * 1024.0)

/* ---- randomness: xorshift64*, seeded through splitmix64 ---- */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static double rand01(struct impair *im)
{
	uint64_t x = im->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	im->rng = x;
	return (double)((x * 0x2545f4914f6cdd1dull) >> 11) * 0x1.0p-53;
}

/* Nearly normal, without libm: the sum of 12 uniform draws less 6 has
 * mean 0 and sigma 1 (and never strays past 6 sigma). */
static double rand_normal(struct impair *im)
{
	double s = 0;

	for (int i = 0; i < 12; i++)
		s += rand01(im);
	return s - 6.0;
}

/* ---- set up ---- */

static const struct impair_node node_zero = { .name = "" };

static void node_clear(struct impair_node *n)
{
	*n = node_zero;
	for (int k = 0; k < IMP_NKEYS; k++)
		n->v[k][0].alg = n->v[k][1].alg = 'U';
}

void impair_seed(struct impair *im, uint64_t seed)
{
	if (!seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
		       (uint64_t)getpid() << 32;
	}
	im->rng = splitmix(seed) | 1; /* xorshift must not start at 0 */
}

void impair_init(struct impair *im, uint64_t seed)
{
	memset(im, 0, sizeof(*im));
	impair_seed(im, seed);
	im->markov_ms = 100;
	im->nnodes = 1;
	im->nodes = calloc(1, sizeof(*im->nodes));
	im->edges = calloc(1, sizeof(*im->edges));
	if (!im->nodes || !im->edges)
		abort(); /* a few bytes at start-up */
	node_clear(&im->nodes[0]);
	im->edges[0] = 100;
}

static void queue_free(struct impair_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->h[i]);
	free(q->h);
	memset(q, 0, sizeof(*q));
}

void impair_free(struct impair *im)
{
	for (int d = 0; d < 2; d++)
		queue_free(&im->d[d].q);
	free(im->nodes);
	free(im->edges);
	im->nodes = NULL;
	im->edges = NULL;
}

/* ---- values from text ---- */

static const struct {
	const char *name;
	int key;
} key_names[] = {
	{ "loss", IMP_LOSS },     { "lostburst", IMP_LOSTBURST }, { "delay", IMP_DELAY },
	{ "dup", IMP_DUP },       { "bandwidth", IMP_BAND },      { "band", IMP_BAND },
	{ "speed", IMP_SPEED },   { "capacity", IMP_CAPACITY },   { "chanbufsize", IMP_CAPACITY },
	{ "noise", IMP_NOISE },   { "mtu", IMP_MTU },
};

static const char *const key_label[IMP_NKEYS] = {
	"loss", "lostburst", "delay", "dup", "bandwidth", "speed", "capacity", "noise", "mtu",
};

/* The largest value of each key: past it a value means nothing (a loss
 * above 100%) or would overflow the microsecond clock. */
static const double key_max[IMP_NKEYS] = {
	[IMP_LOSS] = 100,
	[IMP_LOSTBURST] = 1e9,
	[IMP_DELAY] = 86400e3,     /* a day */
	[IMP_DUP] = 100,
	[IMP_BAND] = 1e13,
	[IMP_SPEED] = 1e13,
	[IMP_CAPACITY] = IMPAIR_CAPACITY_MAX,
	[IMP_NOISE] = 8 * MEGA,     /* every bit */
	[IMP_MTU] = 65535,
};

int impair_key(const char *name)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (strcmp(key_names[i].name, name) == 0)
			return key_names[i].key;
	return -1;
}

static int bad(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return EINVAL;
}

/* A plain decimal number "12", "1.5", ".5" at *p: no sign, exponent,
 * hex, inf or nan, which strtod alone would take. */
static int number(const char **p, double *out)
{
	const char *s = *p;
	char buf[40];
	size_t n = 0;
	int digits = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++, digits++;
	if (s[n] == '.')
		for (n++; s[n] >= '0' && s[n] <= '9'; n++)
			digits++;
	if (!digits || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	*out = strtod(buf, NULL);
	*p = s + n;
	return 0;
}

struct parsed {
	int dirs;      /* bit 0 LR, bit 1 RL */
	double value, plus;
	char alg;
	int node;      /* -1: the node 0 (vde2's default) */
};

static int parse_value(const char *text, struct parsed *v, char *why, size_t n)
{
	const char *s = text;
	double mult = 1;

	*v = (struct parsed){ .dirs = 3, .alg = 'U', .node = -1 };
	while (*s == ' ' || *s == '\t')
		s++;
	if ((s[0] == 'L' || s[0] == 'l') && (s[1] == 'R' || s[1] == 'r'))
		v->dirs = 1, s += 2;
	else if ((s[0] == 'R' || s[0] == 'r') && (s[1] == 'L' || s[1] == 'l'))
		v->dirs = 2, s += 2;
	if (number(&s, &v->value) < 0)
		return bad(why, n, "'%.40s' is not a number (like LR50 or 100+20N)", text);
	if (*s == '+' && (s++, number(&s, &v->plus) < 0))
		return bad(why, n, "'%.40s': no number after '+'", text);
	switch (*s) {
	case 'k': case 'K': mult = KILO, s++; break;
	case 'm': case 'M': mult = MEGA, s++; break;
	case 'g': case 'G': mult = KILO * MEGA, s++; break;
	}
	switch (*s) {
	case 'u': case 'U': v->alg = 'U', s++; break;
	case 'n': case 'N': v->alg = 'N', s++; break;
	}
	if (*s == '[') {
		double node;
		s++;
		if (number(&s, &node) < 0 || *s++ != ']' || node > IMPAIR_NODES_MAX)
			return bad(why, n, "'%.40s': a Markov node is [N]", text);
		v->node = (int)node;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s)
		return bad(why, n, "'%.40s': unexpected '%c'", text, *s);
	v->value *= mult;
	v->plus *= mult;
	return 0;
}

static int check_value(int key, const struct parsed *v, char *why, size_t n)
{
	const char *name = key_label[key];

	if (v->value > key_max[key])
		return bad(why, n, "%s: %g is above %g", name, v->value, key_max[key]);
	if (v->plus > key_max[key])
		return bad(why, n, "%s: variation %g is above %g", name, v->plus, key_max[key]);
	/* vde2 repeats a frame while a draw is below dup: at 100% forever. */
	if (key == IMP_DUP && v->value + v->plus >= 100)
		return bad(why, n, "dup: %g%% would repeat frames for ever (below 100, please)",
			   v->value + v->plus);
	if (key == IMP_MTU && v->plus != 0)
		return bad(why, n, "mtu: takes no variation");
	return 0;
}

int impair_set(struct impair *im, int key, const char *text, char *why, size_t n)
{
	struct parsed v;
	int rc, node;

	if (key < 0 || key >= IMP_NKEYS)
		return bad(why, n, "no such value");
	if ((rc = parse_value(text, &v, why, n)) || (rc = check_value(key, &v, why, n)))
		return rc;
	node = v.node < 0 ? 0 : v.node;
	if (node >= im->nnodes)
		return bad(why, n, "%s: no Markov node %d (0..%d)", key_label[key], node,
			   im->nnodes - 1);
	for (int d = 0; d < 2; d++)
		if (v.dirs & (1 << d))
			im->nodes[node].v[key][d] = (struct impair_val){ v.value, v.plus, v.alg };
	return 0;
}

int impair_set_str(struct impair *im, const char *name, const char *text, char *why, size_t n)
{
	int key = impair_key(name);

	if (key < 0)
		return bad(why, n, "'%.40s' is none of loss lostburst delay dup bandwidth speed "
			   "capacity noise mtu", name);
	return impair_set(im, key, text, why, n);
}

int impair_set_kv(struct impair *im, const char *kv, char *why, size_t n)
{
	const char *eq = strchr(kv, '=');
	char name[16];

	if (!eq || (size_t)(eq - kv) >= sizeof(name))
		return bad(why, n, "'%.40s' is not NAME=VALUE (loss=LR50, delay=100+20N)", kv);
	memcpy(name, kv, (size_t)(eq - kv));
	name[eq - kv] = 0;
	if (!strcmp(name, "fifo")) {
		if (strcmp(eq + 1, "0") && strcmp(eq + 1, "1"))
			return bad(why, n, "fifo=0 or fifo=1");
		impair_set_fifo(im, eq[1] == '1');
		return 0;
	}
	return impair_set_str(im, name, eq + 1, why, n);
}

void impair_set_fifo(struct impair *im, int fifo)
{
	im->nofifo = !fifo;
}

/* ---- drawing values ---- */

static const struct impair_val *val(const struct impair *im, int key, int dir)
{
	return &im->nodes[im->cur].v[key][dir];
}

static double vmax(const struct impair *im, int key, int dir)
{
	return val(im, key, dir)->value + val(im, key, dir)->plus;
}

static double vmin(const struct impair *im, int key, int dir)
{
	return val(im, key, dir)->value - val(im, key, dir)->plus;
}

static double draw(struct impair *im, int key, int dir)
{
	const struct impair_val *v = val(im, key, dir);

	if (v->plus == 0)
		return v->value;
	if (v->alg == 'N')
		return v->value + v->plus / 3.0 * rand_normal(im);
	return v->value + v->plus * (rand01(im) * 2.0 - 1.0);
}

/* ---- the queues ---- */

static int before(const struct impair_frame *a, const struct impair_frame *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static int queue_push(struct impair_queue *q, struct impair_frame *f)
{
	size_t k;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct impair_frame **h = realloc(q->h, cap * sizeof(*h));
		if (!h)
			return -1;
		q->h = h;
		q->cap = cap;
	}
	for (k = q->n++; k > 0 && before(f, q->h[(k - 1) / 2]); k = (k - 1) / 2)
		q->h[k] = q->h[(k - 1) / 2];
	q->h[k] = f;
	q->bytes += f->len;
	return 0;
}

static void queue_pop(struct impair_queue *q)
{
	struct impair_frame *last;
	size_t k = 0;

	if (!q->n)
		return;
	q->bytes -= q->h[0]->len;
	free(q->h[0]);
	last = q->h[--q->n];
	for (;;) {
		size_t c = 2 * k + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(q->h[c + 1], q->h[c]))
			c++;
		if (!before(q->h[c], last))
			break;
		q->h[k] = q->h[c];
		k = c;
	}
	if (q->n)
		q->h[k] = last;
	/* A burst that is over gives its memory back. */
	if (q->n == 0 && q->cap > 1024) {
		free(q->h);
		q->h = NULL;
		q->cap = 0;
	}
}

const struct impair_frame *impair_peek(const struct impair *im, int dir, uint64_t now)
{
	const struct impair_queue *q = &im->d[dir].q;

	return q->n && q->h[0]->when <= now ? q->h[0] : NULL;
}

void impair_pop(struct impair *im, int dir)
{
	queue_pop(&im->d[dir].q);
}

uint64_t impair_next_due(const struct impair *im, int dir)
{
	const struct impair_queue *q = &im->d[dir].q;

	return q->n ? q->h[0]->when : UINT64_MAX;
}

uint64_t impair_input_at(const struct impair *im, int dir)
{
	if (vmax(im, IMP_SPEED, dir) <= 0)
		return 0;
	return im->d[dir].next_speed ? im->d[dir].next_speed : 1;
}

/* ---- a frame's fate ---- */

/* The Gilbert model: a two-state chain per direction whose bad state
 * loses every frame.  Leaving it has probability 1/burst, entering it
 * loss/(burst * (1 - loss)), so the mean burst is burst frames long and
 * the loss rate converges to loss. */
static int lost(struct impair *im, int dir)
{
	struct impair_dir *d = &im->d[dir];

	if (vmin(im, IMP_LOSS, dir) >= 100)
		return 1;
	if (vmax(im, IMP_LOSTBURST, dir) > 0) {
		double l = draw(im, IMP_LOSS, dir) / 100, b = draw(im, IMP_LOSTBURST, dir);
		if (l >= 1)
			return d->faulty = 1;
		if (b < 1)
			b = 1;
		if (!d->faulty)
			d->faulty = l > 0 && rand01(im) < l / (b * (1 - l));
		else
			d->faulty = !(rand01(im) < 1 / b);
		return d->faulty;
	}
	d->faulty = 0;
	return vmax(im, IMP_LOSS, dir) > 0 && rand01(im) < draw(im, IMP_LOSS, dir) / 100;
}

static int copies(struct impair *im, int dir)
{
	int n = 1;

	if (vmax(im, IMP_DUP, dir) > 0) {
		double p = draw(im, IMP_DUP, dir) / 100;
		while (n <= IMPAIR_DUP_MAX && rand01(im) < p)
			n++;
	}
	return n;
}

/* Microseconds a frame of len bytes takes at rate key (band or speed),
 * or -1 when the rate drawn is 0: the wire carries nothing. */
static double transmit_us(struct impair *im, int key, int dir, size_t len)
{
	double rate = draw(im, key, dir);

	if (rate <= 0)
		return -1;
	if (rate < 1)
		rate = 1;
	return (double)len * 1e6 / rate;
}

/* When this copy is due: its time at the interface (speed, which also
 * holds the input back), behind the bottleneck's backlog (band), plus
 * the line's delay.  UINT64_MAX: a rate of 0 loses it. */
static uint64_t due_time(struct impair *im, int dir, size_t len, uint64_t now)
{
	struct impair_dir *d = &im->d[dir];
	double extra = 0;

	if (vmax(im, IMP_SPEED, dir) > 0) {
		double t = transmit_us(im, IMP_SPEED, dir, len);
		if (t < 0)
			return UINT64_MAX;
		extra = t;
		if (d->next_speed < now)
			d->next_speed = now;
		d->next_speed += (uint64_t)t;
	}
	if (vmax(im, IMP_BAND, dir) > 0) {
		double t = transmit_us(im, IMP_BAND, dir, len);
		if (t < 0)
			return UINT64_MAX;
		if (d->next_band < now)
			d->next_band = now;
		extra = (double)(d->next_band - now) + t;
		d->next_band += (uint64_t)t;
	}
	if (vmax(im, IMP_DELAY, dir) > 0) {
		double ms = draw(im, IMP_DELAY, dir);
		if (ms > 0)
			extra += ms * 1000;
	}
	return now + (uint64_t)extra;
}

/* Bit noise: each frame of len bytes gets k flipped bits, k geometric
 * with mean about len * noise / 1 MiB (vde2's draw), at most every bit. */
static void add_noise(struct impair *im, int dir, uint8_t *data, size_t len)
{
	double p = (double)len * draw(im, IMP_NOISE, dir) / MEGA;
	size_t flips = 0;

	while (flips < len * 8 && rand01(im) < p)
		flips++;
	if (flips)
		im->d[dir].noised++;
	while (flips--) {
		size_t bit = (size_t)(rand01(im) * (double)(len * 8));
		data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static size_t capacity(struct impair *im, int dir)
{
	if (vmax(im, IMP_CAPACITY, dir) > 0) {
		double c = draw(im, IMP_CAPACITY, dir);
		return c > 0 ? (size_t)c : 0;
	}
	return IMPAIR_QUEUE_MAX;
}

int impair_dir_active(const struct impair *im, int dir)
{
	if (im->nnodes > 1)
		return 1;
	for (int k = 0; k < IMP_NKEYS; k++)
		if (vmax(im, k, dir) > 0)
			return 1;
	return 0;
}

int impair_offer(struct impair *im, int dir, const void *frame, size_t len, uint64_t now)
{
	struct impair_dir *d = &im->d[dir];
	int n, queued = 0;

	if (vmin(im, IMP_MTU, dir) > 0 && (double)len > vmin(im, IMP_MTU, dir)) {
		d->dropped_mtu++;
		return 0;
	}
	if (lost(im, dir)) {
		d->lost++;
		return 0;
	}
	n = copies(im, dir);
	d->duplicated += (unsigned long)(n - 1);
	for (int i = 0; i < n; i++) {
		struct impair_frame *f;
		uint64_t when;
		if (d->q.bytes + len > capacity(im, dir)) {
			d->dropped_full++;
			continue;
		}
		when = due_time(im, dir, len, now);
		if (when == UINT64_MAX) {
			d->lost++;
			continue;
		}
		/* In order unless nofifo: never before what went in earlier. */
		if (!im->nofifo && when < d->last_when)
			when = d->last_when;
		if (when > d->last_when)
			d->last_when = when;
		f = malloc(sizeof(*f) + len);
		if (!f) {
			d->dropped_full++;
			continue;
		}
		f->when = when;
		f->seq = d->seq++;
		f->len = len;
		memcpy(f->data, frame, len);
		if (vmax(im, IMP_NOISE, dir) > 0)
			add_noise(im, dir, f->data, len);
		if (queue_push(&d->q, f) < 0) {
			free(f);
			d->dropped_full++;
			continue;
		}
		queued++;
	}
	return queued;
}

/* ---- the Markov chain ---- */

#define EDGE(im, i, j) ((im)->edges[(size_t)(i) * (size_t)(im)->nnodes + (size_t)(j)])

/* A node's loop edge is whatever its other edges leave of 100%. */
static void self_edge(struct impair *im, int i)
{
	double w = 100;

	for (int j = 0; j < im->nnodes; j++)
		if (j != i)
			w -= EDGE(im, i, j);
	EDGE(im, i, i) = w;
}

static void markov_step(struct impair *im)
{
	double x = rand01(im) * 100;
	int i = im->cur, k = i;

	/* From the node itself around: the order vde2 walks the edges. */
	for (int j = 0; j < im->nnodes; j++) {
		k = (i + j) % im->nnodes;
		if (x <= EDGE(im, i, k))
			break;
		x -= EDGE(im, i, k);
	}
	if (k != i) {
		im->cur = k;
		if (im->on_move)
			im->on_move(im->ctx, i, k);
	}
}

static void markov_start(struct impair *im, uint64_t now)
{
	im->markov_next = 0;
	if (im->nnodes > 1) {
		im->markov_next = now + (uint64_t)(im->markov_ms * 1000);
		markov_step(im);
	}
}

void impair_tick(struct impair *im, uint64_t now)
{
	int steps = 0;

	if (im->nnodes < 2 || !im->markov_next)
		return;
	while (im->markov_next <= now && steps++ < 1000) {
		im->markov_next += (uint64_t)(im->markov_ms * 1000);
		markov_step(im);
	}
	if (im->markov_next <= now) /* far behind (a stopped process): catch up */
		im->markov_next = now + (uint64_t)(im->markov_ms * 1000);
}

uint64_t impair_next_tick(const struct impair *im)
{
	return im->nnodes > 1 && im->markov_next ? im->markov_next : UINT64_MAX;
}

int impair_markov_resize(struct impair *im, int n, uint64_t now)
{
	struct impair_node *nodes;
	double *edges;
	int old = im->nnodes;

	if (n < 1 || n > IMPAIR_NODES_MAX)
		return EINVAL;
	edges = calloc((size_t)n * (size_t)n, sizeof(*edges));
	nodes = calloc((size_t)n, sizeof(*nodes));
	if (!edges || !nodes) {
		free(edges);
		free(nodes);
		return ENOMEM;
	}
	memcpy(nodes, im->nodes, (size_t)(n < old ? n : old) * sizeof(*nodes));
	for (int i = old; i < n; i++)
		node_clear(&nodes[i]);
	/* Edges to nodes that go fall back to the loop edge. */
	for (int i = 0; i < n; i++) {
		double w = 100;
		for (int j = 0; j < n; j++)
			if (j != i && i < old && j < old) {
				edges[(size_t)i * (size_t)n + (size_t)j] = EDGE(im, i, j);
				w -= EDGE(im, i, j);
			}
		edges[(size_t)i * (size_t)n + (size_t)i] = w;
	}
	free(im->nodes);
	free(im->edges);
	im->nodes = nodes;
	im->edges = edges;
	im->nnodes = n;
	if (im->cur >= n)
		im->cur = 0;
	markov_start(im, now);
	return 0;
}

int impair_markov_setnode(struct impair *im, int node)
{
	if (node < 0 || node >= im->nnodes)
		return EINVAL;
	im->cur = node;
	return 0;
}

int impair_markov_name(struct impair *im, int node, const char *name)
{
	size_t len = strlen(name);

	if (node < 0 || node >= im->nnodes || len > IMPAIR_NAME_MAX)
		return EINVAL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < ' ' || (unsigned char)name[i] == 0x7f)
			return EINVAL;
	memcpy(im->nodes[node].name, name, len + 1);
	return 0;
}

int impair_markov_time(struct impair *im, double ms, uint64_t now)
{
	/* Below 1 ms the chain would keep the loop awake (vde2 counts ms). */
	if (!(ms >= 1) || ms > 86400e3)
		return EINVAL;
	im->markov_ms = ms;
	markov_start(im, now);
	return 0;
}

int impair_markov_edge(struct impair *im, int from, int to, double weight)
{
	double sum = 0, old;

	if (from < 0 || from >= im->nnodes || to < 0 || to >= im->nnodes || from == to ||
	    !(weight >= 0) || weight > 100)
		return EINVAL;
	old = EDGE(im, from, to);
	EDGE(im, from, to) = weight;
	for (int j = 0; j < im->nnodes; j++)
		if (j != from)
			sum += EDGE(im, from, j);
	if (sum > 100 + 1e-9) { /* more than certainty leaves the node */
		EDGE(im, from, to) = old;
		return EINVAL;
	}
	self_edge(im, from);
	return 0;
}

/* ---- reports ---- */

static void line(impair_line_fn *fn, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(impair_line_fn *fn, void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fn(ctx, buf);
}

/* vde2's labels, in its order; MTU is shown apart (no variation). */
static const struct {
	const char *label;
	int key;
} show_rows[] = {
	{ "Loss  ", IMP_LOSS }, { "Lburst", IMP_LOSTBURST }, { "Delay ", IMP_DELAY },
	{ "Dup   ", IMP_DUP },  { "Bandw ", IMP_BAND },      { "Speed ", IMP_SPEED },
	{ "Noise ", IMP_NOISE },
};

int impair_show(const struct impair *im, int node, int ndirs, impair_line_fn *fn, void *ctx)
{
	const struct impair_node *nd;
	const struct impair_val *c;

	if (node < 0)
		node = im->cur;
	if (node >= im->nnodes)
		return EINVAL;
	nd = &im->nodes[node];
	line(fn, ctx, "WireFilter: %sdirectional", ndirs == 2 ? "bi" : "mono");
	if (im->nnodes > 1)
		line(fn, ctx, "Node %d \"%s\" (0,..,%d) Markov-time %g", node, nd->name,
		     im->nnodes - 1, im->markov_ms);
	for (size_t r = 0; r < sizeof(show_rows) / sizeof(show_rows[0]); r++) {
		const struct impair_val *v = nd->v[show_rows[r].key];
		if (ndirs == 2)
			line(fn, ctx, "%s L->R %g+%g%c   R->L %g+%g%c", show_rows[r].label,
			     v[0].value, v[0].plus, v[0].alg, v[1].value, v[1].plus, v[1].alg);
		else
			line(fn, ctx, "%s %g+%g%c", show_rows[r].label, v[0].value, v[0].plus,
			     v[0].alg);
	}
	c = nd->v[IMP_CAPACITY];
	if (ndirs == 2) {
		line(fn, ctx, "MTU    L->R %g     R->L %g   ",
		     nd->v[IMP_MTU][0].value - nd->v[IMP_MTU][0].plus,
		     nd->v[IMP_MTU][1].value - nd->v[IMP_MTU][1].plus);
		line(fn, ctx, "Cap.   L->R %g+%g%c   R->L %g+%g%c", c[0].value, c[0].plus,
		     c[0].alg, c[1].value, c[1].plus, c[1].alg);
		line(fn, ctx, "Current Delay Queue size:   L->R %zu      R->L %zu   ",
		     im->d[0].q.bytes, im->d[1].q.bytes);
	} else {
		line(fn, ctx, "MTU    %g", nd->v[IMP_MTU][0].value - nd->v[IMP_MTU][0].plus);
		line(fn, ctx, "Cap.   %g+%g%c", c[0].value, c[0].plus, c[0].alg);
		line(fn, ctx, "Current Delay Queue size:   %zu", im->d[0].q.bytes);
	}
	line(fn, ctx, "Fifoness %s", im->nofifo ? "FALSE" : "TRUE");
	line(fn, ctx, "Waiting packets in delay queues %zu", im->d[0].q.n + im->d[1].q.n);
	/* Ours: what the wire did, so a test or a user can count. */
	for (int d = 0; d < ndirs; d++)
		line(fn, ctx, "Counters %s lost %lu mtu %lu full %lu dup %lu noise %lu",
		     ndirs == 2 ? (d ? "R->L" : "L->R") : "", im->d[d].lost,
		     im->d[d].dropped_mtu, im->d[d].dropped_full, im->d[d].duplicated,
		     im->d[d].noised);
	return 0;
}

int impair_show_edges(const struct impair *im, int node, impair_line_fn *fn, void *ctx)
{
	if (node < 0)
		node = im->cur;
	if (node >= im->nnodes)
		return EINVAL;
	for (int j = 0; j < im->nnodes; j++)
		if (EDGE(im, node, j) != 0)
			/* "weigth": the word Debian's wirefilter 2.3.2 prints */
			line(fn, ctx, "Edge %-2d->%-2d \"%s\"->\"%s\" weigth %g", node, j,
			     im->nodes[node].name, im->nodes[j].name, EDGE(im, node, j));
	return 0;
}
