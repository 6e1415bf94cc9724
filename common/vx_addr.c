/* vx_addr.c - what the VXLAN kinds (vep_vxlan.c, vep_vxvde.c) share:
 * their numeric options, IP addresses without a port, multicast groups. */
#include "vx_addr.h"
#include "log.h"
#include "util.h"
#include "vxlan.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int vx_known_opts(const char *name, const struct vnl *v, const char *const *keys)
{
	for (int i = 0; i < v->nopt; i++) {
		int known = 0;
		for (const char *const *k = keys; *k && !known; k++)
			known = strcmp(*k, v->opt[i].key) == 0;
		if (!known) {
			log_err("%s: unknown option '%s'", name, v->opt[i].key);
			return -1;
		}
	}
	return 0;
}

long vx_num_opt(const char *name, const struct vnl *v, const char *key, long def, long min, long max,
		    int *err)
{
	const char *s = vnl_get(v, key);
	long n;

	if (!s)
		return def;
	if (parse_long(s, min, max, &n) < 0) {
		log_err("%s: %s=%s: not a number in %ld..%ld", name, key, s, min, max);
		*err = 1;
	}
	return n;
}

/* An IP address (no port) of family fam (AF_UNSPEC: either) into ss. */
int vx_ip_addr(const char *name, const char *what, const char *s, int fam, in_port_t port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_family = fam, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST }, *res;
	char host[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(s);

	if (n >= sizeof(host)) {
		log_err("%s: %s '%.60s': not an IP address", name, what, s);
		return -1;
	}
	strcpy(host, s);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') { /* [v6] */
		host[n - 1] = 0;
		memmove(host, host + 1, n - 1);
	}
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		log_err("%s: %s '%.60s': not an IP address%s", name, what, s,
			fam == AF_INET ? " (IPv4 here)" : fam == AF_INET6 ? " (IPv6 here)" : "");
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = port;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = port;
	return 0;
}

int vx_is_multicast(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return IN_MULTICAST(ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr));
	return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int vx_join_group(const char *name, const struct sockaddr_storage *group, int fd, int ifindex, int ttl, int loop)
{
	

	if (group->ss_family == AF_INET) {
		struct ip_mreqn mr = { .imr_multiaddr = ((const struct sockaddr_in *)group)->sin_addr,
				       .imr_ifindex = ifindex };
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop)) < 0) {
			log_err("%s: join the multicast group:", name);
			return -1;
		}
		return 0;
	}
	struct ipv6_mreq mr6 = { .ipv6mr_multiaddr = ((const struct sockaddr_in6 *)group)->sin6_addr,
				 .ipv6mr_interface = (unsigned)ifindex };
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr6, sizeof(mr6)) < 0 ||
	    (ifindex && setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop)) < 0) {
		log_err("%s: join the multicast group:", name);
		return -1;
	}
	return 0;
}


struct list_ctx {
	void (*line)(void *ctx, const char *text);
	void *ctx;
};

static void list_one(void *ctx, const struct vxlan_entry *en, uint64_t age_ms)
{
	struct list_ctx *l = ctx;
	char buf[128];

	vxlan_entry_str(en, age_ms, buf, sizeof(buf));
	l->line(l->ctx, buf);
}

void vx_list_table(const struct vxlan_table *t, void (*line)(void *ctx, const char *text), void *ctx)
{
	struct list_ctx l = { line, ctx };

	vxlan_foreach(t, now_ms(), list_one, &l);
}
