# testvis: one top-level Makefile, no recursion, explicit source lists.
# Local overrides (CC, CFLAGS, PREFIX ...) go in config.mk, never committed.
-include config.mk

VERSION   = 0.1.0
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
PROVE    ?= prove
PROVE_J  ?= -j2

WARN     = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wno-unused-parameter \
           -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DTESTVIS_VERSION='"$(VERSION)"' -Ilib -It -I$(BUILD)/gen

# Dependencies through pkg-config, with literal fallbacks (libfcgi ships no
# .pc).  Evaluated once, lazily, so that `make deps` can install pkg-config
# and the -dev packages before the first compile asks for them.
PKGS = sqlite3 jansson libcrypto libxml-2.0 zlib
DEP_CFLAGS = $(eval DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/libxml2))$(DEP_CFLAGS)
DEP_LIBS = $(eval DEP_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -ljansson -lcrypto -lxml2 -lz))$(DEP_LIBS)
FCGI_LIBS = -lfcgi

# Sanitizer build: `make asan-check` builds into build-asan with these.
ifeq ($(SANITIZE),1)
CFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC = lib/arena.c lib/buf.c lib/tvtime.c lib/utf8.c lib/crypto.c \
          lib/config.c lib/log.c lib/db.c lib/param.c lib/http.c \
          lib/auth.c lib/project.c lib/status.c lib/jval.c \
          lib/fault.c lib/stream.c lib/junit.c lib/ident.c \
          lib/rollup.c lib/ingest.c lib/multipart.c \
          lib/cursor.c lib/runs.c lib/tests.c lib/dash.c lib/flaky.c \
          lib/correlate.c lib/maprule.c lib/diffscan.c lib/batch.c \
          lib/mapping.c lib/health.c lib/flakystate.c lib/integrity.c \
          lib/signals.c lib/retention.c lib/spool.c lib/ingestfile.c \
          lib/alias.c lib/teststate.c lib/respcache.c lib/trace.c
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
LIBA    = $(BUILD)/libtestvis.a

CGI_PROGS = health ingest runs tests insights features integrity
CGI_BIN   = $(CGI_PROGS:%=$(BUILD)/cgi-bin/testvis-%)
CLI_BIN   = $(BUILD)/bin/testvis

UNIT_TESTS = config param route db tvtime utf8 auth ident junit rollup \
             maprule diffscan respcache trace
UNIT_BIN   = $(UNIT_TESTS:%=$(BUILD)/t/t-%)
TEST_PROGS = $(BUILD)/t/testvis-echo

# The frontend's npm install and the files it vendors (rules below).
NPM_DIR = $(BUILD)/npm
NPM_STAMP = $(NPM_DIR)/node_modules/.testvis-installed
VENDOR = htdocs/vendor/uPlot.iife.min.js htdocs/vendor/uPlot.min.css

MIGRATIONS = $(sort $(wildcard schema/sqlite/[0-9][0-9][0-9][0-9]-*.sql))

all: $(LIBA) $(CGI_BIN) $(CLI_BIN) $(UNIT_BIN) $(TEST_PROGS) $(VENDOR)

# Every compile waits for the dependency check (quick when all is present).
deps:
	@bin/install-deps

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) lib/gen-migrations.sh
	@mkdir -p $(@D)
	sh lib/gen-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c | deps
	$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

# The OpenAPI document (API-27), compiled into testvis-health.
OPENAPI = lib/openapi.json
$(BUILD)/gen/openapi.c: $(OPENAPI) lib/gen-embed.sh
	@mkdir -p $(@D)
	sh lib/gen-embed.sh openapi_json $(OPENAPI) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/openapi.o: $(BUILD)/gen/openapi.c | deps
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/cgi-bin/testvis-health: $(BUILD)/cgi-bin/health.o $(BUILD)/gen/openapi.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(FCGI_LIBS) $(DEP_LIBS)

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/cgi-bin/testvis-%: $(BUILD)/cgi-bin/%.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS)

$(CLI_BIN): $(BUILD)/bin/testvis.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS)

$(BUILD)/t/testvis-echo: $(BUILD)/t/echo.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS)

$(BUILD)/t/t-%: $(BUILD)/t/unit/t-%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS)

# The frontend's npm packages (conf/npm: uPlot for the charts, playwright-core
# for the browser tests), installed from the lockfile into $(BUILD)/npm; the
# stamp makes this a no-op until the manifest changes.  The chart library is
# copied into htdocs/vendor/ (gitignored, never committed).

$(NPM_STAMP): conf/npm/package.json conf/npm/package-lock.json | deps
	@mkdir -p $(NPM_DIR)
	cp conf/npm/package.json conf/npm/package-lock.json $(NPM_DIR)/
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix $(NPM_DIR) \
	    --no-audit --no-fund --loglevel=error
	touch $@

htdocs/vendor/uPlot.iife.min.js: $(NPM_STAMP)
	@mkdir -p $(@D)
	cp $(NPM_DIR)/node_modules/uplot/dist/uPlot.iife.min.js $@

htdocs/vendor/uPlot.min.css: $(NPM_STAMP)
	@mkdir -p $(@D)
	cp $(NPM_DIR)/node_modules/uplot/dist/uPlot.min.css $@

# The test suite: C unit tests, CGI-mode endpoint tests, lighttpd end to end.
TESTS = $(UNIT_BIN) $(sort $(wildcard t/*.t))
check: deps all
	TESTVIS_BUILD=$(abspath $(BUILD)) $(PROVE) $(PROVE_J) $(TESTS)

asan-check:
	$(MAKE) BUILD=build-asan SANITIZE=1 check

valgrind-check: deps all
	TESTVIS_BUILD=$(abspath $(BUILD)) \
	TESTVIS_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	$(PROVE) $(PROVE_J) --exec 'sh t/lib/valgrind-exec' $(TESTS)

# Builds, migrates, prints an ingest token and serves on 127.0.0.1:$PORT.
run: deps all
	@BUILD=$(abspath $(BUILD)) bin/serve-local

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/testvis/cgi-bin \
	        $(DESTDIR)$(PREFIX)/share/testvis/htdocs $(DESTDIR)$(PREFIX)/share/testvis/conf
	install -m 755 $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/testvis
	install -m 755 $(CGI_BIN) $(DESTDIR)$(PREFIX)/lib/testvis/cgi-bin/
	cp -R htdocs/. $(DESTDIR)$(PREFIX)/share/testvis/htdocs/
	install -m 644 conf/lighttpd.conf.in conf/testvis.conf conf/crontab \
	        $(DESTDIR)$(PREFIX)/share/testvis/conf/

clean:
	rm -rf build build-asan htdocs/vendor

.PHONY: all deps check asan-check valgrind-check run install clean
# Keep the objects of pattern chains (cgi-bin/%.o, t/unit/%.o): deleting
# them rebuilds needlessly and prints after the test summary.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
