/* pcap_test.c - the capture writer (common/pcap.c): the blocks as a
 * reader parses them, snaplen, and a full buffer dropping whole records. */
#include "unit.h"
#include "common/pcap.h"
#include "common/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

TEST(pcapng_blocks)
{
	struct pcap_out o;
	struct timespec ts = { 1, 2000 };
	uint8_t f[61], b[4096];
	int p[2];

	memset(f, 0xab, sizeof(f));
	CHECK(pipe(p) == 0);
	CHECK(pcap_init(&o, p[1], PCAP_NG, 40, PCAP_BUF_DEFAULT) == 0);
	CHECK(pcap_add_if(&o, "port 3") == 0);
	CHECK(pcap_record(&o, 0, PCAP_DIR_OUT, &ts, f, sizeof(f)) == 0);
	CHECK(pcap_flush(&o) == 0);
	ssize_t n = read(p[0], b, sizeof(b));
	/* SHB 28; IDB 16 + name 4+8 + end 4 + 4 = 36; EPB 28 + 40 + flags 8 + end 4 + 4 = 84 */
	CHECK(n == 28 + 36 + 84);
	CHECK(u32(b) == PCAPNG_SHB && u32(b + 4) == 28 && u32(b + 8) == PCAPNG_BYTE_ORDER_MAGIC && u32(b + 24) == 28);
	const uint8_t *i = b + 28;
	CHECK(u32(i) == PCAPNG_IDB && u32(i + 4) == 36 && u32(i + 32) == 36);
	CHECK(i[8] == PCAP_LINKTYPE_ETHERNET && u32(i + 12) == 40);
	CHECK(memcmp(i + 20, "port 3", 6) == 0 && i[18] == 6); /* option length */
	const uint8_t *e = i + 36;
	CHECK(u32(e) == PCAPNG_EPB && u32(e + 4) == 84 && u32(e + 80) == 84);
	CHECK(u32(e + 8) == 0 && u32(e + 16) == 1000002u); /* interface, microseconds */
	CHECK(u32(e + 20) == 40 && u32(e + 24) == 61);     /* cut to the snaplen */
	CHECK(u32(e + 68) == (PCAPNG_OPT_EPB_FLAGS | 4u << 16) && u32(e + 72) == PCAPNG_FLAG_OUTBOUND);
	CHECK(o.frames == 1 && o.dropped == 0);
	pcap_free(&o);
	close(p[0]);
	close(p[1]);
}

TEST(pcap_classic)
{
	struct pcap_out o;
	struct timespec ts = { 7, 8000 };
	uint8_t f[100] = { 0 }, b[4096];
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(pcap_init(&o, p[1], PCAP_CLASSIC, PCAP_SNAPLEN_DEFAULT, PCAP_BUF_DEFAULT) == 0);
	CHECK(pcap_add_if(&o, "x") == 0);
	CHECK(pcap_record(&o, 0, PCAP_DIR_IN, &ts, f, sizeof(f)) == 0);
	CHECK(pcap_flush(&o) == 0);
	CHECK(read(p[0], b, sizeof(b)) == 24 + 16 + 100);
	CHECK(u32(b) == PCAP_MAGIC_USEC && u32(b + 16) == PCAP_SNAPLEN_DEFAULT && u32(b + 20) == 1);
	CHECK(u32(b + 24) == 7 && u32(b + 28) == 8 && u32(b + 32) == 100 && u32(b + 36) == 100);
	pcap_free(&o);
	close(p[0]);
	close(p[1]);
	CHECK(pcap_init(&o, -1, PCAP_NG, 0, PCAP_BUF_DEFAULT) < 0 && errno == EINVAL);
	CHECK(pcap_init(&o, -1, PCAP_NG, PCAP_SNAPLEN_MAX + 1, PCAP_BUF_DEFAULT) < 0);
}

/* Nobody reads: the pipe fills, then the buffer; records are dropped
 * whole, and what was queued comes out intact once the reader reads. */
TEST(pcap_full_drops_whole)
{
	struct pcap_out o;
	struct timespec ts = { 0, 0 };
	static uint8_t f[1514], b[1 << 20];
	int p[2], r = 0;

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK(pcap_init(&o, p[1], PCAP_NG, PCAP_SNAPLEN_DEFAULT, 8192) == 0);
	CHECK(pcap_add_if(&o, "port 1") == 0);
	for (int k = 0; k < 200; k++) {
		pcap_record(&o, 0, PCAP_DIR_IN, &ts, f, sizeof(f));
		r = pcap_flush(&o);
	}
	CHECK(r == 1 && o.dropped > 0 && pcap_pending(&o) <= 8192);
	CHECK(o.frames + o.dropped == 200);
	size_t got = 0;
	for (;;) { /* drain, alternately */
		ssize_t n = read(p[0], b + got, sizeof(b) - got);
		if (n > 0)
			got += (size_t)n;
		if (pcap_flush(&o) == 0 && n <= 0)
			break;
	}
	/* walk the blocks: every one whole, EPBs as many as recorded */
	size_t at = 0;
	uint64_t epbs = 0;
	while (at + 12 <= got) {
		uint32_t len = u32(b + at + 4);
		CHECK(len >= 12 && at + len <= got && u32(b + at + len - 4) == len);
		epbs += u32(b + at) == PCAPNG_EPB;
		at += len;
	}
	CHECK(at == got && epbs == o.frames);
	pcap_free(&o);
	close(p[0]);
	close(p[1]);
}
