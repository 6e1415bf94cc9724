/* fuzz_vnet.c - datagrams with a virtio-net header from a cable between
 * two of our switches (VDE_EXT_VNET): ep_sock.c's receive, endpoint.c's
 * ep_rx_vnet() (the header check), forward.c in hub mode, tx.c and
 * offload.c (segments and checksums for a port that takes plain frames).
 *
 * The far end of such a cable is just another process: the header is
 * hostile.  Setup (once): a hub, three ports: 1 a vnet cable (the input),
 * 2 a plain client, 3 another vnet cable; their data sockets are
 * in-memory (fakefd.h).  GRO is off (fuzz_gro has it), so every output
 * follows from one input.  The input is records [len16][bytes], each
 * pushed as one datagram into port 1 and received by its EPOLLIN
 * handler (up to EP_VNET_BATCH per call, like a burst).
 *
 * An independent check of the header says what must happen to each:
 * - shorter than header + Ethernet header, or a bad header (a GSO type
 *   other than none/TCPv4/TCPv6 (+ECN), a segment size under 88 or a
 *   header length past the frame for GSO, checksum offsets past the
 *   frame), or a frame that is not a super-frame but longer than the
 *   switch's largest: dropped
 *   and counted on port 1, nothing out;
 * - otherwise port 3 gets exactly the header and the frame (padded to 60
 *   bytes when shorter, the header unchanged), and every frame port 2
 *   gets is a plain frame of 60..VDE_FRAME_MAX bytes (segments of a
 *   super-frame, or the frame with its checksum finished), nothing when
 *   the frame cannot be cut (counted as a drop of port 2's endpoint).
 */
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fakefd.h"
#include "applets/switch/endpoint.h"
#include "applets/switch/forward.h"
#include "applets/switch/mactable.h"
#include "applets/switch/port.h"
#include "applets/switch/sw.h"
#include "common/log.h"
#include "common/proto.h"

#include <string.h>

enum { IN, PLAIN, OUT, NEPS };
static int fd[NEPS];
static struct endpoint *ep[NEPS];

static int is_plain(const uint8_t *d)
{
	return d[1] == VNET_GSO_NONE && !(d[0] & VNET_F_NEEDS_CSUM);
}

static int header_ok(const uint8_t *d, size_t n)
{
	struct vnet_hdr h;
	size_t len;
	int gso;

	if (n < sizeof(h) + ETH_HDR_LEN)
		return 0;
	memcpy(&h, d, sizeof(h));
	len = n - sizeof(h);
	gso = h.gso_type & ~VNET_GSO_ECN;
	if (h.gso_type == VNET_GSO_NONE && !(h.flags & VNET_F_NEEDS_CSUM))
		return len <= sw.max_frame;
	if (gso != VNET_GSO_NONE && gso != VNET_GSO_TCPV4 && gso != VNET_GSO_TCPV6)
		return 0;
	if (gso != VNET_GSO_NONE && (h.gso_size < 88 || h.hdr_len > len))
		return 0;
	if ((h.flags & VNET_F_NEEDS_CSUM) && (size_t)h.csum_start + h.csum_offset + 2 > len)
		return 0;
	return len <= (gso == VNET_GSO_NONE ? sw.max_frame : VNET_MAX_FRAME);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_vnet");
	sw.max_frame = VDE_FRAME_MAX;
	sw.gro = 0;
	sw.gid = (gid_t)-1;
	if (loop_init() < 0 || ports_init(4) < 0 || mac_init(64) < 0)
		die("fuzz_vnet: switch setup failed");
	forward_set_hub(1);
	for (int i = 0; i < NEPS; i++) {
		if (!port_create(i + 1, 1))
			die("fuzz_vnet: create port %d:", i + 1);
		fd[i] = fake_open(0);
		ep[i] = ep_sock_new(fd[i], -1, 0, "fuzz", NULL, i != PLAIN);
		if (!ep[i] || !ep_vnetbufs())
			die("fuzz_vnet: ep_sock_new failed");
		port_attach(sw.ports[i + 1], ep[i]);
	}
	return 0;
}

