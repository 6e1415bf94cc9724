/* path_test.c - path_settle() (common/util.c) and log_esc() (common/log.c):
 * "-s /tmp/x/" must name the entry x, and logged outside text must come
 * out printable. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

/* path_settle(in) equals want (NULL: refused). */
static int settles(const char *in, const char *want)
{
	const char *why;
	char *got = path_settle(in, &why);
	int ok = want ? got && strcmp(got, want) == 0 : got == NULL;

	if (!ok)
		printf("  path_settle(\"%s\") = \"%s\", want \"%s\"\n", in, got ? got : "(null)",
		       want ? want : "(null)");
	free(got);
	return ok;
}

TEST(path_settle_tidies)
{
	CHECK(settles("/tmp/x/", "/tmp/x"));
	CHECK(settles("/tmp/x/.", "/tmp/x"));
	CHECK(settles("/tmp/x//", "/tmp/x"));
	CHECK(settles("//tmp//x", "/tmp/x"));
	CHECK(settles("/tmp/./x/./", "/tmp/x"));
	CHECK(settles("/tmp/.x", "/tmp/.x"));
	CHECK(settles("/tmp/x..", "/tmp/x.."));
	CHECK(settles("/x", "/x"));
	CHECK(settles("/tmp/../tmp/x", "/tmp/x")); /* ".." inside: resolved by realpath */
}

TEST(path_settle_refuses)
{
	CHECK(settles("/", NULL));
	CHECK(settles("/.", NULL));
	CHECK(settles("//", NULL));
	CHECK(settles("/tmp/..", NULL));
	CHECK(settles("", NULL));
	CHECK(settles("/nonexistent-dir-of-vde-tests/x", NULL));
}

TEST(log_esc_escapes)
{
	char b[LOG_ESC_SIZE(16)];

	CHECK(strcmp(log_esc(b, sizeof(b), "a\nb", 3), "a\\x0ab") == 0);
	CHECK(strcmp(log_esc(b, sizeof(b), "\\\x1b\x9b", 3), "\\x5c\\x1b\\x9b") == 0);
	CHECK(strcmp(log_esc(b, sizeof(b), "ab\0cd", 5), "ab") == 0); /* up to a NUL */
	CHECK(strcmp(log_esc(b, sizeof(b), "abc", 2), "ab") == 0);     /* up to len */
	CHECK(strcmp(log_esc(b, 6, "\n\n\n", 3), "\\x0a") == 0);       /* truncated whole */
	CHECK(strcmp(log_esc(b, 1, "abc", 3), "") == 0);
}
