#!/usr/bin/env python3
"""Prints the primes below a bound: python3 primes.py 100"""
import sys


def primes(bound):
    sieve = bytearray([1]) * bound
    sieve[:2] = b"\0\0"
    for i in range(2, int(bound ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytes(len(range(i * i, bound, i)))
    return [i for i, p in enumerate(sieve) if p]


if __name__ == "__main__":
    print(*primes(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
