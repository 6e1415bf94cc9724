/* netaddr.c - socket addresses from text (see netaddr.h). */
#include "netaddr.h"
#include "util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

int netaddr_split(char *s, char **host, char **port)
{
	char *colon = strrchr(s, ':');

	*host = NULL;
	*port = s;
	if (!colon)
		return 0;
	*colon = 0;
	*port = colon + 1;
	if (s[0] == '[') {
		size_t n = strlen(s);
		if (n < 2 || s[n - 1] != ']')
			return -1;
		s[n - 1] = 0;
		s++;
	}
	*host = *s ? s : NULL;
	return 0;
}

static int unix_addr(const char *path, struct netaddr *a, char *err, size_t errsize)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&a->ss;
	size_t n = strlen(path);

	if (n >= sizeof(un->sun_path)) {
		snprintf(err, errsize, "socket path longer than %zu bytes", sizeof(un->sun_path) - 1);
		return -1;
	}
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, path, n);
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	a->family = AF_UNIX;
	return 0;
}

int netaddr_parse(const char *text, int socktype, int passive, struct netaddr *a, char *err,
		  size_t errsize)
{
	struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = AI_NUMERICSERV }, *res;
	char buf[512], *host, *port;
	long n;
	int r;

	memset(a, 0, sizeof(*a));
	if (text[0] == '/' || text[0] == '.')
		return unix_addr(text, a, err, errsize);
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errsize, "address too long");
		return -1;
	}
	strcpy(buf, text);
	if (netaddr_split(buf, &host, &port) < 0 || (!host && !passive)) {
		snprintf(err, errsize, "expected /PATH, HOST:PORT or [IPV6]:PORT");
		return -1;
	}
	if (parse_long(port, 1, 65535, &n) < 0) {
		snprintf(err, errsize, "bad port '%.40s' (1..65535)", port);
		return -1;
	}
	if (passive)
		hints.ai_flags |= AI_PASSIVE;
	if ((r = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errsize, "%.100s: %s", host ? host : "any address", gai_strerror(r));
		return -1;
	}
	memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	a->family = res->ai_family;
	freeaddrinfo(res);
	return 0;
}

void netaddr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)sa;
		size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (n == 0 || un->sun_path[0] == 0)
			snprintf(buf, size, "unix (unnamed)");
		else
			snprintf(buf, size, "unix %.*s", (int)strnlen(un->sun_path, n), un->sun_path);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, size, "tcp %s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, size, "tcp [%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "family %d", sa->sa_family);
	}
}
