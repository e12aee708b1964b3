#!/bin/bash
# The ten most frequent words of a file (or of stdin): ./count-words.sh FILE
tr -cs '[:alpha:]' '\n' < "${1:-/dev/stdin}" | tr '[:upper:]' '[:lower:]' |
    sort | uniq -c | sort -rn | head -n 10
