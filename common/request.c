/* request.c - control handshake, both sides (spec §1.2-1.6). */
#include "request.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

enum req_status req_parse(const void *buf, size_t len, struct vde_req *out)
{
	const uint8_t *p = buf;
	size_t hdr, i, n;
	uint32_t type, version;

	if (len < 4)
		return REQ_SHORT;
	if (get_le32(p) != VDE_SWITCH_MAGIC)
		return REQ_BAD_MAGIC;
	if (len < 8)
		return REQ_SHORT;
	version = get_le32(p + 4);
	if (version == VDE_REQ_VERSION) {
		hdr = VDE_REQ_V3_LEN;
		if (len < hdr)
			return REQ_SHORT;
		type = get_le32(p + 8);
		memcpy(&out->addr, p + 12, sizeof(out->addr));
		out->version = 3;
	} else if (version <= 1) { /* v1: offset 4 is the type itself */
		hdr = VDE_REQ_V1_LEN;
		if (len < hdr)
			return REQ_SHORT;
		type = version;
		memcpy(&out->addr, p + 14, sizeof(out->addr));
		out->version = 1;
	} else {
		return REQ_BAD_VERSION;
	}
	out->kind = (int)(type & 0xff);
	out->port = type >> 8;
	if (out->kind != VDE_REQ_NEW_CONTROL && out->kind != VDE_REQ_NEW_PORT0)
		return REQ_BAD_KIND;
	if (out->addr.sun_family != AF_UNIX)
		return REQ_BAD_FAMILY;
	/* The description: free text up to the first NUL, made printable. */
	n = len - hdr;
	if (n > sizeof(out->descr) - 1)
		n = sizeof(out->descr) - 1;
	for (i = 0; i < n && p[hdr + i]; i++) {
		uint8_t c = p[hdr + i];
		out->descr[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	out->descr[i] = 0;
	/* Ours: an offer after the description's NUL. */
	out->ext = 0;
	if (i < n && len - (hdr + i + 1) >= sizeof(struct vde_ext) &&
	    get_le32(p + hdr + i + 1) == VDE_EXT_MAGIC)
		out->ext = get_le32(p + hdr + i + 5);
	return REQ_OK;
}

const char *req_strerror(enum req_status st)
{
	switch (st) {
	case REQ_OK: return "ok";
	case REQ_SHORT: return "request too short";
	case REQ_BAD_MAGIC: return "bad magic (not a VDE request, or unsupported v0)";
	case REQ_BAD_VERSION: return "unsupported request version";
	case REQ_BAD_KIND: return "bad request type";
	case REQ_BAD_FAMILY: return "data socket address is not AF_UNIX";
	}
	return "?";
}

size_t req_build(void *buf, unsigned int kind, unsigned int port,
		 const struct sockaddr_un *addr, const char *descr)
{
	return req_build_ext(buf, kind, port, addr, descr, 0);
}

size_t req_build_ext(void *buf, unsigned int kind, unsigned int port,
		     const struct sockaddr_un *addr, const char *descr, unsigned ext)
{
	const size_t room = VDE_REQ_MAX - VDE_REQ_V3_LEN - 1 - sizeof(struct vde_ext);
	uint8_t *p = buf;
	size_t n = descr ? strlen(descr) : 0;

	if (n > VDE_DESCR_MAX)
		n = VDE_DESCR_MAX;
	if (ext && n > room)
		n = room;
	if (ext) {
		p[VDE_REQ_V3_LEN + n] = 0;
		put_le32(p + VDE_REQ_V3_LEN + n + 1, VDE_EXT_MAGIC);
		put_le32(p + VDE_REQ_V3_LEN + n + 5, ext);
	}
	put_le32(p, VDE_SWITCH_MAGIC);
	put_le32(p + 4, VDE_REQ_VERSION);
	put_le32(p + 8, (kind & 0xff) | (port << 8));
	memcpy(p + 12, addr, sizeof(*addr));
	if (n)
		memcpy(p + VDE_REQ_V3_LEN, descr, n);
	return VDE_REQ_V3_LEN + n + (ext ? 1 + sizeof(struct vde_ext) : 0);
}

size_t req_reply_build(void *buf, const struct sockaddr_un *sa, unsigned grant)
{
	uint8_t *p = buf;

	memcpy(p, sa, sizeof(*sa));
	if (!grant)
		return sizeof(*sa);
	put_le32(p + sizeof(*sa), VDE_EXT_MAGIC);
	put_le32(p + sizeof(*sa) + 4, grant);
	return sizeof(*sa) + sizeof(struct vde_ext);
}

/* ---- client side ---- */

static int fill_sun(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/* Resolve the control socket: DIR/ctl for a directory, the path itself
 * for a VDE1-style plain socket file. */
static int find_ctl(const char *sock, char *ctl, size_t size)
{
	static const char *const defaults[] = {
		"/var/run/vde.ctl/ctl", "/tmp/vde.ctl/ctl", "/tmp/vde.ctl",
	};
	struct stat st;
	size_t i;

	if (sock) {
		if (stat(sock, &st) < 0) {
			log_err("switch %s:", sock);
			return -1;
		}
		if (S_ISDIR(st.st_mode))
			snprintf(ctl, size, "%s/ctl", sock);
		else
			snprintf(ctl, size, "%s", sock);
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(defaults); i++) {
		if (stat(defaults[i], &st) == 0 && S_ISSOCK(st.st_mode)) {
			snprintf(ctl, size, "%s", defaults[i]);
			return 0;
		}
	}
	log_err("no switch found at /var/run/vde.ctl or /tmp/vde.ctl (start one with vde_switch)");
	return -1;
}

/* bind() creates the socket file with mode 0777 & ~umask and the group
 * fsgid (unless the directory is setgid), so both are final before the
 * name exists: there is no moment at which a symlink swapped in could
 * redirect a chmod or chown (issue 17).  setfsgid works for root and
 * for our own real/effective/saved gid. */
int unix_bind_born(int fd, const struct sockaddr_un *sa, mode_t mode, int has_gid, gid_t gid)
{
	mode_t old_mask = umask((mode_t)(~mode & 0777));
	gid_t old_fsgid = 0;
	int fsgid_ok = 0, r, err;
	struct stat st;

	if (has_gid) {
		old_fsgid = (gid_t)setfsgid(gid);
		fsgid_ok = (gid_t)setfsgid(gid) == gid; /* returns the fsgid now */
	}
	r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	if (has_gid)
		setfsgid(old_fsgid);
	umask(old_mask);
	if (r < 0) {
		errno = err;
		return -1;
	}
	if (!has_gid || (fsgid_ok && lstat(sa->sun_path, &st) == 0 && st.st_gid == gid))
		return 0;
	/* setfsgid was refused (a supplementary group of an unprivileged
	 * user) or a setgid directory overrode it.  lchown never follows a
	 * symlink, and without privilege it only succeeds on a file we own
	 * and to a group we are in: a name swapped in meanwhile cannot make
	 * us give anybody a file they could not already change. */
	if (lchown(sa->sun_path, (uid_t)-1, gid) < 0) {
		err = errno;
		unlink(sa->sun_path);
		errno = err;
		return -2;
	}
	return 0;
}

/* May we give a file of ours this group?  Root may; others only their
 * own groups. */
static int may_use_group(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (geteuid() == 0 || getegid() == gid || getgid() == gid)
		return 1;
	n = getgroups((int)ARRAY_LEN(groups), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* The mode and group our data socket is born with.  The switch may run
 * as another user: it must be able to connect to us (libvdeplug's rule:
 * share the switch's group when we can, else open to everybody). */
struct perm {
	mode_t mode;
	int has_gid;
	gid_t gid;
};

static int plan_perm(const char *ctl, const struct vde_open_opts *o, struct perm *p)
{
	struct stat st;

	p->mode = o->mode ? o->mode : 0700;
	p->has_gid = 0;
	if (o->group) {
		if (parse_group(o->group, &p->gid) < 0) {
			log_err("unknown group '%s'", o->group);
			return -1;
		}
		p->has_gid = 1;
		p->mode |= 0060;
	} else if ((p->mode & 077) == 0 && stat(ctl, &st) == 0 && st.st_uid != 0 &&
		   st.st_uid != geteuid()) {
		if (may_use_group(st.st_gid)) {
			p->has_gid = 1;
			p->gid = st.st_gid;
			p->mode |= 0060;
		} else {
			p->mode |= 0066;
		}
	}
	return 0;
}

/* Bind our data socket next to the control socket, like libvdeplug, so
 * a switch in another mount or user can reach it; fall back to /tmp. */
static int bind_data(int fd, const char *ctl, const struct perm *perm, struct sockaddr_un *me)
{
	char dir[sizeof(me->sun_path) + 16];
	const char *dirs[] = { dir, "/var/run", "/tmp" };
	static int seq;
	size_t i;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", ctl);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	for (i = 0; i < ARRAY_LEN(dirs); i++) {
		for (int tries = 0; tries < 1000; tries++) {
			char path[sizeof(me->sun_path) + 32];
			int r;
			snprintf(path, sizeof(path), "%s/.%05d-%05d", dirs[i], (int)getpid(), seq++);
			if (fill_sun(me, path) < 0)
				break;
			r = unix_bind_born(fd, me, perm->mode, perm->has_gid, perm->gid);
			if (r == 0)
				return 0;
			if (r == -2) {
				log_err("give data socket %s group %u:", path, (unsigned)perm->gid);
				return -1;
			}
			if (errno != EADDRINUSE)
				break;
		}
	}
	log_err("bind data socket near %s:", ctl);
	return -1;
}

static void make_descr(char *out, size_t size, const char *descr)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *ssh = getenv("SSH_CLIENT");
	int n;

	/* vdeplug4's format: "DESCR user=NAME pid=N[ SSH=IP]" */
	if (pw)
		n = snprintf(out, size, "%s user=%s pid=%d", descr && *descr ? descr : "vdeplug:",
			     pw->pw_name, (int)getpid());
	else
		n = snprintf(out, size, "%s user=%u pid=%d", descr && *descr ? descr : "vdeplug:",
			     (unsigned)geteuid(), (int)getpid());
	if (ssh && n > 0 && (size_t)n < size) {
		char ip[64];
		snprintf(ip, sizeof(ip), "%s", ssh);
		ip[strcspn(ip, " ")] = 0;
		snprintf(out + n, size - (size_t)n, " SSH=%s", ip);
	}
}

/* The reply, and the ext a switch of ours sends in the same write (one
 * recv takes both: a stream socket hands over one write whole when the
 * buffer has room). */
struct reply_ext {
	struct sockaddr_un sa;
	struct vde_ext ext; /* packed: right after the 110 bytes */
};
_Static_assert(sizeof(struct reply_ext) == VDE_REPLY_LEN + sizeof(struct vde_ext), "reply + ext");

static ssize_t recv_reply(int fd, struct reply_ext *reply, int timeout_ms)
{
	size_t got = 0;

	while (got < sizeof(reply->sa)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t n = recv(fd, (char *)reply + got, sizeof(*reply) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int vde_open(const struct vde_open_opts *o, int *ctlp, int *datap)
{
	char ctl[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	char descr[VDE_DESCR_MAX + 1];
	uint8_t req[VDE_REQ_MAX];
	struct sockaddr_un ctl_sa, me;
	struct reply_ext reply;
	struct perm perm;
	int ctlfd = -1, datafd = -1;
	ssize_t n;
	size_t len;

	if (find_ctl(o->sock, ctl, sizeof(ctl)) < 0)
		return -1;
	if (fill_sun(&ctl_sa, ctl) < 0) {
		log_err("switch socket path too long: %s", ctl);
		return -1;
	}
	datafd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ctlfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (datafd < 0 || ctlfd < 0) {
		log_err("socket:");
		goto fail;
	}
	if (plan_perm(ctl, o, &perm) < 0 || bind_data(datafd, ctl, &perm, &me) < 0)
		goto fail;
	if (connect(ctlfd, (struct sockaddr *)&ctl_sa, sizeof(ctl_sa)) < 0) {
		if (errno == EACCES)
			log_err("connect %s: Permission denied (the switch's -m MODE and -g GROUP "
				"decide who may connect, e.g. vde_switch -m 0660 -g GROUP)", ctl);
		else if (errno == ECONNREFUSED)
			log_err("connect %s: Connection refused (a stale socket: no switch runs there)", ctl);
		else
			log_err("connect %s:", ctl);
		goto fail_unlink;
	}
	make_descr(descr, sizeof(descr), o->descr);
	len = req_build_ext(req, o->port == VDE_PORT0 ? VDE_REQ_NEW_PORT0 : VDE_REQ_NEW_CONTROL,
			    o->port > 0 ? (unsigned int)o->port : 0, &me, descr, o->ext);
	if (write_all(ctlfd, req, len) < 0) {
		log_err("send request to %s:", ctl);
		goto fail_unlink;
	}
	n = recv_reply(ctlfd, &reply, o->timeout_ms > 0 ? o->timeout_ms : 10000);
	if (n < 0) {
		log_err("no reply from switch %s:", ctl);
		goto fail_unlink;
	}
	if (n < (ssize_t)sizeof(reply.sa)) {
		if (o->port)
			log_err("switch %s refused port %d (busy with another user, out of range, or not permitted)",
				ctl, o->port == VDE_PORT0 ? 0 : o->port);
		else
			log_err("switch %s refused the connection (no free port, or permission denied)", ctl);
		goto fail_unlink;
	}
	if (o->granted) /* only what was offered: a reply is not a request */
		*o->granted = n == (ssize_t)sizeof(reply) && get_le32((const uint8_t *)&reply.ext.magic) == VDE_EXT_MAGIC
			? get_le32((const uint8_t *)&reply.ext.flags) & o->ext : 0;
	if (connect(datafd, (struct sockaddr *)&reply.sa, sizeof(reply.sa)) < 0) {
		log_err("connect data socket %.108s:", reply.sa.sun_path);
		goto fail_unlink;
	}
	/* The switch is connected to us already: the name is no longer
	 * needed, and unlinking now leaves no stale file if we are killed. */
	unlink(me.sun_path);
	*ctlp = ctlfd;
	*datap = datafd;
	return 0;
fail_unlink:
	unlink(me.sun_path);
fail:
	if (ctlfd >= 0)
		close(ctlfd);
	if (datafd >= 0)
		close(datafd);
	return -1;
}
