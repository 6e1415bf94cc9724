/* fuzz_vnl.c - vnl_parse() (common/vnl.c) against hostile VNLs.
 *
 * Input layout:
 *   byte 0      flags: bit 0 VNL_RAW, bit 1 VNL_SLASH
 *   the rest    the VNL text, up to its first NUL, copied to the very end
 *               of a heap buffer (reading past it is an ASan report)
 *
 * Checks:
 *   - the result is 0 or -1; on -1 the message is non-empty and
 *     terminated inside its buffer;
 *   - on 0: the scheme is vnl_scheme()'s, non-empty and bounded; the
 *     address, every key and value lie in v.buf and end there; keys are
 *     non-empty; at most VNL_OPT_MAX options; a raw address is the text
 *     after "://" byte for byte;
 *   - round trip: the result written back with every special character
 *     escaped parses to the same scheme, address and options.
 */
#include "tests/fuzz/fuzz.h"
#include "common/vnl.h"

#include <string.h>

static int inside(const struct vnl *v, const char *s)
{
	if (s < v->buf || s >= v->buf + sizeof(v->buf))
		return 0;
	return memchr(s, 0, (size_t)(v->buf + sizeof(v->buf) - s)) != NULL;
}

/* Append s escaped; 0 when it does not fit. */
static int esc(char *out, size_t size, size_t *len, const char *s)
{
	for (; *s; s++) {
		int special = strchr("[]/='\"\\%", *s) != NULL;
		if (*len + 2 + (size_t)special >= size)
			return 0;
		if (special)
			out[(*len)++] = '\\';
		out[(*len)++] = *s;
	}
	out[*len] = 0;
	return 1;
}

static int lit(char *out, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 >= size)
		return 0;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return 1;
}

/* The canonical text of v, or 0 when it would be too long. */
static int write_back(const struct vnl *v, unsigned flags, char *out, size_t size)
{
	size_t len = 0;
	int ok = lit(out, size, &len, v->scheme) && lit(out, size, &len, "://");

	if (flags & VNL_RAW)
		return ok && lit(out, size, &len, v->addr) && len <= VNL_MAX;
	ok = ok && esc(out, size, &len, v->addr);
	if (v->nopt)
		ok = ok && lit(out, size, &len, "[");
	for (int i = 0; ok && i < v->nopt; i++) {
		ok = (i == 0 || lit(out, size, &len, "/")) && esc(out, size, &len, v->opt[i].key);
		if (ok && v->opt[i].val)
			ok = lit(out, size, &len, "=") && esc(out, size, &len, v->opt[i].val);
	}
	if (v->nopt)
		ok = ok && lit(out, size, &len, "]");
	return ok && len <= VNL_MAX;
}

static void check_ok(const struct vnl *v, const char *text, unsigned flags)
{
	char scheme[VNL_SCHEME_MAX + 1], err[VNL_ERR_MAX];

	FUZZ_CHECK(memchr(v->scheme, 0, sizeof(v->scheme)) && v->scheme[0], "bad scheme");
	FUZZ_CHECK(vnl_scheme(text, scheme, err, sizeof(err)) == 0 && strcmp(scheme, v->scheme) == 0,
		   "vnl_scheme disagrees: '%s' vs '%s'", scheme, v->scheme);
	FUZZ_CHECK(inside(v, v->addr), "address outside buf");
	FUZZ_CHECK(v->nopt >= 0 && v->nopt <= VNL_OPT_MAX, "nopt %d", v->nopt);
	for (int i = 0; i < v->nopt; i++) {
		FUZZ_CHECK(inside(v, v->opt[i].key) && v->opt[i].key[0], "key %d", i);
		FUZZ_CHECK(!v->opt[i].val || inside(v, v->opt[i].val), "value %d", i);
	}
	if (flags & VNL_RAW) {
		const char *rest = strstr(text, "://");
		FUZZ_CHECK(strcmp(v->addr, rest ? rest + 3 : text) == 0, "raw address changed");
		FUZZ_CHECK(v->nopt == 0, "raw with options");
	}
}

static void check_round_trip(const struct vnl *v, unsigned flags)
{
	static struct vnl w;
	static char text[4 * VNL_MAX];
	char err[VNL_ERR_MAX];

	if (!write_back(v, flags, text, sizeof(text)))
		return;
	FUZZ_CHECK(vnl_parse(text, flags, &w, err, sizeof(err)) == 0, "reparse of '%s': %s", text, err);
	FUZZ_CHECK(strcmp(w.scheme, v->scheme) == 0, "scheme");
	FUZZ_CHECK(strcmp(w.addr, v->addr) == 0, "address '%s' became '%s'", v->addr, w.addr);
	FUZZ_CHECK(w.nopt == v->nopt, "%d options became %d", v->nopt, w.nopt);
	for (int i = 0; i < v->nopt; i++) {
		FUZZ_CHECK(strcmp(w.opt[i].key, v->opt[i].key) == 0, "key %d", i);
		FUZZ_CHECK(!w.opt[i].val == !v->opt[i].val, "value %d present", i);
		FUZZ_CHECK(!v->opt[i].val || strcmp(w.opt[i].val, v->opt[i].val) == 0, "value %d", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vnl v;
	char err[VNL_ERR_MAX];
	unsigned flags;
	size_t n;
	char *text;

	if (size == 0)
		return 0;
	flags = data[0] & 3;
	data++, size--;
	n = strnlen((const char *)data, size);
	text = malloc(n + 1);
	if (!text)
		return 0;
	memcpy(text, data, n);
	text[n] = 0;
	memset(err, 'x', sizeof(err));
	int r = vnl_parse(text, flags, &v, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1, "returned %d", r);
	if (r < 0) {
		FUZZ_CHECK(memchr(err, 0, sizeof(err)) && err[0], "no error message");
	} else {
		check_ok(&v, text, flags);
		check_round_trip(&v, flags);
	}
	free(text);
	return 0;
}
