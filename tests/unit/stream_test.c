/* stream_test.c - the stream deframer (common/stream.c, spec §4). */
#include "unit.h"

#include <string.h>

#include "common/stream.h"

#define SINK_MAX 8

/* Frames the decoder handed out, copied. */
static struct sink {
	int n;
	size_t len[SINK_MAX];
	uint8_t data[SINK_MAX][VDE_STREAM_MAX];
} sink;

static void collect(void *ctx, const uint8_t *frame, size_t len)
{
	struct sink *s = ctx;

	if (s->n < SINK_MAX) {
		s->len[s->n] = len;
		memcpy(s->data[s->n], frame, len);
	}
	s->n++;
}

/* A recognisable frame: broadcast dst, byte pattern depending on len. */
static void make_frame(uint8_t *f, size_t len)
{
	for (size_t i = 0; i < len; i++)
		f[i] = i < 6 ? 0xff : (uint8_t)(i * 7 + len);
}

/* Append header + frame of size len at buf + *pos. */
static void put_frame(uint8_t *buf, size_t *pos, size_t len)
{
	stream_hdr(buf + *pos, len);
	make_frame(buf + *pos + 2, len);
	*pos += 2 + len;
}

static int frame_ok(int i, size_t len)
{
	uint8_t want[VDE_STREAM_MAX];

	make_frame(want, len);
	return sink.len[i] == len && memcmp(sink.data[i], want, len) == 0;
}

static void reset(struct stream_dec *d, size_t max)
{
	memset(&sink, 0, sizeof(sink));
	stream_dec_init(d, max);
}

static const size_t sizes[] = { 14, 60, 1514 };

static size_t three_frames(uint8_t *buf)
{
	size_t pos = 0;

	for (int i = 0; i < 3; i++)
		put_frame(buf, &pos, sizes[i]);
	return pos;
}

TEST(stream_header_is_big_endian)
{
	uint8_t h[2];

	stream_hdr(h, 1514);
	CHECK(h[0] == 0x05 && h[1] == 0xea);
	stream_hdr(h, VDE_STREAM_MAX);
	CHECK(h[0] == 0x24 && h[1] == 0x14);
}

TEST(stream_whole_frames_in_one_chunk)
{
	static uint8_t buf[4096];
	struct stream_dec d;
	size_t len = three_frames(buf);

	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, len, collect, &sink) == 0);
	CHECK(sink.n == 3);
	for (int i = 0; i < 3; i++)
		CHECK(frame_ok(i, sizes[i]));
	CHECK(d.errors == 0);
}

/* Two chunks, split at every position: header bytes included, so the
 * split 2-byte header that vde2 loses must survive here. */
TEST(stream_split_at_every_byte)
{
	static uint8_t buf[4096];
	size_t len = three_frames(buf);

	for (size_t cut = 0; cut <= len; cut++) {
		struct stream_dec d;
		reset(&d, VDE_STREAM_MAX);
		CHECK(stream_dec_feed(&d, buf, cut, collect, &sink) == 0);
		CHECK(stream_dec_feed(&d, buf + cut, len - cut, collect, &sink) == 0);
		CHECK(sink.n == 3);
		for (int i = 0; i < 3; i++)
			CHECK(frame_ok(i, sizes[i]));
		CHECK(d.errors == 0);
	}
}

TEST(stream_one_byte_at_a_time)
{
	static uint8_t buf[4096];
	struct stream_dec d;
	size_t len = three_frames(buf);

	reset(&d, VDE_STREAM_MAX);
	for (size_t i = 0; i < len; i++)
		CHECK(stream_dec_feed(&d, buf + i, 1, collect, &sink) == 0);
	CHECK(sink.n == 3);
	for (int i = 0; i < 3; i++)
		CHECK(frame_ok(i, sizes[i]));
}

TEST(stream_zero_length_is_skipped)
{
	static uint8_t buf[4096];
	struct stream_dec d;
	size_t pos = 0;

	buf[pos++] = 0, buf[pos++] = 0;
	put_frame(buf, &pos, 60);
	buf[pos++] = 0, buf[pos++] = 0;
	buf[pos++] = 0, buf[pos++] = 0;
	put_frame(buf, &pos, 14);
	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 0);
	CHECK(sink.n == 2);
	CHECK(frame_ok(0, 60));
	CHECK(frame_ok(1, 14));
	CHECK(d.errors == 0);
}

/* An oversize length drops the rest of its chunk (frames before it
 * are kept); the next chunk starts afresh. */
