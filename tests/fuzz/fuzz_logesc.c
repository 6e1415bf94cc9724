/* fuzz_logesc.c - log_esc() (common/log.c), which makes outside text
 * (a client's socket path) safe to log.
 *
 * Input layout:
 *   byte 0      the output buffer's size: 0..255
 *   the rest    the text (len = its length; a NUL ends it early)
 *
 * The output goes to a heap buffer of exactly that size, so a write past
 * it is an ASan report.  Checks:
 *   - the output is NUL-terminated inside the buffer (when size > 0);
 *   - it holds printable ASCII only: no newline, CR, ESC or C1 byte can
 *     reach a log;
 *   - decoding every \xNN gives back a prefix of the text (up to its
 *     first NUL), whole characters only, and all of it when size is at
 *     least LOG_ESC_SIZE(len).
 */
#include "tests/fuzz/fuzz.h"
#include "common/log.h"

#include <string.h>

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t bufsize = data[0], len = size - 1;
	const uint8_t *text = data + 1;
	size_t textlen = strnlen((const char *)text, len);
	char *buf = malloc(bufsize ? bufsize : 1);
	uint8_t *dec = malloc(len + 1);
	size_t o = 0, d = 0, outlen;

	FUZZ_CHECK(buf && dec, "out of memory");
	log_esc(buf, bufsize, text, len);
	if (bufsize == 0) {
		free(buf);
		free(dec);
		return 0;
	}
	outlen = strnlen(buf, bufsize);
	FUZZ_CHECK(outlen < bufsize, "output not terminated in %zu bytes", bufsize);
	while (o < outlen) {
		unsigned char c = (unsigned char)buf[o];
		FUZZ_CHECK(c >= 0x20 && c < 0x7f, "byte 0x%02x at %zu of the output", c, o);
		if (c == '\\') {
			FUZZ_CHECK(o + 3 < outlen && buf[o + 1] == 'x' && hexval(buf[o + 2]) >= 0 &&
					   hexval(buf[o + 3]) >= 0,
				   "a broken escape at %zu", o);
			dec[d++] = (uint8_t)(hexval(buf[o + 2]) * 16 + hexval(buf[o + 3]));
			o += 4;
		} else {
			dec[d++] = c;
			o++;
		}
	}
	FUZZ_CHECK(d <= textlen && memcmp(dec, text, d) == 0, "decoded output is not a prefix of the text");
	if (bufsize >= LOG_ESC_SIZE(textlen))
		FUZZ_CHECK(d == textlen, "text cut to %zu of %zu bytes with room for all", d, textlen);
	free(buf);
	free(dec);
	return 0;
}
