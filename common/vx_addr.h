/* vx_addr.h - options and addresses of the VXLAN kinds (vxlan://,
 * vxvde://). */
#ifndef VDE_VX_ADDR_H
#define VDE_VX_ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>

#include "vnl.h"

/* Every option of v is one of keys (NULL-terminated)?  0, or -1 after
 * naming the first that is not (a typo must not be ignored). */
int vx_known_opts(const char *name, const struct vnl *v, const char *const *keys);
/* Option key of v as a number in min..max, def when absent; sets *err
 * after one line when malformed. */
long vx_num_opt(const char *name, const struct vnl *v, const char *key, long def, long min, long max,
		int *err);
/* IP address s (no port; "[v6]" too) of family fam (AF_UNSPEC: either)
 * with port (network order) into ss.  0, or -1 after one line. */
int vx_ip_addr(const char *name, const char *what, const char *s, int fam, in_port_t port,
	       struct sockaddr_storage *ss, socklen_t *len);
int vx_is_multicast(const struct sockaddr_storage *ss);
/* Join group on fd: interface ifindex (0: the kernel's choice), ttl for
 * what we send there, loop: whether our own sends come back to us. */
int vx_join_group(const char *name, const struct sockaddr_storage *group, int fd, int ifindex, int ttl,
		  int loop);

/* The table's entries, a line each, to line(ctx, text) (vxlan/print). */
struct vxlan_table;
void vx_list_table(const struct vxlan_table *t, void (*line)(void *ctx, const char *text), void *ctx);

#endif
