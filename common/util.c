/* util.c - checked parsing and fd helpers. */
#include "util.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_mode(const char *s, mode_t *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 07777)
		return -1;
	*out = (mode_t)v;
	return 0;
}

int parse_group(const char *s, gid_t *out)
{
	struct group *gr;
	long v;

	if (parse_long(s, 0, 0x7fffffff, &v) == 0) {
		*out = (gid_t)v;
		return 0;
	}
	gr = getgrnam(s);
	if (!gr)
		return -1;
	*out = gr->gr_gid;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "00:ff:0a:..." with ':', '.' or '-' between one- or two-digit bytes.
 * By hand: sscanf would add 12 KB to a static build. */
int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(*s++), lo;
		if (hi < 0)
			return -1;
		lo = hexval(*s);
		if (lo >= 0) {
			hi = hi * 16 + lo;
			s++;
		}
		mac[i] = (uint8_t)hi;
		if (i < 5 && *s != ':' && *s != '.' && *s != '-')
			return -1;
		if (i < 5)
			s++;
	}
	return *s ? -1 : 0;
}

int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A pid file left by a dead process is stale and replaced; one naming a
 * live process, or anything that is not a regular file, is refused.
 * O_EXCL + O_NOFOLLOW: never overwrite or follow somebody else's file;
 * O_NONBLOCK: a FIFO planted at the path cannot make us wait. */
static int pidfile_stale(const char *path)
{
	char buf[32];
	struct stat st = { 0 };
	long pid = 0;
	ssize_t n = -1;
	int rfd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (rfd < 0) {
		log_err("pidfile %s exists and cannot be read:", path);
		return -1;
	}
	if (fstat(rfd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(rfd, buf, sizeof(buf) - 1);
	close(rfd);
	if (!S_ISREG(st.st_mode)) {
		log_err("pidfile %s is not a regular file; not touching it", path);
		return -1;
	}
	if (n > 0) {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		if (parse_long(buf, 1, 0x7fffffff, &pid) < 0)
			pid = 0;
	}
	if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
		log_err("pidfile %s: process %ld is still running", path, pid);
		return -1;
	}
	if (pid == 0) {
		log_err("pidfile %s exists and holds no pid; not touching it", path);
		return -1;
	}
	log_warn("removing stale pidfile %s (pid %ld is gone)", path, pid);
	unlink(path);
	return 0;
}

int pidfile_create(const char *path)
{
	for (int tries = 0; tries < 2; tries++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST) {
			log_err("create pidfile %s:", path);
			return -1;
		}
		if (pidfile_stale(path) < 0)
			return -1;
	}
	log_err("create pidfile %s: somebody keeps creating it", path);
	return -1;
}

int pidfile_fill(int fd, const char *path)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write_all(fd, buf, strlen(buf)) < 0) {
		log_err("write pidfile %s:", path);
		return -1;
	}
	return 0;
}

int pidfile_write(const char *path)
{
	int fd = pidfile_create(path);

	if (fd < 0)
		return -1;
	if (pidfile_fill(fd, path) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* Collapse "//", drop "/." components and trailing slashes, in place.
 * "/tmp/x/" and "/tmp/x/." must name the entry x itself, so that a
 * later O_NOFOLLOW sees x when it is a symlink. */
static void path_tidy(char *p)
{
	char *out = p;
	const char *in = p;

	while (*in) {
		if (in[0] == '/' && (in[1] == '/' || (in[1] == '.' && (in[2] == '/' || !in[2])))) {
			in += in[1] == '/' ? 1 : 2;
			continue;
		}
		*out++ = *in++;
	}
	*out = 0;
	while (out > p + 1 && out[-1] == '/')
		*--out = 0;
}

/* Would following a symlink on the way let another user choose where
 * we end up?  Every prefix of the (tidied) directory part that is a
 * symlink must be root's or ours, as fs.protected_symlinks demands in
 * sticky directories. */
static int foreign_link(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return 0; /* realpath() will say */
	for (size_t i = 1; i <= n; i++) {
		if (dir[i] != '/' && dir[i] != 0)
			continue;
		memcpy(p, dir, i);
		p[i] = 0;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid != 0 && st.st_uid != geteuid())
			return 1;
	}
	return 0;
}

char *path_settle(const char *path, const char **why)
{
	char cwd[PATH_MAX], real[PATH_MAX], *p, *name, *out;
	size_t n;

	*why = NULL;
	if (!*path)
		return errno = ENOENT, NULL;
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return NULL;
	n = (path[0] == '/' ? 0 : strlen(cwd) + 1) + strlen(path) + 1;
	if (!(p = malloc(n)))
		return NULL;
	snprintf(p, n, "%s%s%s", path[0] == '/' ? "" : cwd, path[0] == '/' ? "" : "/", path);
	path_tidy(p);
	if (!*p)
		strcpy(p, "/"); /* "/." */
	name = strrchr(p, '/') + 1;
	if (!*name || !strcmp(name, "..")) {
		*why = "name an entry (not / or a path ending in ..)";
		free(p);
		return errno = EINVAL, NULL;
	}
	name[-1] = 0;
	if (foreign_link(p)) {
		*why = "a symbolic link on the way belongs to another user";
		free(p);
		return errno = EPERM, NULL;
	}
	if (!realpath(*p ? p : "/", real)) {
		free(p);
		return NULL;
	}
	n = strlen(real) + strlen(name) + 2;
	if ((out = malloc(n)))
		snprintf(out, n, "%s/%s", strcmp(real, "/") ? real : "", name);
	free(p);
	return out;
}
