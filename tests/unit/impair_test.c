/* impair_test.c - the bad wire of common/impair.c on the harness's own
 * clock: values from text, the Gilbert model's rate and burst length,
 * bandwidth and speed schedules, order, capacity, dup, mtu, Markov. */
#include "tests/unit/unit.h"
#include "common/impair.h"

#include <errno.h>
#include <string.h>

static uint8_t frame[1514];

/* Every frame due by now, popped; returns how many. */
static int pop_all(struct impair *im, int dir, uint64_t now)
{
	int n = 0;

	while (impair_peek(im, dir, now)) {
		impair_pop(im, dir);
		n++;
	}
	return n;
}

TEST(impair_values)
{
	struct impair im;
	char why[160];
	const struct impair_val *lr, *rl;

	impair_init(&im, 1);
	lr = &im.nodes[0].v[IMP_LOSS][IMPAIR_LR];
	rl = &im.nodes[0].v[IMP_LOSS][IMPAIR_RL];
	CHECK(impair_set(&im, IMP_LOSS, "LR50", why, sizeof(why)) == 0);
	CHECK(lr->value == 50 && rl->value == 0);
	CHECK(impair_set(&im, IMP_LOSS, "RL12.5+2.5N", why, sizeof(why)) == 0);
	CHECK(rl->value == 12.5 && rl->plus == 2.5 && rl->alg == 'N' && lr->value == 50);
	CHECK(impair_set(&im, IMP_BAND, "128+64KN", why, sizeof(why)) == 0);
	CHECK(im.nodes[0].v[IMP_BAND][0].value == 131072 && im.nodes[0].v[IMP_BAND][1].plus == 65536);
	CHECK(impair_set_str(&im, "chanbufsize", "1M", why, sizeof(why)) == 0);
	CHECK(im.nodes[0].v[IMP_CAPACITY][1].value == 1048576);
	/* refused: each with a reason */
	const char *bad[] = { "", "x", "-5", "LR", "1e3", "0x10", "nan", "inf", "5+", "5[", "5[1]",
			      "5 6", "101", "5UU", "LR5RL" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		CHECK(impair_set(&im, IMP_LOSS, bad[i], why, sizeof(why)) == EINVAL && why[0]);
	}
	CHECK(impair_set(&im, IMP_DUP, "99.9", why, sizeof(why)) == 0);
	CHECK(impair_set(&im, IMP_DUP, "100", why, sizeof(why)) == EINVAL);
	CHECK(impair_set(&im, IMP_MTU, "1500+10", why, sizeof(why)) == EINVAL);
	CHECK(impair_set_str(&im, "lossy", "5", why, sizeof(why)) == EINVAL);
	CHECK(impair_set_kv(&im, "delay=RL100+20N", why, sizeof(why)) == 0);
	CHECK(im.nodes[0].v[IMP_DELAY][1].value == 100 && im.nodes[0].v[IMP_DELAY][0].value == 0);
	CHECK(impair_set_kv(&im, "fifo=0", why, sizeof(why)) == 0 && im.nofifo);
	CHECK(impair_set_kv(&im, "fifo=2", why, sizeof(why)) == EINVAL);
	CHECK(impair_set_kv(&im, "delay", why, sizeof(why)) == EINVAL);
	CHECK(impair_set_kv(&im, "averyveryverylongname=5", why, sizeof(why)) == EINVAL);
	/* [N] once node N exists */
	CHECK(impair_markov_resize(&im, 2, 0) == 0);
	CHECK(impair_set(&im, IMP_DELAY, "300[1]", why, sizeof(why)) == 0);
	CHECK(im.nodes[1].v[IMP_DELAY][0].value == 300 && im.nodes[0].v[IMP_DELAY][0].value == 0);
	impair_free(&im);
}

/* Loss 20% in bursts of 5: over many frames the rate is 20% and a run
 * of losses is 5 frames long on average (a seeded draw: the bounds are
 * many sigmas wide, the result is the same on every run). */
