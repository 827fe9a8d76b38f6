# edge-health/: libeh.a plus edge-health/main.c: the prober.  Each file is
# listed as it lands.
eh_SRCS += edge-health/conf.c edge-health/state.c edge-health/sched.c \
           edge-health/probe_tcp.c edge-health/probe_http.c \
           edge-health/feed.c edge-health/statefile.c \
           edge-health/metrics.c edge-health/prober.c

BINS += $(O)/bin/edge-health
$(O)/bin/edge-health: $(O)/obj/edge-health/main.o $(O)/libeh.a \
                      $(O)/libdaemon.a $(O)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PC_LIBS)
