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
CPPFLAGS += -D_GNU_SOURCE -DTESTVIS_VERSION='"$(VERSION)"' \
            $(LIB_LAYERS:%=-Ilib/%) -Ilib -It -I$(BUILD)/gen

# Dependencies through pkg-config, with literal fallbacks (libfcgi ships no
# .pc).  Evaluated once, lazily, so that `make deps` can install pkg-config
# and the -dev packages before the first compile asks for them.
PKGS = sqlite3 jansson libcrypto libxml-2.0 zlib libpq libcurl xlsxwriter
DEP_CFLAGS = $(eval DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null || echo -I/usr/include/libxml2 -I/usr/include/postgresql))$(DEP_CFLAGS)
DEP_LIBS = $(eval DEP_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -ljansson -lcrypto -lxml2 -lz -lpq -lcurl -lxlsxwriter))$(DEP_LIBS)
FCGI_LIBS = -lfcgi

# Sanitizer build: `make asan-check` builds into build-asan with these.
ifeq ($(SANITIZE),1)
CFLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# libFuzzer build: `make fuzz` builds the fuzz/ harnesses into build-fuzz
# with Debian's clang; otherwise they link fuzz/driver.c's main() instead.
FUZZ_CC ?= clang-14
ifeq ($(FUZZER),1)
CC       = $(FUZZ_CC)
CFLAGS   = -O1 -g -fno-omit-frame-pointer \
           -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=fuzzer,address,undefined
# clang's extra warnings: SQL split over literals in statement tables,
# and designated initializers that leave trailing fields zero
WARN    += -Wno-string-concatenation -Wno-missing-field-initializers
DEPS_SET = fuzz
FUZZ_MAIN =
else
FUZZ_MAIN = $(BUILD)/fuzz/driver.o
endif

# The core library, by layer (README: "Where things are"); a module may
# include its own layer and the ones listed before it (t/05-layers.t).
LIB_BASE = lib/base/arena.c lib/base/buf.c lib/base/utf8.c lib/base/tvtime.c \
           lib/base/crypto.c lib/base/log.c lib/base/xalloc.c \
           lib/base/config.c lib/base/fault.c lib/base/param.c \
           lib/base/jscan.c lib/base/trace.c lib/base/ident.c \
           lib/base/stats.c
LIB_DB = lib/db/db.c lib/db/db_sqlite.c lib/db/db_sqlite_fn.c \
         lib/db/db_pg.c lib/db/pgmigrate.c lib/db/pgcopy.c lib/db/jval.c \
         lib/db/jdump.c lib/db/jalloc.c lib/db/jwrite.c \
         lib/db/cursor.c \
         lib/db/project.c \
         lib/db/auth.c lib/db/ticket.c lib/db/rollup.c lib/db/branch.c \
         lib/db/reportcells.c lib/db/repairs.c lib/db/runstream.c \
         lib/db/history.c
LIB_WEB = lib/web/route.c lib/web/http.c lib/web/httpanswer.c \
          lib/web/fcgiproto.c lib/web/fcgiloop.c \
          lib/web/respcache.c
LIB_INGEST = lib/ingest/stream.c lib/ingest/textcap.c lib/ingest/junit.c \
             lib/ingest/multipart.c lib/ingest/repeats.c \
             lib/ingest/ingestmeta.c lib/ingest/ingestcheck.c \
             lib/ingest/ingeststore.c lib/ingest/chunkwriter.c \
             lib/ingest/ingestrun.c lib/ingest/ingestanswer.c \
             lib/ingest/ingest.c lib/ingest/ingestjson.c \
             lib/ingest/ingestfile.c lib/ingest/cienv.c
LIB_PASSES = lib/passes/pass.c lib/passes/maprule.c lib/passes/diffpat.c \
             lib/passes/diffscan.c lib/passes/mapping.c \
             lib/passes/flakystate.c lib/passes/integrity.c \
             lib/passes/retention.c lib/passes/spool.c \
             lib/passes/historypass.c \
             lib/passes/refinger.c lib/passes/alertrule.c \
             lib/passes/alertsend.c lib/passes/alertdeliver.c \
             lib/passes/alerts.c lib/passes/runexport.c \
             lib/passes/exportfmt.c lib/passes/exports.c lib/passes/batch.c
LIB_VIEWS = lib/views/status.c lib/views/runs.c lib/views/signals.c \
            lib/views/tests.c lib/views/slowest.c lib/views/dash.c \
            lib/views/correlate.c lib/views/featurehealth.c \
            lib/views/teststate.c lib/views/mappings.c lib/views/alias.c \
            lib/views/events.c lib/views/trends.c lib/views/dashboards.c \
            lib/views/quality.c lib/views/mttr.c lib/views/reportdef.c \
            lib/views/reportfold.c lib/views/reports.c lib/views/exportjobs.c \
            lib/views/gate.c lib/views/alertapi.c lib/views/summary.c
