/* tun.h - opening a Linux tap interface, for both tap kinds (vde_plug's
 * vep_tap.c and the switch's ep_tap.c), and the tun/tap ABI they use,
 * from <linux/if_tun.h> when there is one.  A static
 * build against a libc without kernel headers (musl) gets the values
 * here: they are the kernel's ABI and never change. */
#ifndef VDE_TUN_H
#define VDE_TUN_H

#include <sys/ioctl.h>

#ifdef __has_include
#if __has_include(<linux/if_tun.h>)
#include <linux/if_tun.h>
#endif
#endif
#ifndef TUNSETIFF
#define TUNSETIFF _IOW('T', 202, int)
#endif
#ifndef TUNSETOFFLOAD
#define TUNSETOFFLOAD _IOW('T', 208, unsigned int)
#endif
#ifndef IFF_TAP
#define IFF_TAP 0x0002
#endif
#ifndef IFF_NO_PI
#define IFF_NO_PI 0x1000
#endif
#ifndef IFF_VNET_HDR
#define IFF_VNET_HDR 0x4000
#endif
#ifndef TUN_F_CSUM
#define TUN_F_CSUM 0x01
#define TUN_F_TSO4 0x02
#define TUN_F_TSO6 0x04
#endif

/* Open (or make: root / CAP_NET_ADMIN) tap NAME, non-blocking.  With
 * offload, ask for vnet headers and TCP segmentation offload: *vnet
 * says whether the tap now carries them (frames are then [struct
 * vnet_hdr][frame up to 64 KiB]).  The fd, or -1 after one message. */
int tun_open_tap(const char *name, int offload, int *vnet);

#endif
