# tokentop — build, test, fuzz, bench, install.
#
#   make            build ./build/tokentop (and the test double)
#   make test       unit + integration + screen tests, plain and under ASan/UBSan
#   make demo       the console against the bundled simulator with live traffic
#   make bench      benchmarks, each figure beside a baseline measured in the same run
#   make fuzz       libFuzzer targets (clang)
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every target first runs `make deps`, which installs missing Debian packages.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
CXX      ?= g++
PKGS      = ncursesw libcurl jansson sqlite3 libpq libmicrohttpd simdjson
TESTPKGS  = cmocka libmicrohttpd

# Debian packages behind the pkg-config names above.
LIBDEBS = pkg-config libncurses-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev \
          libpq-dev libcmocka-dev libmicrohttpd-dev libsimdjson-dev
# Every program the tests, the bench, the demo and `make fuzz` run that a
# minimal Debian (debootstrap --variant=minbase, build-essential, git) may
# lack, as PROGRAM:PACKAGE; a path is checked as a file (/usr/bin/time: `time`
# is a shell keyword; a zone file: tzdata). tests/hostile_deps.sh checks that
# every program the scripts call is here.
TOOLS = pkg-config:pkg-config g++:g++ tmux:tmux sqlite3:sqlite3 curl:curl jq:jq python3:python3 \
        socat:socat /usr/bin/time:time ps:procps pgrep:procps clang:clang \
        setpriv:util-linux unshare:util-linux mount:mount timeout:coreutils \
        stat:coreutils mkfifo:coreutils md5sum:coreutils find:findutils xargs:findutils \
        cmp:diffutils awk:mawk sed:sed grep:grep /usr/share/zoneinfo/Asia/Seoul:tzdata \
        script:bsdutils \
        /usr/lib/postgresql:postgresql \
        /usr/lib/python3/dist-packages/prometheus_client/parser.py:python3-prometheus-client
DEBS = $(LIBDEBS) $(sort $(foreach t,$(TOOLS),$(lastword $(subst :, ,$(t)))))

DATADIR   = $(PREFIX)/share/tokentop
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-format-truncation
OPT      ?= -O2 -g
CPPFLAGS += -I. -D_GNU_SOURCE -DTOKENTOP_DATADIR='"$(DATADIR)"'
CFLAGS   += -std=c11 $(WARN) $(OPT)
# The one C++ file (core/usage_simd.cc, simdjson's home): the same warnings
# as errors, less the C-only ones.
CXXWARN   = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CXXFLAGS += -std=c++17 $(CXXWARN) $(OPT)

ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# ThreadSanitizer (TSAN=1; `make tsan` and `make test` build TSAN_TESTS with it)
ifneq ($(TSAN),)
CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer
CXXFLAGS += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS += -fsanitize=thread
endif

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstdc++ -lm
# The tokentop binary is not linked with libcurl and libmicrohttpd: they and
# the ~30 libraries under them are loaded when first used (core/netlib.c), so
# an import, a report or the console starts without them. Their SONAMEs come
# from the libraries built against.
# libpq (and the ~20 libraries under it) likewise, for a SQLite ledger
# (data/pglib.c).
NET_PKGS    = libcurl libmicrohttpd
LAZY_PKGS   = $(NET_PKGS) libpq
APP_LIBS    = $(shell pkg-config --libs $(filter-out $(LAZY_PKGS),$(PKGS)) 2>/dev/null) -lstdc++ -lm -ldl
soname      = $(shell objdump -p $$($(CC) -print-file-name=$(1).so) 2>/dev/null | awk '$$1 == "SONAME" { print $$2 }')
NET_SONAMES = -DNETLIB_CURL_SO='"$(or $(call soname,libcurl),libcurl.so.4)"' \
              -DNETLIB_MHD_SO='"$(or $(call soname,libmicrohttpd),libmicrohttpd.so.12)"'
