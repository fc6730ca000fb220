# optsched — build, run, test.
#   make run      installs missing packages, builds, runs the main job into out/
#   make check    installs missing packages, builds, runs every test
#   make check SAN=1   the same suite under AddressSanitizer + UBSan (build-san/)
#   make bench    benchmarks (bench/), ratios against peers measured in the same run
#   make install PREFIX=/usr/local
#
# Library sources: every src/<module>/*.c except src/cli. Tests: tests/test_*.c
# (one binary each), tests/test_*.sh and tests/test_*.py, run by tests/run.sh.

CC      ?= gcc
PREFIX  ?= /usr/local
SAN     ?=
PYTHON  ?= /usr/bin/python3

ifeq ($(SAN),1)
BUILD   := build-san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SANLD   := -fsanitize=address,undefined
else
BUILD   := build
OPT     := -O2 -g
SANLD   :=
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) -fopenmp -fPIC -fno-math-errno -fno-trapping-math \
           -Iinclude -Isrc $(EXTRA_CFLAGS)
LDLIBS  := -lnlopt -lcjson -lopenblas -lm
LDFLAGS := -fopenmp $(SANLD)

LIB_SRC  := $(sort $(shell find src -name '*.c' -not -path 'src/cli/*'))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
BENCH_SRC:= $(sort $(wildcard bench/bench_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
LIBA     := $(BUILD)/liboptsched.a
EXE      := $(BUILD)/optsched

.PHONY: all deps run check tests bench install clean

all: $(EXE) $(TEST_BIN) $(BENCH_BIN)

deps:
	@scripts/install-deps.sh --python

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(EXE): $(CLI_OBJ) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -MMD -MP -o $@ $< $(LIBA) $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIBA) $(LDFLAGS) $(LDLIBS)

# The main job: every baseline family tuned and compared on the canonical default.
run: deps
	@$(MAKE) --no-print-directory $(EXE)
	$(EXE) solve --method all --out out

check: deps
	@$(MAKE) --no-print-directory all
	@OPTSCHED=$(abspath $(EXE)) BUILD=$(BUILD) PYTHON=$(PYTHON) tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@OPTSCHED=$(abspath $(EXE)) BUILD=$(BUILD) PYTHON=$(PYTHON) bench/run.sh

install: $(EXE) $(LIBA)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/optsched
	install -m 755 $(EXE) $(DESTDIR)$(PREFIX)/bin/optsched
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/liboptsched.a
	install -m 644 include/optsched/*.h $(DESTDIR)$(PREFIX)/include/optsched/
	sed -e 's|@PREFIX@|$(PREFIX)|g' optsched.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/optsched.pc

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
