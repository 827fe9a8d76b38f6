# edge-health/: libeh.a, the prober (its main is cmd/edge-health.c).
eh_SRCS += edge-health/conf.c edge-health/conf_check.c \
           edge-health/conf_anycast.c edge-health/state.c edge-health/sched.c \
           edge-health/probe_tcp.c edge-health/probe_http.c \
           edge-health/probe_dns.c \
           edge-health/edge_report.c \
           edge-health/feed.c edge-health/statefile.c \
           edge-health/metrics.c edge-health/prober.c \
           edge-health/round.c edge-health/anycast.c edge-health/command.c

