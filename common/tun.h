/* tun.h - the Linux tun/tap ABI the tap kinds use (vep_tap.c, the
 * switch's tap.c), from <linux/if_tun.h> when there is one.  A static
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

#endif
