# vde - one multi-call binary.  GNU make, libc only.
#
#   make            build ./vde (and symlinks in build/bin for trying it)
#   make run        a switch on the default socket /tmp/vde.ctl
#   make test       unit + end-to-end + interop tests, then again under ASan
#   make asan       build/asan/vde with -fsanitize=address,undefined
#   make static     static binary (musl-gcc when available)
#   make bench      side-by-side benchmark against Debian's vde_switch
#   make fuzz       bounded fuzzing runs (clang/libFuzzer)
#   make install PREFIX=/usr/local DESTDIR=
#                   the binary, its symlinks, the manual pages
#   make install-extras   systemd unit, ifupdown hook, bash completion

VERSION  := 0.1
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC       ?= cc
CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -DVDE_VERSION='"$(VERSION)"' -I.
LDFLAGS  ?=

SRCS := vde.c $(wildcard common/*.c) $(wildcard applets/*.c) $(wildcard applets/switch/*.c)
HDRS := $(wildcard common/*.h) $(wildcard applets/*.h) $(wildcard applets/switch/*.h)
# The binary "make install" installs: ./vde, or another build
# (VDE_BIN=build/asan/vde: the suite installs the binary under test).
# The symlinks are what it says it has: "vde --list".
VDE_BIN ?= vde

B ?= build/default
OBJS := $(SRCS:%.c=$(B)/%.o)

.PHONY: all run test unit asan static install uninstall install-extras uninstall-extras bench fuzz clean

all: vde build/bin/.links

# copy then rename: a running ./vde ("Text file busy") is not in the way
vde: $(B)/vde
	cp $< $@.tmp && mv -f $@.tmp $@

$(B)/vde: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS)

# -MMD -MP: each object learns the headers it includes (build/.../X.d)
$(B)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d)

build/bin/.links: vde
	@mkdir -p build/bin
	@for l in $$(./vde --list); do ln -sf ../../vde build/bin/$$l; done
	@touch $@

run: all
	./vde switch

# ---- sanitizer build: same sources, separate objects ----
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
asan:
	$(MAKE) --no-print-directory B=build/asan CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" build/asan/vde

# ---- static: musl when present, else glibc static ----
MUSL := $(shell command -v musl-gcc 2>/dev/null)
static:
	$(MAKE) --no-print-directory B=build/static CC="$(if $(MUSL),musl-gcc,$(CC))" \
		CFLAGS="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector" \
		LDFLAGS="-static -Wl,--gc-sections,--build-id=none -s" build/static/vde
	@size build/static/vde

install: $(VDE_BIN)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(VDE_BIN) $(DESTDIR)$(BINDIR)/vde
	@for l in $$($(abspath $(VDE_BIN)) --list); do ln -sf vde $(DESTDIR)$(BINDIR)/$$l; echo "  $(BINDIR)/$$l -> vde"; done
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	@for l in $$($(abspath $(VDE_BIN)) --list); do rm -f $(DESTDIR)$(BINDIR)/$$l; done
	rm -f $(DESTDIR)$(BINDIR)/vde
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MANPAGES)))

# ---- extras/: what runs vde at boot, and shell completion ----
# The files name the installed binary: @BINDIR@ becomes $(BINDIR).
MANPAGES := $(wildcard man/*.1)
HOOKS := $(DESTDIR)$(SYSCONFDIR)/network/if-pre-up.d/vde $(DESTDIR)$(SYSCONFDIR)/network/if-post-down.d/vde
SUBST = sed 's|@BINDIR@|$(BINDIR)|g'
install-extras: $(VDE_BIN)
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(BASHCOMPDIR) $(dir $(HOOKS))
	$(SUBST) 'extras/vde_switch@.service.in' > '$(DESTDIR)$(SYSTEMDUNITDIR)/vde_switch@.service'
	chmod 0644 '$(DESTDIR)$(SYSTEMDUNITDIR)/vde_switch@.service'
	@for h in $(HOOKS); do $(SUBST) extras/ifupdown-vde.in > $$h && chmod 0755 $$h && echo "  $$h"; done
	$(SUBST) extras/vde.bash-completion.in > $(DESTDIR)$(BASHCOMPDIR)/vde
	chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/vde
	@for l in $$($(abspath $(VDE_BIN)) --list); do ln -sf vde $(DESTDIR)$(BASHCOMPDIR)/$$l; done

uninstall-extras:
	rm -f '$(DESTDIR)$(SYSTEMDUNITDIR)/vde_switch@.service' $(HOOKS) $(DESTDIR)$(BASHCOMPDIR)/vde
	@for l in $$($(abspath $(VDE_BIN)) --list); do rm -f $(DESTDIR)$(BASHCOMPDIR)/$$l; done

# ---- tests ----
UNIT_SRCS := $(wildcard tests/unit/*.c) $(wildcard common/*.c) $(wildcard applets/switch/*.c)
build/unit: $(UNIT_SRCS) $(HDRS)
	@mkdir -p build
	$(CC) $(ASAN_FLAGS) $(filter-out -O2,$(CFLAGS)) -o $@ $(UNIT_SRCS) -fsanitize=address,undefined

unit: build/unit
	./build/unit

test: all asan build/unit
	./tests/run

# the benchmark's traffic generator (tests/bench/README)
GEN_SRCS := tests/bench/vdegen.c common/request.c common/log.c common/util.c
build/vdegen: $(GEN_SRCS) $(HDRS)
	@mkdir -p build
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(GEN_SRCS)
# many idle endpoints from one process, for the scale rows
MANY_SRCS := tests/bench/vdemany.c common/request.c common/log.c common/util.c
build/vdemany: $(MANY_SRCS) $(HDRS)
	@mkdir -p build
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(MANY_SRCS)

bench: all build/vdegen build/vdemany
	./tests/bench/run

fuzz:
	./tests/fuzz/run

clean:
	rm -rf build vde
