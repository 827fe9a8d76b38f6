# geo/: libgeo.a: client addresses, distance ranking, the merged prefix
# tree and MaxMind database reading.  Each file is listed as it lands.
geo_SRCS +=
