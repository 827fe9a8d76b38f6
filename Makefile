# Makefile: dnsd, edge-health and their tools. GNU make.
#
#   make          build every program into build/bin/, and the example's
#                 demo database
#   make run      install missing Debian packages, build, and run the
#                 example: dnsd on 127.0.0.1:5353, edge-health, and local
#                 stand-in edges, in the foreground until Ctrl-C
#   make check    install missing packages, build, run every test
#   make check SAN=address,undefined CC=clang     the same under sanitizers

# `make install [DESTDIR=/staging] [PREFIX=/usr]`: the daemons and their
# tools into SBINDIR, documentation and example configurations into
# DOCDIR, systemd units into UNITDIR and their users into SYSUSERSDIR.
# Nothing is written to /etc: copy DOCDIR/examples/*.yaml to /etc/dnsd.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
DOCDIR     ?= $(PREFIX)/share/doc/dnsd
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
PKG_CONFIG ?= pkg-config
WERROR     ?= 1
SAN        ?=
O          ?= build$(if $(SAN),-san)

# Debian packages: what building and running needs, and what the tests add.
RUN_PKGS   := build-essential pkg-config libldns-dev libmaxminddb-dev \
              libevent-dev libyaml-dev libssl-dev libjansson-dev \
              bind9-dnsutils perl libmaxmind-db-writer-perl ldnsutils
CHECK_PKGS := $(RUN_PKGS) libcmocka-dev knot-dnsutils ldnsutils nsd \
              clang libclang-rt-14-dev clang-format systemd unbound \
              bird2 nftables iproute2 bind9 openssl dnsviz chromium \
              python3
# make bench: the load generator, the peers it compares against, and
# what mkqueries.pl reads the synthetic database with.
BENCH_PKGS := $(RUN_PKGS) dnsperf gdnsd knot knot-module-geoip \
              libmaxmind-db-reader-perl util-linux procps

DEPS_PC    := yaml-0.1 libmaxminddb ldns libevent libevent_pthreads \
              libevent_openssl openssl jansson
TEST_PC    := cmocka
CSTD       := -std=c11 -D_GNU_SOURCE
WARN       := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wvla \
              -Wwrite-strings -Wundef -Wnull-dereference \
              -Wimplicit-fallthrough -Wno-missing-field-initializers
ifeq ($(WERROR),1)
WARN       += -Werror
endif
ifneq ($(findstring clang,$(CC)),clang)
WARN       += -Wjump-misses-init
endif
CFLAGS     ?= -O2 -g
ifneq ($(SAN),)
CFLAGS     += -O1 -fno-omit-frame-pointer -fsanitize=$(SAN) \
              -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SAN)
endif
# Lazily evaluated: pkg-config may not be installed until `make deps` ran.
PC_CFLAGS   = $(shell $(PKG_CONFIG) --cflags $(DEPS_PC))
PC_LIBS     = $(shell $(PKG_CONFIG) --libs $(DEPS_PC)) -lm -lpthread
ALL_CFLAGS  = $(CSTD) $(WARN) $(CFLAGS) $(PC_CFLAGS) -I. -MMD -MP

common_SRCS :=
geo_SRCS    :=
dnsd_SRCS   :=
UNIT_TESTS  :=
FUZZ_TARGETS :=
BINS        :=
eh_SRCS     :=
# `make` alone builds everything `all` names, whatever the module.mk files
# define first.
.DEFAULT_GOAL := all
include common/module.mk geo/module.mk daemon/module.mk dnsd/module.mk \
        edge-health/module.mk cmd/module.mk
include tests/module.mk

objs = $(patsubst %.c,$(O)/obj/%.o,$(1))

# The bundled example's GeoIP2-City-shaped database, built from a small
# fixture of real-world sample networks (no third-party .mmdb is shipped).
DEMO_MMDB := zones/geo/demo.mmdb

# The bundled example is signed with a key made here when it is missing: a
# private key is never committed (zones/keys/ is ignored by git).
DEMO_KEY := zones/keys/example.net.private

all: $(BINS) $(DEMO_MMDB) $(DEMO_KEY)

$(DEMO_MMDB): zones/geo/demo-networks.txt tests/tools/mkmmdb.pl
	perl tests/tools/mkmmdb.pl zones/geo/demo-networks.txt $@

$(DEMO_KEY):
	@mkdir -p $(@D)
	cd $(@D) && umask 077 && \
	    k=$$(ldns-keygen -a ECDSAP256SHA256 -k example.net) && \
	    mv "$$k.key" example.net.key && rm -f "$$k.ds" && \
	    mv "$$k.private" example.net.private

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libcommon.a: $(call objs,$(common_SRCS))
$(O)/libgeo.a:    $(call objs,$(geo_SRCS))
$(O)/libdnsd.a:   $(call objs,$(dnsd_SRCS))
$(O)/libeh.a:     $(call objs,$(eh_SRCS))
$(O)/%.a:
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# ---- installing what is missing (Debian) ---------------------------------
define apt_install
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q \
		    --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(RUN_PKGS))

deps-check:
	$(call apt_install,$(CHECK_PKGS))

deps-bench:
	$(call apt_install,$(BENCH_PKGS))

