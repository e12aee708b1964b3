#!/bin/bash
# The everyday tools of the root, on files made here.
set -eu
export LC_ALL=C TZ=UTC
mkdir -p tree/a/b tree/c
for i in $(seq 1 30); do printf 'line %d of file %d\n' $(seq 1 $i | tail -n1) "$i" > "tree/a/f$i.txt"; done
printf 'alpha\nbeta\ngamma\ndelta\n' > tree/c/words
ln -s ../../c/words tree/a/b/link

echo "== coreutils"
ls tree/a | sort | head -n 5; wc -l tree/c/words; du -sb tree/c | cut -f1
sort -r tree/c/words | uniq | paste -sd,; cut -c1-3 tree/c/words | tr '\n' ' '; echo
stat -c '%s %F %a' tree/c/words tree/a/b/link; readlink tree/a/b/link
sha256sum tree/c/words | cut -c1-16; md5sum < tree/c/words
date -d @86400 '+%Y-%m-%d %H:%M'; expr 7 \* 6; factor 360; seq -s' ' 5 -1 1
cp -a tree copy && diff -r tree copy && echo "copies equal"; rm -r copy
touch -d '2001-02-03 04:05:06' stamp && stat -c '%y' stamp | cut -c1-19

echo "== findutils, grep, sed, awk"
find tree -name 'f1*.txt' | sort | xargs grep -l 'file 1' | head -n 3
find tree -type l; find tree -newer stamp -type d | wc -l
grep -c ta tree/c/words; grep -E '^(al|de)' tree/c/words; grep -rn gamma tree | sort
sed -n '2,3p' tree/c/words; sed 's/a/A/g; /lph/d' tree/c/words | tr '\n' ' '; echo
awk '{ n += length($0) } END { printf "%d chars in %d lines\n", n, NR }' tree/c/words
gawk 'BEGIN { split("c a b", x); n = asort(x); for (i = 1; i <= n; i++) printf "%s ", x[i]; print "" }'

echo "== compression and archives"
tar cf t.tar tree; xz -6 -k t.tar; bzip2 -k t.tar; gzip -9 -k t.tar
xz -dc t.tar.xz | cmp - t.tar && bzip2 -dc t.tar.bz2 | cmp - t.tar && zcat t.tar.gz | cmp - t.tar && echo "round trips ok"
tar tf t.tar | sort | head -n 4

echo "== sqlite3, file, less"
sqlite3 db.sqlite 'create table t(a integer, b text); insert into t values (1, "one"), (2, "two"), (3, "three");'
sqlite3 db.sqlite 'select sum(a), group_concat(b, "+") from t; select count(*) from t where b like "t%";'
file -b tree/c/words t.tar.xz /bin/bash | sed 's/, BuildID\[sha1\]=[0-9a-f]*//'
less -F tree/c/words | head -n 2
