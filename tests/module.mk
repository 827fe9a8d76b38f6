# tests/: cmocka unit tests, fuzz targets (replayed over their corpora
# without libFuzzer), and small tools the integration tests use.

UNIT_TESTS += $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS   = $(addprefix $(O)/tests/,$(UNIT_TESTS))
FUZZ_TARGETS += $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS = $(addprefix $(O)/tests/,$(FUZZ_TARGETS))
TEST_TOOLS  = $(addprefix $(O)/tests/,$(patsubst tests/tools/%.c,%,\
              $(wildcard tests/tools/*.c)))

# tests/lib: helpers the tests, fuzzers and tools share (hex, hand-built
# packets, client sockets).  No cmocka here, so every binary can link it.
testlib_SRCS := tests/lib/hex.c tests/lib/keydir.c tests/lib/pkt.c tests/lib/sock.c
$(O)/libtest.a: $(patsubst %.c,$(O)/obj/%.o,$(testlib_SRCS))

TEST_LIBS   = $(O)/libtest.a $(O)/libdnsd.a $(O)/libeh.a $(O)/libdaemon.a \
              $(O)/libgeo.a $(O)/libcommon.a
TEST_PC_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PC))
TEST_PC_LIBS   = $(shell $(PKG_CONFIG) --libs $(TEST_PC))

$(O)/obj/tests/unit/%.o: ALL_CFLAGS += $(TEST_PC_CFLAGS)

$(O)/tests/test_%: $(O)/obj/tests/unit/test_%.o $(TEST_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_PC_LIBS) $(PC_LIBS)

ifeq ($(FUZZ),1)
FUZZ_CFLAGS := -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=all
CFLAGS += $(FUZZ_CFLAGS)
LDFLAGS += -fsanitize=address,undefined
fuzzers: $(addprefix $(O)/fuzz/,$(FUZZ_TARGETS))
$(O)/fuzz/fuzz_%: $(O)/obj/tests/fuzz/fuzz_%.o $(TEST_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PC_LIBS)
endif

# Without libFuzzer, each target links replay_main.o, which feeds it every
# file of a corpus folder: the corpora are regression tests under any CC.
$(O)/tests/fuzz_%: $(O)/obj/tests/fuzz/fuzz_%.o \
                   $(O)/obj/tests/fuzz/replay_main.o $(TEST_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)

$(O)/tests/%: $(O)/obj/tests/tools/%.o $(TEST_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)
