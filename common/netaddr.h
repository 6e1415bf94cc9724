/* netaddr.h - socket addresses as users write them: "/path" (a unix
 * socket), "HOST:PORT", "[V6ADDR]:PORT", for stream:// and the switch's
 * --qemu-stream. */
#ifndef VDE_NETADDR_H
#define VDE_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct netaddr {
	struct sockaddr_storage ss;
	socklen_t len;
	int family;   /* AF_UNIX, AF_INET, AF_INET6 */
};

/* "HOST:PORT", "[V6]:PORT" or "PORT", split in place; *host is NULL
 * when absent or empty.  -1 for an unclosed '['. */
int netaddr_split(char *s, char **host, char **port);
/* Resolve text for socktype; passive: for bind (an empty host is any
 * address).  0, or -1 with a one-line reason in err. */
int netaddr_parse(const char *text, int socktype, int passive, struct netaddr *a, char *err,
		  size_t errsize);
/* "unix /path", "tcp 127.0.0.1:5555": for messages and port/print. */
void netaddr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

#endif
