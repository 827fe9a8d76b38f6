#!/usr/bin/perl
# tests/integration/89_dns_check/peer_log.pl: a tiny TCP and HTTP server
# that logs where each connection comes from, for checks' `source`.
#
#   perl peer_log.pl ADDR PORT
#
# Prints "listening ADDR:PORT" once bound, then "peer HOST" for every
# connection; answers whatever request arrives (or none: a tcp check only
# connects) with "200 OK" and closes.  Runs until killed.
use strict;
use warnings;
use IO::Socket::INET;

my ($addr, $port) = @ARGV;
die "usage: peer_log.pl ADDR PORT\n" unless defined $port;
my $s = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port,
    Proto => 'tcp', Listen => 16, ReuseAddr => 1)
    or die "peer_log: cannot listen on $addr:$port: $!\n";
$| = 1;
print "listening $addr:$port\n";
while (1) {
	my $c = $s->accept or next;
	print "peer ", $c->peerhost, "\n";
	# The request's head, up to its empty line; a bare connect ends it
	# with EOF at once.  Bounded: a silent client is dropped after 2 s.
	my ($rin, $head) = ('', '');
	vec($rin, fileno($c), 1) = 1;
	while (select(my $r = $rin, undef, undef, 2) > 0) {
		my $n = sysread($c, $head, 4096, length($head));
		last if !$n || $head =~ /\r?\n\r?\n/;
	}
	syswrite($c, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nOK\n");
	close $c;
}
