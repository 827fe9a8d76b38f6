#!/usr/bin/perl
# tests/integration/89_dns_check/fake_dns.pl: a UDP DNS "server" whose
# replies are wrong in one way, for the dns check's reply validation.
#
#   perl fake_dns.pl MODE ADDR PORT
#
# Every query (one question, as edge-health sends) gets, by MODE:
#   wrongid  first a SERVFAIL with another id, then a NOERROR with the
#            query's id: a check that ignores the stray reply passes
#   noqr     the query echoed back with NOERROR, QR clear
#   otherq   a NOERROR reply whose question has another type (TXT)
#   short    a header announcing one answer that is not there
# Prints "listening ADDR:PORT" once the socket is bound; runs until killed.
use strict;
use warnings;
use IO::Socket::INET;

my ($mode, $addr, $port) = @ARGV;
die "usage: fake_dns.pl wrongid|noqr|otherq|short ADDR PORT\n"
    unless defined $port && $mode =~ /^(wrongid|noqr|otherq|short)$/;
my $s = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port,
    Proto => 'udp') or die "fake_dns: cannot bind $addr:$port: $!\n";
$| = 1;
print "listening $addr:$port\n";

# reply ID FLAGS QD AN QUESTION: a header and the question section
sub reply {
	my ($id, $flags, $qd, $an, $question) = @_;
	return pack('n6', $id, $flags, $qd, $an, 0, 0) . $question;
}

while (1) {
	my $peer = $s->recv(my $q, 4096);
	next unless defined $peer && length($q) >= 12;
	my ($id) = unpack('n', $q);
	my $question = substr($q, 12);
	my @out;
	if ($mode eq 'wrongid') {
		# QR AA, rcode SERVFAIL (2), then QR AA, NOERROR
		push @out, reply(($id + 1) & 0xffff, 0x8402, 1, 0, $question);
		push @out, reply($id, 0x8400, 1, 0, $question);
	} elsif ($mode eq 'noqr') {
		push @out, reply($id, 0x0400, 1, 0, $question);
	} elsif ($mode eq 'otherq') {
		my $other = $question;
		substr($other, -4, 2) = pack('n', 16);
		push @out, reply($id, 0x8400, 1, 0, $other);
	} else {
		push @out, reply($id, 0x8400, 1, 1, $question);
	}
	$s->send($_, 0, $peer) for @out;
}
