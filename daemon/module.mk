# daemon/: libdaemon.a, what both daemons' mains do with libevent: the
# command line, signals, the privilege drop and the Prometheus endpoint.
# Links libcommon.a; common/ never links this (common/ has no libevent).
daemon_SRCS := daemon/daemon.c daemon/metrics_http.c
$(O)/libdaemon.a: $(patsubst %.c,$(O)/obj/%.o,$(daemon_SRCS))
