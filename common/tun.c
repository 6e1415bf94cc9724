/* tun.c - opening a tap interface (see tun.h). */
#include "tun.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

/* Ask for TCP super-frames and partial checksums (TSO): a tap-to-tap
 * path then moves 64 KiB per system call instead of 1.5 KiB.  0 when the
 * tap now carries vnet headers. */
static int enable_offload(int fd, struct ifreq *ifr)
{
	struct ifreq r = *ifr;

	r.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &r) < 0)
		return -1; /* the caller tries without */
	if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
		log_debug("tap %s: no offloads:", ifr->ifr_name);
	return 0;
}

int tun_open_tap(const char *name, int offload, int *vnet)
{
	struct ifreq ifr;
	size_t n = strlen(name);
	int fd;

	*vnet = 0;
	if (n == 0 || n >= IFNAMSIZ) {
		log_err("tap %s: interface name must be 1..%d characters (got %zu)", name, IFNAMSIZ - 1, n);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_err("open /dev/net/tun for tap %s:", name);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, n);
	if (offload && enable_offload(fd, &ifr) == 0) {
		*vnet = 1;
		return fd;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EPERM)
			log_err("tap %s: permission denied (run as root, or make it first: "
				"ip tuntap add %s mode tap user $USER)", name, name);
		else
			log_err("tap %s:", name);
		close(fd);
		return -1;
	}
	return fd;
}
