/* util.h - small helpers shared by applets: checked number parsing,
 * fd flags, time. */
#ifndef VDE_UTIL_H
#define VDE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Parse a whole decimal (or 0x hex) number in [min,max]; 0 on success,
 * -1 (and a message in *why) when the text is not such a number. */
int parse_long(const char *s, long min, long max, long *out);
/* Same, for an octal mode 0..07777. */
int parse_mode(const char *s, mode_t *out);
/* Parse a group name or number; -1 if unknown. */
int parse_group(const char *s, gid_t *out);
/* Parse "aa:bb:cc:dd:ee:ff" (or '.' separated); 0 on success. */
int parse_mac(const char *s, uint8_t mac[6]);

int set_nonblock(int fd);
int set_cloexec(int fd);
uint64_t now_ms(void); /* CLOCK_MONOTONIC in milliseconds */

/* Write the whole buffer to a blocking fd, retrying on EINTR and short
 * writes; -1 on error. */
int write_all(int fd, const void *buf, size_t len);
/* Create a pid file exclusively; a file whose pid is dead is replaced,
 * a live one, a FIFO or anything but a regular file is an error.
 * Returns 0 or -1 with a logged message. */
int pidfile_write(const char *path);
/* The same in two steps, for a process that forks in between: create
 * (returns the fd, or -1), then write getpid() into it. */
int pidfile_create(const char *path);
int pidfile_fill(int fd, const char *path);
/* PATH made absolute, with "//", "/." and trailing slashes gone and its
 * directory part resolved by realpath(); the last component stays as
 * given (never ".."), so a caller can refuse it if it is a symlink.  A
 * symlink of another user on the directory part is refused.  malloc()ed;
 * NULL with errno set, and *why set when strerror(errno) would not say
 * what is wrong. */
char *path_settle(const char *path, const char **why);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
