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
