# Exercises busybox sh and many applets; run by `busybox sh script.sh` natively and
# under `tabvm run`, and the two outputs must match byte for byte. Everything it
# prints is deterministic: no times, pids, inode numbers or directory sizes, and the
# random scratch directory name never appears in the output.
set -u
umask 022
W=$(mktemp -d /tmp/tabvm-bb.XXXXXX) || exit 90
trap 'cd /; rm -rf "$W"; echo "trap: scratch removed: $([ -e "$W" ] && echo no || echo yes)"' EXIT
cd "$W" || exit 91

section() { echo "== $*"; }

section shell arithmetic and loops
i=0 sum=0
while [ $i -lt 10 ]; do
    sum=$((sum + i * i))
    i=$((i + 1))
done
echo "sum of squares $sum"
n=17
echo $((n % 5)) $((n / 5)) $((n << 2)) $((n ^ 5)) $(((n > 10) && (n < 20))) $((-n / 3)) $((0x1f + 010))
until [ $n -le 1 ]; do
    if [ $((n % 2)) -eq 0 ]; then n=$((n / 2)); else n=$((3 * n + 1)); fi
    printf '%d ' $n
done
echo
for w in alpha beta gamma delta; do
    [ "$w" = gamma ] && continue
    printf '%-6s|%3d|\n' "$w" "${#w}"
done
for x in 1 2 3 4 5; do
    [ $x -eq 4 ] && break
    echo "x=$x"
done

section functions, case and parameters
fact() {
    if [ "$1" -le 1 ]; then echo 1; else echo $(($1 * $(fact $(($1 - 1))))); fi
}
echo "10! = $(fact 10)"
classify() {
    case "$1" in
        [0-9]*) echo "$1: number" ;;
        *.txt | *.md) echo "$1: document" ;;
        -*) echo "$1: option" ;;
        "") echo "(empty): nothing" ;;
        *) echo "$1: other"; return 3 ;;
    esac
}
for a in 42 notes.txt README.md --help "" thing; do classify "$a"; echo "  status $?"; done
set -- one "two words" three
echo "$# args, second: $2"
shift
for a in "$@"; do echo "arg <$a>"; done
v=/usr/local/lib/libfoo.so.1
echo "${v#*/} ${v##*/} ${v%.*} ${v%%.*} ${#v} ${unset_var:-default} ${v:+set}"
s="hello world"
echo "${s%% *}" "${s#* }"

section subshells, pipes and redirection
(cd / && pwd)
pwd | sed "s|$W|<scratch>|"
x=outer
(x=inner; echo "in subshell: $x")
echo "after subshell: $x"
echo "to stderr" 1>&2
{ echo one; echo two; echo three; } > lines.txt
echo four >> lines.txt
wc -l < lines.txt
cat missing-file 2>&1 | sed 's/^cat: //'
exec 3> fd3.txt
echo "via fd 3" >&3
exec 3>&-
cat fd3.txt
echo "$(echo "$(echo nested)") substitution"
false || echo "false returned $?"
true && echo "true returned $?"
! false && echo negation works

section here-documents
name=World
cat <<EOF
Hello, $name! $((6 * 7))
  indented line kept
EOF
cat <<'EOF'
Literal $name and $((1 + 1)) stay unexpanded
EOF
tr a-z A-Z <<-EOF
	tabs are stripped
	EOF

