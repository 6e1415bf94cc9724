/* fuzz_stream.c - the stream deframer stream_dec_feed() (common/stream.c).
 *
 * Input layout:
 *   byte 0      the decoder's max: VDE_STREAM_MAX, the vde2 1521, a
 *               value above the limit (clamped), or a small one (0..63)
 *   byte 1      n: how many chunk-size bytes follow (0..31); bit 7: QEMU's
 *               framing (a 4-byte length; too long but within QEMU's limit
 *               is skipped, not a chunk error)
 *   n bytes     chunk sizes, used in turn until the stream is consumed
 *   the rest    the byte stream, as read() would return it from a pipe
 *
 * The stream is fed once in one chunk and once cut at the chunk sizes;
 * each chunk is copied to the very end of a heap buffer, so reading past
 * a chunk is an ASan report.  Checks:
 *   - every frame delivered has length 1..max;
 *   - each run equals a byte-at-a-time model of spec §4 (frames, errors,
 *     return values per chunk, bytes left pending);
 *   - without a length error the cut does not matter: both runs give the
 *     same frames (and one run has a length error iff the other does).
 */
#include "tests/fuzz/fuzz.h"
#include "common/stream.h"

#include <string.h>

/* What a run produced: frames as [u16 len][bytes], one byte per chunk
 * for the return value of each feed. */
struct result {
	uint8_t *frames;
	size_t flen, fcap;
	uint8_t *rets;
	size_t nrets;
	unsigned long errors;
	size_t pending;
};

struct sink {
	struct result *r;
	size_t max;
};

static void result_add(struct result *r, const uint8_t *f, size_t len)
{
	if (r->flen + 2 + len > r->fcap) {
		size_t cap = (r->fcap ? r->fcap * 2 : 4096) + len + 2;
		r->frames = realloc(r->frames, cap);
		FUZZ_CHECK(r->frames != NULL, "out of memory");
		r->fcap = cap;
	}
	r->frames[r->flen++] = (uint8_t)(len >> 8);
	r->frames[r->flen++] = (uint8_t)len;
	memcpy(r->frames + r->flen, f, len);
	r->flen += len;
}

static void on_frame(void *ctx, const uint8_t *f, size_t len)
{
	struct sink *s = ctx;

	FUZZ_CHECK(len >= 1 && len <= s->max, "frame of %zu bytes delivered, max %zu", len, s->max);
	result_add(s->r, f, len);
}

/* ---- the model: spec §4 one byte at a time ---- */
struct model {
	size_t max, hn, need, got, hdrlen, skip;
	uint8_t hdr[4];
	uint8_t *frame;
	unsigned long errors;
};

static int model_feed(struct model *m, const uint8_t *p, size_t len, struct sink *s)
{
	for (size_t i = 0; i < len; i++) {
		if (m->skip) {
			m->skip--;
			continue;
		}
		if (m->hn < m->hdrlen) {
			m->hdr[m->hn++] = p[i];
			if (m->hn < m->hdrlen)
				continue;
			m->need = 0;
			for (size_t k = 0; k < m->hdrlen; k++)
				m->need = m->need << 8 | m->hdr[k];
			m->got = 0;
			if (m->need == 0) {
				m->hn = 0;
			} else if (m->need > m->max && m->hdrlen == 4 && m->need <= STREAM_QEMU_LIMIT) {
				m->errors++;
				m->skip = m->need;
				m->hn = 0;
			} else if (m->need > m->max) {
				m->errors++;
				m->hn = 0;
				return 1; /* the rest of the chunk is dropped */
			}
			continue;
		}
		m->frame[m->got++] = p[i];
		if (m->got == m->need) {
			on_frame(s, m->frame, m->need);
			m->hn = 0;
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

static void run(const struct plan *pl, const uint8_t *data, size_t len, int use_model,
		struct result *r)
{
	struct stream_dec *d = malloc(sizeof(*d)); /* heap: ASan sees buf[] overflows */
	struct model m = { 0 };
	struct sink s = { .r = r };
	size_t off = 0;
	uint8_t *copy;

	FUZZ_CHECK(d != NULL, "out of memory");
	stream_dec_init_hdr(d, pl->max, pl->hdrlen);
	m.hdrlen = pl->hdrlen;
	s.max = d->max;
	FUZZ_CHECK(d->max == (pl->max > VDE_STREAM_MAX ? VDE_STREAM_MAX : pl->max),
		   "max %zu for a request of %zu", d->max, pl->max);
	m.max = d->max;
	m.frame = malloc(m.max + 1);
	r->rets = malloc(len + 1);
	copy = malloc(len ? len : 1);
	FUZZ_CHECK(m.frame && r->rets && copy, "out of memory");

	for (size_t i = 0; off < len; i++) {
		int empty, ret;
		size_t n = chunk_size(pl, i, &empty);
		if (n > len - off)
			n = len - off;
		if (empty && !use_model) {
			FUZZ_CHECK(stream_dec_feed(d, data, 0, on_frame, &s) == 0, "empty read failed");
		}
		/* The chunk ends where the allocation ends: reading past it
		 * is an ASan report, without a malloc per chunk. */
		uint8_t *chunk = copy + len - n;
		memcpy(chunk, data + off, n);
		ret = use_model ? model_feed(&m, chunk, n, &s) : stream_dec_feed(d, chunk, n, on_frame, &s);
		FUZZ_CHECK(ret == 0 || ret == 1, "feed returned %d", ret);
		r->rets[r->nrets++] = (uint8_t)ret;
		off += n;
	}
	if (use_model) {
		r->errors = m.errors;
		r->pending = m.hn < m.hdrlen ? m.hn : m.hdrlen + m.got;
	} else {
		r->errors = d->errors;
		r->pending = d->have;
		FUZZ_CHECK(d->have <= d->hdrlen + d->max, "have %zu beyond max %zu", d->have, d->max);
	}
	free(copy);
	free(m.frame);
	free(d);
}

static void same(const struct result *a, const struct result *b, const char *what)
{
	FUZZ_CHECK(a->flen == b->flen && (!a->flen || memcmp(a->frames, b->frames, a->flen) == 0),
		   "%s: different frames", what);
	FUZZ_CHECK(a->errors == b->errors, "%s: %lu vs %lu length errors", what, a->errors, b->errors);
	FUZZ_CHECK(a->pending == b->pending, "%s: %zu vs %zu bytes pending", what, a->pending,
		   b->pending);
}

static void result_free(struct result *r)
{
	free(r->frames);
	free(r->rets);
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
	cut = whole;
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

	same(&r[0], &r[1], "one chunk, decoder vs model");
	same(&r[2], &r[3], "cut, decoder vs model");
	for (int i = 0; i < 4; i += 2)
		FUZZ_CHECK(r[i].nrets == r[i + 1].nrets &&
				   (!r[i].nrets || memcmp(r[i].rets, r[i + 1].rets, r[i].nrets) == 0),
			   "%s: feed return values differ from the model", i ? "cut" : "one chunk");
	FUZZ_CHECK((r[0].errors == 0) == (r[2].errors == 0),
		   "length error in %s run only", r[0].errors ? "the one-chunk" : "the cut");
	if (r[0].errors == 0)
		same(&r[0], &r[2], "one chunk vs cut");
	for (int i = 0; i < 4; i++)
		result_free(&r[i]);
	return 0;
}
