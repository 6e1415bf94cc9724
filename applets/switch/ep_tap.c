/* ep_tap.c - endpoint kind: a Linux tap interface (-tap NAME, --port
 * tap://NAME).  Opened with offloads when the kernel has them: frames
 * then carry a vnet header and may be 64 KiB TCP super-frames, which
 * forward.c passes along as they are and tx.c finishes (segments,
 * checksums) for endpoints that cannot take them. */
#include "endpoint.h"
#include "port.h"
#include "tx.h"
#include "common/log.h"
#include "common/tun.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static void tap_receive(struct endpoint *ep)
{
	uint8_t *buf = ep_rxbufs()[0], *vbuf = ep->vnet ? ep_vnetbufs()[0] : NULL;
	int budget = ep_rx_budget(ep), got = 0;

	for (; got < budget && ep->ops; got++) {
		ssize_t n = ep->vnet ? read(ep->data.fd, vbuf + SW_HEADROOM, EP_VNET_MAXREAD - 1)
				     : read(ep->data.fd, buf + SW_HEADROOM, VDE_FRAME_MAX + 1);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				log_err("read tap %s:", ep->descr);
				tx_mark_dead(ep);
			}
			break;
		}
		if (n == 0) {
			tx_mark_dead(ep);
			return;
		}
		if (ep->vnet)
			ep_rx_vnet(ep, vbuf, (size_t)n);
		else
			ep_rx_frame(ep, buf, (size_t)n, 0);
	}
	ep_rx_learn(ep, budget, got);
}

static ssize_t tap_write(struct endpoint *ep, const struct iovec *iov, int n)
{
	return writev(ep->data.fd, iov, n);
}

static void tap_close(struct endpoint *ep)
{
	if (ep->data.fd >= 0)
		close(ep->data.fd);
}

/* Write errors (down, too big) lose a frame; the tap is gone only when
 * a read says so. */
static const struct ep_ops tap_ops = {
	.module = "tuntap",
	.lost = "interface gone",
	.receive = tap_receive,
	.write = tap_write,
	.close = tap_close,
};

struct endpoint *ep_tap_open(const char *name)
{
	struct endpoint *ep;
	int vnet, fd = tun_open_tap(name, sw.offload, &vnet);

	if (fd < 0)
		return NULL;
	if ((vnet && !ep_vnetbufs()) || !ep_rxbufs()) {
		log_err("tap %s: out of memory", name);
		close(fd);
		return NULL;
	}
	if (!(ep = ep_new(&tap_ops, fd, -1, -1, (uid_t)-1, name))) {
		close(fd);
		return NULL;
	}
	ep->vnet = vnet;
	return ep;
}
