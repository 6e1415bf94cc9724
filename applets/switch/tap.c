/* tap.c - a Linux tap interface as an endpoint on the first free port. */
#include "switch.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>

#ifdef __has_include
#if __has_include(<linux/if_tun.h>)
#include <linux/if_tun.h>
#endif
#endif
/* Static builds against a libc without kernel headers: the ABI values. */
#ifndef TUNSETIFF
#define TUNSETIFF _IOW('T', 202, int)
#endif
#ifndef IFF_TAP
#define IFF_TAP 0x0002
#endif
#ifndef IFF_NO_PI
#define IFF_NO_PI 0x1000
#endif

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
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
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
	port_attach(port, ep);
	log_info("port %d: tap %s", port->index, ifr.ifr_name);
	return 0;
}