section text applets
seq 1 10 > nums.txt
seq 5 -2 -5 | tr '\n' ' '; echo
printf '%s=%d (%x) [%5.2f] %c%c\n' answer 42 255 3.14159 A B
printf 'line %d\n' 1 2 3
expr 7 \* 6
expr length "abcdef"
expr substr "abcdefgh" 3 4
expr 100 / 7 % 5
expr "abc123" : '[a-z]*'
test -f nums.txt && echo "nums.txt is a file"
test -d . && test ! -d nums.txt && echo "dir tests ok"
[ -z "" ] && [ -n x ] && echo "string tests ok"
[ 3 -lt 10 ] && [ abc \< abd ] && echo "compare tests ok"
sed -n '3,5p' nums.txt | tr '\n' ','; echo
sed -e 's/1/one/g' -e '/^[5-7]$/d' nums.txt | tr '\n' ' '; echo
echo "hello world" | sed 's/\(hello\) \(world\)/\2 \1/'
echo "abcabc" | sed 'y/abc/xyz/'
awk '{ s += $1 } END { print "awk sum", s, "avg", s / NR }' nums.txt
printf 'apple 3\nbanana 5\napple 4\ncherry 1\nbanana 2\n' > fruit.txt
awk '{ t[$1] += $2 } END { for (k in t) print k, t[k] }' fruit.txt | sort
awk -F: 'BEGIN { OFS = "|" } { $1 = $1; print NF, $0 }' <<EOF
a:b:c
d::f
EOF
awk 'BEGIN { printf "%05.1f %s %d\n", 3.14159, substr("abcdef", 2, 3), length("xyz"); x = sprintf("%c", 65); print x, toupper("q"), index("hello", "ll") }'
grep -c an fruit.txt
grep -v apple fruit.txt
grep -n -i BANANA fruit.txt
grep -E '^(apple|cherry) [13]$' fruit.txt
egrep -o '[0-9]+' fruit.txt | tr '\n' ' '; echo
grep -q zebra fruit.txt || echo "no zebra (status $?)"
sort fruit.txt
sort -k2 -n -r fruit.txt
sort -u -k1,1 fruit.txt
cut -d' ' -f1 fruit.txt | sort | uniq -c
printf 'b\na\nb\nc\na\n' | sort | uniq -d
wc fruit.txt
wc -w < fruit.txt
head -n 2 nums.txt
tail -n 3 nums.txt
tail -c 5 nums.txt
echo "root:x:0:0:root:/root:/bin/sh" | cut -d: -f1,6
echo "abcdefghij" | cut -c 2-4,8-
echo "Hello World" | tr 'a-z' 'A-Z'
echo "aabbccdd  spaces" | tr -s 'a-d '
echo "remove digits 123 here 456" | tr -d '0-9'
echo "tee test" | tee tee-copy.txt | rev
cat tee-copy.txt
echo "the quick brown fox jumps over the lazy dog" | fold -w 12
printf 'x\ny\n\nz\n' | nl
printf 'one\ttwo\n' | od -c
printf 'ABC\001\377' | od -A x -t x1
printf 'hexdump me please' | hexdump -C
printf 'base64 round trip' | base64 | tee b64.txt
base64 -d b64.txt; echo
factor 360 9973 1001
paste -d, nums.txt nums.txt | head -n 3
yes | head -n 3
yes tabvm | head -n 2

section files and directories
mkdir -p d/sub/deeper d/empty
touch d/a.txt d/b.txt d/sub/c.txt d/sub/deeper/e.txt
echo content > d/sub/data.bin
ln -s ../b.txt d/sub/link-to-b
ln d/b.txt d/hard-b
ls d
ls d/sub
ls -a d/empty | tr '\n' ' '; echo
readlink d/sub/link-to-b
cp nums.txt d/copy.txt
cp -r d/sub d/sub-copy
mv d/copy.txt d/moved.txt
rm d/a.txt
rmdir d/empty
ls d
find d -name '*.txt' | sort
find d -type d | sort
find d -type l | sort
basename /usr/lib/libc.so.6 .6
dirname /usr/lib/libc.so.6
basename "$(dirname d/sub/deeper/e.txt)"
chmod 640 d/b.txt
stat -c '%n %s %a %F %h' d/b.txt d/sub/data.bin nums.txt
stat -c '%F' d d/sub/link-to-b
[ d/hard-b -ef d/b.txt ] && echo "hard link points to the same file"
realpath d/sub/deeper/../data.bin | sed "s|$W|<scratch>|"
find d -name '*.txt' | sort | xargs -n 2 echo pair:
seq 1 7 | xargs echo all:

section archives and checksums
seq 1 2000 > big.txt
md5sum nums.txt big.txt
sha256sum nums.txt
md5sum < big.txt
gzip -c big.txt > big.txt.gz
gunzip -c big.txt.gz | md5sum
cp big.txt.gz copy.gz
gunzip copy.gz
cmp big.txt copy && echo "gunzip restored the file"
gzip -t big.txt.gz && echo "gzip archive tests ok"
tar cf arch.tar d nums.txt
tar tf arch.tar | sort
mkdir unpack
tar xf arch.tar -C unpack
diff -r d unpack/d && echo "tar round trip identical"
tar cf - nums.txt fruit.txt | gzip -c > arch.tgz
gunzip -c arch.tgz | tar tf -
dd if=big.txt of=part.bin bs=100 skip=3 count=2 2>/dev/null
md5sum part.bin
dd if=/dev/zero bs=512 count=4 2>/dev/null | wc -c
printf 'line1\nline2\nline3\n' > a.txt
printf 'line1\nchanged\nline3\nline4\n' > b.txt
diff -u a.txt b.txt > ab.diff
echo "diff status $?"
sed 1,2d ab.diff
cmp a.txt b.txt
echo "cmp status $?"
cmp a.txt a.txt && echo "identical files compare equal"

section environment and misc
env -i FOO=bar BAZ=qux env | sort
FOO=scoped env | grep '^FOO='
date -u -d @0
date -u -d @1000000000 '+%Y-%m-%d %H:%M:%S %A'
sleep 0 && echo "slept 0"
true; echo "true $?"
false; echo "false $?"
echo "last line"
exit 0
