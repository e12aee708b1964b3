#!/bin/bash
# bash features a login shell and scripts rely on.
set -u

echo "== pipelines and subshells"
seq 1 20 | grep 1 | sort -rn | head -n 3 | tr '\n' ' '; echo
( cd /; pwd ); pwd | sed 's|.*/||'
x=outer; ( x=inner; echo "sub $x" ); echo "after $x"
echo "status of false | true: $(false | true; echo $?), pipefail: $(set -o pipefail; false | true; echo $?)"
echo "PIPESTATUS: $(true | false | true; echo "${PIPESTATUS[@]}")"

echo "== here-documents and strings"
cat <<END
  home is ${HOME:-unset}, sum is $((6 * 7))
END
cat <<-'END'
	literal $HOME and $((1+1))
	END
tr a-z A-Z <<< "here string"

echo "== functions, arrays, arithmetic"
fib() { local n=$1; if ((n < 2)); then echo "$n"; else echo $(($(fib $((n - 1))) + $(fib $((n - 2))))); fi; }
echo "fib 15 = $(fib 15)"
a=(zero one two three); a+=(four); echo "${#a[@]} ${a[2]} ${a[@]:1:2}"
declare -A m=([k1]=v1 [k2]=v2); for k in $(echo "${!m[@]}" | tr ' ' '\n' | sort); do echo "$k=${m[$k]}"; done
s="Hello, World"; echo "${s,,} ${s^^} ${s/World/bash} ${#s} ${s:7}"
printf '%05d|%-6s|%x|%.3f\n' 42 ab 255 3.14159

echo "== process substitution and redirection"
diff <(printf 'a\nb\n') <(printf 'a\nc\n'); echo "diff status $?"
exec 3>fd3.txt; echo "to fd 3" >&3; exec 3>&-; cat fd3.txt
{ echo out; echo err >&2; } 2>&1 | sort

echo "== background jobs and wait"
sleep 0.2 & p1=$!
(exit 7) & p2=$!
wait $p2; echo "job 2 exited $?"
wait $p1; echo "job 1 exited $?"
for i in 1 2 3; do (echo "worker $i" > "w$i.txt") & done; wait; cat w1.txt w2.txt w3.txt

echo "== traps and signals"
trap 'echo "caught USR1"' USR1
kill -USR1 $$
( trap 'echo "child got TERM"; exit 3' TERM; kill -TERM $BASHPID; sleep 5 ); echo "child status $?"
sleep 10 & victim=$!; kill -INT $victim; wait $victim; echo "killed sleep: $?"
trap 'echo "exit trap runs"' EXIT
read -r line < /etc/hostname && [ -n "$line" ] && echo "read a line"
echo "done"