/* What port 3 must get for a datagram the check passed: a plain frame
 * gets a header of zeros (whatever else the sender's header said), an
 * offloaded one its header as it came. */
static void expect_copy(const uint8_t *d, size_t n, const uint8_t *got, size_t glen)
{
	const size_t hl = sizeof(struct vnet_hdr);
	size_t want = n < hl + ETH_MIN_FRAME ? hl + ETH_MIN_FRAME : n;
	static const uint8_t zeros[sizeof(struct vnet_hdr)];

	FUZZ_CHECK(glen == want, "port 3 got %zu bytes for %zu", glen, n);
	FUZZ_CHECK(memcmp(got, is_plain(d) ? zeros : d, hl) == 0, "port 3 got another header");
	FUZZ_CHECK(memcmp(got + hl, d + hl, n - hl) == 0, "port 3 got other bytes");
	for (size_t i = n; i < want; i++)
		FUZZ_CHECK(got[i] == 0, "padding byte %zu is %u", i, got[i]);
}

/* A batch of datagrams in, then what came out, record by record. */
static void run_batch(const uint8_t **d, const size_t *n, int k)
{
	uint32_t events;
	struct watch *w = fake_watch(fd[IN], &events);
	uint64_t drops = sw.ports[1]->drops;
	int bad = 0;

	for (int i = 0; i < k; i++) {
		fake_push(fd[IN], d[i], n[i]);
		bad += n[i] > 0 && !header_ok(d[i], n[i]); /* an empty one is vde2's goodbye: ignored */
	}
	FUZZ_CHECK(w != NULL, "no watch on port 1's socket");
	while (fake_in_msgs(fd[IN]) > 0)
		w->fn(w, EPOLLIN);
	FUZZ_CHECK(sw.ports[1]->drops - drops == (uint64_t)bad, "%d bad datagrams, %llu drops", bad,
		   (unsigned long long)(sw.ports[1]->drops - drops));
	size_t o = 0;
	for (int i = 0; i < k; i++) {
		if (n[i] == 0 || !header_ok(d[i], n[i]))
			continue;
		size_t glen;
		const uint8_t *got = fake_out_msg(fd[OUT], o++, &glen);
		FUZZ_CHECK(got != NULL, "port 3 got nothing for a good datagram");
		expect_copy(d[i], n[i], got, glen);
	}
	FUZZ_CHECK(fake_out_count(fd[OUT]) == o, "port 3 got %zu datagrams for %zu", fake_out_count(fd[OUT]), o);
	for (size_t i = 0; i < fake_out_count(fd[PLAIN]); i++) {
		size_t glen;
		fake_out_msg(fd[PLAIN], i, &glen);
		FUZZ_CHECK(glen >= ETH_MIN_FRAME && glen <= VDE_FRAME_MAX, "port 2 got a %zu-byte frame", glen);
	}
	FUZZ_CHECK(fake_out_count(fd[IN]) == 0, "a frame went back out of port 1");
	for (int i = 0; i < NEPS; i++)
		fake_out_clear(fd[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct fuzz_in in = { data, size };
	const uint8_t *d[EP_VNET_BATCH];
	size_t n[EP_VNET_BATCH];
	int k = 0;

	if (!quiet++)
		fake_quiet_stderr();
	while (fuzz_more(&in)) {
		size_t len = fuzz_u16(&in);
		if (len > in.len)
			len = in.len;
		d[k] = in.p;
		n[k++] = len;
		in.p += len;
		in.len -= len;
		if (k == EP_VNET_BATCH) {
			run_batch(d, n, k);
			k = 0;
		}
	}
	if (k)
		run_batch(d, n, k);
	return 0;
}
