/* fuzz_stream.c - the stream deframer (common/stream.c): stream_dec_feed()
 * and stream_dec_step(), and the in-band negotiation (stream.h).
 *
 * Input layout:
 *   byte 0      the decoder's max: VDE_STREAM_MAX, the vde2 1521, a
 *               value above the limit (clamped), or a small one (0..63)
 *   byte 1      bits 0-4: n, how many chunk-size bytes follow (0..31);
 *               bit 5: the one-chunk run feeds, the cut run steps (else
 *               the other way round); bit 6: we offered (d.offered, VDE's
 *               framing only): PROBE and SWITCH are understood;
 *               bit 7: QEMU's framing (a 4-byte length; too long but
 *               within QEMU's limit is skipped, not a chunk error)
 *   n bytes     chunk sizes, used in turn until the stream is consumed
 *   the rest    the byte stream, as read() would return it from a pipe
 *
 * The stream is fed once in one chunk and once cut at the chunk sizes,
 * one of the two through stream_dec_feed(), the other through
 * stream_dec_step() called until the chunk is used up (or a bad length
 * drops its rest, as feed does).  Each chunk is copied to the very end of
 * a heap buffer, so reading past a chunk is an ASan report.  Checks:
 *   - every frame delivered has length 1..the max of the moment (the
 *     decoder's, or STREAM_VNET_MAX after a SWITCH);
 *   - each run equals a byte-at-a-time model of spec §4 and stream.h's
 *     negotiation (the third empty record in a row is an OFFER; once we
 *     offered, 0xffff is a PROBE, 0xfffe a SWITCH to 4-byte vnet records,
 *     where a length above STREAM_VNET_MAX is bad and nothing is skipped):
 *     frames, the events in d.events (where they came between frames, and
 *     in which chunk), errors, return values per chunk, bytes left
 *     pending, the final mode;
 *   - a step returns right after a frame, a SWITCH or a bad length, and
 *     nowhere else before the end of its chunk;
 *   - without a length error the cut does not matter: both runs give the
 *     same frames and events (and one run has a length error iff the
 *     other does).
 */
#include "tests/fuzz/fuzz.h"
#include "common/stream.h"

#include <string.h>

/* What a run produced.  log: frames as [0][u32 len][bytes] and the
 * events seen between two frames as [1][events] (those found before the
 * next frame or the end of a call, merged, so that where a cut falls
 * does not show); rets: the return value per chunk; stops: where in the
 * stream a step returned before the end of its chunk. */
struct result {
	uint8_t *log;
	size_t llen, lcap, ev_at; /* where a trailing [1][events] has its events, or 0 */
	uint8_t *rets, *cevs; /* cevs: the events found during each chunk */
	size_t nrets;
	size_t *stops;
	size_t nstops, scap;
	unsigned events; /* all of them, OR-ed */
	unsigned chunk_events;
	unsigned long errors;
	size_t pending;
	int vnet;
};

struct sink {
	struct result *r;
	unsigned *events; /* the decoder's d->events or the model's */
	size_t max;       /* the max before a SWITCH */
	int offered;      /* PROBE and SWITCH may happen */
	int switched;     /* a SWITCH was seen: vnet records */
	int qemu;
};

static void log_room(struct result *r, size_t n)
{
	if (r->llen + n <= r->lcap)
		return;
	size_t cap = (r->lcap ? r->lcap * 2 : 4096) + n;
	r->log = realloc(r->log, cap);
	FUZZ_CHECK(r->log != NULL, "out of memory");
	r->lcap = cap;
}

/* Take the events the run found so far into the log, and clear them as
 * their owner does. */
static void take_events(struct sink *s)
{
	struct result *r = s->r;
	unsigned ev = *s->events;

	if (!ev)
		return;
	*s->events = 0;
	FUZZ_CHECK(!(ev & ~(unsigned)(STREAM_EV_OFFER | STREAM_EV_PROBE | STREAM_EV_SWITCH)),
		   "unknown events %#x", ev);
	FUZZ_CHECK(!(ev & STREAM_EV_OFFER) || !s->qemu, "an OFFER in QEMU's framing");
	FUZZ_CHECK(!(ev & (STREAM_EV_PROBE | STREAM_EV_SWITCH)) || s->offered,
		   "events %#x, but we did not offer", ev);
	FUZZ_CHECK(!(ev & STREAM_EV_SWITCH) || !s->switched, "a second SWITCH");
	FUZZ_CHECK(!s->switched || !(ev & (STREAM_EV_OFFER | STREAM_EV_PROBE)),
		   "events %#x among vnet records", ev);
	if (ev & STREAM_EV_SWITCH)
		s->switched = 1;
	r->events |= ev;
	r->chunk_events |= ev;
	if (r->ev_at) {
		r->log[r->ev_at] |= (uint8_t)ev;
		return;
	}
	log_room(r, 2);
	r->ev_at = r->llen + 1;
	r->log[r->llen++] = 1;
	r->log[r->llen++] = (uint8_t)ev;
}

