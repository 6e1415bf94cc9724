/* endpoint.h - endpoints (the type is in ep.h): one way frames enter and
 * leave a port.  A port has one or more (a cable group).  Each kind of
 * endpoint is one file behind one ops table:
 *
 *   ep_sock.c   a client's data socket (the control socket made it),
 *   ep_tap.c    a Linux tap interface, with TCP offloads when possible,
 *   ep_vep.c    any network a VNL names (common/vep_*.c: vde://,
 *               cmd://, udp://, seqpacket://FD, ...), for connect.c.
 *
 * A kind reads frames and hands them to forward_frame() (forward.h);
 * what leaves goes through tx.c, which calls the kind's write.
 * endpoint.c does what every kind shares: the fd watches, closing, and
 * the receive buffers. */
#ifndef VDE_ENDPOINT_H
#define VDE_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ep.h"
#include "common/proto.h"

/* An endpoint of kind ops on data fd datafd (non-blocking); ctlfd and
 * outfd -1 when there are none.  Not on a port yet (port_attach). */
struct endpoint *ep_new(const struct ep_ops *ops, int datafd, int outfd, int ctlfd, uid_t uid,
			const char *descr);
/* Leave the port, close, free (deferred).  why: for the log line. */
void ep_close(struct endpoint *ep, const char *why);
/* Close endpoints that failed while frames were being forwarded. */
void ep_reap(void);
void ep_free_buffers(void); /* at exit */

/* ---- the kinds' constructors ---- */
/* ep_sock.c: a data socket and its control connection; path: our socket
 * file, unlinked at close (NULL: none). */
/* vnet: the client is ours and took VDE_EXT_VNET: datagrams carry a
 * vnet header and may be super-frames. */
struct endpoint *ep_sock_new(int datafd, int ctlfd, uid_t uid, const char *descr, const char *path, int vnet);
/* ep_tap.c: tap NAME (made when missing), with offloads if sw.offload. */
struct endpoint *ep_tap_open(const char *name);
/* ep_vep.c: the network vnl names.  descr: what a far switch is told.
 * Opening waits at most EP_VEP_HANDSHAKE_MS for a far switch's reply. */
#define EP_VEP_HANDSHAKE_MS 1000
struct endpoint *ep_vep_open(const char *vnl, const char *descr);
/* ... or one opened already (an accepted QEMU connection), on behalf of
 * uid; v is the endpoint's from now on (closed on failure too). */
struct vep;
struct endpoint *ep_vep_adopt(struct vep *v, uid_t uid, const char *descr);
/* What the kind tells about itself (VXLAN: VTEPs, counters); 0: nothing. */
int ep_vep_describe(const struct endpoint *ep, char *buf, size_t len);
/* Its table a line at a time (vxlan/print); 0 when the kind has none. */
int ep_vep_list(const struct endpoint *ep, void (*line)(void *ctx, const char *text), void *ctx);

/* ---- for the kinds: receive buffers and handing frames on ---- */
/* SW_BATCH buffers of SW_HEADROOM + VDE_FRAME_MAX + 64 bytes (made on
 * first use: NULL when out of memory). */
#define EP_RXBUF (SW_HEADROOM + VDE_FRAME_MAX + 64)
uint8_t (*ep_rxbufs(void))[EP_RXBUF];
/* For endpoints whose frames carry a vnet header (an offloading tap,
 * a cable between two of our switches): EP_VNET_BATCH buffers, each
 * [SW_HEADROOM][vnet header][frame of up to VNET_MAX_FRAME], made on
 * first use (NULL when out of memory).  As many as a plain batch: a cable
 * carries small frames too, and a read per 8 of them cost a quarter of a
 * cable's 60 B rate; pages a small frame never touches cost no memory. */
#define EP_VNET_BATCH SW_BATCH
#define EP_VNETBUF (SW_HEADROOM + sizeof(struct vnet_hdr) + VNET_MAX_FRAME + 64)
#define EP_VNET_MAXREAD (sizeof(struct vnet_hdr) + VNET_MAX_FRAME + 1) /* one more: giants */
uint8_t (*ep_vnetbufs(void))[EP_VNETBUF];
/* n bytes at buf + SW_HEADROOM: a vnet header and its frame.  The header
 * is checked (a cable's far end is just another process): a type we do
 * not know, offsets outside the frame or a tiny segment size drop it. */
void ep_rx_vnet(struct endpoint *ep, uint8_t *buf, size_t n);
/* A datagram socket that carries super-frames: the default send buffer
 * holds three of them, too few to ride out a busy far end. */
#define EP_VNET_SNDBUF (2 * 1024 * 1024)
void ep_vnet_sndbuf(int fd);
/* Plain frames v[0..n) (n <= SW_BATCH) of a batch for a cable that takes
 * vnet headers: each behind a header with no offload state. */
void ep_vnet_pairs(struct iovec (*two)[2], const struct iovec *v, int n);
/* A batch as datagrams on fd in one sendmmsg, behind such headers when
 * vnet: as sendmmsg (at most SW_BATCH go). */
int ep_send_batch(int fd, const struct iovec *v, int n, int vnet);
/* A received frame at buf + SW_HEADROOM: checked and forwarded. */
void ep_rx_frame(struct endpoint *ep, uint8_t *buf, size_t n, int truncated);
/* A frame of port p on its way in: through the port's impairment, if
 * it has one (portimpair.c), to forwarding. */
void ep_forward(struct port *p, uint8_t *f, size_t len, const struct vnet_hdr *vh);
/* How many frames to read in this wakeup; tell what came (ep_rx_learn). */
int ep_rx_budget(struct endpoint *ep);
void ep_rx_learn(struct endpoint *ep, int budget, int got);

#endif
