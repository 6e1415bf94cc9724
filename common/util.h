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
 * a live one is an error.  Returns 0 or -1 with a logged message. */
int pidfile_write(const char *path);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