TEST(stream_oversize_drops_rest_of_chunk)
{
	static uint8_t buf[4096], next[256];
	struct stream_dec d;
	size_t pos = 0, npos = 0;

	put_frame(buf, &pos, 60);
	stream_hdr(buf + pos, VDE_STREAM_MAX + 1);
	pos += 2;
	put_frame(buf, &pos, 100); /* lost: same chunk as the bad header */
	put_frame(next, &npos, 14);
	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 1);
	CHECK(d.errors == 1);
	CHECK(sink.n == 1);
	CHECK(frame_ok(0, 60));
	CHECK(stream_dec_feed(&d, next, npos, collect, &sink) == 0);
	CHECK(sink.n == 2);
	CHECK(frame_ok(1, 14));
	CHECK(d.errors == 1);
}

TEST(stream_oversize_with_split_header)
{
	static uint8_t buf[64];
	struct stream_dec d;
	size_t pos = 0;

	reset(&d, VDE_STREAM_MAX);
	buf[0] = 0xff;
	CHECK(stream_dec_feed(&d, buf, 1, collect, &sink) == 0);
	buf[0] = 0xff;
	memset(buf + 1, 0xab, 20);
	CHECK(stream_dec_feed(&d, buf, 21, collect, &sink) == 1);
	CHECK(d.errors == 1 && sink.n == 0);
	put_frame(buf, &pos, 20);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 0);
	CHECK(sink.n == 1 && frame_ok(0, 20));
}

TEST(stream_max_size_frames)
{
	static uint8_t buf[3 * (VDE_STREAM_MAX + 2)];
	struct stream_dec d;
	size_t pos = 0;

	put_frame(buf, &pos, VDE_STREAM_MAX);
	put_frame(buf, &pos, VDE_STREAM_MAX);
	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 0);
	CHECK(sink.n == 2 && frame_ok(0, VDE_STREAM_MAX) && frame_ok(1, VDE_STREAM_MAX));
	/* split inside the second header, then inside its frame */
	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, VDE_STREAM_MAX + 2 + 1, collect, &sink) == 0);
	CHECK(stream_dec_feed(&d, buf + VDE_STREAM_MAX + 3, 5000, collect, &sink) == 0);
	CHECK(stream_dec_feed(&d, buf + VDE_STREAM_MAX + 5003, pos - VDE_STREAM_MAX - 5003,
			      collect, &sink) == 0);
	CHECK(sink.n == 2 && frame_ok(1, VDE_STREAM_MAX));
	/* one byte more is a length error */
	pos = 0;
	put_frame(buf, &pos, VDE_STREAM_MAX + 1);
	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 1);
	CHECK(sink.n == 0 && d.errors == 1);
}

TEST(stream_smaller_max_like_vde2)
{
	static uint8_t buf[4096];
	struct stream_dec d;
	size_t pos = 0;

	put_frame(buf, &pos, VDE_STREAM_MAX_VDE2);
	put_frame(buf, &pos, VDE_STREAM_MAX_VDE2 + 1);
	reset(&d, VDE_STREAM_MAX_VDE2);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 1);
	CHECK(sink.n == 1 && frame_ok(0, VDE_STREAM_MAX_VDE2) && d.errors == 1);
	/* a max above what the buffer holds is clamped */
	stream_dec_init(&d, 100000);
	CHECK(d.max == VDE_STREAM_MAX);
}

/* ---- the in-band offer of vnet records (stream.h) ---- */

TEST(stream_offer_is_three_empty_records)
{
	static uint8_t buf[256];
	struct stream_dec d;
	size_t pos = 6;

	memset(buf, 0, sizeof(buf));
	put_frame(buf, &pos, 60);
	reset(&d, VDE_STREAM_MAX);
	CHECK(stream_dec_feed(&d, buf, 3, collect, &sink) == 0); /* split mid-record */
	CHECK(d.events == 0);
	CHECK(stream_dec_feed(&d, buf + 3, pos - 3, collect, &sink) == 0);
	CHECK(d.events == STREAM_EV_OFFER);
	CHECK(sink.n == 1 && frame_ok(0, 60));
	/* two empty records are not an offer, nor are two and two */
	reset(&d, VDE_STREAM_MAX);
	pos = 4;
	put_frame(buf, &pos, 14);
	buf[pos++] = 0, buf[pos++] = 0;
	buf[pos++] = 0, buf[pos++] = 0;
	put_frame(buf, &pos, 14);
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 0);
	CHECK(d.events == 0 && sink.n == 2 && d.errors == 0);
}

