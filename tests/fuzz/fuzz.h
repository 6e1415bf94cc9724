/* fuzz.h - shared by the libFuzzer harnesses in tests/fuzz/.
 *
 * An invariant that fails is a finding like a sanitizer report: print
 * what was expected and abort(), so libFuzzer saves the input as a crash
 * and `tests/fuzz/run` fails.  The message goes where sanitizer reports
 * go, so it survives -close_fd_mask=2 (the noisy targets' stderr closed
 * to keep the switch's log lines from slowing the fuzzing down). */
#ifndef VDE_FUZZ_H
#define VDE_FUZZ_H

#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                               \
	do {                                                                \
		if (!(cond)) {                                              \
			char fuzz_msg_[1024];                               \
			int fuzz_n_ = snprintf(fuzz_msg_, sizeof(fuzz_msg_),\
				"%s:%d: invariant failed: %s: ", __FILE__,  \
				__LINE__, #cond);                           \
			if (fuzz_n_ > 0 && (size_t)fuzz_n_ < sizeof(fuzz_msg_)) \
				snprintf(fuzz_msg_ + fuzz_n_,               \
					 sizeof(fuzz_msg_) - (size_t)fuzz_n_, \
					 __VA_ARGS__);                      \
			__sanitizer_report_error_summary(fuzz_msg_);        \
			abort();                                            \
		}                                                           \
	} while (0)

/* Consume input bytes front to back; past the end reads as zero, so a
 * harness never has to special-case a short input. */
struct fuzz_in {
	const uint8_t *p;
	size_t len;
};

static inline int fuzz_more(const struct fuzz_in *in) { return in->len > 0; }

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->p++;
}

static inline unsigned fuzz_u16(struct fuzz_in *in)
{
	unsigned hi = fuzz_u8(in);
	return hi << 8 | fuzz_u8(in);
}

/* memcmp(a, b, n) == 0 and memmem() for the harnesses' own checks.
 * libFuzzer hooks the libc ones to learn the bytes a parser compares
 * input with: for a harness's checks that is a cost per call (a tenth of
 * the time in some) that teaches it only the model's expected bytes. */
/* glibc 2.35's (vectorised, and neither libFuzzer nor ASan hooks it) */
extern int __memcmpeq(const void *a, const void *b, size_t n) __attribute__((weak));

static inline int fuzz_eq(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	uint64_t x, y;

	if (__memcmpeq)
		return __memcmpeq(a, b, n) == 0;
	for (; n >= 8; p += 8, q += 8, n -= 8) {
		__builtin_memcpy(&x, p, 8);
		__builtin_memcpy(&y, q, 8);
		if (x != y)
			return 0;
	}
	for (; n > 0; n--)
		if (*p++ != *q++)
			return 0;
	return 1;
}

static inline const void *fuzz_memmem(const void *h, size_t hn, const void *nd, size_t nn)
{
	const uint8_t *p = h, *end = p + hn, *first;

	if (nn == 0)
		return h;
	while ((size_t)(end - p) >= nn && (first = __builtin_memchr(p, *(const uint8_t *)nd, (size_t)(end - p) - nn + 1))) {
		if (fuzz_eq(first, nd, nn))
			return first;
		p = first + 1;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
