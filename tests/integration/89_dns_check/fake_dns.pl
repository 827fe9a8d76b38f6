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
#   twotsig  a NOERROR reply with two TSIG records in additional (RFC 8945
#            §5.1 allows one, the last; ldns would leak the first)
# Prints "listening ADDR:PORT" once the socket is bound; runs until killed.
use strict;
use warnings;
use IO::Socket::INET;

my ($mode, $addr, $port) = @ARGV;
die "usage: fake_dns.pl wrongid|noqr|otherq|short|twotsig ADDR PORT\n"
    unless defined $port && $mode =~ /^(wrongid|noqr|otherq|short|twotsig)$/;
my $s = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port,
    Proto => 'udp') or die "fake_dns: cannot bind $addr:$port: $!\n";
$| = 1;
print "listening $addr:$port\n";

# reply ID FLAGS QD AN QUESTION [AR]: a header and the question section
sub reply {
	my ($id, $flags, $qd, $an, $question, $ar) = @_;
	return pack('n6', $id, $flags, $qd, $an, 0, $ar // 0) . $question;
}

# A TSIG record (RFC 8945 §4.2) that parses: owner the key name "k",
# class ANY, algorithm hmac-sha256, an empty MAC
my $tsig_rdata = "\x0bhmac-sha256\0" . pack('n3 n n n n n', 0, 0, 1, 300, 0,
    0, 0, 0);
my $tsig = "\x01k\0" . pack('n n N n', 250, 255, 0, length $tsig_rdata)
    . $tsig_rdata;

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
	} elsif ($mode eq 'twotsig') {
		push @out, reply($id, 0x8400, 1, 0, $question, 2) . $tsig . $tsig;
	} else {
		push @out, reply($id, 0x8400, 1, 1, $question);
	}
	$s->send($_, 0, $peer) for @out;
}
