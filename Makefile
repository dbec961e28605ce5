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
PKGS      = ncursesw libcurl jansson sqlite3 libmicrohttpd
TESTPKGS  = cmocka libmicrohttpd

# Debian packages behind the pkg-config names above.
LIBDEBS = pkg-config libncurses-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev \
          libcmocka-dev libmicrohttpd-dev
# Every program the tests, the bench, the demo and `make fuzz` run that a
# minimal Debian (debootstrap --variant=minbase, build-essential, git) may
# lack, as PROGRAM:PACKAGE; a path is checked as a file (/usr/bin/time: `time`
# is a shell keyword; a zone file: tzdata). tests/hostile_deps.sh checks that
# every program the scripts call is here.
TOOLS = pkg-config:pkg-config tmux:tmux sqlite3:sqlite3 curl:curl jq:jq python3:python3 \
        socat:socat /usr/bin/time:time ps:procps pgrep:procps clang:clang \
        setpriv:util-linux unshare:util-linux mount:mount timeout:coreutils \
        stat:coreutils mkfifo:coreutils md5sum:coreutils find:findutils xargs:findutils \
        cmp:diffutils awk:mawk sed:sed grep:grep /usr/share/zoneinfo/Asia/Seoul:tzdata
DEBS = $(LIBDEBS) $(sort $(foreach t,$(TOOLS),$(lastword $(subst :, ,$(t)))))

DATADIR   = $(PREFIX)/share/tokentop
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-format-truncation
OPT      ?= -O2 -g
CPPFLAGS += -I. -D_GNU_SOURCE -DTOKENTOP_DATADIR='"$(DATADIR)"'
CFLAGS   += -std=c11 $(WARN) $(OPT)

ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_CFLAGS = $(shell pkg-config --cflags $(TESTPKGS) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

LIB_SRC  = $(wildcard core/*.c) $(wildcard data/*.c) $(filter-out tui/main.c,$(wildcard tui/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_LIB = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
FAKE_SRC = $(wildcard tests/fakeapi/*.c)
FAKE_OBJ = $(FAKE_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
BENCH_BIN = $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

.PHONY: all deps print-tools test unit check-tools demo bench fuzz install clean

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

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtokentop.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tokentop: $(BUILD)/tui/main.o $(BUILD)/libtokentop.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/fakeapi: $(FAKE_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs libmicrohttpd jansson) -lm

$(BUILD)/tests/%: tests/%.c $(TEST_LIB) $(BUILD)/libtokentop.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(TEST_LIB) $(BUILD)/libtokentop.a \
	  $(PKG_LIBS) $(TEST_LIBS)

unit: all $(TEST_BIN)

# Plain build first, then the whole suite again under ASan + UBSan.
test: deps
	$(MAKE) --no-print-directory unit BUILD=build
	$(MAKE) --no-print-directory unit BUILD=build/san SAN=1 OPT="-O1 -g"
	tests/run.sh build build/san

demo: all
	$(BUILD)/tokentop demo

# Bench programs that do not build yet (a missing part) are skipped by run.sh.
bench: all
	-@$(MAKE) --no-print-directory -k $(BENCH_BIN)
	bench/run.sh $(BUILD)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libtokentop.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libtokentop.a $(PKG_LIBS) -lutil

# libFuzzer targets; run one with: build/fuzz/fuzz_usage -max_total_time=60
fuzz: deps
	@mkdir -p $(BUILD)/fuzz
	@for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); echo "fuzz: $$n"; \
	  clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
	    -o $(BUILD)/fuzz/$$n $$f $(LIB_SRC) $(PKG_LIBS) || exit 1; \
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)
	install -m 0755 $(BUILD)/tokentop $(DESTDIR)$(PREFIX)/bin/tokentop
	cp -R share/. $(DESTDIR)$(DATADIR)/

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
