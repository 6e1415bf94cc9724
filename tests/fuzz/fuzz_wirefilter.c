/* fuzz_wirefilter.c - the wirefilter console (applets/wirefilter_cmd.c)
 * and the value parser and frame engine under it (common/impair.c).
 *
 * Input layout: records, each starting with an op byte (op % 4):
 *   0  a console line: a length byte, then that many bytes (NULs kept,
 *      so the line ends at the first one, as a C string)
 *   1  an option value: a key byte (% IMP_NKEYS; bit 7: the text is a
 *      "NAME=VALUE" word for impair_set_kv), a length byte, text
 *   2  a frame: a direction byte, a length byte (frames of 14..269
 *      bytes), a clock step byte (x 997 us)
 *   3  a clock step: a u16 (x 61 us), then every frame due is popped
 * The clock is the harness's; "load" is refused (an untrusted session),
 * so no input opens a file.
 *
 * Checks:
 *   - each console reply is whole lines, and the last one is a vde2 code
 *     "1NNN text" (1000 on success), or nothing for logout/shutdown and
 *     comments;
 *   - impair_set returns 0 or EINVAL, with a reason on EINVAL; what it
 *     stored is finite and not negative;
 *   - frames come out in (due time, order) order per direction, never
 *     before they are due, with the length they went in with;
 *   - a direction never holds more than its capacity or the default
 *     bound; at the end, after draining, both queues are empty and their
 *     byte counts are zero.
 */
#include "tests/fuzz/fuzz.h"
#include "applets/wirefilter.h"

#include <errno.h>
#include <string.h>

struct reply {
	struct wf_sess s;
	size_t len;
	char buf[1 << 16];
};

static void out(struct wf_sess *s, const char *text, size_t len)
{
	struct reply *r = (struct reply *)s;

	FUZZ_CHECK(len > 0 && text[len - 1] == '\n', "a reply chunk is not a whole line");
	if (r->len + len < sizeof(r->buf)) {
		memcpy(r->buf + r->len, text, len);
		r->len += len;
	}
}

static void check_reply(const struct reply *r, int rc)
{
	const char *last;
	size_t end;

	if (rc < 0 || r->s.logout || r->s.shutdown || r->len >= sizeof(r->buf) - 1)
		return;
	FUZZ_CHECK(r->len > 0, "no reply (rc %d)", rc);
	end = r->len - 1; /* its newline */
	last = r->buf + end;
	while (last > r->buf && last[-1] != '\n')
		last--;
	FUZZ_CHECK(end - (size_t)(last - r->buf) >= 5 && last[0] == '1' && last[4] == ' ',
		   "last reply line is not a code: %.40s", last);
	FUZZ_CHECK((rc == 0) == (strncmp(last, "1000 ", 5) == 0), "code and rc %d differ", rc);
}

static void check_values(const struct impair *im)
{
	for (int n = 0; n < im->nnodes; n++)
		for (int k = 0; k < IMP_NKEYS; k++)
			for (int d = 0; d < 2; d++) {
				const struct impair_val *v = &im->nodes[n].v[k][d];
				FUZZ_CHECK(v->value >= 0 && v->value < 1e14 && v->plus >= 0 &&
					   v->plus < 1e14, "value %g+%g", v->value, v->plus);
				FUZZ_CHECK(v->alg == 'U' || v->alg == 'N', "alg %d", v->alg);
			}
}

struct last { uint64_t when, seq; int any; };

static void drain(struct impair *im, uint64_t now, struct last *l)
{
	for (int d = 0; d < 2; d++) {
		const struct impair_frame *f;
		while ((f = impair_peek(im, d, now))) {
			FUZZ_CHECK(f->when <= now, "a frame before its time");
			FUZZ_CHECK(f->len >= 14 && f->len < 270, "length %zu", f->len);
			if (l[d].any)
				FUZZ_CHECK(f->when > l[d].when || (f->when == l[d].when && f->seq > l[d].seq),
					   "out of order in direction %d", d);
			l[d] = (struct last){ f->when, f->seq, 1 };
			impair_pop(im, d);
		}
	}
}

static void check_bounds(const struct impair *im)
{
	for (int d = 0; d < 2; d++)
		FUZZ_CHECK(im->d[d].q.bytes <= IMPAIR_CAPACITY_MAX + 270u, "queue of %zu bytes",
			   im->d[d].q.bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reply r;
	struct fuzz_in in = { data, size };
	struct impair im;
	struct wf_wire w = { &im, 2 };
	struct last last[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	uint64_t now = 1000000;
	uint8_t frame[270];

	impair_init(&im, 1);
	memset(frame, 0xa5, sizeof(frame));
	while (fuzz_more(&in)) {
		uint8_t op = fuzz_u8(&in) % 4;
		if (op == 0 || op == 1) {
			char text[256];
			uint8_t kb = op == 1 ? fuzz_u8(&in) : 0;
			int key = kb % IMP_NKEYS;
			size_t n = fuzz_u8(&in);
			for (size_t i = 0; i < n; i++)
				text[i] = (char)fuzz_u8(&in);
			text[n] = 0;
			if (op == 0) {
				memset(&r.s, 0, sizeof(r.s));
				r.s.out = out;
				r.len = 0;
				check_reply(&r, wf_command(&w, &r.s, text, now));
			} else {
				char why[160] = "";
				int rc = kb & 0x80 ? impair_set_kv(&im, text, why, sizeof(why)) :
					  impair_set(&im, key, text, why, sizeof(why));
				FUZZ_CHECK(rc == 0 || (rc == EINVAL && why[0]), "impair_set %d '%s'", rc, why);
			}
			check_values(&im);
		} else if (op == 2) {
			int d = fuzz_u8(&in) & 1;
			size_t len = 14 + fuzz_u8(&in);
			now += 997u * fuzz_u8(&in);
			impair_tick(&im, now);
			impair_offer(&im, d, frame, len, now);
			check_bounds(&im);
		} else {
			now += 61u * fuzz_u16(&in);
			impair_tick(&im, now);
			drain(&im, now, last);
		}
	}
	drain(&im, UINT64_MAX - 1, last);
	for (int d = 0; d < 2; d++)
		FUZZ_CHECK(im.d[d].q.n == 0 && im.d[d].q.bytes == 0, "left in the queue");
	impair_free(&im);
	return 0;
}