static void on_frame(void *ctx, const uint8_t *f, size_t len)
{
	struct sink *s = ctx;
	struct result *r = s->r;

	take_events(s); /* found before this frame */
	size_t max = s->switched ? STREAM_VNET_MAX : s->max;
	FUZZ_CHECK(len >= 1 && len <= max, "frame of %zu bytes delivered, max %zu", len, max);
	log_room(r, 5 + len);
	r->log[r->llen++] = 0;
	for (int i = 3; i >= 0; i--)
		r->log[r->llen++] = (uint8_t)(len >> (8 * i));
	memcpy(r->log + r->llen, f, len);
	r->llen += len;
	r->ev_at = 0;
}

static void add_stop(struct result *r, size_t at)
{
	if (r->nstops == r->scap) {
		r->scap = r->scap ? r->scap * 2 : 64;
		r->stops = realloc(r->stops, r->scap * sizeof(*r->stops));
		FUZZ_CHECK(r->stops != NULL, "out of memory");
	}
	r->stops[r->nstops++] = at;
}

/* ---- the model: spec §4 and stream.h, one byte at a time ---- */
struct model {
	size_t max, hn, need, got, hdrlen, skip;
	int offered, vnet, probed;
	unsigned empties, events;
	uint8_t hdr[4];
	uint8_t *frame;
	unsigned long errors;
};

/* A complete header: 1 when its chunk's rest is dropped (a bad length),
 * *stop when a step ends here (a SWITCH). */
static int model_header(struct model *m, int *stop)
{
	m->need = 0;
	for (size_t k = 0; k < m->hdrlen; k++)
		m->need = m->need << 8 | m->hdr[k];
	m->got = 0;
	m->hn = 0;
	if (m->need == 0) { /* skipped; the third in a row in VDE's framing is an OFFER */
		if (m->hdrlen == 2 && ++m->empties == STREAM_OFFER_EMPTIES)
			m->events |= STREAM_EV_OFFER;
		return 0;
	}
	m->empties = 0;
	if (m->offered && m->hdrlen == 2 && m->need == 0xffff) {
		m->events |= STREAM_EV_PROBE;
		m->probed = 1;
		return 0;
	}
	if (m->offered && m->probed && m->hdrlen == 2 && m->need == 0xfffe) { /* only after a PROBE */
		m->events |= STREAM_EV_SWITCH;
		m->vnet = 1;
		m->hdrlen = 4;
		m->max = STREAM_VNET_MAX;
		*stop = 1;
		return 0;
	}
	if (m->need > m->max && m->hdrlen == 4 && !m->vnet && m->need <= STREAM_QEMU_LIMIT) {
		m->errors++;
		m->skip = m->need;
		return 0;
	}
	if (m->need > m->max) {
		m->errors++;
		*stop = 1;
		return 1;
	}
	m->hn = m->hdrlen; /* a frame follows */
	return 0;
}

/* One chunk starting at stream offset base; returns what feed would. */
static int model_feed(struct model *m, const uint8_t *p, size_t len, size_t base, struct sink *s)
{
	for (size_t i = 0; i < len; i++) {
		int stop = 0;
		if (m->skip) {
			m->skip--;
			continue;
		}
		if (m->hn < m->hdrlen) {
			m->hdr[m->hn++] = p[i];
			if (m->hn < m->hdrlen)
				continue;
			int bad = model_header(m, &stop);
			if (stop && (bad || i + 1 < len))
				add_stop(s->r, base + i + 1);
			if (bad)
				return 1; /* the rest of the chunk is dropped */
			continue;
		}
		m->frame[m->got++] = p[i];
		if (m->got == m->need) {
			on_frame(s, m->frame, m->need);
			m->hn = 0;
			if (i + 1 < len)
				add_stop(s->r, base + i + 1);
		}
	}
	return 0;
}

/* ---- running either decoder over a chunk plan ---- */
struct plan {
	const uint8_t *sizes;
	size_t nsizes;
	size_t max;
	size_t hdrlen;
	int offered;
	int step; /* the decoder by stream_dec_step(), not stream_dec_feed() */
};

/* Chunk sizes: 1..239 as is, 240..255 as 1..16 KiB, 0 as an empty read
 * (fed, then one byte is taken so the plan always advances). */