PQ_SONAME   = -DPGLIB_SO='"$(or $(call soname,libpq),libpq.so.5)"'
TEST_CFLAGS = $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

LIB_SRC  = $(wildcard core/*.c) $(wildcard data/*.c) $(filter-out tui/main.c,$(wildcard tui/*.c))
LIB_CXX  = $(wildcard core/*.cc)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cc=$(BUILD)/%.o)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_LIB = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
FAKE_SRC = $(wildcard tests/fakeapi/*.c)
FAKE_OBJ = $(FAKE_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
BENCH_BIN = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
BENCH_LIB = $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/lib/*.c))

.PHONY: all deps print-tools print-pkgs test unit tsan tsan-bin check-tools demo bench fuzz install clean \
        schema-fresh
# objects linked into several programs: keep them between builds
.SECONDARY: $(TEST_LIB) $(BENCH_LIB)

all: deps $(BUILD)/tokentop $(BUILD)/fakeapi

# Installs what is missing (Debian); quiet when everything is present.
# DEPS_DRY=1 only says what it would install.
deps:
	@missing=""; debs=""; \
	for p in $(PKGS) $(TESTPKGS); do \
	  pkg-config --exists $$p 2>/dev/null || { missing="$$missing $$p"; debs="$$debs $(LIBDEBS)"; }; \
	done; \
	for t in $(TOOLS); do \
	  prog=$${t%%:*}; deb=$${t##*:}; \
	  case $$prog in /*) [ -e "$$prog" ] ;; *) command -v "$$prog" >/dev/null 2>&1 ;; esac || \
	    { missing="$$missing $$prog"; debs="$$debs $$deb"; }; \
	done; \
	if [ -n "$$missing" ]; then \
	  debs=$$(printf '%s\n' $$debs | sort -u | tr '\n' ' '); \
	  echo "deps: missing:$$missing"; \
	  if [ -n "$(DEPS_DRY)" ]; then echo "deps: would install Debian packages: $$debs"; exit 0; fi; \
	  echo "deps: installing Debian packages: $$debs"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$debs || \
	    { echo "deps: apt-get failed; install by hand: $$debs" >&2; exit 1; }; \
	fi

# The programs behind TOOLS, one a line (for tests/hostile_deps.sh).
print-tools:
	@for t in $(TOOLS); do echo "$$t"; done

# The pkg-config modules and the Debian packages behind them (tests/hostile_deps.sh).
print-pkgs:
	@echo "$(sort $(PKGS) $(TESTPKGS))"
	@echo "$(LIBDEBS)"

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtokentop.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/core/netlib.o: CPPFLAGS += $(NET_SONAMES)
$(BUILD)/data/pglib.o: CPPFLAGS += $(PQ_SONAME)

$(BUILD)/tokentop: $(BUILD)/tui/main.o $(BUILD)/libtokentop.a
	$(CC) $(LDFLAGS) -o $@ $^ $(APP_LIBS)

$(BUILD)/fakeapi: $(FAKE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs libmicrohttpd jansson) -lm

$(BUILD)/tests/%: tests/%.c $(TEST_LIB) $(BUILD)/libtokentop.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(TEST_LIB) $(BUILD)/libtokentop.a \
	  $(PKG_LIBS) $(TEST_LIBS)

# The transcript generator is a test input too (tests/import_shapes.sh); the
# snapshot writer is built so that it keeps building (make schema-fresh).
unit: all $(TEST_BIN) $(BUILD)/bench/gen_transcripts $(BUILD)/tools/schema_snapshot

# Plain build first, then the whole suite again under ASan + UBSan.
# The two builds use every core (CI's `make test` is a plain make: without
# -j they were serial and took a third of the run).
NPROC := $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(MAKE) --no-print-directory -j$(NPROC) unit BUILD=build
	$(MAKE) --no-print-directory -j$(NPROC) unit BUILD=build/san SAN=1 OPT="-O1 -g"
	$(MAKE) --no-print-directory -j$(NPROC) tsan-bin BUILD=build/tsan TSAN=1 OPT="-O1 -g"
	tests/run.sh build build/san build/tsan

# The programs whose subject runs threads (the import's reader, workers,
# writer and checkpointer; the proxy and its recorder; the alerter),
# built again under ThreadSanitizer for `make test` and `make tsan` (~25 s).
TSAN_TESTS = test_import_writer test_import_ckpt test_import_pool test_import \
	test_cli_import test_proxy test_alert test_spool
tsan-bin: $(TSAN_TESTS:%=$(BUILD)/tests/%)

tsan:
	$(MAKE) --no-print-directory -j$(NPROC) tsan-bin BUILD=build/tsan TSAN=1 OPT="-O1 -g"
	TOKENTOP_DATADIR=$(CURDIR)/share TOKENTOP_BUILD=build/tsan sh -c 'rc=0; for t in $(TSAN_TESTS); do \
	  build/tsan/tests/$$t >build/tsan/$$t.log 2>&1 || { rc=1; echo "FAIL $$t"; \
	  grep -A20 ThreadSanitizer build/tsan/$$t.log | head -40; }; done; exit $$rc'

demo: all
	$(BUILD)/tokentop demo

# Bench programs that do not build yet (a missing part) are skipped by run.sh.
bench: all
	-@$(MAKE) --no-print-directory -k $(BENCH_BIN)
	bench/run.sh $(BUILD)

$(BUILD)/bench/%: bench/%.c $(BENCH_LIB) $(BUILD)/libtokentop.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BENCH_LIB) $(BUILD)/libtokentop.a \
	  $(PKG_LIBS) -lutil

# The schema a brand-new SQLite ledger is made with (data/schema_fresh.h),
# written again from data/schema.c's migrations: run it after adding one
# (tests/test_schema_fresh.c fails until then).
schema-fresh: $(BUILD)/tools/schema_snapshot
	$(BUILD)/tools/schema_snapshot > data/schema_snapshot.c.new
	mv data/schema_snapshot.c.new data/schema_snapshot.c

$(BUILD)/tools/%: tools/%.c $(BUILD)/libtokentop.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libtokentop.a $(PKG_LIBS)

# libFuzzer targets; run one with: build/fuzz/fuzz_usage -max_total_time=60.
# Then fuzz_usage_simd and fuzz_codex_simd run for FUZZ_SECONDS each (default
# 60): the simdjson paths of the transcript and Codex imports against the
# jansson paths, from their seeds (new inputs go to $(BUILD)/fuzz/new_*).
FUZZ_SECONDS ?= 60
fuzz: deps
	@mkdir -p $(BUILD)/fuzz/new_usage_simd $(BUILD)/fuzz/new_codex_simd
	@for f in $(LIB_CXX); do \
	  clang++ $(CPPFLAGS) -std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize=vptr \
	    $(PKG_CFLAGS) -c $$f -o $(BUILD)/fuzz/$$(basename $$f .cc).o || exit 1; \
	done
	@for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); echo "fuzz: $$n"; \
	  clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
	    -o $(BUILD)/fuzz/$$n $$f $(LIB_SRC) $(LIB_CXX:core/%.cc=$(BUILD)/fuzz/%.o) \
	    $(PKG_LIBS) || exit 1; \
	done
	$(BUILD)/fuzz/fuzz_usage_simd -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -dict=tests/fuzz/fuzz_usage_simd.dict $(BUILD)/fuzz/new_usage_simd \
	  tests/fuzz/corpus/fuzz_usage_simd
	$(BUILD)/fuzz/fuzz_codex_simd -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -dict=tests/fuzz/fuzz_codex_simd.dict $(BUILD)/fuzz/new_codex_simd \
	  tests/fuzz/corpus/fuzz_codex_simd

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)
	install -m 0755 $(BUILD)/tokentop $(DESTDIR)$(PREFIX)/bin/tokentop
	cp -R share/. $(DESTDIR)$(DATADIR)/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