LIB_LAYERS = base db web ingest passes views
LIB_SRC = $(LIB_BASE) $(LIB_DB) $(LIB_WEB) $(LIB_INGEST) $(LIB_PASSES) \
          $(LIB_VIEWS)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o \
    $(BUILD)/gen/pg_migrations.o
LIBA    = $(BUILD)/libtestvis.a

CGI_PROGS = health ingest runs tests insights features integrity live \
            trends dashboards quality reports alerts exports
CGI_BIN   = $(CGI_PROGS:%=$(BUILD)/cgi-bin/testvis-%)
CLI_BIN   = $(BUILD)/bin/testvis

UNIT_TESTS = config param route db tvtime utf8 auth ident junit rollup pass \
             maprule diffscan respcache textcap trace ingestmeta ingestcheck \
             cursor fault cienv branch fcgiloop stats jdump jalloc jwrite
UNIT_BIN   = $(UNIT_TESTS:%=$(BUILD)/t/t-%)
TEST_PROGS = $(BUILD)/t/testvis-echo $(BUILD)/t/pg-adapter \
             $(BUILD)/t/testvis-sqlfn

# Fuzz harnesses (fuzz/fuzz-NAME.c), each with its seed corpus in
# fuzz/corpus/NAME/; the JUnit reader's also gets t/data/junit's reports.
FUZZ_TARGETS = junit query multipart results sidecar diffscan fcgi alertrule
FUZZ_BIN     = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
FUZZ_OBJ     = $(BUILD)/fuzz/common.o $(FUZZ_MAIN)
JUNIT_SEEDS  = $(sort $(wildcard t/data/junit/*/*.xml))

# The frontend's npm install and the files it vendors (rules below).
NPM_DIR = $(BUILD)/npm
NPM_STAMP = $(NPM_DIR)/node_modules/.testvis-installed
VENDOR = htdocs/vendor/uPlot.iife.min.js htdocs/vendor/uPlot.min.css

MIGRATIONS = $(sort $(wildcard schema/sqlite/[0-9][0-9][0-9][0-9]-*.sql))
PG_MIGRATIONS = $(sort $(wildcard schema/postgres/[0-9][0-9][0-9][0-9]-*.sql))

# The npm stamp too: the tests of any build (build-asan as well) take
# playwright-core and the OTLP schema from $(BUILD)/npm.
all: $(LIBA) $(CGI_BIN) $(CLI_BIN) $(UNIT_BIN) $(TEST_PROGS) $(FUZZ_BIN) \
     $(VENDOR) $(NPM_STAMP)

# Every compile waits for the dependency check (quick when all is present).
deps:
	@bin/install-deps $(DEPS_SET)

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) lib/gen-migrations.sh
	@mkdir -p $(@D)
	sh lib/gen-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/pg_migrations.c: $(PG_MIGRATIONS) lib/gen-migrations.sh
	@mkdir -p $(@D)
	sh lib/gen-migrations.sh -p $(PG_MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/pg_migrations.o: $(BUILD)/gen/pg_migrations.c | deps
	$(CC) $(CPPFLAGS) $(DEP_CFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

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
	$(CC) $(LDFLAGS) -o $@ $^ $(FCGI_LIBS) $(DEP_LIBS) -lm

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/cgi-bin/testvis-%: $(BUILD)/cgi-bin/%.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

$(CLI_BIN): $(BUILD)/bin/testvis.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

$(BUILD)/t/testvis-echo: $(BUILD)/t/echo.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

$(BUILD)/t/pg-adapter: $(BUILD)/t/pg-adapter.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

$(BUILD)/t/testvis-sqlfn: $(BUILD)/t/sqlfn.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

$(BUILD)/t/t-%: $(BUILD)/t/unit/t-%.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/fuzz-%.o $(FUZZ_OBJ) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $< $(FUZZ_OBJ) $(LIBA) $(FCGI_LIBS) $(DEP_LIBS) -lm

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

# The test suite: C unit tests, CGI-mode endpoint tests, lighttpd end to end,
# on SQLite; with TESTVIS_TEST_PG set (a libpq URL whose role may CREATE
# DATABASE, e.g. `t/lib/pg-cluster start DIR`'s) the Perl tests again on
# PostgreSQL, one fresh database per instance (t/lib/TV.pm).  The second
# pass leaves out what does not touch an instance's database (the unit
# tests, the layer and fuzz-corpus checks) and PostgreSQL's own tests
# (t/*-pg-*.t: they run in the first pass, on TESTVIS_TEST_PG or a private
# cluster); both passes run, and check fails if either does.
TESTS = $(UNIT_BIN) $(sort $(wildcard t/*.t))
PG_TESTS = $(filter-out t/05-layers.t t/15-fuzz-corpus.t $(wildcard t/*-pg-*.t), \
           $(sort $(wildcard t/*.t)))
check: deps all
	@rc=0; \
	TESTVIS_TEST_ENGINE=sqlite TESTVIS_BUILD=$(abspath $(BUILD)) \
	    $(PROVE) $(PROVE_J) $(TESTS) || rc=1; \
	if [ -n "$$TESTVIS_TEST_PG" ]; then \
		echo "check: the suite again on PostgreSQL (TESTVIS_TEST_PG)"; \
		TESTVIS_TEST_ENGINE=postgresql \
		TESTVIS_BUILD=$(abspath $(BUILD)) \
		    $(PROVE) $(PROVE_J) $(PG_TESTS) || rc=1; \
	fi; \
	exit $$rc

asan-check:
	$(MAKE) BUILD=build-asan SANITIZE=1 check

# Each seed corpus once through the standalone harnesses (part of check).
fuzz-corpus: deps all
	TESTVIS_BUILD=$(abspath $(BUILD)) $(PROVE) t/15-fuzz-corpus.t

# Each harness under libFuzzer (ASan/UBSan) for FUZZ_SECONDS, one after
# the other; new inputs go to build-fuzz/corpus/NAME, crashes to
# build-fuzz/artifacts/NAME, the log with exec/s to build-fuzz/NAME.log.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_LEN_junit     = 65536
FUZZ_LEN_query     = 4096
FUZZ_LEN_multipart = 16384
FUZZ_LEN_results   = 16384
FUZZ_LEN_sidecar   = 8192
FUZZ_LEN_diffscan  = 32768
FUZZ_LEN_fcgi      = 16384
FUZZ_LEN_alertrule = 4096
FUZZ_SEEDS_junit   = $(BUILD)/seeds/junit

fuzz:
	$(MAKE) BUILD=build-fuzz FUZZER=1 fuzz-run

fuzz-run: $(FUZZ_TARGETS:%=fuzz-run-%)
	@for t in $(FUZZ_TARGETS); do \
	    grep -h 'stat::average_exec_per_sec\|stat::new_units_added' \
	        $(BUILD)/$$t.log | sed "s/^/$$t: /"; done

fuzz-run-%: $(BUILD)/fuzz/fuzz-% $(BUILD)/seeds/junit/.stamp
	@mkdir -p $(BUILD)/corpus/$* $(BUILD)/artifacts/$*
	$(BUILD)/fuzz/fuzz-$* -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=$(FUZZ_LEN_$*) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/artifacts/$*/ $(FUZZ_FLAGS) \
	    $(BUILD)/corpus/$* fuzz/corpus/$* $(FUZZ_SEEDS_$*) \
	    > $(BUILD)/$*.log 2>&1 || { tail -40 $(BUILD)/$*.log; exit 1; }

# libFuzzer takes seed directories: t/data/junit's reports, flattened.
$(BUILD)/seeds/junit/.stamp: $(JUNIT_SEEDS)
	rm -rf $(@D) && mkdir -p $(@D)
	for f in $(JUNIT_SEEDS); do \
	    cp $$f $(@D)/$$(echo $$f | sed 's,^t/data/junit/,,; s,/,-,g'); done
	touch $@

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
	bin/gen-lighttpd-routes $(BUILD)/cgi-bin < conf/lighttpd.conf.in \
	        > $(BUILD)/lighttpd.conf.in
	install -m 644 $(BUILD)/lighttpd.conf.in conf/testvis.conf conf/crontab \
	        $(DESTDIR)$(PREFIX)/share/testvis/conf/
	install -d $(DESTDIR)$(PREFIX)/share/testvis/conf/errors
	install -m 644 conf/errors/testvis-error-*.html \
	        $(DESTDIR)$(PREFIX)/share/testvis/conf/errors/

clean:
	rm -rf build build-asan build-fuzz htdocs/vendor

.PHONY: all deps check asan-check valgrind-check fuzz fuzz-run fuzz-corpus \
	run install clean
# Keep the objects of pattern chains (cgi-bin/%.o, t/unit/%.o): deleting
# them rebuilds needlessly and prints after the test summary.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
