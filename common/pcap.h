/* pcap.h - writing captures: pcapng (one Interface Description Block
 * per interface, each frame an Enhanced Packet Block whose epb_flags say
 * inbound or outbound) or classic pcap, LINKTYPE_ETHERNET.
 *
 * Blocks go into a bounded buffer and out through fd at once: a reader
 * (tcpdump -r -, wireshark -k -i -) sees each frame as it comes.  With a
 * non-blocking fd nothing ever waits: what does not fit the buffer is
 * dropped whole and counted, so the file stays well formed.  The wire
 * layouts are in proto.h. */
#ifndef VDE_PCAP_H
#define VDE_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum pcap_format { PCAP_NG, PCAP_CLASSIC };
enum pcap_dir { PCAP_DIR_NONE, PCAP_DIR_IN, PCAP_DIR_OUT };

#define PCAP_SNAPLEN_DEFAULT 262144 /* tcpdump's; also the most we take */
#define PCAP_SNAPLEN_MAX 262144
#define PCAP_BUF_DEFAULT (1024 * 1024) /* unwritten output kept, at most */

struct pcap_out {
	int fd;
	enum pcap_format format;
	uint32_t snaplen;
	int nifs;                 /* interfaces described so far */
	uint8_t *buf;             /* blocks not written yet: buf[off..len) */
	size_t off, len, cap;
	uint64_t frames, bytes;   /* recorded (queued for fd) */
	uint64_t dropped, dropped_bytes; /* no room: the reader is too slow */
};

/* Set o up on fd and queue the file header.  0, or -1 (ENOMEM, EINVAL
 * for a snaplen outside 1..PCAP_SNAPLEN_MAX). */
int pcap_init(struct pcap_out *o, int fd, enum pcap_format format, uint32_t snaplen, size_t bufsize);
void pcap_free(struct pcap_out *o); /* the buffer; fd is the caller's */
/* Describe the next interface (pcapng; classic pcap has one, id 0).
 * Its id, or -1 when there is no room now (the caller drops the frame
 * that needed it, counted with pcap_drop). */
int pcap_add_if(struct pcap_out *o, const char *name);
/* Queue one frame, cut to the snaplen: 0, or -1 when it did not fit
 * (dropped and counted). */
int pcap_record(struct pcap_out *o, int ifid, enum pcap_dir dir, const struct timespec *ts,
		const uint8_t *frame, size_t len);
void pcap_drop(struct pcap_out *o, size_t len);
/* Write what waits: 0 all out, 1 some still waits (EAGAIN: poll for
 * POLLOUT), -1 the reader is gone or the write failed (errno). */
int pcap_flush(struct pcap_out *o);
static inline size_t pcap_pending(const struct pcap_out *o) { return o->len - o->off; }

#endif