# ---- the two commands of the README ---------------------------------------
run: deps
	$(MAKE) all $(O)/tests/fake_edge
	sh zones/run-example.sh $(O)

check: deps-check
	$(MAKE) check-only

check-only: all $(UNIT_BINS) $(REPLAY_BINS) $(TEST_TOOLS) lint
	CMOCKA_MESSAGE_OUTPUT=TAP prove --exec 'timeout 120' $(UNIT_BINS)
	set -e; for t in $(FUZZ_TARGETS); do \
		timeout 300 $(O)/tests/$$t tests/fuzz/corpus/$$t; done
	O=$(O) prove --exec 'timeout 300 sh' tests/integration/[0-9]*.sh

# dnsd against gdnsd, Knot and the floor (a UDP echo): tests/bench/run.sh
# says how; BENCH_SECONDS shortens each run, BENCH_ROUNDS=1 the whole.
bench: deps-bench
	$(MAKE) all $(O)/tests/udpecho $(O)/tests/qblast $(O)/tests/freeport
	sh tests/bench/run.sh $(O)

# dnsd's user-space instructions per query under callgrind, receive to
# send: tests/bench/callgrind.sh says how (DNSD=, CALLGRIND_FN=).
CALLGRIND_PKGS := $(RUN_PKGS) valgrind libmaxmind-db-reader-perl util-linux

deps-callgrind:
	$(call apt_install,$(CALLGRIND_PKGS))

bench-callgrind: deps-callgrind
	$(MAKE) all $(O)/tests/qblast $(O)/tests/freeport
	sh tests/bench/callgrind.sh $(O)

# dnsd, edge-health, dnsdctl and geoq all go to SBINDIR: the tools are
# the operator's, like nsd-control and knotc.
# examples/: production-shaped dnsd.yaml and edge-health.yaml (dist/)
# with the example inventory and zone they name; cp them to /etc/dnsd/.
EXAMPLES := dist/examples/dnsd.yaml dist/examples/edge-health.yaml \
            zones/edges.yaml zones/example.net.yaml zones/README.md
UNITS    := dnsd.service edge-health.service
# A point of presence behind BGP anycast: BIRD, edge-health's anycast role.
ANYCAST  := dist/anycast/bird.conf dist/anycast/edge-health.yaml \
            dist/anycast/edge-health-anycast.tmpfiles
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	set -e; for u in $(UNITS); do \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
		    dist/systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u; \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; done
	install -m 0644 dist/sysusers.d/dnsd.conf $(DESTDIR)$(SYSUSERSDIR)/
	install -d $(DESTDIR)$(DOCDIR)/examples/anycast/edge-health.service.d
	install -m 0644 $(ANYCAST) $(DESTDIR)$(DOCDIR)/examples/anycast/
	install -m 0644 dist/anycast/edge-health.service.d/anycast.conf \
	    $(DESTDIR)$(DOCDIR)/examples/anycast/edge-health.service.d/
	install -d $(DESTDIR)$(DOCDIR)/examples/grafana
	install -m 0644 dist/grafana/dnsd.json dist/grafana/README.md \
	    $(DESTDIR)$(DOCDIR)/examples/grafana/

fuzz:
	$(MAKE) O=build-fuzz CC=clang FUZZ=1 fuzzers

# make fuzz-long: every libFuzzer target for FUZZ_SECONDS each (default
# 600), or with FUZZ_RUNS=N for N executions each, however long they take
# (FUZZ_TARGETS="fuzz_a fuzz_b" picks some), starting from its replayed
# corpus.  What it finds goes to
# build-fuzz/corpus/TARGET (copy what is worth keeping to
# tests/fuzz/corpus/TARGET, which make check replays), a crash to
# build-fuzz/crash-TARGET-*, which stops the run.  Prints each target's
# executions.
FUZZ_SECONDS ?= 600
FUZZ_RUNS ?=
FUZZ_LIMIT = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS))
fuzz-long: fuzz
	set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build-fuzz/corpus/$$t; \
		start=$$(date +%s); \
		build-fuzz/fuzz/$$t $(FUZZ_LIMIT) \
		    -print_final_stats=1 -artifact_prefix=build-fuzz/crash-$$t- \
		    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t \
		    >build-fuzz/$$t.log 2>&1 || \
		    { tail -n 40 build-fuzz/$$t.log; exit 1; }; \
		echo "$$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    build-fuzz/$$t.log) executions in $$(($$(date +%s) - start)) s, no crash"; \
	done

lint: fmt-check
	sh tests/lint/check-hotpath.sh

FMT_FILES = $(shell git ls-files '*.c' '*.h')
fmt:
	clang-format -i $(FMT_FILES)
fmt-check:
	clang-format --dry-run --Werror $(FMT_FILES)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all deps deps-check deps-bench run check check-only bench install \
        deps-callgrind bench-callgrind \
        fuzz fuzz-long fuzzers lint fmt fmt-check clean
.DELETE_ON_ERROR:
# keep objects built through pattern chains (fuzz targets, tools)
.PRECIOUS: $(O)/obj/%.o
-include $(shell find $(O) -name '*.d' 2>/dev/null)
