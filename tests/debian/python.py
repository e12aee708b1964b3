"""python3 with the standard library modules programs use most."""
import hashlib
import json
import math
import multiprocessing
import re
import sqlite3
import subprocess
import threading


def square(x):
    return x * x


def main():
    print("json", json.dumps({"b": [1, 2.5, None], "a": "\u00e9"}, sort_keys=True))
    print("json back", json.loads('{"x": [true, false, null]}'))
    print("re", re.findall(r"(\w+)@(\w+)\.org", "ann@py.org bob@gnu.org"), re.sub(r"\d+", "#", "a1b22c333"))
    print("math", math.factorial(25), math.gcd(1071, 462), f"{math.sqrt(2):.15f}", math.isclose(math.sin(math.pi), 0, abs_tol=1e-12))
    print("float", repr(0.1 + 0.2), float("inf") > 1e308, math.isnan(float("nan")), 2 ** 0.5, 1e22, 5e-324)
    print("bigint", 3 ** 200 % 1000003, (1 << 521) - 1 > 10 ** 156)
    print("hashlib", hashlib.sha256(b"tabvm").hexdigest()[:16], hashlib.md5(b"").hexdigest(), hashlib.sha1(b"abc").hexdigest()[:8])
    db = sqlite3.connect(":memory:")
    db.execute("create table t (k text primary key, v real)")
    db.executemany("insert into t values (?, ?)", [("a", 1.5), ("b", 2.25), ("c", -1)])
    print("sqlite3", db.execute("select count(*), sum(v), max(k) from t").fetchone())

    total = []
    lock = threading.Lock()

    def work(n):
        s = sum(range(n))
        with lock:
            total.append(s)

    threads = [threading.Thread(target=work, args=(10000 * i,)) for i in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("threading", sorted(total))

    out = subprocess.run(["sh", "-c", "echo from $0; exit 3", "sh"], capture_output=True, text=True)
    print("subprocess", out.stdout.strip(), out.returncode)
    print("pipe", subprocess.check_output("printf 'b\\na\\n' | sort", shell=True))

    with multiprocessing.Pool(2) as pool:
        print("multiprocessing", pool.map(square, range(8)))
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=q.put, args=("from child",))
    p.start()
    print("queue", q.get(), end=" ")
    p.join()
    print("exit", p.exitcode)


if __name__ == "__main__":
    main()