static size_t chunk_size(const struct plan *pl, size_t i, int *empty_first)
{
	uint8_t b = pl->nsizes ? pl->sizes[i % pl->nsizes] : 0;

	*empty_first = pl->nsizes && b == 0;
	if (!pl->nsizes)
		return (size_t)-1; /* everything at once */
	if (b == 0)
		return 1;
	return b < 240 ? b : (size_t)(b - 239) * 1024;
}

/* A chunk through stream_dec_step(), as an owner taking one frame at a
 * time does: steps until it is used up or a bad length drops its rest. */
static int step_chunk(struct stream_dec *d, const uint8_t *p, size_t len, size_t base,
		      struct sink *s)
{
	size_t off = 0;

	while (off < len) {
		int bad = -1;
		size_t used = stream_dec_step(d, p + off, len - off, on_frame, s, &bad);
		FUZZ_CHECK(bad == 0 || bad == 1, "step set bad to %d", bad);
		FUZZ_CHECK(used >= 1 && used <= len - off, "step used %zu of %zu bytes", used,
			   len - off);
		off += used;
		take_events(s);
		if (bad || off < len)
			add_stop(s->r, base + off);
		if (bad)
			return 1;
	}
	return 0;
}

static void run(const struct plan *pl, const uint8_t *data, size_t len, int use_model,
		struct result *r)
{
	struct stream_dec *d = malloc(sizeof(*d)); /* heap: ASan sees buf[] overflows */
	struct model m = { 0 };
	struct sink s = { .r = r, .offered = pl->offered, .qemu = pl->hdrlen == STREAM_HDR_QEMU };
	size_t off = 0;
	uint8_t *copy;

	FUZZ_CHECK(d != NULL, "out of memory");
	if (pl->hdrlen == VDE_STREAM_HDR)
		stream_dec_init(d, pl->max);
	else
		stream_dec_init_hdr(d, pl->max, pl->hdrlen);
	d->offered = pl->offered;
	FUZZ_CHECK(d->hdrlen == pl->hdrlen && !d->vnet && !d->events, "decoder not as initialised");
	m.hdrlen = pl->hdrlen;
	m.offered = pl->offered;
	s.max = d->max;
	FUZZ_CHECK(d->max == (pl->max > VDE_STREAM_MAX ? VDE_STREAM_MAX : pl->max),
		   "max %zu for a request of %zu", d->max, pl->max);
	m.max = d->max;
	s.events = use_model ? &m.events : &d->events;
	m.frame = malloc((pl->offered ? STREAM_VNET_MAX : m.max) + 1);
	r->rets = malloc(len + 1);
	r->cevs = malloc(len + 1);
	copy = malloc(len ? len : 1);
	FUZZ_CHECK(m.frame && r->rets && r->cevs && copy, "out of memory");

	for (size_t i = 0; off < len; i++) {
		int empty, ret;
		size_t n = chunk_size(pl, i, &empty);
		if (n > len - off)
			n = len - off;
		if (empty && !use_model && !pl->step)
			FUZZ_CHECK(stream_dec_feed(d, data, 0, on_frame, &s) == 0, "empty read failed");
		if (empty && !use_model && pl->step) {
			int bad = -1;
			FUZZ_CHECK(stream_dec_step(d, data, 0, on_frame, &s, &bad) == 0 && bad == 0,
				   "empty read: a step used bytes or found a bad length");
		}
		/* The chunk ends where the allocation ends: reading past it
		 * is an ASan report, without a malloc per chunk. */
		uint8_t *chunk = copy + len - n;
		memcpy(chunk, data + off, n);
		if (use_model)
			ret = model_feed(&m, chunk, n, off, &s);
		else if (pl->step)
			ret = step_chunk(d, chunk, n, off, &s);
		else
			ret = stream_dec_feed(d, chunk, n, on_frame, &s);
		FUZZ_CHECK(ret == 0 || ret == 1, "feed returned %d", ret);
		take_events(&s);
		r->cevs[r->nrets] = (uint8_t)r->chunk_events;
		r->chunk_events = 0;
		r->rets[r->nrets++] = (uint8_t)ret;
		off += n;
	}
	if (use_model) {
		r->errors = m.errors;
		r->pending = m.hn < m.hdrlen ? m.hn : m.hdrlen + m.got;
		r->vnet = m.vnet;
	} else {
		r->errors = d->errors;
		r->pending = d->have;
		r->vnet = d->vnet;
		FUZZ_CHECK(d->vnet == s.switched, "vnet %d after %s SWITCH", d->vnet,
			   s.switched ? "a" : "no");
		FUZZ_CHECK(d->hdrlen == (d->vnet ? STREAM_HDR_QEMU : pl->hdrlen) &&
				   d->max == (d->vnet ? STREAM_VNET_MAX : s.max),
			   "%zu-byte lengths, max %zu, in vnet mode %d", d->hdrlen, d->max, d->vnet);
		FUZZ_CHECK(d->have <= d->hdrlen + d->max, "have %zu beyond max %zu", d->have, d->max);
	}
	free(copy);
	free(m.frame);
	free(d);
}

