/* pcap.c - the capture writer (pcap.h): blocks built straight into a
 * bounded buffer, written out as soon as the fd takes them. */
#include "pcap.h"
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAD4(n) (((n) + 3) & ~(size_t)3)

/* Room for n more bytes at the end of the buffer (moving what waits to
 * the front if that makes it): a pointer there, or NULL. */
static uint8_t *room(struct pcap_out *o, size_t n)
{
	if (o->cap - o->len < n && o->off > 0) {
		memmove(o->buf, o->buf + o->off, o->len - o->off);
		o->len -= o->off;
		o->off = 0;
	}
	return o->cap - o->len < n ? NULL : o->buf + o->len;
}

static uint8_t *put(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static uint8_t *put_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	struct pcapng_opt h = { code, len };
	p = put(p, &h, sizeof(h));
	p = put(p, val, len);
	memset(p, 0, PAD4(len) - len);
	return p + (PAD4(len) - len);
}

/* A pcapng block of body_len bytes (options included) starts at p: its
 * header; returns where the body goes. */
static uint8_t *block_start(uint8_t *p, uint32_t type, size_t total)
{
	struct pcapng_block_hdr h = { type, (uint32_t)total };
	return put(p, &h, sizeof(h));
}

static void block_end(struct pcap_out *o, uint8_t *p, size_t total)
{
	uint32_t t = (uint32_t)total;
	put(p, &t, sizeof(t));
	o->len += total;
}

static void header(struct pcap_out *o)
{
	uint8_t *p = o->buf;

	if (o->format == PCAP_CLASSIC) {
		struct pcap_file_hdr h = { PCAP_MAGIC_USEC, 2, 4, 0, 0, o->snaplen, PCAP_LINKTYPE_ETHERNET };
		put(p, &h, sizeof(h));
		o->len = sizeof(h);
		o->nifs = 1;
		return;
	}
	struct pcapng_shb shb = { PCAPNG_BYTE_ORDER_MAGIC, 1, 0, -1 };
	size_t total = sizeof(struct pcapng_block_hdr) + sizeof(shb) + 4;
	p = block_start(p, PCAPNG_SHB, total);
	p = put(p, &shb, sizeof(shb));
	block_end(o, p, total);
}

int pcap_init(struct pcap_out *o, int fd, enum pcap_format format, uint32_t snaplen, size_t bufsize)
{
	memset(o, 0, sizeof(*o));
	if (snaplen < 1 || snaplen > PCAP_SNAPLEN_MAX || bufsize < 4096) {
		errno = EINVAL;
		return -1;
	}
	if (!(o->buf = malloc(bufsize))) {
		errno = ENOMEM;
		return -1;
	}
	o->fd = fd;
	o->format = format;
	o->snaplen = snaplen;
	o->cap = bufsize;
	header(o);
	return 0;
}

void pcap_free(struct pcap_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->off = o->len = o->cap = 0;
}

int pcap_add_if(struct pcap_out *o, const char *name)
{
	if (o->format == PCAP_CLASSIC)
		return 0;
	size_t nlen = strnlen(name, 255);
	size_t total = sizeof(struct pcapng_block_hdr) + sizeof(struct pcapng_idb) +
		       sizeof(struct pcapng_opt) + PAD4(nlen) + sizeof(struct pcapng_opt) + 4;
	uint8_t *p = room(o, total);
	if (!p)
		return -1;
	struct pcapng_idb idb = { PCAP_LINKTYPE_ETHERNET, 0, o->snaplen };
	struct pcapng_opt end = { PCAPNG_OPT_END, 0 };
	p = block_start(p, PCAPNG_IDB, total);
	p = put(p, &idb, sizeof(idb));
	p = put_opt(p, PCAPNG_OPT_IF_NAME, name, (uint16_t)nlen);
	p = put(p, &end, sizeof(end));
	block_end(o, p, total);
	return o->nifs++;
}

void pcap_drop(struct pcap_out *o, size_t len)
{
	o->dropped++;
	o->dropped_bytes += len;
}

static int record_classic(struct pcap_out *o, const struct timespec *ts, const uint8_t *f, size_t len,
			  size_t caplen)
{
	struct pcap_rec_hdr h = { (uint32_t)ts->tv_sec, (uint32_t)(ts->tv_nsec / 1000), (uint32_t)caplen,
				  (uint32_t)len };
	uint8_t *p = room(o, sizeof(h) + caplen);

	if (!p)
		return -1;
	p = put(p, &h, sizeof(h));
	put(p, f, caplen);
	o->len += sizeof(h) + caplen;
	return 0;
}

static int record_ng(struct pcap_out *o, int ifid, enum pcap_dir dir, const struct timespec *ts,
		     const uint8_t *f, size_t len, size_t caplen)
{
	uint64_t us = (uint64_t)ts->tv_sec * 1000000u + (uint64_t)ts->tv_nsec / 1000;
	uint32_t flags = dir == PCAP_DIR_IN ? PCAPNG_FLAG_INBOUND : dir == PCAP_DIR_OUT ? PCAPNG_FLAG_OUTBOUND : 0;
	size_t opts = dir ? sizeof(struct pcapng_opt) + 4 + sizeof(struct pcapng_opt) : 0;
	size_t total = sizeof(struct pcapng_block_hdr) + sizeof(struct pcapng_epb) + PAD4(caplen) + opts + 4;
	struct pcapng_epb epb = { (uint32_t)ifid, (uint32_t)(us >> 32), (uint32_t)us, (uint32_t)caplen,
				  (uint32_t)len };
	struct pcapng_opt end = { PCAPNG_OPT_END, 0 };
	uint8_t *p = room(o, total);

	if (!p)
		return -1;
	p = block_start(p, PCAPNG_EPB, total);
	p = put(p, &epb, sizeof(epb));
	p = put(p, f, caplen);
	memset(p, 0, PAD4(caplen) - caplen);
	p += PAD4(caplen) - caplen;
	if (dir) {
		p = put_opt(p, PCAPNG_OPT_EPB_FLAGS, &flags, 4);
		p = put(p, &end, sizeof(end));
	}
	block_end(o, p, total);
	return 0;
}

int pcap_record(struct pcap_out *o, int ifid, enum pcap_dir dir, const struct timespec *ts,
		const uint8_t *frame, size_t len)
{
	size_t caplen = len < o->snaplen ? len : o->snaplen;
	int r = o->format == PCAP_CLASSIC ? record_classic(o, ts, frame, len, caplen)
					  : record_ng(o, ifid, dir, ts, frame, len, caplen);

	if (r < 0) {
		pcap_drop(o, len);
		return -1;
	}
	o->frames++;
	o->bytes += len;
	return 0;
}

int pcap_flush(struct pcap_out *o)
{
	while (o->off < o->len) {
		ssize_t n = write(o->fd, o->buf + o->off, o->len - o->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		o->off += (size_t)n;
	}
	o->off = o->len = 0;
	return 0;
}
