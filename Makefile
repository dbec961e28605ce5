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

# Debian packages behind the pkg-config names and tools above.
DEBS = pkg-config libncurses-dev libcurl4-openssl-dev libjansson-dev libsqlite3-dev \
       libcmocka-dev libmicrohttpd-dev sqlite3 tmux time curl jq python3 clang socat

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
BENCH_LIB = $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/lib/*.c))

.PHONY: all deps test unit check-tools demo bench fuzz install clean

all: deps $(BUILD)/tokentop $(BUILD)/fakeapi

# Installs what is missing (Debian); quiet when everything is present.
deps:
	@missing=""; \
	for p in $(PKGS) $(TESTPKGS); do pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; done; \
	for t in tmux sqlite3 pkg-config curl jq python3 socat; do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	[ -x /usr/bin/time ] || missing="$$missing time"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: missing:$$missing"; \
	  echo "deps: installing Debian packages: $(DEBS)"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $(DEBS) || \
	    { echo "deps: apt-get failed; install by hand: $(DEBS)" >&2; exit 1; }; \
	fi

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

# The transcript generator is a test input too (tests/import_shapes.sh).
unit: all $(TEST_BIN) $(BUILD)/bench/gen_transcripts

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

$(BUILD)/bench/%: bench/%.c $(BENCH_LIB) $(BUILD)/libtokentop.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BENCH_LIB) $(BUILD)/libtokentop.a \
	  $(PKG_LIBS) -lutil

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