static void same(const struct result *a, const struct result *b, const char *what)
{
	FUZZ_CHECK(a->llen == b->llen && (!a->llen || fuzz_eq(a->log, b->log, a->llen)),
		   "%s: different frames or events", what);
	FUZZ_CHECK(a->events == b->events, "%s: events %#x vs %#x", what, a->events, b->events);
	FUZZ_CHECK(a->errors == b->errors, "%s: %lu vs %lu length errors", what, a->errors, b->errors);
	FUZZ_CHECK(a->pending == b->pending, "%s: %zu vs %zu bytes pending", what, a->pending,
		   b->pending);
	FUZZ_CHECK(a->vnet == b->vnet, "%s: vnet mode %d vs %d", what, a->vnet, b->vnet);
}

/* A decoder run (dec) against the model's of the same plan. */
static void as_model(const struct result *dec, const struct result *mod, int step, const char *what)
{
	same(dec, mod, what);
	FUZZ_CHECK(dec->nrets == mod->nrets &&
			   (!dec->nrets || fuzz_eq(dec->rets, mod->rets, dec->nrets)),
		   "%s: feed return values differ from the model", what);
	FUZZ_CHECK(!dec->nrets || fuzz_eq(dec->cevs, mod->cevs, dec->nrets),
		   "%s: events per chunk differ from the model", what);
	if (!step)
		return;
	for (size_t i = 0; i < dec->nstops && i < mod->nstops; i++)
		FUZZ_CHECK(dec->stops[i] == mod->stops[i], "%s: step %zu returned at %zu, not %zu",
			   what, i, dec->stops[i], mod->stops[i]);
	FUZZ_CHECK(dec->nstops == mod->nstops, "%s: %zu steps stopped early, the model %zu", what,
		   dec->nstops, mod->nstops);
}

static void result_free(struct result *r)
{
	free(r->log);
	free(r->rets);
	free(r->cevs);
	free(r->stops);
}

/* FUZZ_TRACE=1: what each decoder run saw (to check that seeds reach
 * the states they are meant to). */
static int trace(void)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	return on;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { VDE_STREAM_MAX, VDE_STREAM_MAX_VDE2, 100000 };
	struct fuzz_in in = { data, size };
	struct plan whole = { 0 }, cut;
	struct result r[4] = { 0 };
	uint8_t sel = fuzz_u8(&in);

	whole.max = (sel & 3) < 3 ? maxes[sel & 3] : (size_t)(sel >> 2);
	uint8_t b1 = fuzz_u8(&in);
	whole.hdrlen = b1 & 0x80 ? STREAM_HDR_QEMU : VDE_STREAM_HDR;
	whole.offered = (b1 & 0x40) && whole.hdrlen == VDE_STREAM_HDR;
	whole.step = !(b1 & 0x20);
	cut = whole;
	cut.step = !whole.step;
	cut.nsizes = b1 & 31;
	if (cut.nsizes > in.len)
		cut.nsizes = in.len;
	cut.sizes = in.p;
	in.p += cut.nsizes;
	in.len -= cut.nsizes;

	run(&whole, in.p, in.len, 0, &r[0]);
	run(&whole, in.p, in.len, 1, &r[1]);
	run(&cut, in.p, in.len, 0, &r[2]);
	run(&cut, in.p, in.len, 1, &r[3]);

	as_model(&r[0], &r[1], whole.step, "one chunk, decoder vs model");
	as_model(&r[2], &r[3], cut.step, "cut, decoder vs model");
	FUZZ_CHECK((r[0].errors == 0) == (r[2].errors == 0),
		   "length error in %s run only", r[0].errors ? "the one-chunk" : "the cut");
	if (r[0].errors == 0)
		same(&r[0], &r[2], "one chunk vs cut");
	if (trace())
		for (int i = 0; i < 4; i += 2)
			fprintf(stderr, "%s (%s): %zu log bytes, events %#x, %lu errors, %zu pending,"
				" vnet %d, %zu early stops\n", i ? "cut" : "one chunk",
				(i ? cut.step : whole.step) ? "step" : "feed", r[i].llen, r[i].events,
				r[i].errors, r[i].pending, r[i].vnet, r[i].nstops);
	for (int i = 0; i < 4; i++)
		result_free(&r[i]);
	return 0;
}
