# edge-health/: libeh.a plus edge-health/main.c: the prober.  Each file is
# listed as it lands.
eh_SRCS +=
