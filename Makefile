# PGXS build of the pg_tviews extension (C++17).
#   make && make install            build and install into the server found by pg_config
#   make installcheck               pg_regress topics, then isolation specs, against a
#                                   running server (PGHOST/PGPORT/PGUSER), default mode
# installcheck needs: pg_tviews installed (make install), a superuser (topics
# create roles and databases), max_prepared_transactions > 0 (2PC topics) and
# contrib's dblink (topic caches); shared_preload_libraries is not needed
# (test/run_all.sh runs the topics without and with it, the specs with it).
# The expected outputs come from servers made by test/lib/common.sh
# (initdb -E UTF8 --locale=C.UTF-8).
# The whole suite, with throwaway servers and every mode, is test/run_all.sh.

EXTENSION  = pg_tviews
MODULE_big = pg_tviews
DATA       = $(wildcard sql/pg_tviews--*.sql) sql/pg_tviews_monitoring.sql
PG_CONFIG ?= pg_config

CORE_SRCS = $(wildcard src/core/*.cpp)
PG_SRCS   = $(wildcard src/pg/*.cpp src/pg/*/*.cpp)
OBJS      = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

# pg_regress topics: sql/<name>.sql against expected/<name>.out, the output in
# the default mode (test/run_all.sh's other passes may have their own, in
# expected/<pass>/<name>.out; see docs/testing.md)
REGRESS      = $(shell cat test/regress_schedule)
REGRESS_OPTS = --inputdir=. --load-extension=pg_tviews --dbname=contrib_regression

# Isolation specs: test/isolation/specs/<name>.spec against
# test/isolation/expected/<name>.out (this --inputdir wins over PGXS's own).
ISOLATION      = $(shell cat test/isolation/schedule)
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=pg_tviews

# Debian's server is built with LLVM; PGXS would then also emit JIT bitcode
# for every source with clang. Our code is C++ and never benefits from
# inlining into JIT-compiled expressions, so switch bitcode generation off.
override with_llvm = no

# One version source: the control file's default_version names the install
# script (sql/pg_tviews--<version>.sql) and is what pg_tviews_version() says.
TVIEWS_VERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)
ifeq ($(wildcard sql/$(EXTENSION)--$(TVIEWS_VERSION).sql),)
$(error $(EXTENSION).control names version "$(TVIEWS_VERSION)" but sql/$(EXTENSION)--$(TVIEWS_VERSION).sql does not exist)
endif

PG_CPPFLAGS = -I$(CURDIR)/include -DPG_TVIEWS_VERSION='"$(TVIEWS_VERSION)"'
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-missing-field-initializers -Wno-register -fPIC -MMD -MP
SHLIB_LINK  = -lstdc++ -lfmt
EXTRA_CLEAN = $(OBJS:.o=.d)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS passes CFLAGS to the C++ compiler too; drop the C-only flags g++ warns about.
override CXXFLAGS := $(filter-out -Wmissing-prototypes -Wdeclaration-after-statement -Wno-format-truncation -Wno-stringop-truncation -Wimplicit-fallthrough=3 -Wcast-function-type -Wshadow=compatible-local,$(CXXFLAGS)) $(PG_CXXFLAGS)

# Header dependencies (-MMD): a changed header rebuilds every object using it.
-include $(OBJS:.o=.d)
