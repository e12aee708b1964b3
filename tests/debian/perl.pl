#!/usr/bin/perl
# perl: regexes, hashes, sort, formats.
use strict;
use warnings;

my $text = "The quick brown fox jumps over the lazy dog; the dog sleeps.";
my %count;
$count{lc $1}++ while $text =~ /(\w+)/g;
for my $w (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count) {
    printf "%-6s %d\n", $w, $count{$w};
}
(my $swapped = $text) =~ s/(\w+) (\w+)/$2 $1/g;
print "$swapped\n";
my @dates = ("2024-03-01", "1999-12-31", "2010-07-04");
print join(",", sort map { /^(\d+)-(\d+)-(\d+)$/ ? "$3.$2.$1" : () } @dates), "\n";
print join(" ", map { sprintf "%.3f", sqrt $_ } 1 .. 5), "\n";
my $re = qr/(?<user>[a-z]+)@(?<host>[a-z.]+)/;
print "$+{user} at $+{host}\n" if "mail alice\@example.org now" =~ $re;
print scalar(reverse "stressed"), " ", uc("done"), "\n";