TEST(impair_gilbert)
{
	struct impair im;
	char why[64];
	int lost = 0, runs = 0, prev = 0;
	const int n = 200000;

	impair_init(&im, 7);
	CHECK(impair_set(&im, IMP_LOSS, "LR20", why, sizeof(why)) == 0);
	CHECK(impair_set(&im, IMP_LOSTBURST, "LR5", why, sizeof(why)) == 0);
	for (int i = 0; i < n; i++) {
		int gone = impair_offer(&im, IMPAIR_LR, frame, 60, 0) == 0;
		lost += gone;
		runs += gone && !prev;
		prev = gone;
		pop_all(&im, IMPAIR_LR, 0);
	}
	CHECK(lost > n * 18 / 100 && lost < n * 22 / 100);
	CHECK(runs > 0 && (double)lost / runs > 4.5 && (double)lost / runs < 5.5);
	/* the other direction has no loss */
	for (int i = 0; i < 1000; i++)
		CHECK(impair_offer(&im, IMPAIR_RL, frame, 60, 0) == 1);
	CHECK(im.d[IMPAIR_RL].lost == 0 && (int)im.d[IMPAIR_LR].lost == lost);
	impair_free(&im);
}

/* 1000 bytes/s: ten 100-byte frames offered at once leave 100 ms apart. */
TEST(impair_bandwidth)
{
	struct impair im;
	char why[64];

	impair_init(&im, 1);
	CHECK(impair_set(&im, IMP_BAND, "1000", why, sizeof(why)) == 0);
	for (int i = 0; i < 10; i++)
		CHECK(impair_offer(&im, IMPAIR_LR, frame, 100, 0) == 1);
	CHECK(impair_input_at(&im, IMPAIR_LR) == 0); /* band never holds input back */
	for (int i = 1; i <= 10; i++) {
		CHECK(impair_next_due(&im, IMPAIR_LR) == (uint64_t)i * 100000);
		CHECK(impair_peek(&im, IMPAIR_LR, (uint64_t)i * 100000 - 1) == NULL);
		CHECK(pop_all(&im, IMPAIR_LR, (uint64_t)i * 100000) == 1);
	}
	CHECK(impair_next_due(&im, IMPAIR_LR) == UINT64_MAX);
	impair_free(&im);
}

/* speed: each frame holds the input back for its time on the wire */
TEST(impair_speed)
{
	struct impair im;
	char why[64];

	impair_init(&im, 1);
	CHECK(impair_set(&im, IMP_SPEED, "RL10K", why, sizeof(why)) == 0);
	CHECK(impair_input_at(&im, IMPAIR_LR) == 0 && impair_input_at(&im, IMPAIR_RL) != 0);
	CHECK(impair_offer(&im, IMPAIR_RL, frame, 1024, 1000) == 1);
	CHECK(impair_input_at(&im, IMPAIR_RL) == 1000 + 100000);
	CHECK(impair_next_due(&im, IMPAIR_RL) == 1000 + 100000);
	impair_free(&im);
}

/* A random delay keeps the order unless nofifo; capacity drops. */
TEST(impair_order_capacity)
{
	struct impair im;
	char why[64];
	uint64_t last = 0;
	int reordered = 0;

	impair_init(&im, 3);
	CHECK(impair_set(&im, IMP_DELAY, "100+90U", why, sizeof(why)) == 0);
	for (int i = 0; i < 100; i++)
		CHECK(impair_offer(&im, IMPAIR_LR, frame, 60, (uint64_t)i * 1000) == 1);
	for (uint64_t seq = 0; impair_next_due(&im, IMPAIR_LR) != UINT64_MAX; seq++) {
		const struct impair_frame *f = impair_peek(&im, IMPAIR_LR, UINT64_MAX - 1);
		CHECK(f && f->seq == seq && f->when >= last);
		last = f->when;
		impair_pop(&im, IMPAIR_LR);
	}
	impair_set_fifo(&im, 0);
	for (int i = 0; i < 100; i++)
		impair_offer(&im, IMPAIR_LR, frame, 60, (uint64_t)i * 1000);
	for (uint64_t prev = 0, first = 1; impair_next_due(&im, IMPAIR_LR) != UINT64_MAX; first = 0) {
		const struct impair_frame *f = impair_peek(&im, IMPAIR_LR, UINT64_MAX - 1);
		reordered |= !first && f->seq < prev;
		prev = f->seq;
		impair_pop(&im, IMPAIR_LR);
	}
	CHECK(reordered);
	CHECK(impair_set(&im, IMP_CAPACITY, "1000", why, sizeof(why)) == 0);
	for (int i = 0; i < 20; i++)
		impair_offer(&im, IMPAIR_RL, frame, 100, 0);
	CHECK(im.d[IMPAIR_RL].q.n == 10 && im.d[IMPAIR_RL].q.bytes == 1000);
	CHECK(im.d[IMPAIR_RL].dropped_full == 10);
	impair_free(&im); /* frees what still waits */
}

