#!/usr/bin/perl
# Verify every DKIM signature of the message on standard input with Mail::DKIM, an
# implementation independent of digest's signer and of dkimpy. Public keys come from the
# arguments (NAME=RECORD, NAME being <selector>._domainkey.<domain>) instead of DNS, which
# tests cannot reach. Prints one line per signature: result, detail, algorithm.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::PublicKey;

my %records = map { my ($name, $record) = split /=/, $_, 2; (lc $name => $record) } @ARGV;
{
    no warnings 'redefine';
    *Mail::DKIM::PublicKey::fetch_async = sub {
        my ($class, %query) = @_;
        my $on_success = ($query{Callbacks} || {})->{Success} || sub { $_[0] };
        my $record = $records{lc "$query{Selector}._domainkey.$query{Domain}"};
        my $result;
        if (defined $record) {
            my $key = $class->parse($record);
            $key->{Selector} = $query{Selector};
            $key->{Domain} = $query{Domain};
            $key->check;
            $result = $on_success->($key);
        } else {
            $result = $on_success->();
        }
        return sub { $result };
    };
}
my $verifier = Mail::DKIM::Verifier->new();
binmode STDIN;
while (my $line = <STDIN>) {
    $line =~ s/\r?\n\z/\r\n/;
    $verifier->PRINT($line);
}
$verifier->CLOSE;
foreach my $signature ($verifier->signatures) {
    printf "%s %s %s\n", $signature->result, ($signature->result_detail // "-"),
        $signature->algorithm;
}
