/* impair.h - a bad wire: loss (with Gilbert bursts), delay with a
 * variance, duplicates, bandwidth and interface speed, a channel
 * capacity, bit noise and an MTU, per direction, as vde2's wirefilter
 * has them; and its Markov mode, where each node of a chain holds a
 * whole set of values and the chain moves between them.
 *
 * One struct impair per wire (the wirefilter applet, a switch port).
 * The user offers each frame with impair_offer(), which decides its fate
 * and queues the copies that survive with the time they are due; the
 * user sends what impair_peek() returns once it is due and calls
 * impair_pop().  Time is the caller's, in microseconds (any monotonic
 * origin), so tests and fuzzers can drive it.  Queues are bounded: the
 * capacity when one is set, else IMPAIR_QUEUE_MAX bytes per direction;
 * frames beyond are dropped and counted.  Random draws come from one
 * seeded generator, so a seed replays the same fate for the same frames.
 *
 * Values are set from text ("LR50", "100+20N", "128K", "10[2]"):
 * impair_set() is the parser for options, console commands and
 * "port/impair PORT loss=..." alike. */
#ifndef VDE_IMPAIR_H
#define VDE_IMPAIR_H

#include <stddef.h>
#include <stdint.h>

enum { IMPAIR_LR, IMPAIR_RL }; /* the two directions */

enum impair_key {
	IMP_LOSS,      /* percent */
	IMP_LOSTBURST, /* mean length of a burst of losses, frames */
	IMP_DELAY,     /* milliseconds */
	IMP_DUP,       /* percent */
	IMP_BAND,      /* bytes per second, the bottleneck: delivery waits */
	IMP_SPEED,     /* bytes per second, the interface: input waits */
	IMP_CAPACITY,  /* bytes waiting in a direction at most */
	IMP_NOISE,     /* damaged bits per megabyte */
	IMP_MTU,       /* longer frames are dropped */
	IMP_NKEYS
};

#define IMPAIR_QUEUE_MAX (16u << 20)   /* default bound per direction */
#define IMPAIR_CAPACITY_MAX (1u << 30) /* the most "capacity" may say */
#define IMPAIR_DUP_MAX 100             /* copies of one frame at most */
#define IMPAIR_NODES_MAX 256           /* Markov nodes */
#define IMPAIR_NAME_MAX 64             /* a node's name, bytes */

/* A value: base, a variation around it (+plus), drawn uniform or
 * normal (plus is 3 sigma: nearly every draw is within). */
struct impair_val {
	double value, plus;
	char alg; /* 'U' or 'N' */
};

struct impair_node {
	char name[IMPAIR_NAME_MAX + 1];
	struct impair_val v[IMP_NKEYS][2];
};

struct impair_frame {
	uint64_t when; /* due, microseconds */
	uint64_t seq;  /* order among frames due at once */
	size_t len;
	uint8_t data[];
};

/* Frames one way: a binary heap ordered by (when, seq). */
struct impair_queue {
	struct impair_frame **h;
	size_t n, cap;
	size_t bytes; /* of the frames waiting */
};

struct impair_dir {
	struct impair_queue q;
	int faulty;           /* Gilbert model: in a burst of losses */
	uint64_t next_band;   /* the bottleneck is busy until then */
	uint64_t next_speed;  /* the interface is busy until then */
	uint64_t last_when;   /* fifo: the latest due time given out */
	uint64_t seq;
	unsigned long lost, dropped_mtu, dropped_full, duplicated, noised;
};

struct impair {
	struct impair_node *nodes;
	int nnodes, cur;
	double *edges;        /* nnodes x nnodes percent, [from * n + to] */
	double markov_ms;     /* period of the chain's steps */
	uint64_t markov_next; /* time of its next step (0: not started) */
	int nofifo;           /* frames may overtake each other */
	uint64_t rng;
	struct impair_dir d[2];
	/* Called when the chain moves (markov-debug traces). */
	void (*on_move)(void *ctx, int from, int to);
	void *ctx;
};

/* A wire that does nothing yet; seed 0 picks one from the clock. */
void impair_init(struct impair *im, uint64_t seed);
void impair_free(struct impair *im);
/* Start the random draws again from seed (0: from the clock). */
void impair_seed(struct impair *im, uint64_t seed);

/* The key a name means: loss lostburst delay dup bandwidth band speed
 * capacity chanbufsize noise mtu; -1 when none. */
int impair_key(const char *name);
/* Set one value from text "[LR|RL]V[+VAR][K|M|G][U|N][[NODE]]" (K M G
 * only where the key is bytes).  Returns 0, or EINVAL with why filled
 * ("loss: 150 is above 100"). */
int impair_set(struct impair *im, int key, const char *text, char *why, size_t whylen);
/* The same by the key's name ("loss", "chanbufsize", ...). */
int impair_set_str(struct impair *im, const char *name, const char *text, char *why, size_t whylen);
/* One "NAME=VALUE" word ("loss=LR50", "fifo=0"), for port/impair. */
int impair_set_kv(struct impair *im, const char *kv, char *why, size_t whylen);
void impair_set_fifo(struct impair *im, int fifo);

/* ---- the frames ---- */
/* Does anything (a value in the current node, a Markov chain, nofifo)
 * act on dir?  A wire that does nothing can be bypassed. */
int impair_dir_active(const struct impair *im, int dir);
/* Decide a frame's fate and queue what survives; returns the copies
 * queued (0: lost or dropped). */
int impair_offer(struct impair *im, int dir, const void *frame, size_t len, uint64_t now);
/* The next frame of dir if it is due at now, else NULL. */
const struct impair_frame *impair_peek(const struct impair *im, int dir, uint64_t now);
void impair_pop(struct impair *im, int dir); /* drop the head of dir */
/* When the next frame of dir is due, UINT64_MAX when none waits. */
uint64_t impair_next_due(const struct impair *im, int dir);
/* speed: input of dir waits until this time (0: no speed is set, the
 * input is not paced; in the past: read now, one frame at a time). */
uint64_t impair_input_at(const struct impair *im, int dir);
/* Markov chain: step when due; when the next step is (UINT64_MAX: none). */
void impair_tick(struct impair *im, uint64_t now);
uint64_t impair_next_tick(const struct impair *im);

/* ---- Markov mode ---- */
int impair_markov_resize(struct impair *im, int n, uint64_t now);
int impair_markov_setnode(struct impair *im, int node);
int impair_markov_name(struct impair *im, int node, const char *name);
int impair_markov_time(struct impair *im, double ms, uint64_t now);
int impair_markov_edge(struct impair *im, int from, int to, double weight);

/* ---- reports, one line per call of fn ---- */
typedef void impair_line_fn(void *ctx, const char *line);
/* vde2's showinfo of node (-1: the current one), for ndirs 1 or 2;
 * EINVAL for a node that does not exist. */
int impair_show(const struct impair *im, int node, int ndirs, impair_line_fn *fn, void *ctx);
int impair_show_edges(const struct impair *im, int node, impair_line_fn *fn, void *ctx);

#endif