TEST(impair_dup_mtu_noise)
{
	struct impair im;
	char why[64];
	int copies = 0, diff = 0;

	impair_init(&im, 5);
	CHECK(impair_set(&im, IMP_DUP, "50", why, sizeof(why)) == 0);
	for (int i = 0; i < 10000; i++)
		copies += impair_offer(&im, IMPAIR_LR, frame, 60, 0);
	/* geometric: 1 / (1 - 0.5) copies on average */
	CHECK(copies > 19000 && copies < 21000);
	pop_all(&im, IMPAIR_LR, 0);
	CHECK(impair_set(&im, IMP_DUP, "0", why, sizeof(why)) == 0);
	CHECK(impair_set(&im, IMP_MTU, "100", why, sizeof(why)) == 0);
	CHECK(impair_offer(&im, IMPAIR_LR, frame, 100, 0) == 1);
	CHECK(impair_offer(&im, IMPAIR_LR, frame, 101, 0) == 0 && im.d[0].dropped_mtu == 1);
	pop_all(&im, IMPAIR_LR, 0);
	/* every bit damaged at most: noise far above 1 bit per byte ends */
	CHECK(impair_set(&im, IMP_NOISE, "8M", why, sizeof(why)) == 0);
	CHECK(impair_offer(&im, IMPAIR_LR, frame, 100, 0) == 1);
	const struct impair_frame *f = impair_peek(&im, IMPAIR_LR, 0);
	CHECK(f != NULL);
	for (size_t i = 0; i < f->len; i++)
		diff += f->data[i] != frame[i];
	CHECK(diff > 0 && im.d[0].noised == 1);
	impair_free(&im);
}

static int moves;
static void count_move(void *ctx, int from, int to)
{
	(void)ctx;
	(void)from;
	(void)to;
	moves++;
}

/* Two nodes that always swap: one move per period, values per node. */
TEST(impair_markov)
{
	struct impair im;
	char why[64];

	impair_init(&im, 1);
	im.on_move = count_move;
	moves = 0;
	CHECK(impair_markov_resize(&im, 2, 0) == 0);
	CHECK(impair_markov_edge(&im, 0, 1, 100) == 0 && impair_markov_edge(&im, 1, 0, 100) == 0);
	CHECK(impair_markov_edge(&im, 0, 0, 10) == EINVAL); /* the loop edge is computed */
	CHECK(impair_markov_time(&im, 10, 0) == 0);
	CHECK(impair_set(&im, IMP_LOSS, "100[1]", why, sizeof(why)) == 0);
	moves = 0;
	int cur = im.cur;
	impair_tick(&im, 10000);
	CHECK(moves == 1 && im.cur != cur);
	impair_tick(&im, 50000);
	CHECK(moves == 5 && impair_next_tick(&im) == 60000);
	CHECK(impair_markov_setnode(&im, 1) == 0);
	CHECK(impair_offer(&im, IMPAIR_LR, frame, 60, 0) == 0);
	CHECK(impair_markov_setnode(&im, 0) == 0);
	CHECK(impair_offer(&im, IMPAIR_LR, frame, 60, 0) == 1);
	/* shrinking: edges to the node that went fall back to the loop */
	CHECK(impair_markov_resize(&im, 1, 0) == 0 && im.edges[0] == 100 && im.cur == 0);
	CHECK(impair_next_tick(&im) == UINT64_MAX);
	impair_free(&im);
}
