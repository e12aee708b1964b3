"""Writes SIZE bytes of deterministic English-like text (words drawn by a
fixed linear congruential generator), the input of the compression
workloads. usage: gen-text.py SIZE OUT"""
import sys

WORDS = (
    "the of and to in is that for it as was with be by on not he this are or "
    "his from at which but have an they you were her she there been one all "
    "would their we him when who will more no if out so said what up its about "
    "into than them can only other new some could time these two may then do "
    "first any my now such like our over man me even most made after also did "
    "many before must through back years where much your way well down should "
    "because each just those people how too little state good very make world "
    "still own see men work long get here between both life being under never "
    "day same another know while last might us great old year off come since "
    "against go came right used take three kernel process memory page signal "
    "file block chunk device interrupt register buffer socket thread cache"
).split()


def main(size, out):
    state, length, parts = 12345, 0, []
    while length < size:
        state = (state * 1103515245 + 12345) % 2**31
        word = WORDS[state % len(WORDS)]
        sep = ".\n" if state % 97 == 0 else (", " if state % 13 == 0 else " ")
        parts.append(word + sep)
        length += len(word) + len(sep)
    with open(out, "w") as f:
        f.write("".join(parts)[:size])


main(int(sys.argv[1]), sys.argv[2])