TEST(stream_probe_and_switch_only_after_our_offer)
{
	static uint8_t buf[256];
	struct stream_dec d;
	size_t pos = 0;

	buf[pos++] = 0xff, buf[pos++] = 0xff; /* PROBE */
	put_frame(buf, &pos, 60);
	reset(&d, VDE_STREAM_MAX); /* we did not offer: a bad length, as ever */
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 1);
	CHECK(d.errors == 1 && sink.n == 0 && d.events == 0);
	reset(&d, VDE_STREAM_MAX);
	d.offered = 1;
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 0);
	CHECK(d.errors == 0 && d.events == STREAM_EV_PROBE && sink.n == 1 && frame_ok(0, 60));
}

/* After SWITCH: a 4-byte length and [vnet header][frame]; the step stops
 * at the SWITCH so its owner can take the rest as vnet records. */
TEST(stream_switch_after_a_probe_turns_to_vnet_records)
{
	static uint8_t buf[256];
	struct stream_dec d;
	size_t pos = 0, used;
	int bad;

	buf[pos++] = 0xff, buf[pos++] = 0xfe; /* SWITCH */
	stream_hdr_n(buf + pos, 4, 10 + 60);
	reset(&d, VDE_STREAM_MAX);
	d.offered = 1; /* before any PROBE: a bad length */
	CHECK(stream_dec_feed(&d, buf, pos, collect, &sink) == 1 && !d.vnet && d.errors == 1);
	pos += 4;
	memset(buf + pos, 0, 10);
	make_frame(buf + pos + 10, 60);
	pos += 70;
	reset(&d, VDE_STREAM_MAX);
	d.offered = 1;
	static const uint8_t probe[2] = { 0xff, 0xff };
	CHECK(stream_dec_feed(&d, probe, 2, collect, &sink) == 0 && d.events == STREAM_EV_PROBE);
	d.events = 0;
	used = stream_dec_step(&d, buf, pos, collect, &sink, &bad);
	CHECK(used == 2 && !bad && sink.n == 0);
	CHECK(d.events == STREAM_EV_SWITCH && d.vnet && d.hdrlen == 4);
	CHECK(stream_dec_feed(&d, buf + used, pos - used, collect, &sink) == 0);
	CHECK(sink.n == 1 && sink.len[0] == 70);
	uint8_t want[60];
	make_frame(want, 60);
	CHECK(memcmp(sink.data[0] + 10, want, 60) == 0);
	/* a length beyond the largest record is bad: the owner ends the stream */
	stream_hdr_n(buf, 4, STREAM_VNET_MAX + 1);
	CHECK(stream_dec_feed(&d, buf, 20, collect, &sink) == 1);
	CHECK(d.errors == 1);
}

static struct { size_t len; uint32_t sum; int n; } big;

static void collect_big(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	big.len = len;
	big.sum = 0;
	for (size_t i = 0; i < len; i++)
		big.sum = big.sum * 31 + rec[i];
	big.n++;
}

/* A 64 KiB super-frame record arrives whole across reads of any size. */
TEST(stream_vnet_super_frame_across_reads)
{
	static uint8_t buf[4 + STREAM_VNET_MAX];
	struct stream_dec d;
	uint32_t sum = 0;
	size_t len = STREAM_VNET_MAX;

	stream_hdr_n(buf, 4, len);
	for (size_t i = 0; i < len; i++) {
		buf[4 + i] = (uint8_t)(i * 13 + 5);
		sum = sum * 31 + buf[4 + i];
	}
	stream_dec_init(&d, VDE_STREAM_MAX);
	d.offered = 1;
	static const uint8_t sw[4] = { 0xff, 0xff, 0xff, 0xfe }; /* PROBE, SWITCH */
	CHECK(stream_dec_feed(&d, sw, 4, collect_big, NULL) == 0 && d.vnet);
	memset(&big, 0, sizeof(big));
	CHECK(stream_dec_feed(&d, buf, 3, collect_big, NULL) == 0);         /* inside the length */
	CHECK(stream_dec_feed(&d, buf + 3, 40000, collect_big, NULL) == 0);
	CHECK(big.n == 0);
	CHECK(stream_dec_feed(&d, buf + 40003, sizeof(buf) - 40003, collect_big, NULL) == 0);
	CHECK(big.n == 1 && big.len == len && big.sum == sum);
}
