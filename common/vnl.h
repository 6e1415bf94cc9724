/* vnl.h - Virtual Network Locators, vdeplug4's names for a network:
 *
 *   scheme://address[opt=val/opt2/...]/opt3=val3
 *
 * A string without "://" is "vde://" plus the string.  Options come in
 * brackets after the address and, for schemes that want them (VNL_SLASH),
 * as "/opt=val" suffixes.  An element without '=' is a bare word (for
 * vde:// a port number, "vde:///tmp/sw[5]").  In the address and the
 * options '\' escapes one character, '...' and "..." quote, and %XX is
 * the byte XX, as vdeplug4 reads them.  Schemes flagged VNL_RAW (cmd://,
 * udp:// whose IPv6 addresses have brackets) keep the address verbatim
 * and take no options.
 *
 * Everything is bounded: a VNL longer than VNL_MAX, a scheme longer than
 * VNL_SCHEME_MAX or more than VNL_OPT_MAX options is an error, never cut. */
#ifndef VDE_VNL_H
#define VDE_VNL_H

#include <stddef.h>

#define VNL_MAX 1024
#define VNL_SCHEME_MAX 32
#define VNL_OPT_MAX 16
#define VNL_ERR_MAX 160

enum vnl_flags {
	VNL_RAW = 1,   /* the address is everything after "://", untouched */
	VNL_SLASH = 2, /* the address ends at '/': "/opt=val" options follow */
	VNL_NOPATH = 4, /* with VNL_SLASH: the address is no path, so a first
			   '/' starts the options ("vxlan:///vni=2") */
};

struct vnl_opt {
	const char *key; /* never empty */
	const char *val; /* NULL for a bare word */
};

struct vnl {
	char scheme[VNL_SCHEME_MAX + 1];
	int implicit;       /* no "://" was given: the scheme is vde */
	const char *addr;   /* points into buf */
	int nopt;
	struct vnl_opt opt[VNL_OPT_MAX];
	char buf[VNL_MAX + 1];
};

/* The scheme of text ("vde" when it has no "://"), into scheme[] of
 * VNL_SCHEME_MAX + 1 bytes.  0, or -1 with a reason in err. */
int vnl_scheme(const char *text, char *scheme, char *err, size_t errsize);

/* Parse text (flags as the scheme wants) into *v.  0, or -1 with a
 * one-line reason in err (errsize >= 1). */
int vnl_parse(const char *text, unsigned flags, struct vnl *v, char *err, size_t errsize);

/* The value of option key: NULL when absent, "" for "key" without '='. */
const char *vnl_get(const struct vnl *v, const char *key);

/* Resolve what the user typed into the VNL to open, as vdeplug4 does:
 * empty means ~/.vdeplug/default, else ~/.vde2/default.switch, else the
 * default switch ("vde://"); a name without "://" that is a regular file
 * is read: its first line is the VNL.  0, or -1 with a reason in err. */
int vnl_resolve(const char *text, char *out, size_t outsize, char *err, size_t errsize);

#endif
