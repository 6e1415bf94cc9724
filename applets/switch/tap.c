/* tap.c - a Linux tap interface as an endpoint on the first free port. */
#include "switch.h"
#include "common/log.h"
#include "common/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>

int tap_offload = 1; /* --nooffload clears it */
int gro_enabled = 1; /* merging segments for taps; off with --nooffload */

/* Ask for TCP super-frames and partial checksums (TSO): a tap-to-tap
 * path then moves 64 KiB per system call instead of 1.5 KiB.  Returns
 * 1 when the tap now carries vnet headers. */
static int tap_enable_offload(int fd, struct ifreq *ifr)
{
	struct ifreq r = *ifr;

	r.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &r) < 0)
		return -1; /* caller retries without */
	*ifr = r;
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
		log_debug("tap %s: no offloads:", ifr->ifr_name);
	return 1;
}

int tap_open(const char *name)
{
	struct ifreq ifr;
	struct port *port;
	struct endpoint *ep;
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		log_err("tap name too long (max %d): %s", IFNAMSIZ - 1, name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_err("open /dev/net/tun (needed for -tap %s):", name);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, name);
	int vnet = tap_offload ? tap_enable_offload(fd, &ifr) : -1;
	if (vnet < 0 && ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EPERM)
			log_err("tap %s: permission denied (run as root, or create it first with 'ip tuntap add %s mode tap user %s')",
				name, name, "$USER");
		else
			log_err("tap %s:", name);
		close(fd);
		return -1;
	}
	port = port_for_request(VDE_REQ_NEW_CONTROL, 0, (uid_t)-1);
	if (!port) {
		log_err("tap %s: no free port", name);
		close(fd);
		return -1;
	}
	ep = ep_new(EP_TAP, fd, -1, (uid_t)-1, ifr.ifr_name, NULL);
	if (!ep) {
		close(fd);
		return -1;
	}
	ep->vnet = vnet > 0;
	port_attach(port, ep);
	log_info("port %d: tap %s", port->index, ifr.ifr_name);
	return 0;
}
